// Mirostat v1 and v2 (Basu et al. 2021) as in llama.cpp, with v1's k overflow given a defined result.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "zigllm/decode/sampling.hpp"
#include "zigllm/decode/sampling_detail.hpp"

namespace zigllm::decode {
namespace {

// State both versions share: mu, the RNG, and the last truncated set for accept() to look up.
struct MirostatState {
    uint32_t seed;
    float tau, eta, mu;
    std::mt19937 rng;
    std::vector<TokenData> last;  // the truncated, renormalised candidates of the last apply

    MirostatState(uint32_t s, float t, float e) : seed(s), tau(t), eta(e), mu(2.0f * t), rng(s) {}

    void remember_and_draw(CandidateArray& cur) {
        last.assign(cur.begin(), cur.end());
        cur.selected = static_cast<int64_t>(draw_index(cur, rng));
    }
    // mu -= eta * (surprise - tau), surprise = -log2 p of the accepted token. A token outside the
    // last set (forced by the caller) carries no surprise estimate: mu stays.
    void observe(Token t) {
        for (const auto& c : last)
            if (c.id == t) {
                const float surprise = -log2f(c.p);
                const float err = surprise - tau;
                // float32 without FMA, as the reference computes it (volatile keeps the product rounded)
                volatile float step = eta * err;
                mu = mu - step;
                break;
            }
        last.clear();
    }
    void reset() {
        mu = 2.0f * tau;
        rng.seed(seed);
        last.clear();
    }
};

struct MirostatV1 final : detail::Cloneable<MirostatV1, Mirostat> {
    int32_t n_vocab, m;
    MirostatState st;
    size_t k_last = 0;

    MirostatV1(int32_t nv, uint32_t seed, float tau, float eta, int32_t m_) : n_vocab(nv), m(m_), st(seed, tau, eta) {}
    std::string_view name() const override { return "mirostat"; }
    float mu() const override { return st.mu; }
    size_t last_k() const override { return k_last; }

    void apply(CandidateArray& cur) override {
        if (cur.size == 0) return;
        softmax(cur);
        // s_hat: Zipf exponent estimated from the m most probable tokens
        float sum_ti_bi = 0.0f, sum_ti_sq = 0.0f;
        const size_t m_lim = m >= 1 ? static_cast<size_t>(m) - 1 : SIZE_MAX;  // size_t(m - 1), without overflow
        for (size_t i = 0; i < m_lim && i < cur.size - 1; ++i) {
            const float t_i = logf(float(i + 2) / float(i + 1));
            const float b_i = logf(cur[i].p / cur[i + 1].p);
            sum_ti_bi += t_i * b_i;
            sum_ti_sq += t_i * t_i;
        }
        const float s_hat = sum_ti_bi / sum_ti_sq;
        const float eps = s_hat - 1;
        const float k = powf((eps * powf(2, st.mu)) / (1 - powf(static_cast<float>(n_vocab), -eps)), 1 / s_hat);
        // Defined where llama.cpp's int(k) overflows: k is clamped to [1, n_vocab]; NaN keeps n_vocab.
        const int32_t hi = std::max(n_vocab, 1);
        int32_t ki;
        if (std::isnan(k) || k >= static_cast<float>(hi)) ki = hi;
        else if (k < 1.0f) ki = 1;
        else ki = static_cast<int32_t>(k);
        apply_top_k(cur, ki);
        softmax(cur);
        k_last = cur.size;
        st.remember_and_draw(cur);
    }
    void accept(Token t) override { st.observe(t); }
    void reset() override { st.reset(); }
};

struct MirostatV2 final : detail::Cloneable<MirostatV2, Mirostat> {
    MirostatState st;
    size_t k_last = 0;

    MirostatV2(uint32_t seed, float tau, float eta) : st(seed, tau, eta) {}
    std::string_view name() const override { return "mirostat-v2"; }
    float mu() const override { return st.mu; }
    size_t last_k() const override { return k_last; }

    void apply(CandidateArray& cur) override {
        if (cur.size == 0) return;
        softmax(cur);
        // truncate before the first candidate whose surprise exceeds mu (at least one stays)
        size_t n = 0;
        while (n < cur.size && !(-log2f(cur[n].p) > st.mu)) ++n;
        cur.size = std::max<size_t>(n, 1);
        softmax(cur);
        k_last = cur.size;
        st.remember_and_draw(cur);
    }
    void accept(Token t) override { st.observe(t); }
    void reset() override { st.reset(); }
};

}  // namespace

std::unique_ptr<Mirostat> make_mirostat(int32_t n_vocab, uint32_t seed, float tau, float eta, int32_t m) {
    return std::make_unique<MirostatV1>(n_vocab, seed, tau, eta, m);
}

std::unique_ptr<Mirostat> make_mirostat_v2(uint32_t seed, float tau, float eta) {
    return std::make_unique<MirostatV2>(seed, tau, eta);
}

}  // namespace zigllm::decode
