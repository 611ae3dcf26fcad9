// Loading a vocabulary from GGUF metadata, as llama.cpp's llama_vocab::impl::load (July 2025),
// except that every inconsistency llama.cpp asserts on (or reads out of bounds for) is a zigllm::Error.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <unordered_map>

#include "zigllm/decode/tokenizer/llama_vocab.hpp"
#include "zigllm/decode/tokenizer/unicode.hpp"
#include "zigllm/io/error.hpp"

namespace zigllm::decode {

std::shared_ptr<const Vocab> Vocab::from_gguf(const io::GgufFile& f) {
    return std::make_shared<tok::LlamaVocab>(f);
}

}  // namespace zigllm::decode

namespace zigllm::decode::tok {

namespace {

const io::GgufValue* find_array(const io::GgufFile& f, const char* key, io::GgufType elem_kind_hint, bool strings) {
    const io::GgufValue* v = f.find(key);
    if (!v) return nullptr;
    if (!v->is_array()) f.fail(key, "expected an array, found " + std::string(io::gguf_type_name(v->type())));
    if (strings && v->elem_type() != io::GgufType::STRING)
        f.fail(key, "expected an array of strings, found " + std::string(io::gguf_type_name(v->elem_type())));
    if (!strings && (v->elem_type() == io::GgufType::STRING || v->elem_type() == io::GgufType::ARRAY))
        f.fail(key, "expected a numeric array");
    (void)elem_kind_hint;
    return v;
}

// True when no token has a "▁" that follows another character (other than a "▁"): then no token
// can span the start of a "▁"-led word, and SPM can merge word by word.
bool no_token_spans_word_starts(std::string_view arena, const std::vector<uint32_t>& off) {
    static constexpr std::string_view space = "\xe2\x96\x81";
    for (size_t i = 0; i + 1 < off.size(); ++i) {
        std::string_view t = arena.substr(off[i], off[i + 1] - off[i]);
        for (size_t p = t.find(space, 1); p != std::string_view::npos; p = t.find(space, p + 1))
            if (p < 3 || t.substr(p - 3, 3) != space) return false;
    }
    return true;
}

uint32_t attr_from_type(int64_t t) {
    switch (t) {
        case 1: return attr_normal;
        case 2: return attr_unknown;
        case 3: return attr_control;
        case 4: return attr_user_defined;
        case 5: return attr_unused;
        case 6: return attr_byte;
        default: return attr_undefined;
    }
}

}  // namespace

LlamaVocab::LlamaVocab(const io::GgufFile& f) : file_(f.path()) {
    const io::GgufValue* m = f.find("tokenizer.ggml.model");
    if (!m) f.fail("tokenizer.ggml.model", "missing: the file has no tokenizer");
    model_ = std::string(m->as_string());
    pre_ = std::string(f.get_string("tokenizer.ggml.pre", ""));

    if (model_ == "llama") {
        kind_ = Kind::spm;
        bos_ = 1; eos_ = 2; unk_ = 0;
        add_space_prefix_ = true; add_bos_ = true;
    } else if (model_ == "bert") {
        kind_ = Kind::wpm;
        bos_ = 101; unk_ = 100; sep_ = 102; pad_ = 0; mask_ = 103;
        add_bos_ = true; add_sep_ = true; clean_spaces_ = true;
    } else if (model_ == "gpt2") {
        kind_ = Kind::bpe;
        bos_ = 11; eos_ = 11;
        clean_spaces_ = true;
        BpePreConfig pc;
        if (!bpe_pre_config(pre_, pc)) f.fail("tokenizer.ggml.pre", "unknown pre-tokenizer type '" + pre_ + "'");
        clean_spaces_ = pc.clean_spaces;
        ignore_merges_ = pc.ignore_merges;
        if (pc.add_bos) add_bos_ = true;
        if (pc.add_sep) add_sep_ = true;
        if (pc.no_bos) bos_ = -1;
        pretok_ = std::make_unique<PreTokenizer>(pc.regex_group);
    } else if (model_ == "no_vocab" || model_ == "none") {
        f.fail("tokenizer.ggml.model", "the file has no vocabulary ('" + model_ + "')");
    } else {
        f.fail("tokenizer.ggml.model", "unsupported tokenizer '" + model_ + "' (supported: llama, gpt2, bert)");
    }
    add_space_prefix_ = f.get_bool("tokenizer.ggml.add_space_prefix", add_space_prefix_);

    load_tokens(f);
    if (kind_ == Kind::bpe) {
        const io::GgufValue* merges = find_array(f, "tokenizer.ggml.merges", io::GgufType::STRING, true);
        if (!merges) f.fail("tokenizer.ggml.merges", "missing: a gpt2 (BPE) tokenizer needs its merges");
        const uint64_t n = merges->size();
        // Keys are views into merge_arena_: size it first so that it never reallocates.
        size_t total = 0;
        for (uint64_t i = 0; i < n; ++i) total += merges->string_at(i).size();
        merge_arena_.reserve(total);
        std::vector<std::pair<uint32_t, uint32_t>> spans(n);
        std::vector<uint32_t> lefts(n);
        for (uint64_t i = 0; i < n; ++i) {
            std::string_view w = merges->string_at(i);
            // llama.cpp: split at the first space after position 0; no space -> both halves empty
            size_t pos = w.size() > 1 ? w.find(' ', 1) : std::string_view::npos;
            uint32_t begin = static_cast<uint32_t>(merge_arena_.size());
            if (pos != std::string_view::npos) {
                merge_arena_.append(w.substr(0, pos));
                merge_arena_.append(w.substr(pos + 1));
            }
            spans[i] = {begin, static_cast<uint32_t>(merge_arena_.size()) - begin};
            lefts[i] = pos == std::string_view::npos ? 0 : static_cast<uint32_t>(pos);
        }
        merge_index_.reserve(n);
        for (uint64_t i = 0; i < n; ++i)   // the first occurrence of a pair keeps its rank
            merge_index_.insert(merge_arena_, spans[i].first, spans[i].second, lefts[i], static_cast<int32_t>(i));
    }
    if (kind_ == Kind::spm) spm_word_split_ = no_token_spans_word_starts(text_arena_, text_off_);
    load_special_ids(f);
    detect_special_tokens_by_text();
    build_caches(f);
}

void LlamaVocab::load_tokens(const io::GgufFile& f) {
    const io::GgufValue* tokens = find_array(f, "tokenizer.ggml.tokens", io::GgufType::STRING, true);
    if (!tokens) f.fail("tokenizer.ggml.tokens", "missing: the tokenizer has no token list");
    const uint64_t n = tokens->size();
    if (n == 0) f.fail("tokenizer.ggml.tokens", "the token list is empty");
    if (n > static_cast<uint64_t>(INT32_MAX) - 1) f.fail("tokenizer.ggml.tokens", "too many tokens");
    n_tokens_ = static_cast<size_t>(n);

    const io::GgufValue* scores = find_array(f, "tokenizer.ggml.scores", io::GgufType::F32, false);
    if (scores && scores->size() != n)
        f.fail("tokenizer.ggml.scores", std::to_string(scores->size()) + " scores for " + std::to_string(n) + " tokens");
    const io::GgufValue* types = find_array(f, "tokenizer.ggml.token_type", io::GgufType::I32, false);
    if (types && types->size() != n)
        f.fail("tokenizer.ggml.token_type", std::to_string(types->size()) + " types for " + std::to_string(n) + " tokens");

    size_t total = 0;
    for (uint64_t i = 0; i < n; ++i) total += tokens->string_at(i).size();
    text_arena_.reserve(total + 16 * 64);
    text_off_.resize(n + 1);
    scores_.resize(n);
    attrs_.resize(n);
    for (uint64_t i = 0; i < n; ++i) {
        text_off_[i] = static_cast<uint32_t>(text_arena_.size());
        std::string_view w = tokens->string_at(i);
        if (w.empty()) text_arena_ += "[EMPTY_" + std::to_string(i) + "]";  // as llama.cpp
        else text_arena_.append(w);
        if (text_arena_.size() > UINT32_MAX - 64) f.fail("tokenizer.ggml.tokens", "token texts too large");
        scores_[i] = scores ? static_cast<float>(scores->float_at(i)) : 0.0f;
        attrs_[i] = types ? attr_from_type(types->int_at(i)) : attr_normal;
    }
    text_off_[n] = static_cast<uint32_t>(text_arena_.size());

    token_index_.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
        const uint32_t len = text_off_[i + 1] - text_off_[i];
        int32_t prev = token_index_.insert(text_arena_, text_off_[i], len, 0, static_cast<int32_t>(i));
        if (prev >= 0)
            f.fail("tokenizer.ggml.tokens", "token " + std::to_string(i) + " repeats the text of token " + std::to_string(prev));
        max_token_len_ = std::max(max_token_len_, static_cast<int>(len));
    }
}

