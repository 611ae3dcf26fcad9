// custom_arch: a new architecture as a type alias in user code (LLaMA's attention with LayerNorm
// and a GELU MLP), run through the static type on a model `zigllm synth` writes.
//   custom_arch MODEL.gguf      (e.g. zigllm synth --arch llama --shape tiny --type F16 --out m.gguf)
//   custom_arch --synth OUT.gguf  writes that model first (the function behind `zigllm synth`)
// The file's tensors are looked up by the usual GGUF names; this type reads attn_norm/ffn_norm as
// LayerNorm gains (biases when present) and ffn_up/ffn_down as the GELU MLP.
#include <iostream>
#include <string>

#include <zigllm/tools/synth.hpp>
#include <zigllm/zigllm.hpp>

using MyArch = zigllm::decoder<
    zigllm::token_embedding,
    zigllm::layer<zigllm::pre_norm<zigllm::layer_norm>,
                  zigllm::attention<zigllm::rope<zigllm::rope_style::neox>, zigllm::heads::grouped>,
                  zigllm::pre_norm<zigllm::layer_norm>, zigllm::ffn<zigllm::gelu_mlp>>,
    zigllm::final_norm<zigllm::layer_norm>, zigllm::lm_head<>>;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: custom_arch MODEL.gguf\n";
        return 2;
    }
    try {
        std::string path = argv[1];
        if (path == "--synth" && argc > 2) {
            path = argv[2];
            zigllm::tools::SynthOptions o;
            o.arch = "llama";
            o.shape = "tiny";
            o.type = "F16";
            o.out = path;
            zigllm::tools::synth(o);
        }
        zigllm::Model<MyArch> model{path};   // static type, checked at load
        std::cout << model.plan_text();
        auto session = model.session({.n_ctx = 128});
        std::vector<zigllm::Token> prompt{1, 100, 200};
        std::cout << "generated ids:";
        session.generate(prompt, {.max_tokens = 16, .temperature = 0.0f, .ignore_eos = true}, [](zigllm::Token t) {
            std::cout << " " << t << std::flush;
            return true;
        });
        std::cout << "\n";
    } catch (const zigllm::Error& e) {
        std::cerr << "custom_arch: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
