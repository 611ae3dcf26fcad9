// The concrete vocabulary: llama.cpp's llama_vocab (SPM, byte-level BPE, WordPiece) read from GGUF.
// Internal header; users see zigllm/decode/vocab.hpp.
//
// Where llama.cpp asserts, aborts, throws std::out_of_range or reads out of bounds, we do this instead:
//   * load: duplicate token texts, scores / token types of the wrong length, a gpt2 vocabulary
//     without merges, an unknown pre-tokenizer, a non-integer special id -> zigllm::Error;
//     a default special id (e.g. gpt2's BOS 11) beyond the vocabulary -> no such token (-1);
//   * encode: add_special with no BOS/EOS/SEP token -> nothing added; SPM byte fallback without a
//     <0xHH> (or raw byte) token -> <unk>; WordPiece word without match and no [UNK] -> nothing;
//     UTF-8 beyond U+10FFFF -> U+FFFD per byte, like every other invalid sequence;
//   * pieces: a WordPiece byte-type token has an empty piece; ids out of range -> zigllm::Error.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zigllm/decode/tokenizer/flat_index.hpp"
#include "zigllm/decode/tokenizer/pretokenizer.hpp"
#include "zigllm/decode/vocab.hpp"

namespace zigllm::decode::tok {

// llama.cpp's llama_token_attr bits.
enum AttrBits : uint32_t {
    attr_undefined = 0, attr_unknown = 1u << 0, attr_unused = 1u << 1, attr_normal = 1u << 2,
    attr_control = 1u << 3, attr_user_defined = 1u << 4, attr_byte = 1u << 5, attr_normalized = 1u << 6,
    attr_lstrip = 1u << 7, attr_rstrip = 1u << 8, attr_single_word = 1u << 9,
};

enum class Kind { spm, bpe, wpm };

class LlamaVocab final : public Vocab {
public:
    explicit LlamaVocab(const io::GgufFile& f);

    size_t size() const override { return n_tokens_; }
    std::string_view model() const override { return model_; }
    std::vector<Token> encode(std::string_view text, bool add_special, bool parse_special) const override;
    std::string token_to_piece(Token id, bool special) const override;
    std::string decode(const std::vector<Token>& ids, bool remove_special, bool unparse_special) const override;
    bool is_eog(Token id) const override;
    Token bos() const override { return bos_; }
    Token eos() const override { return eos_; }
    std::string_view token_text(Token id) const override;
    TokenAttr attr(Token id) const override;

    std::string_view pre() const override { return pre_; }
    Token eot() const override { return eot_; }
    Token unk() const override { return unk_; }
    Token sep() const override { return sep_; }
    Token pad() const override { return pad_; }
    bool add_bos() const override { return add_bos_; }
    bool add_eos() const override { return add_eos_; }
    uint32_t attr_bits(Token id) const override;
    const std::string& piece(Token id) const override;
    const std::vector<Token>& eog_ids() const override { return eog_; }
    Token text_to_token(std::string_view text) const override;
    float score(Token id) const override;

private:
    // loading (llama_vocab_load.cpp)
    void load_tokens(const io::GgufFile& f);
    void load_special_ids(const io::GgufFile& f);
    void detect_special_tokens_by_text();
    void build_caches(const io::GgufFile& f);
    std::string make_piece(Token id) const;

    // encoding (spm/bpe/wpm.cpp)
    struct Fragment { uint32_t begin, end; Token token; };  // token >= 0: a special token, else text
    void partition_special(std::string_view text, bool parse_special, std::vector<Fragment>& out) const;
    void encode_spm(std::string_view text, std::vector<Token>& out) const;
    void begin_bpe_call() const;   // resets the per-call word cache
    void encode_bpe(std::string_view text, std::vector<Token>& out) const;
    void encode_bpe_word(std::string_view word, std::vector<Token>& out) const;  // one pre-tokenized word
    void encode_wpm(std::string_view text, std::vector<Token>& out) const;
    Token byte_token(uint8_t byte) const;   // SPM byte fallback
    int merge_rank(std::string_view joined, uint32_t left_len) const;
    void check_id(Token id, const char* what) const;

    std::string file_;
    std::string model_, pre_;
    Kind kind_ = Kind::spm;
    size_t n_tokens_ = 0;

    std::string text_arena_;             // all token texts, back to back
    std::vector<uint32_t> text_off_;     // n_tokens + 1 offsets into text_arena_
    std::vector<float> scores_;
    std::vector<uint32_t> attrs_;        // AttrBits
    FlatIndex token_index_;              // token text -> id
    std::string merge_arena_;            // each merge's two halves, back to back
    FlatIndex merge_index_;              // (both halves, length of the left one) -> rank
    std::unique_ptr<PreTokenizer> pretok_;

    Token bos_ = -1, eos_ = -1, eot_ = -1, eom_ = -1, unk_ = -1, sep_ = -1, pad_ = -1, mask_ = -1;
    Token fim_pre_ = -1, fim_suf_ = -1, fim_mid_ = -1, fim_pad_ = -1, fim_rep_ = -1, fim_sep_ = -1;
    bool add_space_prefix_ = false, add_bos_ = false, add_eos_ = false, add_sep_ = false;
    bool ignore_merges_ = false, clean_spaces_ = false;
    bool spm_word_split_ = false;        // SPM may merge word by word (no token has "▁" inside)
    int max_token_len_ = 0;

    std::vector<Token> special_tokens_;  // control / user-defined / unknown, longest text first
    std::vector<std::string> pieces_;    // token_to_piece(special = true)
    std::vector<Token> eog_;             // sorted
    std::vector<uint8_t> is_eog_;
};

}  // namespace zigllm::decode::tok
