// A SentencePiece-style ("llama") vocabulary for synthetic models: <unk> <s> </s>, the 256 byte
// tokens <0x00>..<0xFF>, then word pieces, so any text tokenizes (bytes as fallback) and common
// English words become single tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zigllm/io/gguf.hpp"

namespace zigllm::tools {

struct SynthVocab {
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;   // llama_token_type: 1 normal, 2 unknown, 3 control, 6 byte
    int32_t unk = 0, bos = 1, eos = 2;
};

// n_vocab >= 260 (specials and bytes plus at least one piece).
SynthVocab make_spm_vocab(int n_vocab);

// The tokenizer.ggml.* keys of a llama-family GGUF.
void write_spm_vocab(io::GgufWriter& w, const SynthVocab& v);

}  // namespace zigllm::tools
