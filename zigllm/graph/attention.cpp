// Per-target attention in llama.cpp's order of operations (q.k dots, ggml's exp and softmax sums,
// the p.v accumulation; see below). F16 caches are widened on load.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "zigllm/graph/attention.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <algorithm>
#include <cmath>
#include <vector>

#include "hwy/highway.h"
#include "zigllm/graph/attention.hpp"
#include "zigllm/graph/kernels.hpp"
#include "zigllm/graph/ggml_exp-inl.h"

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

// llama.cpp's CPU attention is reproduced operation for operation (the quantized references amplify
// any last-bit difference through the next activation quantization). Its reductions are those of its
// AVX-512 build, emulated at any vector width: `Tree16` is _mm512_reduce_add_ps's summation order.
inline float Tree16(const float* l) {
    float t3[8], t6[4];
    for (int j = 0; j < 8; ++j) t3[j] = l[j + 8] + l[j];
    for (int m = 0; m < 4; ++m) t6[m] = t3[m + 4] + t3[m];
    return (t6[0] + t6[2]) + (t6[1] + t6[3]);
}

// q.k as ggml_vec_dot_f32: 64-wide blocks into 4 x 16 fused accumulators, folded 4 -> 2 -> 1 and
// reduced; the rest (all of it for heads under 64) one unfused product at a time.
inline float Dot(const float* a, const float* b, int64_t n) {
    const int64_t np = n & ~int64_t{63};
    float s = 0.0f;
    if (np > 0) {
        const hn::CappedTag<float, 16> d;
        const int64_t N = static_cast<int64_t>(hn::Lanes(d));
        HWY_ALIGN float acc[64] = {};
        for (int64_t i = 0; i < np; i += 64)
            for (int64_t k = 0; k < 64; k += N)
                hn::Store(hn::MulAdd(hn::LoadU(d, a + i + k), hn::LoadU(d, b + i + k), hn::Load(d, acc + k)), d, acc + k);
        for (int64_t k = 0; k < 32; k += N) hn::Store(hn::Add(hn::Load(d, acc + k), hn::Load(d, acc + k + 32)), d, acc + k);
        for (int64_t k = 0; k < 16; k += N) hn::Store(hn::Add(hn::Load(d, acc + k), hn::Load(d, acc + k + 16)), d, acc + k);
        s = Tree16(acc);
    }
    for (int64_t i = np; i < n; ++i) s += a[i] * b[i];
    return s;
}

// e[t] = exp(e[t] - mx) in ggml's 16-wide chunks [16 c0, 16 c1) (masked entries hold -inf: 0), and
// the sum as ggml_vec_soft_max_f32's: each chunk reduced in float, the chunks added in double.
inline double ExpAndSum(float* e, int64_t c0, int64_t c1, float mx) {
    const hn::CappedTag<float, 16> d;
    const int64_t N = static_cast<int64_t>(hn::Lanes(d));
    const auto vmx = hn::Set(d, mx);
    double sum = 0.0;
    for (int64_t c = c0; c < c1; ++c) {
        float* chunk = e + 16 * c;
        for (int64_t k = 0; k < 16; k += N)
            hn::StoreU(GgmlExp(d, hn::Sub(hn::LoadU(d, chunk + k), vmx)), d, chunk + k);
        sum += static_cast<double>(Tree16(chunk));
    }
    return sum;
}

// lane[t % 16] (+)= p_t v_t, then out = the 16 lanes reduced: llama.cpp's V^T p through tinyBLAS
// (AVX-512: position t in lane t mod 16, fused; masked positions add exact zeros).
inline void WeightedSum(const AttentionArgs& a, const float* p, int64_t lo, int64_t hi, int64_t off, float* lanes,
                        float* row, float* out) {
    const hn::ScalableTag<float> d;
    const int64_t D = a.head_dim, N = static_cast<int64_t>(hn::Lanes(d));
    for (int64_t t = lo; t <= hi; ++t) {
        const float* v = cache_row<false>(a, t, off, D, row);
        float* l = lanes + (t % 16) * D;
        const auto vp = hn::Set(d, p[t]);
        int64_t i = 0;
        if (t - lo < 16) {  // first visit of this lane
            for (; i + N <= D; i += N) hn::StoreU(hn::Mul(hn::LoadU(d, v + i), vp), d, l + i);
            for (; i < D; ++i) l[i] = v[i] * p[t];
        } else {
            for (; i + N <= D; i += N) hn::StoreU(hn::MulAdd(hn::LoadU(d, v + i), vp, hn::LoadU(d, l + i)), d, l + i);
            for (; i < D; ++i) l[i] = std::fma(v[i], p[t], l[i]);
        }
    }
    for (int64_t t = hi + 1; t < lo + 16; ++t) std::fill_n(lanes + (t % 16) * D, D, 0.0f);  // unvisited lanes
    const auto fold = [&](int64_t half) {  // lane j += lane j + half, for j < half
        for (int64_t j = 0; j < half; ++j) {
            float* x = lanes + j * D;
            const float* y = lanes + (j + half) * D;
            int64_t i = 0;
            for (; i + N <= D; i += N) hn::StoreU(hn::Add(hn::LoadU(d, y + i), hn::LoadU(d, x + i)), d, x + i);
            for (; i < D; ++i) x[i] = y[i] + x[i];
        }
    };
    fold(8);
    fold(4);
    const float *l0 = lanes, *l1 = lanes + D, *l2 = lanes + 2 * D, *l3 = lanes + 3 * D;
    for (int64_t i = 0; i < D; ++i) out[i] = (l0[i] + l2[i]) + (l1[i] + l3[i]);
}

void AttendPairsT(const AttentionArgs& a, int64_t begin, int64_t end) {
    thread_local std::vector<float> scores, row, lanes;
    const int64_t n_ctx = a.kv->n_ctx(), D = a.head_dim;
    const auto padded = static_cast<size_t>((n_ctx + 15) / 16 * 16);
    if (scores.size() < padded) scores.resize(padded);
    if (static_cast<int64_t>(row.size()) < D) row.resize(D);
    if (static_cast<int64_t>(lanes.size()) < 16 * D) lanes.resize(16 * D);
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    for (int64_t j = begin; j < end; ++j) {
        const int64_t i = j / a.n_head, h = j % a.n_head, pos = a.pos0 + i;
        const int64_t lo = a.window > 0 ? std::max<int64_t>(0, pos - a.window + 1) : 0;
        const int64_t off = (h / a.group) * D;
        const float* q = a.qkv + i * a.ld + h * D;
        float* s = scores.data();
        const int64_t c0 = lo / 16, c1 = pos / 16 + 1;  // the 16-chunks ggml's softmax touches
        std::fill(s + 16 * c0, s + lo, -INFINITY);
        std::fill(s + pos + 1, s + 16 * c1, -INFINITY);
        float mx = -INFINITY;
        for (int64_t t = lo; t <= pos; ++t) {
            s[t] = Dot(q, cache_row<true>(a, t, off, D, row.data()), D) * scale;
            mx = std::max(mx, s[t]);
        }
        const float inv = static_cast<float>(1.0 / ExpAndSum(s, c0, c1, mx));
        for (int64_t t = lo; t <= pos; ++t) s[t] *= inv;
        WeightedSum(a, s, lo, pos, off, lanes.data(), row.data(), a.out + i * a.q_dim + h * D);
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
