#include "zigllm/decode/grammar_matcher.hpp"

#include <algorithm>
#include <numeric>

#include "zigllm/decode/grammar_stacks.hpp"
#include "zigllm/io/error.hpp"

namespace zigllm::decode {

using grammar_detail::PartialUtf8;
using grammar_detail::StackAutomaton;

// ---- TokenTrie ----

TokenTrie::TokenTrie(std::vector<std::string> pieces, const std::vector<Token>& eog)
    : pieces_(std::move(pieces)), eog_flag_(pieces_.size(), 0) {
    for (Token id : eog) {
        if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) continue;
        if (!eog_flag_[static_cast<size_t>(id)]) eog_.push_back(id);
        eog_flag_[static_cast<size_t>(id)] = 1;
    }
    std::sort(eog_.begin(), eog_.end());

    // the text the grammar sees: up to the first NUL; EOG and empty/NUL-led pieces never enter
    std::vector<std::string_view> text(pieces_.size());
    std::vector<Token> order;
    for (size_t i = 0; i < pieces_.size(); ++i) {
        std::string_view p = pieces_[i];
        text[i] = p.substr(0, p.find('\0'));
        if (!eog_flag_[i] && !text[i].empty()) order.push_back(static_cast<Token>(i));
    }
    std::stable_sort(order.begin(), order.end(), [&](Token a, Token b) {
        return std::string_view(text[static_cast<size_t>(a)]) < text[static_cast<size_t>(b)];
    });

    byte_.push_back(0);
    depth_.push_back(0);
    end_.push_back(0);
    tok_begin_.push_back(0);
    std::vector<uint32_t> path{0};  // node indices from the root
    std::string_view prev;
    for (Token id : order) {
        std::string_view t = text[static_cast<size_t>(id)];
        t = t.substr(0, 65535);
        size_t lcp = 0;
        while (lcp < prev.size() && lcp < t.size() && prev[lcp] == t[lcp] && lcp + 1 < path.size()) ++lcp;
        lcp = std::min(lcp, path.size() - 1);
        while (path.size() > lcp + 1) {
            end_[path.back()] = static_cast<uint32_t>(byte_.size());
            path.pop_back();
        }
        for (size_t d = lcp; d < t.size(); ++d) {
            path.push_back(static_cast<uint32_t>(byte_.size()));
            byte_.push_back(static_cast<uint8_t>(t[d]));
            depth_.push_back(static_cast<uint16_t>(d + 1));
            end_.push_back(0);
            tok_begin_.push_back(static_cast<uint32_t>(toks_.size()));
        }
        toks_.push_back(id);
        max_depth_ = std::max(max_depth_, t.size());
        prev = t;
    }
    while (!path.empty()) {
        end_[path.back()] = static_cast<uint32_t>(byte_.size());
        path.pop_back();
    }
    tok_begin_.push_back(static_cast<uint32_t>(toks_.size()));
}

std::shared_ptr<const TokenTrie> TokenTrie::from_vocab(const Vocab& v) {
    std::vector<std::string> pieces(v.size());
    for (size_t i = 0; i < v.size(); ++i) pieces[i] = v.piece(static_cast<Token>(i));
    std::vector<Token> eog = v.eog_ids();
    if (eog.empty())
        for (size_t i = 0; i < v.size(); ++i)
            if (v.is_eog(static_cast<Token>(i))) eog.push_back(static_cast<Token>(i));
    return std::make_shared<const TokenTrie>(std::move(pieces), eog);
}

// ---- GrammarMatcher ----

namespace {

// Where a walk over token bytes stands: the grammar state after the last complete code point and
// the partial character being decoded. `cont`: the partial came from an earlier token, so the next
// bytes must be continuation bytes (llama.cpp only checks these across token boundaries).
struct Frame {
    int32_t state;
    uint32_t value;
    int8_t n_remain;
    bool cont;
};

// One byte of llama.cpp's decode_utf8, then the grammar step for a completed code point.
inline bool step_byte(StackAutomaton& a, Frame& f, uint8_t b) {
    if (f.n_remain > 0) {
        if (f.cont && (b >> 6) != 2) return false;  // a pending character not continued: rejected
        f.value = (f.value << 6) + (b & 0x3F);
        if (--f.n_remain > 0) return true;
        f.cont = false;
    } else {
        static constexpr int8_t kLength[16] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4};
        const int n = kLength[b >> 4] - 1;
        if (n < 0) return false;  // a continuation byte cannot start a character
        f.value = b & ((1u << (7 - n)) - 1);
        f.n_remain = static_cast<int8_t>(n);
        if (n > 0) return true;
    }
    f.state = a.step(f.state, f.value);
    return f.state != StackAutomaton::kDead;
}

inline bool token_end_ok(StackAutomaton& a, const Frame& f) {
    return f.n_remain == 0 || a.partial_ok(f.state, PartialUtf8{f.value, f.n_remain});
}

}  // namespace

