// Encode / decode entry points and the special-token split, as llama.cpp's llama_vocab::impl
// (tokenize, tokenizer_st_partition, token_to_piece, detokenize).
#include "zigllm/decode/tokenizer/llama_vocab.hpp"

#include "zigllm/io/error.hpp"

namespace zigllm::decode::tok {

namespace {

// C isspace in the "C" locale (llama.cpp strips around lstrip/rstrip special tokens with it)
bool c_isspace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

}  // namespace

void LlamaVocab::check_id(Token id, const char* what) const {
    if (id < 0 || static_cast<size_t>(id) >= n_tokens_)
        throw Error(file_, what, "token id " + std::to_string(id) + " is out of range (the vocabulary has " +
                                     std::to_string(n_tokens_) + " tokens)");
}

std::string_view LlamaVocab::token_text(Token id) const {
    check_id(id, "token id");
    return std::string_view(text_arena_).substr(text_off_[id], text_off_[id + 1] - text_off_[id]);
}

TokenAttr LlamaVocab::attr(Token id) const {
    check_id(id, "token id");
    const uint32_t a = attrs_[id];
    if (a & attr_control) return TokenAttr::control;
    if (a & attr_user_defined) return TokenAttr::user_defined;
    if (a & attr_unknown) return TokenAttr::unknown;
    if (a & attr_byte) return TokenAttr::byte;
    if (a & attr_unused) return TokenAttr::unused;
    if (a & attr_normal) return TokenAttr::normal;
    return TokenAttr::undefined;
}

uint32_t LlamaVocab::attr_bits(Token id) const {
    check_id(id, "token id");
    return attrs_[id];
}

float LlamaVocab::score(Token id) const {
    check_id(id, "token id");
    return scores_[id];
}

bool LlamaVocab::is_eog(Token id) const {
    return id >= 0 && static_cast<size_t>(id) < n_tokens_ && is_eog_[id];
}

Token LlamaVocab::text_to_token(std::string_view text) const {
    return token_index_.find(text_arena_, text);
}

const std::string& LlamaVocab::piece(Token id) const {
    check_id(id, "token id");
    return pieces_[id];
}

std::string LlamaVocab::token_to_piece(Token id, bool special) const {
    check_id(id, "token id");
    if (!special && (attrs_[id] & (attr_unknown | attr_control))) return {};
    return pieces_[id];
}

// tokenizer_st_partition: for each special token, longest text first, split every text fragment
// at its occurrences. Without parse_special only user-defined tokens are split out.
void LlamaVocab::partition_special(std::string_view text, bool parse_special, std::vector<Fragment>& frags) const {
    frags.clear();
    if (text.empty()) return;
    frags.push_back({0, static_cast<uint32_t>(text.size()), -1});
    thread_local std::vector<Fragment> next;
    for (Token id : special_tokens_) {
        const uint32_t a = attrs_[id];
        if (!parse_special && (a & (attr_control | attr_unknown))) continue;
        const std::string_view tt = token_text(id);
        if (text.find(tt) == std::string_view::npos) continue;  // nowhere: nothing to split
        next.clear();
        for (const Fragment& fr : frags) {
            if (fr.token >= 0) {
                next.push_back(fr);
                continue;
            }
            uint32_t pos = fr.begin;
            const std::string_view region = text.substr(0, fr.end);
            while (pos < fr.end) {
                size_t m = region.find(tt, pos);
                if (m == std::string_view::npos) break;
                uint32_t left_end = static_cast<uint32_t>(m);
                if (a & attr_lstrip)
                    while (left_end > pos && c_isspace(text[left_end - 1])) --left_end;
                if (left_end > pos) next.push_back({pos, left_end, -1});
                next.push_back({0, 0, id});
                pos = static_cast<uint32_t>(m + tt.size());
                if (a & attr_rstrip)
                    while (pos < fr.end && c_isspace(text[pos])) ++pos;
            }
            if (pos < fr.end) next.push_back({pos, fr.end, -1});
        }
        frags.swap(next);
    }
}

std::vector<Token> LlamaVocab::encode(std::string_view text, bool add_special, bool parse_special) const {
    std::vector<Token> out;
    thread_local std::vector<Fragment> frags;
    partition_special(text, parse_special, frags);
    out.reserve(text.size() / 3 + 4);

    switch (kind_) {
        case Kind::spm: {
            bool prev_special = true;  // the first fragment gets the space prefix too
            if (add_special && add_bos_ && bos_ >= 0) out.push_back(bos_);
            thread_local std::string buf;
            for (const Fragment& fr : frags) {
                if (fr.token >= 0) {
                    out.push_back(fr.token);
                    prev_special = true;
                    continue;
                }
                buf.clear();
                if (add_space_prefix_ && prev_special) buf.push_back(' ');
                buf.append(text.substr(fr.begin, fr.end - fr.begin));
                encode_spm(buf, out);
                prev_special = false;
            }
            if (add_special && add_eos_ && eos_ >= 0) out.push_back(eos_);
            break;
        }
        case Kind::bpe: {
            if (add_special && add_bos_ && bos_ >= 0) out.push_back(bos_);
            begin_bpe_call();
            for (const Fragment& fr : frags) {
                if (fr.token >= 0) out.push_back(fr.token);
                else encode_bpe(text.substr(fr.begin, fr.end - fr.begin), out);
            }
            if (add_special && add_eos_ && eos_ >= 0) out.push_back(eos_);
            break;
        }
        case Kind::wpm: {
            // llama.cpp adds [CLS] and [SEP] whenever add_special is set, whatever the add_* flags say
            if (add_special && bos_ >= 0) out.push_back(bos_);
            for (const Fragment& fr : frags) {
                if (fr.token >= 0) out.push_back(fr.token);
                else encode_wpm(text.substr(fr.begin, fr.end - fr.begin), out);
            }
            if (add_special && sep_ >= 0) out.push_back(sep_);
            break;
        }
    }
    return out;
}

std::string LlamaVocab::decode(const std::vector<Token>& ids, bool remove_special, bool unparse_special) const {
    for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= n_tokens_)
            throw Error(file_, "position " + std::to_string(i),
                        "token id " + std::to_string(ids[i]) + " is out of range (the vocabulary has " +
                            std::to_string(n_tokens_) + " tokens)");
    size_t begin = 0, end = ids.size();
    bool remove_space = add_space_prefix_;
    if (remove_special && add_bos_ && end > begin && ids[begin] == bos_) {
        remove_space = false;
        ++begin;
    }
    if (remove_special && add_eos_ && end > begin && ids[end - 1] == eos_) --end;

