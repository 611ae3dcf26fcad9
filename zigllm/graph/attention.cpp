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
// AVX-512 build, emulated at any vector width: `Reduce16` is _mm512_reduce_add_ps's summation order
// (lane j + lane j+8, then m + m+4, then (0 + 2) + (1 + 3)), which is Highway's SumOfLanes on 16
// lanes and on 8 lanes after the first fold.
using D16 = hn::CappedTag<float, 16>;
constexpr size_t kN16 = hn::MaxLanes(D16());

inline float Tree16(const float* l) {
    float t3[8], t6[4];
    for (int j = 0; j < 8; ++j) t3[j] = l[j + 8] + l[j];
    for (int m = 0; m < 4; ++m) t6[m] = t3[m + 4] + t3[m];
    return (t6[0] + t6[2]) + (t6[1] + t6[3]);
}

// The 16 lanes held in v[0 .. 16 / kN16).
HWY_INLINE float Reduce16(const hn::Vec<D16>* v) {
    const D16 d;
    if constexpr (kN16 == 16) {
        return hn::GetLane(hn::SumOfLanes(d, v[0]));
    } else if constexpr (kN16 == 8) {
        return hn::GetLane(hn::SumOfLanes(d, hn::Add(v[1], v[0])));
    } else {
        HWY_ALIGN float l[16];
        for (size_t k = 0; k < 16 / kN16; ++k) hn::Store(v[k], d, l + k * kN16);
        return Tree16(l);
    }
}

// q.k as ggml_vec_dot_f32: 64-wide blocks into 4 x 16 fused accumulators, folded 4 -> 2 -> 1 and
// reduced; the rest (all of it for heads under 64) one unfused product at a time.
inline float Dot(const float* a, const float* b, int64_t n) {
    const int64_t np = n & ~int64_t{63};
    float s = 0.0f;
    if (np > 0) {
        const D16 d;
        constexpr size_t kV = 64 / kN16;
        hn::Vec<D16> acc[kV];
        for (size_t k = 0; k < kV; ++k) acc[k] = hn::Mul(hn::LoadU(d, a + k * kN16), hn::LoadU(d, b + k * kN16));
        for (int64_t i = 64; i < np; i += 64)
            for (size_t k = 0; k < kV; ++k)
                acc[k] = hn::MulAdd(hn::LoadU(d, a + i + k * kN16), hn::LoadU(d, b + i + k * kN16), acc[k]);
        for (size_t k = 0; k < kV / 2; ++k) acc[k] = hn::Add(acc[k], acc[k + kV / 2]);  // lane l + lane l+32
        for (size_t k = 0; k < kV / 4; ++k) acc[k] = hn::Add(acc[k], acc[k + kV / 4]);  // lane l + lane l+16
        s = Reduce16(acc);
    }
    for (int64_t i = np; i < n; ++i) s += a[i] * b[i];
    return s;
}

// e[t] = exp(e[t] - mx) in ggml's 16-wide chunks [16 c0, 16 c1) (masked entries hold -inf: 0), and
// the sum as ggml_vec_soft_max_f32's: each chunk reduced in float, the chunks added in double.
inline double ExpAndSum(float* e, int64_t c0, int64_t c1, float mx) {
    const D16 d;
    const auto vmx = hn::Set(d, mx);
    double sum = 0.0;
    for (int64_t c = c0; c < c1; ++c) {
        float* chunk = e + 16 * c;
        hn::Vec<D16> v[16 / kN16];
        for (size_t k = 0; k < 16 / kN16; ++k) {
            v[k] = GgmlExp(d, hn::Sub(hn::LoadU(d, chunk + k * kN16), vmx));
            hn::StoreU(v[k], d, chunk + k * kN16);
        }
        sum += static_cast<double>(Reduce16(v));
    }
    return sum;
}