GrammarMatcher::GrammarMatcher(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> pieces)
    : grammar_(std::move(grammar)), trie_(std::move(pieces)) {
    if (!grammar_->unconstrained()) {
        dfa_ = std::make_unique<StackAutomaton>(grammar_);
        state_ = dfa_->initial();
    }
}
GrammarMatcher::~GrammarMatcher() = default;
GrammarMatcher::GrammarMatcher(const GrammarMatcher& o)
    : grammar_(o.grammar_), trie_(o.trie_), dfa_(o.dfa_ ? std::make_unique<StackAutomaton>(*o.dfa_) : nullptr),
      state_(o.state_), partial_value_(o.partial_value_), partial_remain_(o.partial_remain_) {}
GrammarMatcher::GrammarMatcher(GrammarMatcher&&) noexcept = default;
GrammarMatcher& GrammarMatcher::operator=(GrammarMatcher&&) noexcept = default;

void GrammarMatcher::reset() {
    partial_value_ = 0;
    partial_remain_ = 0;
    if (dfa_) state_ = dfa_->initial();
}

bool GrammarMatcher::can_end() const { return !dfa_ || dfa_->can_end(state_); }

void GrammarMatcher::bound_cache() {
    if (dfa_->n_states() > kMaxStates) state_ = dfa_->compact(state_);
}

void GrammarMatcher::fill_mask(std::vector<uint8_t>& allowed) {
    const size_t n = trie_->n_vocab();
    if (!dfa_) {
        allowed.assign(n, 1);
        return;
    }
    bound_cache();
    allowed.assign(n, 0);
    const bool eog_ok = dfa_->can_end(state_);
    for (Token id : trie_->eog_ids()) allowed[static_cast<size_t>(id)] = eog_ok;

    const TokenTrie& t = *trie_;
    StackAutomaton& a = *dfa_;
    std::vector<Frame> frames(t.max_depth_ + 1);
    frames[0] = Frame{state_, partial_value_, static_cast<int8_t>(partial_remain_), partial_remain_ > 0};
    const uint8_t* bytes = t.byte_.data();
    const uint16_t* depth = t.depth_.data();
    const uint32_t* end = t.end_.data();
    const uint32_t* tb = t.tok_begin_.data();
    const Token* toks = t.toks_.data();
    const uint32_t n_nodes = static_cast<uint32_t>(t.n_nodes());
    for (uint32_t i = 1; i < n_nodes;) {
        const uint16_t d = depth[i];
        Frame f = frames[d - 1];
        if (!step_byte(a, f, bytes[i])) {
            i = end[i];  // nothing below this prefix can be allowed
            continue;
        }
        frames[d] = f;
        if (tb[i] != tb[i + 1] && token_end_ok(a, f))
            for (uint32_t k = tb[i]; k < tb[i + 1]; ++k) allowed[static_cast<size_t>(toks[k])] = 1;
        ++i;
    }
}

std::vector<Token> GrammarMatcher::allowed_tokens() {
    fill_mask(mask_);
    std::vector<Token> out;
    for (size_t i = 0; i < mask_.size(); ++i)
        if (mask_[i]) out.push_back(static_cast<Token>(i));
    return out;
}

bool GrammarMatcher::walk_piece(std::string_view piece, bool check_end, int32_t& state, uint32_t& value,
                                int& n_remain) {
    piece = piece.substr(0, piece.find('\0'));
    if (piece.empty()) return false;
    Frame f{state_, partial_value_, static_cast<int8_t>(partial_remain_), partial_remain_ > 0};
    for (char c : piece)
        if (!step_byte(*dfa_, f, static_cast<uint8_t>(c))) return false;
    if (check_end && !token_end_ok(*dfa_, f)) return false;
    state = f.state;
    value = f.value;
    n_remain = f.n_remain;
    return true;
}

bool GrammarMatcher::is_allowed(Token id) {
    if (id < 0 || static_cast<size_t>(id) >= trie_->n_vocab()) return false;
    if (!dfa_) return true;
    if (trie_->is_eog(id)) return dfa_->can_end(state_);
    bound_cache();
    int32_t s;
    uint32_t v;
    int r;
    return walk_piece(trie_->piece(id), true, s, v, r);
}

void GrammarMatcher::accept(Token id) {
    const std::string where = "token " + std::to_string(id);
    if (id < 0 || static_cast<size_t>(id) >= trie_->n_vocab())
        throw Error("-", where, "token id out of range (vocabulary of " + std::to_string(trie_->n_vocab()) + ")");
    if (!dfa_) return;
    if (trie_->is_eog(id)) {
        if (!dfa_->can_end(state_)) throw Error("-", where, "end of generation before the grammar is complete");
        return;
    }
    bound_cache();
    int32_t s;
    uint32_t v;
    int r;
    if (!walk_piece(trie_->piece(id), false, s, v, r)) throw Error("-", where, "the grammar does not allow this token here");
    state_ = s;
    partial_value_ = v;
    partial_remain_ = r;
}

bool GrammarMatcher::accept_bytes(std::string_view bytes) {
    if (!dfa_) return true;
    bound_cache();
    int32_t s;
    uint32_t v;
    int r;
    if (!walk_piece(bytes, false, s, v, r)) return false;
    state_ = s;
    partial_value_ = v;
    partial_remain_ = r;
    return true;
}

}  // namespace zigllm::decode
