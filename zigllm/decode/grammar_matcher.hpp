// Grammar-constrained decoding as a sampler step: which tokens may come next, and accepting one.
//
// Semantics are llama.cpp's grammar sampler (llama_grammar_apply_impl / llama_grammar_accept_impl,
// July 2025), documented in shared/ref/grammar/README.md:
//  * a token's text is llama_token_to_piece(special = true), decoded as UTF-8 continuing a partial
//    character left by earlier tokens; it is allowed iff the grammar can consume every complete code
//    point and, if it ends mid-character, some completion could match the next element;
//  * end-of-generation tokens are allowed iff the text so far (a trailing partial character set
//    aside) is a complete sentence; their text is never matched;
//  * tokens whose piece is empty or starts with a NUL byte are never allowed (a NUL inside a piece
//    ends it, as in llama.cpp's C strings).
// Accepting follows llama_grammar_accept_str: every complete code point must match; a trailing
// partial character is kept without checking it (llama.cpp's apply would not have offered such a
// token, but its accept takes it, and the reference prefixes rely on that). Differences: a refused
// token is a zigllm::Error with the state unchanged (llama.cpp throws std::runtime_error, or aborts
// for EOG), and a piece with invalid UTF-8 is refused (llama.cpp silently ignores the whole piece).
//
// Speed: the pieces form a trie (TokenTrie, built once per vocabulary and shared), walked depth
// first with the grammar state, so a shared prefix is matched once; grammar states and their
// transitions are cached (grammar_stacks.hpp), so after warm-up a step costs table lookups.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zigllm/decode/grammar.hpp"
#include "zigllm/decode/vocab.hpp"

namespace zigllm::decode {

namespace grammar_detail {
class StackAutomaton;
}

// The token pieces of a vocabulary as a byte trie in depth-first order.
class TokenTrie {
public:
    // pieces[id] = llama_token_to_piece(id, special = true); eog = the end-of-generation ids.
    TokenTrie(std::vector<std::string> pieces, const std::vector<Token>& eog);
    static std::shared_ptr<const TokenTrie> from_vocab(const Vocab& v);

    size_t n_vocab() const { return pieces_.size(); }
    bool is_eog(Token id) const { return eog_flag_[static_cast<size_t>(id)] != 0; }
    const std::vector<Token>& eog_ids() const { return eog_; }
    const std::string& piece(Token id) const { return pieces_[static_cast<size_t>(id)]; }

    // Node i (0 = root, the empty prefix): the byte leading to it, its depth, the index after its
    // subtree, and the tokens whose (NUL-truncated) piece ends exactly there.
    size_t n_nodes() const { return byte_.size(); }
    std::vector<uint8_t> byte_;
    std::vector<uint16_t> depth_;
    std::vector<uint32_t> end_;
    std::vector<uint32_t> tok_begin_;  // n_nodes + 1 offsets into toks_
    std::vector<Token> toks_;
    size_t max_depth_ = 0;

private:
    std::vector<std::string> pieces_;
    std::vector<uint8_t> eog_flag_;
    std::vector<Token> eog_;
};

class GrammarMatcher {
public:
    GrammarMatcher(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> pieces);
    ~GrammarMatcher();
    GrammarMatcher(const GrammarMatcher& o);  // an independent copy of the state (and its cache)
    GrammarMatcher(GrammarMatcher&&) noexcept;
    GrammarMatcher& operator=(GrammarMatcher&&) noexcept;

    size_t n_vocab() const { return trie_->n_vocab(); }
    // allowed[id] = 1 iff token id may come next (resized to n_vocab).
    void fill_mask(std::vector<uint8_t>& allowed);
    std::vector<Token> allowed_tokens();
    bool is_allowed(Token id);
    // Accepts a token: Error("-", "token <id>", ...) when the grammar refuses it (state unchanged).
    void accept(Token id);
    // Accepts raw bytes as if they were one token's piece; false (state unchanged) when refused.
    bool accept_bytes(std::string_view bytes);
    // The text so far is a complete sentence (a trailing partial character set aside).
    bool can_end() const;
    // Back to the start state.
    void reset();

    // Sampler step: sets logit = -inf for every candidate the grammar does not allow. Candidate is
    // any struct with members `id` (token id) and `logit`.
    template <class Candidate>
    void apply(std::span<Candidate> candidates) {
        fill_mask(mask_);
        for (auto& c : candidates) {
            const auto id = c.id;
            if (id < 0 || static_cast<size_t>(id) >= mask_.size() || !mask_[static_cast<size_t>(id)])
                c.logit = -INFINITY;
        }
    }

    // Limit on cached grammar states before the cache is dropped (memory bound).
    static constexpr size_t kMaxStates = 8192;

private:
    struct Walk;
    // Runs a piece from the current state; false when a byte or code point is refused (and, with
    // check_end, when a trailing partial character cannot continue the grammar).
    bool walk_piece(std::string_view piece, bool check_end, int32_t& state, uint32_t& value, int& n_remain);
    void bound_cache();

    std::shared_ptr<const Grammar> grammar_;
    std::shared_ptr<const TokenTrie> trie_;
    std::unique_ptr<grammar_detail::StackAutomaton> dfa_;
    int32_t state_ = 0;
    uint32_t partial_value_ = 0;
    int partial_remain_ = 0;
    std::vector<uint8_t> mask_;
};

}  // namespace zigllm::decode