// out = sum_t p_t v_t as llama.cpp's V^T p through tinyBLAS (AVX-512): position t feeds lane t mod 16
// by FMA (masked positions add exact zeros), then the 16 lanes are reduced. One kN16-wide slice of
// the head's dims at a time, the 16 lanes in registers.
inline void WeightedSum(const float* const* v, const float* p, int64_t lo, int64_t hi, int64_t D, float* out) {
    const D16 d;
    int64_t c = 0;
    for (; c + static_cast<int64_t>(kN16) <= D; c += kN16) {
        hn::Vec<D16> acc[16];
        for (auto& x : acc) x = hn::Zero(d);
        for (int64_t t0 = lo / 16 * 16; t0 <= hi; t0 += 16) {
            if (t0 >= lo && t0 + 15 <= hi) {
                for (int L = 0; L < 16; ++L)
                    acc[L] = hn::MulAdd(hn::LoadU(d, v[t0 + L] + c), hn::Set(d, p[t0 + L]), acc[L]);
            } else {
                for (int L = 0; L < 16; ++L)
                    if (t0 + L >= lo && t0 + L <= hi)
                        acc[L] = hn::MulAdd(hn::LoadU(d, v[t0 + L] + c), hn::Set(d, p[t0 + L]), acc[L]);
            }
        }
        for (int j = 0; j < 8; ++j) acc[j] = hn::Add(acc[j + 8], acc[j]);
        for (int m = 0; m < 4; ++m) acc[m] = hn::Add(acc[m + 4], acc[m]);
        hn::StoreU(hn::Add(hn::Add(acc[0], acc[2]), hn::Add(acc[1], acc[3])), d, out + c);
    }
    for (; c < D; ++c) {  // dims past the last whole vector: the same lanes, one dim at a time
        float l[16] = {};
        for (int64_t t = lo; t <= hi; ++t) l[t % 16] = std::fma(v[t][c], p[t], l[t % 16]);
        out[c] = Tree16(l);
    }
}

// WeightedSum for kQ queries of one head at once, each value row read once for all of them (a
// prompt's attention was bound by re-reading the cache from L2 per query). The same operations in
// the same order per query: lane t mod 16 of each dim accumulates its positions by FMA in ascending
// t, then Tree16 over the lanes. Lanes go one at a time (4 vectors of dims per query in registers),
// their sums parked in `lanes` ([kQ][16][D]) until the trees at the end. D a multiple of 4 kN16.
template <int kQ>
void WeightedSumQ(const float* const* v, const float* const* p, const int64_t* lo, const int64_t* hi, int64_t D,
                  float* const* out, float* lanes) {
    const D16 d;
    constexpr int64_t kV = 4, kDims = kV * static_cast<int64_t>(kN16);
    const int64_t t_lo = *std::min_element(lo, lo + kQ), t_hi = *std::max_element(hi, hi + kQ);
    for (int64_t c0 = 0; c0 < D; c0 += kDims) {
        for (int64_t L = 0; L < 16; ++L) {
            hn::Vec<D16> acc[kQ][kV];
            for (auto& q : acc)
                for (auto& x : q) x = hn::Zero(d);
            for (int64_t t = t_lo / 16 * 16 + L; t <= t_hi; t += 16) {
                if (t < t_lo) continue;
                hn::Vec<D16> vv[kV];
                for (int64_t k = 0; k < kV; ++k) vv[k] = hn::LoadU(d, v[t] + c0 + k * kN16);
                for (int q = 0; q < kQ; ++q) {
                    if (t < lo[q] || t > hi[q]) continue;
                    const auto pt = hn::Set(d, p[q][t]);
                    for (int64_t k = 0; k < kV; ++k) acc[q][k] = hn::MulAdd(vv[k], pt, acc[q][k]);
                }
            }
            for (int q = 0; q < kQ; ++q)
                for (int64_t k = 0; k < kV; ++k) hn::StoreU(acc[q][k], d, lanes + (q * 16 + L) * D + c0 + k * kN16);
        }
    }
    for (int q = 0; q < kQ; ++q) {
        const float* l = lanes + q * 16 * D;
        for (int64_t c = 0; c < D; c += kN16) {
            hn::Vec<D16> t3[8];
            for (int j = 0; j < 8; ++j) t3[j] = hn::Add(hn::LoadU(d, l + (j + 8) * D + c), hn::LoadU(d, l + j * D + c));
            for (int m = 0; m < 4; ++m) t3[m] = hn::Add(t3[m + 4], t3[m]);
            hn::StoreU(hn::Add(hn::Add(t3[0], t3[2]), hn::Add(t3[1], t3[3])), d, out[q] + c);
        }
    }
}

