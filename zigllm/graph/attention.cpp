// Per-target attention (q.k dots and the p.v accumulation in vectors; softmax sum in double, as
// ggml's soft_max). F16 caches are widened on load.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "zigllm/graph/attention.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <algorithm>
#include <cmath>
#include <vector>

#include "hwy/highway.h"
#include "zigllm/graph/attention.hpp"
#include "zigllm/graph/kernels.hpp"

HWY_BEFORE_NAMESPACE();
namespace zigllm::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// n F16 values as f32.
inline void widen(const uint8_t* raw, float* dst, int64_t n) {
    const hn::ScalableTag<float> d;
    const hn::Rebind<hwy::float16_t, decltype(d)> dh;
    const auto* src = reinterpret_cast<const hwy::float16_t*>(raw);
    const int64_t N = static_cast<int64_t>(hn::Lanes(d));
    int64_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(hn::PromoteTo(d, hn::LoadU(dh, src + i)), d, dst + i);
    for (; i < n; ++i) {
        uint16_t bits;
        std::memcpy(&bits, src + i, 2);
        dst[i] = f16_to_f32(bits);
    }
}

// Row t of the cache as f32 (F16 rows widened into buf, unless a widened copy was made).
template <bool IsK>
inline const float* cache_row(const AttentionArgs& a, int64_t t, int64_t off, int64_t n, float* buf) {
    const KvCache& kv = *a.kv;
    if (const float* wide = IsK ? a.k_wide : a.v_wide) return wide + t * (a.ld - a.q_dim) / 2 + off;
    if (kv.type() == GgmlType::F32) return (IsK ? kv.k_f32(a.layer, t) : kv.v_f32(a.layer, t)) + off;
    widen((IsK ? kv.k_raw(a.layer, t) : kv.v_raw(a.layer, t)) + 2 * off, buf, n);
    return buf;
}

// q.k. ggml's ggml_vec_dot_f32 sums rows shorter than its SIMD step (64 on AVX-512) one product
// at a time, unfused: so do we, which keeps small heads bit-identical to llama.cpp (the quantized
// references amplify any rounding difference through the next activation quantization).
inline float dot(const float* a, const float* b, int64_t n) {
    if (n < 64) {
        float s = 0.0f;
        for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
        return s;
    }
    const hn::ScalableTag<float> d;
    const int64_t N = static_cast<int64_t>(hn::Lanes(d));
    auto acc = hn::Zero(d);
    int64_t i = 0;
    for (; i + N <= n; i += N) acc = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), acc);
    float s = hn::GetLane(hn::SumOfLanes(d, acc));
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
}

// y += p x, multiply and add unfused: per output dim this is the same sequence of roundings as
// ggml's p.v dot over positions (for fewer than 64 positions).
inline void axpy(float* y, float p, const float* x, int64_t n) {
    const hn::ScalableTag<float> d;
    const int64_t N = static_cast<int64_t>(hn::Lanes(d));
    const auto vp = hn::Set(d, p);
    int64_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(hn::Add(hn::LoadU(d, y + i), hn::Mul(vp, hn::LoadU(d, x + i))), d, y + i);
    for (; i < n; ++i) y[i] += p * x[i];
}

void AttendPairsT(const AttentionArgs& a, int64_t begin, int64_t end) {
    thread_local std::vector<float> scores, row;
    const int64_t n_ctx = a.kv->n_ctx(), D = a.head_dim;
    if (static_cast<int64_t>(scores.size()) < n_ctx) scores.resize(n_ctx);
    if (static_cast<int64_t>(row.size()) < D) row.resize(D);
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    for (int64_t j = begin; j < end; ++j) {
        const int64_t i = j / a.n_head, h = j % a.n_head, pos = a.pos0 + i;
        const int64_t lo = a.window > 0 ? std::max<int64_t>(0, pos - a.window + 1) : 0;
        const int64_t off = (h / a.group) * D;
        const float* q = a.qkv + i * a.ld + h * D;
        float* out = a.out + i * a.q_dim + h * D;
        float mx = -INFINITY;
        for (int64_t t = lo; t <= pos; ++t) {
            const float s = dot(q, cache_row<true>(a, t, off, D, row.data()), D) * scale;
            scores[t - lo] = s;
            mx = std::max(mx, s);
        }
        double sum = 0.0;
        for (int64_t t = lo; t <= pos; ++t) sum += (scores[t - lo] = std::exp(scores[t - lo] - mx));
        const float inv = static_cast<float>(1.0 / sum);
        std::fill_n(out, D, 0.0f);
        for (int64_t t = lo; t <= pos; ++t)
            axpy(out, scores[t - lo] * inv, cache_row<false>(a, t, off, D, row.data()), D);
    }
}

void WidenCacheRowsT(const KvCache& kv, int64_t layer, int64_t t0, int64_t t1, int64_t kv_dim, float* k, float* v) {
    for (int64_t t = t0; t < t1; ++t) {
        widen(kv.k_raw(layer, t), k + (t - t0) * kv_dim, kv_dim);
        widen(kv.v_raw(layer, t), v + (t - t0) * kv_dim, kv_dim);
    }
}

}  // namespace zigllm::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace zigllm::kernels {
HWY_EXPORT(AttendPairsT);
HWY_EXPORT(WidenCacheRowsT);
void attend_pairs(const AttentionArgs& a, int64_t begin, int64_t end) {
    HWY_DYNAMIC_DISPATCH(AttendPairsT)(a, begin, end);
}
void widen_cache_rows(const KvCache& kv, int64_t layer, int64_t t0, int64_t t1, int64_t kv_dim, float* k, float* v) {
    HWY_DYNAMIC_DISPATCH(WidenCacheRowsT)(kv, layer, t0, t1, kv_dim, k, v);
}
}  // namespace zigllm::kernels
#endif
