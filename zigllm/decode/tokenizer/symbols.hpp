// The symbol chain both SPM and BPE merge over: UTF-8 characters of a string, linked left to right,
// repeatedly merged pairwise in the order of a priority queue (llama.cpp's llm_symbol machinery).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "zigllm/decode/tokenizer/unicode.hpp"

namespace zigllm::decode::tok {

struct Symbol {
    int prev, next;        // neighbours in the chain, -1 at the ends
    uint32_t begin, n;     // byte range in the text; n == 0 once merged into its left neighbour
};

// One symbol per UTF-8 character; the length comes from the lead byte alone (as llama.cpp), clamped.
inline void split_symbols(std::string_view text, std::vector<Symbol>& sym) {
    sym.clear();
    for (uint32_t off = 0; off < text.size();) {
        uint32_t len = static_cast<uint32_t>(std::min<size_t>(utf8_len(static_cast<unsigned char>(text[off])), text.size() - off));
        int idx = static_cast<int>(sym.size());
        sym.push_back({idx - 1, off + len == text.size() ? -1 : idx + 1, off, len});
        off += len;
    }
}

// Merges the symbols [a, b): seeds the heap with every adjacent pair (try_add(left, right) pushes a
// candidate if there is one), then pops the best candidate, skips it if `fresh` says it is stale,
// merges right into left and offers the two new neighbour pairs.
template <class Bigram, class Less, class TryAdd, class Fresh>
void merge_symbols(std::vector<Symbol>& sym, int a, int b, std::vector<Bigram>& heap, TryAdd&& try_add, Fresh&& fresh) {
    heap.clear();
    for (int i = a + 1; i < b; ++i) try_add(i - 1, i);
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), Less{});
        const Bigram bg = heap.back();
        heap.pop_back();
        Symbol& l = sym[bg.left];
        Symbol& r = sym[bg.right];
        if (l.n == 0 || r.n == 0 || !fresh(bg, l, r)) continue;
        l.n += r.n;
        r.n = 0;
        l.next = r.next;
        if (r.next >= 0) sym[r.next].prev = bg.left;
        try_add(l.prev, bg.left);
        try_add(bg.left, l.next);
    }
}

}  // namespace zigllm::decode::tok
