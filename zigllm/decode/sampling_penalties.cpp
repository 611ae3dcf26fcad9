// The samplers that use the token history or fixed per-token adjustments: repetition / frequency /
// presence penalties, DRY (Koboldcpp's algorithm as ported into llama.cpp) and logit bias.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <unordered_map>

#include "zigllm/decode/sampling.hpp"
#include "zigllm/decode/sampling_detail.hpp"

namespace zigllm::decode {
namespace {

struct Penalties final : detail::Cloneable<Penalties> {
    int32_t last_n;
    float repeat, freq, present;
    std::deque<Token> prev;
    std::unordered_map<Token, int> count;

    Penalties(int32_t n, float r, float f, float p) : last_n(std::max(n, 0)), repeat(r), freq(f), present(p) {}
    std::string_view name() const override { return "penalties"; }

    void accept(Token t) override {
        if (last_n == 0) return;
        ++count[t];
        if (prev.size() >= static_cast<size_t>(last_n)) {  // the window is full: the oldest leaves
            const Token old = prev.front();
            prev.pop_front();
            if (--count[old] == 0) count.erase(old);
        }
        prev.push_back(t);
    }
    void apply(CandidateArray& cur) override {
        if (last_n == 0 || (repeat == 1.0f && freq == 0.0f && present == 0.0f)) return;
        // Each candidate is penalised on its own, so visiting the (few) counted tokens instead of
        // every candidate gives the same result: direct when a token still sits at its id's slot,
        // one scan for the rest.
        bool need_scan = false;
        for (const auto& [tok, n] : count) {
            const size_t slot = static_cast<size_t>(tok);
            if (tok >= 0 && slot < cur.size && cur[slot].id == tok) penalise(cur[slot], n);
            else need_scan = true;
        }
        if (need_scan) {
            for (auto& c : cur) {
                const size_t slot = static_cast<size_t>(c.id);
                if (c.id >= 0 && slot < cur.size && cur[slot].id == c.id) continue;  // done above
                auto it = count.find(c.id);
                if (it != count.end()) penalise(c, it->second);
            }
        }
        cur.sorted = false;
    }
    void penalise(TokenData& c, int n) const {
        // dividing a negative logit would make the token more likely: multiply it instead
        if (c.logit <= 0) c.logit *= repeat;
        else c.logit /= repeat;
        c.logit -= float(n) * freq + float(n > 0) * present;
    }
    void reset() override {
        prev.clear();
        count.clear();
    }
};

struct Dry final : detail::Cloneable<Dry> {
    int32_t n_ctx;
    float multiplier, base;
    int32_t allowed_length, penalty_last_n;
    size_t capacity;  // history kept: the effective penalty window
    std::unordered_multimap<Token, std::vector<Token>> breakers;  // head token -> tail
    std::deque<Token> last;                                        // newest at the back

    Dry(int32_t ctx, float m, float b, int32_t a, int32_t n)
        : n_ctx(ctx), multiplier(m), base(b), allowed_length(a), penalty_last_n(n) {
        const int32_t eff = n == -1 ? ctx : std::max(n, 0);
        capacity = enabled() ? static_cast<size_t>(std::max(eff, 0)) : 0;
    }
    bool enabled() const { return multiplier != 0.0f && base >= 1.0f && penalty_last_n != 0; }
    std::string_view name() const override { return "dry"; }

    Token rat(int i) const { return last[last.size() - 1 - static_cast<size_t>(i)]; }  // i-th newest

    void accept(Token t) override {
        if (!enabled() || capacity == 0) return;  // (llama.cpp's zero-capacity ring buffer throws)
        if (last.size() == capacity) last.pop_front();
        last.push_back(t);
    }
    void reset() override { last.clear(); }

