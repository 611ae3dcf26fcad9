// Helpers shared by the tokenizer tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "zigllm/decode/vocab.hpp"
#include "zigllm/io/gguf.hpp"
#include "zigllm_test.hpp"

namespace zigllm::tok_test {

inline std::shared_ptr<const decode::Vocab> load_vocab(const std::string& name) {
    auto f = io::GgufFile::open(test::ref_path("vocab/ggml-vocab-" + name + ".gguf").string());
    return decode::Vocab::from_gguf(f);
}

// The test inputs: the .inp file split at "\n__ggml_vocab_test__\n"; the empty rest is no test.
inline std::vector<std::string> read_inputs(const std::string& name) {
    std::string all = test::read_text(test::ref_path("vocab/ggml-vocab-" + name + ".gguf.inp"));
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> out;
    size_t pos = 0;
    for (;;) {
        size_t m = all.find(sep, pos);
        if (m == std::string::npos) break;
        out.push_back(all.substr(pos, m - pos));
        pos = m + sep.size();
    }
    return out;
}

inline std::string ids_str(const std::vector<decode::Token>& ids) {
    std::string s = "[";
    for (size_t i = 0; i < ids.size(); ++i) s += (i ? " " : "") + std::to_string(ids[i]);
    return s + "]";
}

inline std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '\r') out += "\\r";
        else out.push_back(static_cast<char>(c));
    }
    return out + "\"";
}

}  // namespace zigllm::tok_test
