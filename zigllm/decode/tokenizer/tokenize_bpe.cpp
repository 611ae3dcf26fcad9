// Byte-level BPE as llama.cpp's llm_tokenizer_bpe_session: pre-tokenize into words, map each byte to
// its printable code point (GPT-2), then merge adjacent symbols by merge rank (lowest first, ties:
// leftmost) and emit each symbol's token (or, lacking one, the tokens of its single bytes).
#include <algorithm>
#include <unordered_map>

#include "zigllm/decode/tokenizer/llama_vocab.hpp"
#include "zigllm/decode/tokenizer/symbols.hpp"

namespace zigllm::decode::tok {

namespace {

struct Bigram {
    int left, right;
    int rank;
    uint32_t left_n, right_n;   // sizes when queued: a changed size means the pair is stale
};

// llm_bigram_bpe::comparator: the top is the lowest rank, then the smallest left index.
struct BigramLess {
    bool operator()(const Bigram& l, const Bigram& r) const {
        return l.rank > r.rank || (l.rank == r.rank && l.left > r.left);
    }
};

// Words repeat (Zipf): within one call, a word's tokens are computed once. Same result, as BPE
// depends on the word alone.
struct WordHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return hash_bytes(s, 0); }
};
struct WordCache {
    std::unordered_map<std::string, std::pair<uint32_t, uint32_t>, WordHash, std::equal_to<>> spans;
    std::vector<Token> tokens;
};

WordCache& word_cache() {
    thread_local WordCache c;
    return c;
}

}  // namespace

int LlamaVocab::merge_rank(std::string_view joined, uint32_t left_len) const {
    return merge_index_.find(merge_arena_, joined, left_len);
}

void LlamaVocab::begin_bpe_call() const {
    word_cache().spans.clear();
    word_cache().tokens.clear();
}

void LlamaVocab::encode_bpe(std::string_view text, std::vector<Token>& out) const {
    thread_local std::string clean;
    thread_local std::vector<std::pair<uint32_t, uint32_t>> words;
    auto& cache = word_cache().spans;
    auto& cached = word_cache().tokens;

    pretok_->split(text, clean, words);
    for (auto [wb, we] : words) {
        const std::string_view raw = std::string_view(clean).substr(wb, we - wb);
        const bool cacheable = raw.size() <= 64;
        if (cacheable) {
            if (auto it = cache.find(raw); it != cache.end()) {
                out.insert(out.end(), cached.begin() + it->second.first, cached.begin() + it->second.second);
                continue;
            }
        }
        const size_t out_begin = out.size();
        encode_bpe_word(raw, out);
        if (cacheable) {
            const uint32_t b = static_cast<uint32_t>(cached.size());
            cached.insert(cached.end(), out.begin() + out_begin, out.end());
            cache.emplace(std::string(raw), std::make_pair(b, static_cast<uint32_t>(cached.size())));
        }
    }
}

void LlamaVocab::encode_bpe_word(std::string_view raw, std::vector<Token>& out) const {
    thread_local std::string word;
    thread_local std::vector<Symbol> sym;
    thread_local std::vector<Bigram> heap;
    word.clear();
    for (char c : raw) word.append(byte_to_unicode_utf8(static_cast<uint8_t>(c)));
    if (word.empty()) return;
    if (ignore_merges_) {
        Token t = text_to_token(word);
        if (t >= 0) {
            out.push_back(t);
            return;
        }
    }
    split_symbols(word, sym);
    auto try_add = [&](int left, int right) {
        if (left == -1 || right == -1) return;
        const Symbol& l = sym[left];
        const Symbol& r = sym[right];
        int rank = merge_rank(std::string_view(word).substr(l.begin, l.n + r.n), l.n);
        if (rank < 0) return;
        heap.push_back({left, right, rank, l.n, r.n});
        std::push_heap(heap.begin(), heap.end(), BigramLess{});
    };
    merge_symbols<Bigram, BigramLess>(sym, 0, static_cast<int>(sym.size()), heap, try_add,
                                      [](const Bigram& bg, const Symbol& l, const Symbol& r) {
                                          return l.n == bg.left_n && r.n == bg.right_n;
                                      });

    for (const Symbol& s : sym) {
        if (s.n == 0) continue;
        std::string_view piece = std::string_view(word).substr(s.begin, s.n);
        Token t = text_to_token(piece);
        if (t >= 0) {
            out.push_back(t);
            continue;
        }
        for (size_t j = 0; j < piece.size(); ++j) {  // llama.cpp: single bytes that are tokens
            Token b = text_to_token(piece.substr(j, 1));
            if (b >= 0) out.push_back(b);
        }
    }
}

}  // namespace zigllm::decode::tok