    void apply(CandidateArray& cur) override {
        if (!enabled()) return;
        const int32_t eff = penalty_last_n == -1 ? n_ctx : std::max(penalty_last_n, 0);
        const int n = std::min(std::min(static_cast<int>(last.size()), eff), n_ctx);
        if (n <= allowed_length) return;

        // 1. The nearest sequence breaker limits how far back a repeat may reach.
        int rep_limit = n;
        for (int i = 0; i < n; ++i) {
            auto range = breakers.equal_range(rat(i));
            if (range.first == breakers.end()) continue;
            int longest = -1;
            for (auto it = range.first; it != range.second; ++it) {
                const int len = static_cast<int>(it->second.size());
                if (len > longest && len <= i) {
                    bool match = true;
                    for (int off = 0; off < len; ++off)
                        if (it->second[static_cast<size_t>(off)] != rat(i - off - 1)) {
                            match = false;
                            break;
                        }
                    if (match) longest = len;
                }
            }
            if (longest >= 0) {
                rep_limit = i - longest;
                break;
            }
        }
        if (rep_limit < allowed_length) return;

        // 2. Z-algorithm, backwards: repeat[last - k] = length of the suffix that also ends k back.
        std::vector<int> repeat(static_cast<size_t>(n), 0);
        {
            const int lastp = n - 1;
            int rt = 0, lt = 0;
            for (int k = 1; k < n; ++k) {
                if (k > rt) {
                    int len = 0;
                    while (len + k < n && rat(len) == rat(len + k)) ++len;
                    repeat[static_cast<size_t>(lastp - k)] = std::min(len, rep_limit);
                    if (len > 0) {
                        lt = k;
                        rt = k + len - 1;
                    }
                } else {
                    const int pair = k - lt;
                    const int right_len = rt - k + 1;
                    if (repeat[static_cast<size_t>(lastp - pair)] < right_len) {
                        repeat[static_cast<size_t>(lastp - k)] = std::min(repeat[static_cast<size_t>(lastp - pair)], rep_limit);
                    } else {
                        int i = rt + 1;
                        while (i < n && rat(i) == rat(i - k)) ++i;
                        repeat[static_cast<size_t>(lastp - k)] = std::min(i - k, rep_limit);
                        lt = k;
                        rt = i - 1;
                    }
                }
            }
        }

        // 3. The token after each repeat would extend it: keep the longest repeat per such token.
        std::unordered_map<Token, int> max_repeat;
        for (int i = 0; i < n - 1; ++i) {
            const int len = repeat[static_cast<size_t>(i)];
            if (len >= allowed_length) {
                const Token t = rat(n - 2 - i);
                auto it = max_repeat.find(t);
                if (it == max_repeat.end() || it->second < len) max_repeat[t] = len;
            }
        }

        // 4. Penalise; the exponent is clamped so base^exp stays finite.
        const float float_max_log = 88.7228391f;
        int max_exponent = 0;
        if (base > 1.000001f) max_exponent = static_cast<int>(float_max_log / std::log(base));
        for (auto& c : cur) {
            auto it = max_repeat.find(c.id);
            if (it == max_repeat.end()) continue;
            bool single_token_breaker = false;
            auto range = breakers.equal_range(c.id);
            for (auto b = range.first; b != range.second; ++b)
                if (b->second.empty()) {
                    single_token_breaker = true;
                    break;
                }
            if (single_token_breaker) continue;
            int64_t e = int64_t{it->second} - allowed_length;  // 64-bit: no overflow for odd allowed_length
            if (max_exponent > 0 && e > max_exponent) e = max_exponent;
            e = std::clamp<int64_t>(e, INT32_MIN, INT32_MAX);
            const float penalty = static_cast<float>(multiplier * std::pow(base, static_cast<int>(e)));  // float, as the reference
            c.logit -= penalty;
        }
        cur.sorted = false;
    }
};

// Every token whose text contains the breaker string (head with an empty tail), or whose text ends
// in a proper prefix of it (head, with the rest of the string tokenized as the tail).
void add_string_breaker(const Vocab& vocab, const std::string& str, size_t max_tail,
                        std::unordered_multimap<Token, std::vector<Token>>& out) {
    const Token n_tokens = static_cast<Token>(vocab.size());
    for (Token id = 0; id < n_tokens; ++id) {
        const std::string word = vocab.decode({id}, false, true);
        if (word.find(str) != std::string::npos) {
            out.emplace(id, std::vector<Token>());
            continue;
        }
        size_t pos = std::string::npos;
        while ((pos = word.find(str[0], pos + 1)) != std::string::npos) {
            bool match = true;
            size_t i = 1;
            for (; i < str.size() && i + pos < word.size(); ++i)
                if (word[pos + i] != str[i]) {
                    match = false;
                    break;
                }
            if (!match) continue;
            std::vector<Token> tail = vocab.encode(std::string_view(str).substr(i), false, false);
            if (tail.size() > max_tail) tail.resize(max_tail);
            auto range = out.equal_range(id);
            bool dup = false;
            for (auto it = range.first; it != range.second; ++it)
                if (it->second == tail) {
                    dup = true;
                    break;
                }
            if (!dup) out.emplace(id, std::move(tail));
        }
    }
}

struct LogitBias final : detail::Cloneable<LogitBias> {
    int32_t n_vocab;
    std::vector<std::pair<Token, float>> biases;
    LogitBias(int32_t n, std::vector<std::pair<Token, float>> b) : n_vocab(n), biases(std::move(b)) {}
    std::string_view name() const override { return "logit-bias"; }
    void apply(CandidateArray& cur) override {
        if (biases.empty()) return;
        std::vector<std::pair<Token, float>> to_search;
        // fast path: candidates still at their id's position
        for (const auto& [tok, bias] : biases) {
            if (tok >= 0 && cur.size > static_cast<size_t>(tok) && cur[static_cast<size_t>(tok)].id == tok)
                cur[static_cast<size_t>(tok)].logit += bias;
            else
                to_search.emplace_back(tok, bias);
        }
        if (to_search.empty()) return;
        for (auto& c : cur)
            for (const auto& [tok, bias] : to_search)
                if (c.id == tok) {
                    c.logit += bias;
                    break;  // as llama.cpp: one searched bias per candidate
                }
    }
};

}  // namespace

SamplerPtr make_penalties(int32_t last_n, float repeat, float freq, float present) {
    return std::make_unique<Penalties>(last_n, repeat, freq, present);
}

SamplerPtr make_dry(const Vocab* vocab, int32_t n_ctx_train, float multiplier, float base, int32_t allowed_length,
                    int32_t penalty_last_n, const std::vector<std::string>& seq_breakers) {
    auto d = std::make_unique<Dry>(n_ctx_train, multiplier, base, allowed_length, penalty_last_n);
    constexpr size_t max_chars = 40, max_tail = 20;  // llama.cpp's MAX_CHAR_LEN / MAX_SEQ_LEN
    if (d->enabled() && vocab) {
        for (const auto& raw : seq_breakers) {
            std::string s = raw.substr(0, raw.find('\0'));  // C strings in the reference API
            if (s.empty()) continue;
            if (s.size() > max_chars) s.resize(max_chars);
            add_string_breaker(*vocab, s, max_tail, d->breakers);
        }
    }
    return d;
}

SamplerPtr make_dry_token_breakers(int32_t n_ctx_train, float multiplier, float base, int32_t allowed_length,
                                   int32_t penalty_last_n, const std::vector<std::vector<Token>>& seq_breakers) {
    auto d = std::make_unique<Dry>(n_ctx_train, multiplier, base, allowed_length, penalty_last_n);
    for (const auto& b : seq_breakers) {
        if (b.empty()) continue;
        d->breakers.emplace(b[0], std::vector<Token>(b.begin() + 1, b.end()));
    }
    return d;
}

SamplerPtr make_logit_bias(int32_t n_vocab, std::vector<std::pair<Token, float>> biases) {
    return std::make_unique<LogitBias>(n_vocab, std::move(biases));
}

}  // namespace zigllm::decode
