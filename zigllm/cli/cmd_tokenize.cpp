// zigllm tokenize -m GGUF --text TEXT [--no-bos] [--special]: the token ids of a text, as
// llama_tokenize(add_special = !--no-bos, parse_special = --special). stdout: one line of ids.
#include <cstdio>
#include <string>

#include "zigllm/cli/command.hpp"
#include "zigllm/decode/vocab.hpp"
#include "zigllm/io/gguf.hpp"

namespace {

int run_tokenize(const std::vector<std::string>& args) {
    CLI::App app{"zigllm tokenize: the token ids of a text (the vocab's default special tokens added)"};
    std::string model, text, text_file;
    bool no_bos = false, special = false;
    app.add_option("-m,--model", model, "GGUF file with a tokenizer (vocab-only files are enough)")->required();
    auto* t = app.add_option("--text", text, "the text (UTF-8 bytes, taken as given)");
    auto* tf = app.add_option("--text-file", text_file, "read the text from this file (raw bytes)");
    t->excludes(tf);
    app.add_flag("--no-bos", no_bos, "add no special tokens at all (no BOS/EOS, no CLS/SEP)");
    app.add_flag("--special", special, "parse special-token text (e.g. <|endoftext|>) into those tokens");
    if (!zigllm::cli::parse(app, args)) return 0;
    if (t->count() == 0 && tf->count() == 0) throw zigllm::Error("-", "--text", "no text given (--text TEXT or --text-file FILE)");
    if (tf->count()) text = zigllm::cli::read_file(text_file);

    auto file = zigllm::io::GgufFile::open(model);
    auto vocab = zigllm::decode::Vocab::from_gguf(file);
    auto ids = vocab->encode(text, !no_bos, special);
    std::string line;
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i) line.push_back(',');
        line += std::to_string(ids[i]);
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    return 0;
}

zigllm::cli::Registrar reg{{"tokenize", "token ids of a text (-m GGUF --text TEXT [--no-bos] [--special])", run_tokenize}};

}  // namespace