    std::string text;
    for (size_t i = begin; i < end; ++i) {
        const Token id = ids[i];
        if (!unparse_special && (attrs_[id] & (attr_unknown | attr_control))) {
            remove_space = false;
            continue;
        }
        std::string_view p = pieces_[id];
        if (remove_space && !p.empty() && p[0] == ' ') p.remove_prefix(1);
        remove_space = false;
        text.append(p);
    }
    if (!clean_spaces_ || text.empty()) return text;

    // llama.cpp's clean_up_tokenization_spaces passes, ported literally (in place).
    char* t = text.data();
    int64_t total = static_cast<int64_t>(text.size());
    const int64_t total1 = total;
    total = 1;
    for (int64_t i = 1; i < total1; ++i) {  // " ?", " !", " .", " ," lose the space
        const char x = t[i];
        if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ','))
            --total;
        t[total++] = x;
    }
    const int64_t total2 = total;
    total = total2 ? 1 : 0;
    for (int64_t i = 1; i < total2; ++i) {  // " ' " -> "'"
        const char x = t[i];
        if (x == '\'' && i + 1 < total2 && t[i - 1] == ' ' && t[i + 1] == ' ') {
            --total;
            t[++i] = '\0';
        }
        t[total++] = x;
    }
    const int64_t total3 = total;
    total = total3 ? 1 : 0;
    for (int64_t i = 1; i < total3; ++i) {  // " 's", " 'm", " 're", " 've" lose the space
        const char x = t[i];
        if (t[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
            const char x1 = t[i + 1];
            if (x1 == 't' || x1 == 'd') {
            } else if (x1 == 's' || x1 == 'm') {
                --total;
            } else if (i + 2 < total3) {
                const char x2 = t[i + 2];
                if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --total;
            }
        }
        t[total++] = x;
    }
    text.resize(static_cast<size_t>(total));
    return text;
}

}  // namespace zigllm::decode::tok
