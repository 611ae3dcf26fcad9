// The vocabulary and tokenizer interface the rest of zigllm uses (implemented by the tokenizer work).
//
// Contract (tokenizer <-> grammar / engine / CLI; change only together). Semantics are llama.cpp's
// (llama-vocab.cpp, July 2025): SPM, byte-level BPE (every tokenizer.ggml.pre of that version) and
// WordPiece; see zigllm/decode/tokenizer/ for the implementation. All members are const and
// thread-safe. Text is bytes; invalid UTF-8 is tokenized as llama.cpp does (as U+FFFD for BPE).
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

    // Additions (the GGUF-backed vocab implements them all; the defaults suit test doubles).
    // Ids out of range: token_to_piece / decode / piece / token_text / attr throw zigllm::Error.
    virtual std::string_view pre() const { return {}; }          // tokenizer.ggml.pre
    virtual Token eot() const { return -1; }
    virtual Token unk() const { return -1; }
    virtual Token sep() const { return -1; }
    virtual Token pad() const { return -1; }
    virtual bool add_bos() const { return false; }               // encode(add_special) adds BOS
    virtual bool add_eos() const { return false; }
    virtual uint32_t attr_bits(Token) const { return 0; }        // llama_token_attr bits (lstrip ...)
    // token_to_piece(id, true) without copying: a reference into a cache built at load.
    virtual const std::string& piece(Token id) const {
        thread_local std::string s;
        s = token_to_piece(id, true);
        return s;
    }
    virtual const std::vector<Token>& eog_ids() const {          // every id with is_eog, sorted
        static const std::vector<Token> none;
        return none;
    }
    virtual Token text_to_token(std::string_view) const { return -1; }  // exact token text -> id
    virtual float score(Token) const { return 0.0f; }
};

}  // namespace zigllm::decode
