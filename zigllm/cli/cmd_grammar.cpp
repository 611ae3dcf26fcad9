// zigllm grammar-allowed / grammar-check (shared/notes/cli-contract.md sections 3 and 4).
//   grammar-allowed -m VOCAB.gguf --grammar G.gbnf [--prefix-tokens IDS] [--root NAME]
//       stdout: the allowed next token ids after the prefix, increasing, comma-separated.
//   grammar-check --grammar FILE [--root NAME]
//       exit 0 for a valid grammar; 1 with `zigllm: FILE: line L, column C: what` otherwise.
#include <cstdio>
#include <string>

#include "zigllm/cli/command.hpp"
#include "zigllm/decode/grammar.hpp"
#include "zigllm/decode/grammar_matcher.hpp"
#include "zigllm/decode/vocab.hpp"
#include "zigllm/io/error.hpp"
#include "zigllm/io/gguf.hpp"

namespace {

int run_grammar_allowed(const std::vector<std::string>& args) {
    CLI::App app{"zigllm grammar-allowed: the tokens a GBNF grammar allows next, after a prefix of tokens"};
    std::string model, grammar_file, prefix, root = "root";
    app.add_option("-m,--model", model, "GGUF file with a tokenizer (vocab-only files are enough)")->required();
    app.add_option("--grammar", grammar_file, "GBNF grammar file (llama.cpp's dialect)")->required();
    app.add_option("--prefix-tokens", prefix, "token ids accepted before the mask, comma-separated");
    app.add_option("--root", root, "start rule (default: root)");
    if (!zigllm::cli::parse(app, args)) return 0;

    const std::string text = zigllm::cli::read_file(grammar_file);
    auto grammar = zigllm::decode::Grammar::parse(text, root, grammar_file);
    auto ids = zigllm::cli::parse_ids(prefix, "--prefix-tokens");
    auto file = zigllm::io::GgufFile::open(model);
    auto vocab = zigllm::decode::Vocab::from_gguf(file);
    zigllm::decode::GrammarMatcher matcher(grammar, zigllm::decode::TokenTrie::from_vocab(*vocab));
    for (size_t i = 0; i < ids.size(); ++i) {
        try {
            matcher.accept(ids[i]);
        } catch (const zigllm::Error& e) {
            throw zigllm::Error(grammar_file, "position " + std::to_string(i),
                                "prefix token " + std::to_string(ids[i]) + " refused: " + e.reason());
        }
    }
    std::string line;
    for (auto id : matcher.allowed_tokens()) {
        if (!line.empty()) line.push_back(',');
        line += std::to_string(id);
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    return 0;
}

int run_grammar_check(const std::vector<std::string>& args) {
    CLI::App app{"zigllm grammar-check: exit 0 if a GBNF grammar is valid, 1 with the error otherwise"};
    std::string grammar_file, root = "root";
    app.add_option("--grammar", grammar_file, "GBNF grammar file (the whole file is the grammar)")->required();
    app.add_option("--root", root, "start rule (default: root)");
    if (!zigllm::cli::parse(app, args)) return 0;
    const std::string text = zigllm::cli::read_file(grammar_file);
    (void)zigllm::decode::Grammar::parse(text, root, grammar_file);
    return 0;
}

zigllm::cli::Registrar reg_allowed{{"grammar-allowed",
    "allowed next tokens of a GBNF grammar (-m GGUF --grammar G.gbnf [--prefix-tokens IDS] [--root NAME])",
    run_grammar_allowed}};
zigllm::cli::Registrar reg_check{{"grammar-check", "validate a GBNF grammar (--grammar FILE [--root NAME])",
    run_grammar_check}};

}  // namespace
