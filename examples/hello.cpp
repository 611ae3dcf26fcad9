// hello: load a GGUF model and stream a completion.
//   hello MODEL.gguf ["prompt"] [n_tokens]
#include <iostream>
#include <string>

#include <zigllm/zigllm.hpp>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: hello MODEL.gguf [PROMPT] [N_TOKENS]\n";
        return 2;
    }
    const std::string prompt = argc > 2 ? argv[2] : "Once upon a time";
    const int n = argc > 3 ? std::stoi(argv[3]) : 64;
    try {
        auto model = zigllm::load(argv[1]);   // registry: general.architecture -> type
        auto session = model->session({.n_ctx = 512, .threads = 2});
        std::cout << prompt;
        for (const std::string& piece : session.stream(prompt, {.max_tokens = n, .temperature = 0.0f}))
            std::cout << piece << std::flush;   // streaming
        std::cout << "\n";
    } catch (const zigllm::Error& e) {
        std::cerr << "hello: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