void LlamaVocab::load_special_ids(const io::GgufFile& f) {
    const std::pair<const char*, Token*> keys[] = {
        {"tokenizer.ggml.bos_token_id", &bos_},         {"tokenizer.ggml.eos_token_id", &eos_},
        {"tokenizer.ggml.eot_token_id", &eot_},         {"tokenizer.ggml.eom_token_id", &eom_},
        {"tokenizer.ggml.unknown_token_id", &unk_},     {"tokenizer.ggml.seperator_token_id", &sep_},
        {"tokenizer.ggml.padding_token_id", &pad_},     {"tokenizer.ggml.mask_token_id", &mask_},
        {"tokenizer.ggml.fim_pre_token_id", &fim_pre_}, {"tokenizer.ggml.fim_suf_token_id", &fim_suf_},
        {"tokenizer.ggml.fim_mid_token_id", &fim_mid_}, {"tokenizer.ggml.fim_pad_token_id", &fim_pad_},
        {"tokenizer.ggml.fim_rep_token_id", &fim_rep_}, {"tokenizer.ggml.fim_sep_token_id", &fim_sep_},
        {"tokenizer.ggml.prefix_token_id", &fim_pre_},  {"tokenizer.ggml.suffix_token_id", &fim_suf_},
        {"tokenizer.ggml.middle_token_id", &fim_mid_},
    };
    for (auto [key, id] : keys) {
        const io::GgufValue* v = f.find(key);
        if (!v) continue;
        if (v->is_array() || v->type() == io::GgufType::STRING || v->type() == io::GgufType::F32 ||
            v->type() == io::GgufType::F64 || v->type() == io::GgufType::BOOL)
            f.fail(key, "expected a token id (integer), found " + std::string(io::gguf_type_name(v->type())));
        int64_t x = v->as_int();
        // llama.cpp keeps the default for an id beyond the vocabulary (with a warning)
        if (x >= 0 && static_cast<uint64_t>(x) < n_tokens_) *id = static_cast<Token>(x);
    }
    add_bos_ = f.get_bool("tokenizer.ggml.add_bos_token", add_bos_);
    add_eos_ = f.get_bool("tokenizer.ggml.add_eos_token", add_eos_);
    add_sep_ = f.get_bool("tokenizer.ggml.add_sep_token", add_sep_);
    // Defaults that do not exist in this vocabulary mean "none" (llama.cpp would index past the end).
    for (Token* id : {&bos_, &eos_, &eot_, &eom_, &unk_, &sep_, &pad_, &mask_})
        if (*id >= static_cast<Token>(n_tokens_)) *id = -1;
}

