// zigllm detokenize -m GGUF --ids IDS: the text of token ids, exactly as
// llama_detokenize(remove_special = false, unparse_special = true); nothing added.
#include <cstdio>
#include <string>

#include "zigllm/cli/command.hpp"
#include "zigllm/decode/vocab.hpp"
#include "zigllm/io/gguf.hpp"

namespace {

int run_detokenize(const std::vector<std::string>& args) {
    CLI::App app{"zigllm detokenize: the text of token ids (special tokens written out, nothing added)"};
    std::string model, ids_text;
    bool remove_special = false, no_unparse = false;
    app.add_option("-m,--model", model, "GGUF file with a tokenizer (vocab-only files are enough)")->required();
    app.add_option("--ids", ids_text, "token ids, comma-separated, no spaces")->required();
    app.add_flag("--remove-special", remove_special, "drop a leading BOS / trailing EOS the vocab adds");
    app.add_flag("--no-special", no_unparse, "write control tokens as nothing (unparse_special = false)");
    if (!zigllm::cli::parse(app, args)) return 0;
    auto ids = zigllm::cli::parse_ids(ids_text, "--ids");

    auto file = zigllm::io::GgufFile::open(model);
    auto vocab = zigllm::decode::Vocab::from_gguf(file);
    for (size_t i = 0; i < ids.size(); ++i)
        if (static_cast<size_t>(ids[i]) >= vocab->size())
            throw zigllm::Error(model, "--ids position " + std::to_string(i),
                                "token id " + std::to_string(ids[i]) + " is out of range (the vocabulary has " +
                                    std::to_string(vocab->size()) + " tokens)");
    std::string text = vocab->decode(ids, remove_special, !no_unparse);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

zigllm::cli::Registrar reg{{"detokenize", "text of token ids (-m GGUF --ids IDS)", run_detokenize}};

}  // namespace
