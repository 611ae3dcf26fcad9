// The grammar's pushdown stacks as a lazily built automaton (internal to the grammar matcher).
//
// llama.cpp keeps a set of stacks (element positions; the top is the next character set to match)
// and rebuilds it for every code point of every candidate token. We intern each distinct stack set
// as a state and cache its transitions, so a code point is matched against the grammar once per
// (state, code point) for the life of the matcher; the per-token work becomes table lookups.
// The transition, end and partial-character rules are llama.cpp's (llama_grammar_accept,
// llama_grammar_match_char, llama_grammar_match_partial_char, llama_grammar_advance_stack).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "zigllm/decode/grammar.hpp"

namespace zigllm::decode::grammar_detail {

using Stack = std::vector<uint32_t>;  // positions in Grammar::elements(); back() is the top

// An incomplete UTF-8 sequence: the bits so far and how many continuation bytes are missing.
struct PartialUtf8 {
    uint32_t value = 0;
    int n_remain = 0;
};

class StackAutomaton {
public:
    static constexpr int32_t kDead = -1;
    // Bounds on one transition; beyond them the grammar is refused ("too ambiguous"). Real
    // grammars stay far below (the reference grammars need at most 12 stacks per state).
    static constexpr size_t kMaxStacks = 1024;
    static constexpr size_t kMaxWork = 1u << 18;  // stack entries built

    explicit StackAutomaton(std::shared_ptr<const Grammar> g);
    StackAutomaton(const StackAutomaton& o);  // deep copy (the cache included)

    int32_t initial() const { return initial_; }
    // The state after code point cp, or kDead when no stack accepts it.
    int32_t step(int32_t s, uint32_t cp) {
        State& st = *states_[static_cast<size_t>(s)];
        if (cp < 128) {
            int32_t& t = st.ascii[cp];
            if (t == kUnknown) t = compute_step(s, cp);
            return t;
        }
        auto it = st.other.find(cp);
        if (it != st.other.end()) return it->second;
        int32_t t = compute_step(s, cp);
        states_[static_cast<size_t>(s)]->other.emplace(cp, t);
        return t;
    }
    // Some stack is empty: the text so far is a complete sentence.
    bool can_end(int32_t s) const { return states_[static_cast<size_t>(s)]->can_end; }
    // Some completion of the partial character could match the next element of some stack.
    bool partial_ok(int32_t s, PartialUtf8 p);
    size_t n_states() const { return states_.size(); }
    // Forgets every state except `keep` (bounding memory); returns keep's new id.
    int32_t compact(int32_t keep);
    const std::vector<Stack>& stacks(int32_t s) const { return states_[static_cast<size_t>(s)]->stacks; }

private:
    static constexpr int32_t kUnknown = -2;
    struct State {
        std::vector<Stack> stacks;  // sorted, unique
        bool can_end = false;
        std::array<int32_t, 128> ascii;
        std::unordered_map<uint32_t, int32_t> other;
        std::unordered_map<uint32_t, bool> partial;
    };
    struct KeyHash {
        size_t operator()(const std::vector<uint32_t>& v) const noexcept {
            uint64_t h = 1469598103934665603ull;
            for (uint32_t x : v) h = (h ^ x) * 1099511628211ull;
            return static_cast<size_t>(h ^ (h >> 29));
        }
    };

    int32_t compute_step(int32_t s, uint32_t cp);
    int32_t intern(std::vector<Stack>&& stacks);
    // llama_grammar_advance_stack without the exponential re-walks: expands rule references until
    // every stack's top is a character set (or the stack is empty), into out (deduplicated).
    void advance(Stack&& start);
    [[noreturn]] void too_ambiguous() const;

    std::shared_ptr<const Grammar> g_;
    const GrammarElement* el_;
    int32_t initial_ = kDead;
    std::vector<std::unique_ptr<State>> states_;
    std::unordered_map<std::vector<uint32_t>, int32_t, KeyHash> index_;
    // scratch for advance()
    std::vector<Stack> out_, work_;
    size_t budget_ = 0;
    std::unordered_set<std::vector<uint32_t>, KeyHash> seen_, out_seen_;
};

}  // namespace zigllm::decode::grammar_detail