// Queries per WeightedSumQ: as many as leave registers for the loads (4 x 4 accumulators of 32).
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX3_ZEN4 || HWY_ARCH_ARM_A64
constexpr int kQueries = 4;
#else
constexpr int kQueries = 2;
#endif

void AttendPairsT(const AttentionArgs& a, int64_t begin, int64_t end) {
    thread_local std::vector<float> scores, row, vbuf, lanes;
    thread_local std::vector<const float*> vrows;
    const int64_t n_ctx = a.kv->n_ctx(), D = a.head_dim;
    const auto padded = static_cast<size_t>((n_ctx + 15) / 16 * 16);
    if (scores.size() < kQueries * padded) scores.resize(kQueries * padded);
    if (vrows.size() < padded) vrows.resize(padded);
    if (static_cast<int64_t>(row.size()) < D) row.resize(D);
    const bool widen_v = !a.v_wide && a.kv->type() != GgmlType::F32;  // F16 rows widened per pair
    const bool grouped = !widen_v && D % (4 * static_cast<int64_t>(kN16)) == 0;
    if (grouped && lanes.size() < static_cast<size_t>(kQueries * 16 * D)) lanes.resize(kQueries * 16 * D);
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    for (int64_t j0 = begin; j0 < end;) {
        // Up to kQueries pairs of one head (consecutive tokens) share the reads of the value rows.
        const int64_t h = j0 / a.n_tokens, off = (h / a.group) * D;
        int64_t nq = 1;
        if (grouped)
            while (nq < kQueries && j0 + nq < end && (j0 + nq) / a.n_tokens == h) ++nq;
        float* out[kQueries];
        int64_t lo[kQueries], hi[kQueries];
        const float* qv[kQueries];
        float* s[kQueries];
        float mx[kQueries];
        for (int64_t q = 0; q < nq; ++q) {
            const int64_t i = a.n_tokens - 1 - (j0 + q) % a.n_tokens, pos = a.pos0 + i;
            lo[q] = a.window > 0 ? std::max<int64_t>(0, pos - a.window + 1) : 0;
            hi[q] = pos;
            qv[q] = a.qkv + i * a.ld + h * D;
            s[q] = scores.data() + q * padded;
            out[q] = a.out + i * a.q_dim + h * D;
            mx[q] = -INFINITY;
        }
        const int64_t t_lo = *std::min_element(lo, lo + nq), t_hi = *std::max_element(hi, hi + nq);
        for (int64_t t = t_lo; t <= t_hi; ++t) {  // each key row once for the group (then from L1)
            const float* k = cache_row<true>(a, t, off, D, row.data());
            for (int64_t q = 0; q < nq; ++q) {
                if (t < lo[q] || t > hi[q]) continue;
                s[q][t] = Dot(qv[q], k, D) * scale;
                mx[q] = std::max(mx[q], s[q][t]);
            }
        }
        for (int64_t q = 0; q < nq; ++q) {
            const int64_t c0 = lo[q] / 16, c1 = hi[q] / 16 + 1;  // the 16-chunks ggml's softmax touches
            std::fill(s[q] + 16 * c0, s[q] + lo[q], -INFINITY);
            std::fill(s[q] + hi[q] + 1, s[q] + 16 * c1, -INFINITY);
            const float inv = static_cast<float>(1.0 / ExpAndSum(s[q], c0, c1, mx[q]));
            for (int64_t t = lo[q]; t <= hi[q]; ++t) s[q][t] *= inv;
        }
        if (widen_v && vbuf.size() < static_cast<size_t>((t_hi - t_lo + 1) * D)) vbuf.resize((t_hi - t_lo + 1) * D);
        for (int64_t t = t_lo; t <= t_hi; ++t)
            vrows[t] = widen_v ? cache_row<false>(a, t, off, D, vbuf.data() + (t - t_lo) * D) : cache_row<false>(a, t, off, D, nullptr);
        if (nq == kQueries) WeightedSumQ<kQueries>(vrows.data(), s, lo, hi, D, out, lanes.data());
        else
            for (int64_t q = 0; q < nq; ++q) WeightedSum(vrows.data(), s[q], lo[q], hi[q], D, out[q]);
        j0 += nq;
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
