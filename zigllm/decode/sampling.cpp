// Candidate array, the shared steps (softmax, temperature, top-k, draws), the chain, and the
// stateless truncation samplers: a port of llama.cpp's llama-sampling.cpp (July 2025).
#include "zigllm/decode/sampling.hpp"
#include "zigllm/decode/sampling_detail.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <numeric>

namespace zigllm::decode {

CandidateArray CandidateArray::from_logits(std::span<const float> logits) {
    CandidateArray c;
    c.assign(logits);
    return c;
}

void CandidateArray::assign(std::span<const float> logits) {
    items.resize(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) items[i] = {static_cast<Token>(i), logits[i], 0.0f};
    first = 0;
    size = logits.size();
    selected = -1;
    sorted = false;
}

namespace {
// llama.cpp's `a.logit > b.logit`, made a strict weak order when NaN logits come in (bad input must
// not send std::sort out of bounds): NaN sorts after everything. Same order for every other value.
bool by_logit_desc(const TokenData& a, const TokenData& b) {
    if (std::isnan(b.logit)) return !std::isnan(a.logit);
    return a.logit > b.logit;
}
}  // namespace

void softmax(CandidateArray& cur) {
    if (cur.size == 0) return;  // llama.cpp asserts; nothing to normalise
    if (!cur.sorted) {
        std::sort(cur.begin(), cur.end(), by_logit_desc);
        cur.sorted = true;
    }
    const float max_l = cur[0].logit;
    float sum = 0.0f;
    for (auto& t : cur) {
        t.p = expf(t.logit - max_l);
        sum += t.p;
    }
    for (auto& t : cur) t.p /= sum;
}

void apply_temperature(CandidateArray& cur, float t) {
    if (cur.size == 0) return;
    if (t <= 0.0f) {  // greedy mask: the first maximum keeps its logit, the rest become -inf
        size_t max_i = 0;
        float max_l = cur[0].logit;
        for (size_t i = 1; i < cur.size; ++i) {
            if (cur[i].logit > max_l) {
                cur[max_i].logit = -INFINITY;
                max_i = i;
                max_l = cur[i].logit;
            } else {
                cur[i].logit = -INFINITY;
            }
        }
        return;
    }
    for (auto& c : cur) c.logit /= t;
}

void apply_top_k(CandidateArray& cur, int32_t k) {
    if (k <= 0) return;
    k = static_cast<int32_t>(std::min<size_t>(static_cast<size_t>(k), cur.size));
    if (!cur.sorted && k > 0) {
        if (k <= 128) {
            std::partial_sort(cur.begin(), cur.begin() + k, cur.end(), by_logit_desc);
        } else {
            // llama.cpp's bucket pass: 128 buckets over [-10, 10], full sort of the buckets above
            // the one holding the k-th candidate, partial sort inside it.
            constexpr int nbuckets = 128;
            constexpr float lo = -10.0f, hi = 10.0f;
            constexpr float scale = nbuckets / (hi - lo);
            constexpr float inter = -lo * scale;
            const int n = static_cast<int>(cur.size);
            std::vector<int> bucket_of(n);
            std::vector<int> histo(nbuckets, 0);
            for (int i = 0; i < n; ++i) {
                // clamped before the conversion (llama.cpp converts first: UB for inf / NaN / huge
                // values, which x86 maps to INT_MIN, i.e. the lowest bucket; so does this)
                const float x = scale * cur[i].logit + inter;
                const int ib = !(x > 0.0f) ? 0 : x >= float(nbuckets - 1) ? nbuckets - 1 : int(x);
                bucket_of[i] = ib;
                ++histo[ib];
            }
            int nhave = 0, ib = nbuckets - 1;
            for (; ib >= 0; --ib) {
                nhave += histo[ib];
                if (nhave >= k) break;
            }
            std::vector<TokenData> tmp(nhave);
            std::vector<TokenData*> bucket_ptr;
            TokenData* ptr = tmp.data();
            for (int j = nbuckets - 1; j >= ib; --j) {
                bucket_ptr.push_back(ptr);
                ptr += histo[j];
            }
            for (int i = 0; i < n; ++i)
                if (bucket_of[i] >= ib) *bucket_ptr[nbuckets - 1 - bucket_of[i]]++ = cur[i];
            ptr = tmp.data();
            int ndone = 0;
            for (int j = nbuckets - 1; j > ib; --j) {
                std::sort(ptr, ptr + histo[j], by_logit_desc);
                ptr += histo[j];
                ndone += histo[j];
            }
            std::partial_sort(ptr, ptr + (k - ndone), ptr + histo[ib], by_logit_desc);
            std::memcpy(cur.data(), tmp.data(), static_cast<size_t>(k) * sizeof(TokenData));
        }
    }
    cur.sorted = true;
    cur.size = static_cast<size_t>(k);
}

size_t draw_index(const CandidateArray& cur, std::mt19937& rng) {
    if (cur.size < 2) return 0;
    double total = 0.0;
    for (const auto& t : cur) total += static_cast<double>(t.p);
    // generate_canonical<double, 53>: two 32-bit outputs, low word first
    const double x1 = static_cast<double>(rng());
    const double x2 = static_cast<double>(rng());
    double u = (x1 + x2 * 4294967296.0) / 18446744073709551616.0;
    if (u >= 1.0) u = std::nextafter(1.0, 0.0);
    if (!(total > 0.0) || !std::isfinite(total)) return 0;
    double cum = 0.0;
    for (size_t i = 0; i + 1 < cur.size; ++i) {
        cum += static_cast<double>(cur[i].p) / total;
        if (cum >= u) return i;
    }
    return cur.size - 1;  // the last cumulative sum is 1 by definition
}

float draw_uniform_float(std::mt19937& rng) {
    float r = static_cast<float>(rng()) / 4294967296.0f;
    if (r >= 1.0f) r = std::nextafter(1.0f, 0.0f);
    return r;
}

// ---- chain -----------------------------------------------------------------------------------

Chain::Chain(const Chain& o) {
    for (const auto& s : o.samplers_) samplers_.push_back(s->clone());
}

Chain& Chain::add(SamplerPtr s) {
    samplers_.push_back(std::move(s));
    return *this;
}

void Chain::apply(CandidateArray& cur) {
    for (auto& s : samplers_) s->apply(cur);
}

void Chain::accept(Token t) {
    for (auto& s : samplers_) s->accept(t);
}

void Chain::reset() {
    for (auto& s : samplers_) s->reset();
}

SamplerPtr Chain::clone() const { return std::make_unique<Chain>(*this); }

Token Chain::sample(std::span<const float> logits) {
    CandidateArray& cur = scratch_;
    cur.assign(logits);
    apply(cur);
    if (cur.size == 0) return -1;
    if (cur.selected < 0 || static_cast<size_t>(cur.selected) >= cur.size) {
        cur.selected = 0;
        for (size_t i = 1; i < cur.size; ++i)
            if (cur[i].logit > cur[static_cast<size_t>(cur.selected)].logit) cur.selected = static_cast<int64_t>(i);
    }
    const Token t = cur[static_cast<size_t>(cur.selected)].id;
    accept(t);
    return t;
}

// ---- stateless samplers ------------------------------------------------------------------------

namespace {

struct Greedy final : detail::Cloneable<Greedy> {
    std::string_view name() const override { return "greedy"; }
    void apply(CandidateArray& cur) override {
        if (cur.size == 0) return;
        cur.selected = 0;
        for (size_t i = 1; i < cur.size; ++i)
            if (cur[i].logit > cur[static_cast<size_t>(cur.selected)].logit) cur.selected = static_cast<int64_t>(i);
    }
};

struct Dist final : detail::Cloneable<Dist> {
    uint32_t seed;
    std::mt19937 rng;
    explicit Dist(uint32_t s) : seed(s), rng(s) {}
    std::string_view name() const override { return "dist"; }
    void apply(CandidateArray& cur) override {
        if (cur.size == 0) return;
        softmax(cur);
        cur.selected = static_cast<int64_t>(draw_index(cur, rng));
    }
    void reset() override { rng.seed(seed); }
};

struct Softmax final : detail::Cloneable<Softmax> {
    std::string_view name() const override { return "softmax"; }
    void apply(CandidateArray& cur) override { softmax(cur); }
};

struct TopK final : detail::Cloneable<TopK> {
    int32_t k;
    explicit TopK(int32_t k_) : k(k_) {}
    std::string_view name() const override { return "top-k"; }
    void apply(CandidateArray& cur) override { apply_top_k(cur, k); }
};

struct TopP final : detail::Cloneable<TopP> {
    float p;
    size_t min_keep;
    TopP(float p_, size_t m) : p(p_), min_keep(m) {}
    std::string_view name() const override { return "top-p"; }
    void apply(CandidateArray& cur) override {
        if (p >= 1.0f || cur.size == 0) return;
        softmax(cur);
        float cum = 0.0f;
        size_t last = cur.size;
        for (size_t i = 0; i < cur.size; ++i) {
            cum += cur[i].p;
            if (cum >= p && i + 1 >= min_keep) {  // the crossing candidate is kept
                last = i + 1;
                break;
            }
        }
        cur.size = last;
    }
};

struct MinP final : detail::Cloneable<MinP> {
    float p;
    size_t min_keep;
    MinP(float p_, size_t m) : p(p_), min_keep(m) {}
    std::string_view name() const override { return "min-p"; }
    void apply(CandidateArray& cur) override {
        if (p <= 0.0f || cur.size == 0) return;
        if (!cur.sorted) {  // unsorted: filter in place, keeping the array order
            float max_l = -FLT_MAX;
            for (const auto& t : cur) max_l = std::max(max_l, t.logit);
            const float min_l = max_l + logf(p);
            std::vector<TokenData> kept;
            for (const auto& t : cur)
                if (t.logit >= min_l) kept.push_back(t);
            if (!kept.empty() && kept.size() >= min_keep) {
                std::copy(kept.begin(), kept.end(), cur.begin());
                cur.size = kept.size();
                return;
            }
            std::sort(cur.begin(), cur.end(), by_logit_desc);
            cur.sorted = true;
        }
        const float min_l = cur[0].logit + logf(p);
        size_t i = 1;  // the first candidate always stays
        for (; i < cur.size; ++i)
            if (cur[i].logit < min_l && i >= min_keep) break;
        cur.size = i;
    }
};

struct Typical final : detail::Cloneable<Typical> {
    float p;
    size_t min_keep;
    Typical(float p_, size_t m) : p(p_), min_keep(m) {}
    std::string_view name() const override { return "typical"; }
    void apply(CandidateArray& cur) override {
        if (p >= 1.0f || cur.size == 0) return;
        softmax(cur);
        float entropy = 0.0f;
        for (const auto& t : cur) entropy += -t.p * logf(t.p);
        if (std::isnan(entropy)) entropy = 0.0f;  // p = 0 gives 0 * -inf: defined as 0 here
        std::vector<float> score(cur.size);
        for (size_t i = 0; i < cur.size; ++i) score[i] = fabsf(-logf(cur[i].p) - entropy);
        std::vector<size_t> order(cur.size);
        std::iota(order.begin(), order.end(), size_t{0});
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {  // NaN scores (bad input) last
            if (std::isnan(score[b])) return !std::isnan(score[a]);
            return score[a] < score[b];
        });
        float cum = 0.0f;
        size_t last = order.size();
        for (size_t i = 0; i < order.size(); ++i) {
            cum += cur[order[i]].p;
            if (cum > p && (min_keep == 0 || i >= min_keep - 1)) {
                last = i + 1;
                break;
            }
        }
        std::vector<TokenData> kept;
        kept.reserve(last);
        for (size_t i = 0; i < last; ++i) kept.push_back(cur[order[i]]);
        std::copy(kept.begin(), kept.end(), cur.begin());
        cur.size = kept.size();
        cur.sorted = false;
    }
};

struct Temp final : detail::Cloneable<Temp> {
    float t;
    explicit Temp(float t_) : t(t_) {}
    std::string_view name() const override { return "temp"; }
    void apply(CandidateArray& cur) override { apply_temperature(cur, t); }
};

struct TempExt final : detail::Cloneable<TempExt> {
    float t, delta, exponent;
    TempExt(float t_, float d, float e) : t(t_), delta(d), exponent(e) {}
    std::string_view name() const override { return "temp-ext"; }
    void apply(CandidateArray& cur) override {
        if (!(delta > 0)) {
            apply_temperature(cur, t);
            return;
        }
        const float min_t = std::max(0.0f, t - delta);
        const float max_t = t + delta;
        if (cur.size <= 1) return;
        const float max_entropy = -logf(1.0f / static_cast<float>(cur.size));
        softmax(cur);
        float entropy = 0.0f;
        for (const auto& c : cur)
            if (c.p > 0.0f) entropy -= c.p * logf(c.p);
        const float norm_entropy = entropy / max_entropy;
        const float dyn_t = min_t + (max_t - min_t) * powf(norm_entropy, exponent);
        apply_temperature(cur, dyn_t);
        // p recomputed in double, as the reference does
        const double max_l = cur[0].logit;
        double sum = 0.0;
        for (auto& c : cur) {
            double e = exp(c.logit - max_l);
            c.p = static_cast<float>(e);
            sum += e;
        }
        for (auto& c : cur) c.p = static_cast<float>(c.p / sum);
    }
};

struct Xtc final : detail::Cloneable<Xtc> {
    float probability, threshold;
    size_t min_keep;
    uint32_t seed;
    std::mt19937 rng;
    Xtc(float p, float t, size_t m, uint32_t s) : probability(p), threshold(t), min_keep(m), seed(s), rng(s) {}
    std::string_view name() const override { return "xtc"; }
    void apply(CandidateArray& cur) override {
        if (probability <= 0.0f || threshold > 0.5f || cur.size < 2) return;
        const float chance = draw_uniform_float(rng);
        if (chance > probability) return;
        softmax(cur);
        size_t pos_last = 0;
        for (size_t i = 0; i < cur.size; ++i) {
            if (cur[i].p >= threshold) pos_last = i;
            else break;
        }
        if (cur.size - pos_last >= min_keep && pos_last > 0) {  // remove every "top choice" but the last
            cur.first += pos_last;
            cur.size -= pos_last;
        }
    }
    void reset() override { rng.seed(seed); }
};

struct TopNSigma final : detail::Cloneable<TopNSigma> {
    float n;
    explicit TopNSigma(float n_) : n(n_) {}
    std::string_view name() const override { return "top-n-sigma"; }
    void apply(CandidateArray& cur) override {
        if (n <= 0.0f || cur.size <= 1) return;
        float max = cur[0].logit;
        float sum = 0.0f;
        size_t valid = 0;
        for (const auto& c : cur) {
            if (c.logit != -INFINITY) {
                if (c.logit > max) max = c.logit;
                sum += c.logit;
                ++valid;
            }
        }
        const float mean = valid > 0 ? sum / static_cast<float>(valid) : 0.0f;
        float acc = 0.0f;
        for (const auto& c : cur)
            if (c.logit != -INFINITY) acc = static_cast<float>(acc + std::pow(static_cast<double>(c.logit - mean), 2));
        const float sd = valid > 0 ? static_cast<float>(std::sqrt(acc / static_cast<float>(valid))) : 0.0f;
        for (auto& c : cur)
            if (c.logit < max - n * sd) c.logit = -INFINITY;
        softmax(cur);
    }
};

}  // namespace

SamplerPtr make_greedy() { return std::make_unique<Greedy>(); }
SamplerPtr make_dist(uint32_t seed) { return std::make_unique<Dist>(seed); }
SamplerPtr make_softmax() { return std::make_unique<Softmax>(); }
SamplerPtr make_top_k(int32_t k) { return std::make_unique<TopK>(k); }
SamplerPtr make_top_p(float p, size_t min_keep) { return std::make_unique<TopP>(p, min_keep); }
SamplerPtr make_min_p(float p, size_t min_keep) { return std::make_unique<MinP>(p, min_keep); }
SamplerPtr make_typical(float p, size_t min_keep) { return std::make_unique<Typical>(p, min_keep); }
SamplerPtr make_temp(float t) { return std::make_unique<Temp>(t); }
SamplerPtr make_temp_ext(float t, float delta, float exponent) { return std::make_unique<TempExt>(t, delta, exponent); }
SamplerPtr make_xtc(float probability, float threshold, size_t min_keep, uint32_t seed) {
    return std::make_unique<Xtc>(probability, threshold, min_keep, seed);
}
SamplerPtr make_top_n_sigma(float n) { return std::make_unique<TopNSigma>(n); }

}  // namespace zigllm::decode