void LlamaVocab::detect_special_tokens_by_text() {
    struct Role {
        Token* id;
        std::initializer_list<std::string_view> names;
    };
    const Role roles[] = {
        {&eot_, {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "_<EOT>",
                 "<｜end▁of▁sentence｜>", "<end_of_utterance>"}},
        {&eom_, {"<|eom_id|>"}},
        {&fim_pre_, {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>"}},
        {&fim_suf_, {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>"}},
        {&fim_mid_, {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>"}},
        {&fim_pad_, {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>"}},
        {&fim_rep_, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}},
        {&fim_sep_, {"<|file_sep|>"}},
    };
    // llama.cpp walks its std::unordered_map<std::string, llama_token> and takes, for each role not
    // set by a key, the first candidate it meets. When a role has several candidates, that order
    // decides: rebuild the same map (same libstdc++ container, same insertions) to know it.
    std::unordered_map<std::string_view, size_t> map_order;
    auto order_of = [&](Token id) {
        if (map_order.empty()) {
            std::unordered_map<std::string, Token> m;
            for (size_t i = 0; i < n_tokens_; ++i) m[std::string(token_text(static_cast<Token>(i)))] = static_cast<Token>(i);
            size_t k = 0;
            for (const auto& kv : m) map_order.emplace(token_text(kv.second), k++);
        }
        return map_order.at(token_text(id));
    };
    auto make_control = [&](Token id) {
        if ((attrs_[id] & attr_control) == 0) attrs_[id] = attr_control;
    };
    for (const Role& r : roles) {
        if (*r.id != -1) continue;
        std::vector<Token> cands;
        for (auto name : r.names)
            if (Token t = text_to_token(name); t >= 0) cands.push_back(t);
        if (cands.empty()) continue;
        Token best = cands[0];
        if (cands.size() > 1)
            for (Token c : cands)
                if (order_of(c) < order_of(best)) best = c;
        *r.id = best;
        make_control(best);
    }

    std::vector<Token> eog;
    for (Token id : {fim_pad_, fim_rep_, fim_sep_})
        if (id != -1) eog.push_back(id);
    for (std::string_view name : {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
                                  "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>"}) {
        if (Token t = text_to_token(name); t >= 0) {
            eog.push_back(t);
            make_control(t);
        }
    }
    for (Token id : {eos_, eot_, eom_})
        if (id != -1) eog.push_back(id);
    std::sort(eog.begin(), eog.end());
    eog.erase(std::unique(eog.begin(), eog.end()), eog.end());
    eog_ = std::move(eog);
    is_eog_.assign(n_tokens_, 0);
    for (Token id : eog_) is_eog_[id] = 1;
}

void LlamaVocab::build_caches(const io::GgufFile& f) {
    for (size_t id = 0; id < n_tokens_; ++id)
        if (attrs_[id] & (attr_control | attr_user_defined | attr_unknown)) special_tokens_.push_back(static_cast<Token>(id));
    // The same (unstable) std::sort as llama.cpp, so that equal lengths end up in the same order.
    std::sort(special_tokens_.begin(), special_tokens_.end(),
              [&](Token a, Token b) { return token_text(a).size() > token_text(b).size(); });

    pieces_.resize(n_tokens_);
    for (size_t id = 0; id < n_tokens_; ++id) pieces_[id] = make_piece(static_cast<Token>(id));

    // Per-model token attributes (llama.cpp sets them by name after building the caches).
    std::string name(f.get_string("general.name", ""));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view arch = f.get_string("general.architecture", "");
    auto contains = [](std::string_view s, std::initializer_list<std::string_view> subs) {
        for (auto x : subs)
            if (s.find(x) != std::string_view::npos) return true;
        return false;
    };
    auto set_attr = [&](std::string_view text, uint32_t bit, bool on) {
        Token t = text_to_token(text);
        if (t < 0) return;  // llama.cpp would throw std::out_of_range here
        attrs_[t] = on ? (attrs_[t] | bit) : (attrs_[t] & ~bit);
    };
    if (contains(pre_, {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) || contains(arch, {"nomic-bert-moe"})) {
        set_attr("<mask>", attr_lstrip, true);
    } else if (contains(name, {"phi-3", "phi3"})) {
        for (Token id : special_tokens_) attrs_[id] |= attr_rstrip;
        set_attr("</s>", attr_rstrip, true);
        for (std::string_view t : {"<unk>", "<s>", "<|endoftext|>"}) set_attr(t, attr_rstrip, false);
    }
}

std::string LlamaVocab::make_piece(Token id) const {
    const uint32_t a = attrs_[id];
    std::string_view text = token_text(id);
    if (a & (attr_unknown | attr_control | attr_user_defined)) return std::string(text);
    std::string out;
    if (kind_ == Kind::bpe) {
        if (!(a & attr_normal)) return out;
        // llama_decode_text: each code point back to the byte it stands for
        std::vector<uint32_t> cpts;
        utf8_to_cpts(text, cpts);
        for (uint32_t c : cpts) {
            int b = unicode_to_byte(c);
            if (b >= 0) {
                out.push_back(static_cast<char>(b));
                continue;
            }
            std::string u;
            append_utf8(c, u);
            out += "[UNK_BYTE_0x";
            for (unsigned char x : u) {
                char hex[3];
                std::snprintf(hex, sizeof hex, "%02x", x);
                out += hex;
            }
            out.append(text);
            out += "]";
        }
        return out;
    }
    if (a & attr_normal) {
        // "▁" (U+2581) stands for a space
        for (size_t i = 0; i < text.size();) {
            if (text.compare(i, 3, "\xe2\x96\x81") == 0) {
                out.push_back(' ');
                i += 3;
            } else {
                out.push_back(text[i++]);
            }
        }
        return out;
    }
    if ((a & attr_byte) && kind_ == Kind::spm) {
        // "<0xHH>": strtol of the two characters after "<0x", as llama.cpp
        if (text.size() < 3) return out;
        std::string hex(text.substr(3, 2));
        out.push_back(static_cast<char>(std::strtol(hex.c_str(), nullptr, 16)));
    }
    return out;
}

}  // namespace zigllm::decode::tok
