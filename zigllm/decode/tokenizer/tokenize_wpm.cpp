// WordPiece as llama.cpp's llm_tokenizer_wpm_session: normalize (first code point of each
// character's canonical decomposition, lower case), split at white space and around punctuation,
// ASCII symbols and CJK ideographs, then match each "▁"-prefixed word greedily, longest token first;
// a word that cannot be covered becomes [UNK].
#include <algorithm>

#include "zigllm/decode/tokenizer/llama_vocab.hpp"
#include "zigllm/decode/tokenizer/unicode.hpp"

namespace zigllm::decode::tok {

namespace {

bool is_chinese_char(uint32_t c) {
    return (c >= 0x04E00 && c <= 0x09FFF) || (c >= 0x03400 && c <= 0x04DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) ||
           (c >= 0x2B920 && c <= 0x2CEAF) ||  // llama.cpp (after HF): 0x2B920, not 0x2B820
           (c >= 0x0F900 && c <= 0x0FAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

}  // namespace

void LlamaVocab::encode_wpm(std::string_view text, std::vector<Token>& out) const {
    thread_local std::vector<uint32_t> cpts;
    thread_local std::vector<std::string> words;
    utf8_to_cpts(text, cpts);

    size_t n_words = 1;
    if (words.empty()) words.emplace_back();
    words[0].clear();
    auto back = [&]() -> std::string& { return words[n_words - 1]; };
    auto new_word = [&]() {
        if (words.size() == n_words) words.emplace_back();
        words[n_words++].clear();
    };
    for (uint32_t c : cpts) {
        c = cpt_nfd_first(c);
        const CptInfo info = cpt_info(c);
        if (info.whitespace) {
            if (!back().empty()) new_word();
            continue;
        }
        if (c == 0 || c == 0xFFFD || info.category == cat_control) continue;
        const uint32_t lower = cpt_tolower(c);
        if (info.category == cat_punctuation || (c < 0x7F && info.category == cat_symbol) || is_chinese_char(c)) {
            if (!back().empty()) new_word();
            append_utf8(lower, back());
            new_word();
        } else {
            append_utf8(lower, back());
        }
    }
    if (back().empty()) --n_words;

    thread_local std::string w;
    for (size_t k = 0; k < n_words; ++k) {
        if (words[k].empty()) continue;
        w = "\xe2\x96\x81";   // phantom space
        w += words[k];
        const int n = static_cast<int>(w.size());
        const size_t start = out.size();
        for (int i = 0; i < n; ++i) {
            bool match = false;
            for (int j = std::min(n, i + max_token_len_ + 1); j > i; --j) {
                Token id = text_to_token(std::string_view(w).substr(i, j - i));
                if (id >= 0) {
                    out.push_back(id);
                    match = true;
                    i = j - 1;
                    break;
                }
            }
            if (!match) {
                out.resize(start);  // discard the whole word
                break;
            }
        }
        if (out.size() == start && unk_ >= 0) out.push_back(unk_);
    }
}

}  // namespace zigllm::decode::tok
