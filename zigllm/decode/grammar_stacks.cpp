#include "zigllm/decode/grammar_stacks.hpp"

#include <algorithm>

#include "zigllm/io/error.hpp"

namespace zigllm::decode::grammar_detail {

namespace {

// llama_grammar_match_char: does chr satisfy the character set at pos? Also returns the position
// after the set.
std::pair<bool, uint32_t> match_char(const GrammarElement* el, uint32_t pos, uint32_t chr) {
    const bool positive = el[pos].op == GrammarOp::chr || el[pos].op == GrammarOp::chr_any;
    bool found = false;
    do {
        if (el[pos + 1].op == GrammarOp::chr_rng_upper) {
            found = found || (el[pos].value <= chr && chr <= el[pos + 1].value);
            pos += 2;
        } else if (el[pos].op == GrammarOp::chr_any) {
            found = true;
            pos += 1;
        } else {
            found = found || el[pos].value == chr;
            pos += 1;
        }
    } while (el[pos].op == GrammarOp::chr_alt);
    return {found == positive, pos};
}

// llama_grammar_match_partial_char: could some completion of the partial sequence satisfy the set?
bool match_partial_char(const GrammarElement* el, uint32_t pos, PartialUtf8 p) {
    const bool positive = el[pos].op == GrammarOp::chr || el[pos].op == GrammarOp::chr_any;
    // invalid sequence, or a 7-bit character split across two bytes (overlong)
    if (p.n_remain < 0 || (p.n_remain == 1 && p.value < 2)) return false;
    uint32_t low = p.value << (p.n_remain * 6);
    uint32_t high = low | ((1u << (p.n_remain * 6)) - 1);
    if (low == 0) {
        if (p.n_remain == 2) low = 1u << 11;
        else if (p.n_remain == 3) low = 1u << 16;
    }
    do {
        if (el[pos + 1].op == GrammarOp::chr_rng_upper) {
            if (el[pos].value <= high && low <= el[pos + 1].value) return positive;
            pos += 2;
        } else if (el[pos].op == GrammarOp::chr_any) {
            return true;
        } else {
            if (low <= el[pos].value && el[pos].value <= high) return positive;
            pos += 1;
        }
    } while (el[pos].op == GrammarOp::chr_alt);
    return !positive;
}

}  // namespace

StackAutomaton::StackAutomaton(std::shared_ptr<const Grammar> g) : g_(std::move(g)), el_(g_->elements().data()) {
    // llama_grammar_init_impl: one stack per alternative of the start rule
    out_.clear();
    out_seen_.clear();
    seen_.clear();
    budget_ = 0;
    uint32_t pos = g_->rule_begin(g_->start_rule());
    for (;;) {
        Stack st;
        if (!is_end_of_sequence(el_[pos].op)) st.push_back(pos);
        advance(std::move(st));
        while (!is_end_of_sequence(el_[pos].op)) ++pos;
        if (el_[pos].op != GrammarOp::alt) break;
        ++pos;
    }
    initial_ = intern(std::move(out_));
}

StackAutomaton::StackAutomaton(const StackAutomaton& o)
    : g_(o.g_), el_(o.el_), initial_(o.initial_), index_(o.index_) {
    states_.reserve(o.states_.size());
    for (const auto& st : o.states_) states_.push_back(std::make_unique<State>(*st));
}

void StackAutomaton::advance(Stack&& start) {
    work_.clear();
    budget_ += start.size() + 1;
    if (seen_.insert(start).second) work_.push_back(std::move(start));
    while (!work_.empty()) {
        Stack st = std::move(work_.back());
        work_.pop_back();
        if (st.empty() || is_char_start(el_[st.back()].op)) {
            if (out_seen_.insert(st).second) {
                if (out_.size() >= kMaxStacks) too_ambiguous();
                out_.push_back(std::move(st));
            }
            continue;
        }
        // a rule reference: one new stack per alternative of the rule
        const uint32_t pos = st.back();
        uint32_t sub = g_->rule_begin(el_[pos].value);
        for (;;) {
            Stack next(st.begin(), st.end() - 1);
            if (!is_end_of_sequence(el_[pos + 1].op)) next.push_back(pos + 1);
            if (!is_end_of_sequence(el_[sub].op)) next.push_back(sub);
            if ((budget_ += next.size() + 1) > kMaxWork) too_ambiguous();
            if (seen_.insert(next).second) work_.push_back(std::move(next));
            while (!is_end_of_sequence(el_[sub].op)) ++sub;
            if (el_[sub].op != GrammarOp::alt) break;
            ++sub;
        }
    }
}

void StackAutomaton::too_ambiguous() const {
    throw Error("-", "grammar", "too ambiguous: more than " + std::to_string(kMaxStacks) +
                                    " parse stacks, or more than " + std::to_string(kMaxWork) +
                                    " stack entries built for one character");
}

int32_t StackAutomaton::compute_step(int32_t s, uint32_t cp) {
    budget_ = 0;
    out_.clear();
    out_seen_.clear();
    seen_.clear();
    // copy: interning may grow states_
    const std::vector<Stack> stacks = states_[static_cast<size_t>(s)]->stacks;
    // stacks share their tops: match each distinct character set once
    std::unordered_map<uint32_t, std::pair<bool, uint32_t>> matched;
    for (const Stack& st : stacks) {
        if (st.empty()) continue;
        auto it = matched.find(st.back());
        if (it == matched.end()) it = matched.emplace(st.back(), match_char(el_, st.back(), cp)).first;
        auto [ok, after] = it->second;
        if (!ok) continue;
        Stack next(st.begin(), st.end() - 1);
        if (!is_end_of_sequence(el_[after].op)) next.push_back(after);
        advance(std::move(next));
    }
    if (out_.empty()) return kDead;
    return intern(std::move(out_));
}

int32_t StackAutomaton::intern(std::vector<Stack>&& stacks) {
    std::sort(stacks.begin(), stacks.end());
    std::vector<uint32_t> key;
    for (const Stack& st : stacks) {
        key.push_back(static_cast<uint32_t>(st.size()));
        key.insert(key.end(), st.begin(), st.end());
    }
    auto it = index_.find(key);
    if (it != index_.end()) {
        stacks.clear();
        return it->second;
    }
    auto st = std::make_unique<State>();
    st->ascii.fill(kUnknown);
    st->can_end = std::any_of(stacks.begin(), stacks.end(), [](const Stack& x) { return x.empty(); });
    st->stacks = std::move(stacks);
    stacks = {};
    int32_t id = static_cast<int32_t>(states_.size());
    states_.push_back(std::move(st));
    index_.emplace(std::move(key), id);
    return id;
}

bool StackAutomaton::partial_ok(int32_t s, PartialUtf8 p) {
    State& st = *states_[static_cast<size_t>(s)];
    const uint32_t key = (static_cast<uint32_t>(p.n_remain & 3) << 28) | (p.value & 0x0FFFFFFF);
    auto it = st.partial.find(key);
    if (it != st.partial.end()) return it->second;
    bool ok = false;
    for (const Stack& x : st.stacks)
        if (!x.empty() && match_partial_char(el_, x.back(), p)) {
            ok = true;
            break;
        }
    st.partial.emplace(key, ok);
    return ok;
}

int32_t StackAutomaton::compact(int32_t keep) {
    std::vector<Stack> stacks = states_[static_cast<size_t>(keep)]->stacks;
    bool initial_kept = keep == initial_;
    std::vector<Stack> init = states_[static_cast<size_t>(initial_)]->stacks;
    states_.clear();
    index_.clear();
    int32_t id = intern(std::move(stacks));
    initial_ = initial_kept ? id : intern(std::move(init));
    return id;
}

}  // namespace zigllm::decode::grammar_detail
