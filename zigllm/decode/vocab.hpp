// The vocabulary and tokenizer interface the rest of zigllm uses (implemented by the tokenizer work).
//
// Contract (tokenizer <-> grammar / engine / CLI; change only together):
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zigllm/io/gguf.hpp"

namespace zigllm::decode {

using Token = int32_t;

enum class TokenAttr : uint32_t {  // llama.cpp's token types (tokenizer.ggml.token_type)
    undefined = 0, normal = 1, unknown = 2, control = 3, user_defined = 4, unused = 5, byte = 6,
};

class Vocab {
public:
    // Reads tokenizer.ggml.* from the file; Error(file, key, ...) on bad or missing fields.
    static std::shared_ptr<const Vocab> from_gguf(const io::GgufFile& f);
    virtual ~Vocab() = default;

    virtual size_t size() const = 0;
    virtual std::string_view model() const = 0;     // tokenizer.ggml.model: "llama", "gpt2", "bert" ...
    // llama_tokenize(add_special, parse_special)
    virtual std::vector<Token> encode(std::string_view text, bool add_special, bool parse_special) const = 0;
    // llama_token_to_piece(special): the bytes this token stands for in output text.
    virtual std::string token_to_piece(Token id, bool special) const = 0;
    // llama_detokenize(remove_special, unparse_special)
    virtual std::string decode(const std::vector<Token>& ids, bool remove_special, bool unparse_special) const = 0;
    virtual bool is_eog(Token id) const = 0;          // end of generation (EOS, EOT, ...)
    virtual Token bos() const = 0;                    // -1 when none
    virtual Token eos() const = 0;
    virtual std::string_view token_text(Token id) const = 0;  // raw tokenizer.ggml.tokens entry
    virtual TokenAttr attr(Token id) const = 0;
};

}  // namespace zigllm::decode
