// SentencePiece (BPE by score) as llama.cpp's llm_tokenizer_spm_session: start from UTF-8
// characters, repeatedly merge the adjacent pair whose concatenation is the highest-scoring token
// (ties: leftmost), then emit each symbol's token, or its bytes (<0xHH> tokens) when it has none.
#include <algorithm>

#include "zigllm/decode/tokenizer/llama_vocab.hpp"
#include "zigllm/decode/tokenizer/symbols.hpp"
#include "zigllm/io/error.hpp"

namespace zigllm::decode::tok {

namespace {

struct Bigram {
    int left, right;
    float score;
    uint32_t size;
};

// llm_bigram_spm::comparator: the top is the highest score, then the smallest left index.
struct BigramLess {
    bool operator()(const Bigram& l, const Bigram& r) const {
        return l.score < r.score || (l.score == r.score && l.left > r.left);
    }
};

}  // namespace

Token LlamaVocab::byte_token(uint8_t ch) const {
    static const char* hex = "0123456789ABCDEF";
    const char buf[6] = {'<', '0', 'x', hex[ch >> 4], hex[ch & 15], '>'};
    Token t = text_to_token(std::string_view(buf, 6));
    if (t >= 0) return t;
    const char one = static_cast<char>(ch);
    t = text_to_token(std::string_view(&one, 1));
    if (t >= 0) return t;
    // llama.cpp throws std::out_of_range here; SentencePiece without byte fallback emits <unk>.
    if (unk_ >= 0) return unk_;
    throw Error(file_, "tokenizer.ggml.tokens", "no token for byte 0x" + std::string(buf + 3, 2) + " and no unknown token");
}

void LlamaVocab::encode_spm(std::string_view raw, std::vector<Token>& out) const {
    thread_local std::string text;
    thread_local std::vector<Symbol> sym;
    thread_local std::vector<Bigram> heap;

    // escape whitespace: ' ' -> U+2581
    text.clear();
    for (char c : raw) {
        if (c == ' ') text += "\xe2\x96\x81";
        else text.push_back(c);
    }
    split_symbols(text, sym);
    auto try_add = [&](int left, int right) {
        if (left == -1 || right == -1) return;
        const uint32_t size = sym[left].n + sym[right].n;
        Token t = text_to_token(std::string_view(text).substr(sym[left].begin, size));
        if (t < 0) return;
        heap.push_back({left, right, scores_[t], size});
        std::push_heap(heap.begin(), heap.end(), BigramLess{});
    };
    auto merge_range = [&](int a, int b) {
        merge_symbols<Bigram, BigramLess>(sym, a, b, heap, try_add,
                                          [](const Bigram& bg, const Symbol& l, const Symbol& r) { return l.n + r.n == bg.size; });
    };
    if (!spm_word_split_) {
        merge_range(0, static_cast<int>(sym.size()));
    } else {
        // No token holds a "▁" after another character (checked at load), so no token can span the
        // start of a "▁"-led word: merging word by word gives the same symbols, with small heaps.
        auto is_space = [&](int i) { return std::string_view(text).substr(sym[i].begin, sym[i].n) == "\xe2\x96\x81"; };
        int a = 0;
        const int n = static_cast<int>(sym.size());
        for (int i = 1; i <= n; ++i) {
            if (i < n && !(is_space(i) && !is_space(i - 1))) continue;
            sym[a].prev = -1;
            sym[i - 1].next = -1;
            merge_range(a, i);
            if (i < n) {
                // re-link the word's last symbol to the next word (for the output walk)
                int last = i - 1;
                while (sym[last].n == 0) --last;
                sym[last].next = i;
                sym[i].prev = last;
            }
            a = i;
        }
    }

    for (int i = sym.empty() ? -1 : 0; i != -1; i = sym[i].next) {
        const Symbol& s = sym[i];
        std::string_view piece = std::string_view(text).substr(s.begin, s.n);
        Token t = text_to_token(piece);
        if (t >= 0) {
            out.push_back(t);
            continue;
        }
        for (char c : piece) out.push_back(byte_token(static_cast<uint8_t>(c)));
    }
}

}  // namespace zigllm::decode::tok
