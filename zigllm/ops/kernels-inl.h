// Per-target kernels for the float, legacy and K-quant weight types (convention: kernels.hpp).
// Included once per Highway target by matmul.cpp (foreach_target.h).
#if defined(ZIGLLM_OPS_KERNELS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ZIGLLM_OPS_KERNELS_INL_H_
#undef ZIGLLM_OPS_KERNELS_INL_H_
#else
#define ZIGLLM_OPS_KERNELS_INL_H_
#endif

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "hwy/highway.h"
#include "zigllm/io/ggml_type.hpp"
#include "zigllm/ops/blocks.hpp"
#include "zigllm/ops/decoded_row.hpp"

HWY_BEFORE_NAMESPACE();
namespace zigllm::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// At most 32 int16 lanes, so that one legacy block (32 values) is a whole number of vectors.
using D16 = hn::CappedTag<int16_t, 32>;
using D32 = hn::Repartition<int32_t, D16>;
using DF = hn::Rebind<float, D32>;

// One fp16 -> f32 through the target's conversion instruction (F16C, fcvt) where it has one: the
// portable bit-twiddling fp16_to_f32 per block was a large part of the legacy dots.
HWY_INLINE float F16(const uint16_t& bits) {
    const hn::CappedTag<float, 1> d1;
    const hn::Rebind<hwy::float16_t, decltype(d1)> h1;
    return hn::GetLane(hn::PromoteTo(d1, hn::LoadU(h1, reinterpret_cast<const hwy::float16_t*>(&bits))));
}

// ---- ggml's x86 summation order -------------------------------------------------------------------
// The references are llama.cpp's x86 (AVX-512 machine) results, and every activation quantization
// after a matmul turns a last-bit difference into a whole int8 step now and then; so on x86 the dots
// reproduce ggml's float operations exactly. Its legacy and K-quant dots keep 8 int32 lanes
// (maddubs + madd): lane k sums the products of elements 4k..4k+3 of every 32-element group; each
// block's lanes go into 8 float lanes by one FMA, and hsum_float_8 adds (l_k + l_k+4), then
// (r0 + r2) + (r1 + r3). Integer sums are exact, so any grouping that keeps those lanes will do.
#if HWY_ARCH_X86 && HWY_TARGET != HWY_EMU128 && HWY_TARGET != HWY_SCALAR
#define ZIGLLM_GGML_X86_ORDER 1
#else
#define ZIGLLM_GGML_X86_ORDER 0
#endif

HWY_INLINE float Hsum8(const float* l) {
    float r[4];
    for (int k = 0; k < 4; ++k) r[k] = l[k + 4] + l[k];
    return (r[0] + r[2]) + (r[1] + r[3]);
}

#if ZIGLLM_GGML_X86_ORDER
// L[k] = sum of w[e] * a[e] over the e < n (a multiple of 32) with (e % 32) / 4 == k. x86's
// ReorderWidenMulAccumulate is madd (sums of adjacent pairs); ConcatEven + ConcatOdd pairs those.
HWY_INLINE void LaneSums8(const int16_t* HWY_RESTRICT w, const int8_t* HWY_RESTRICT a, int64_t n, int32_t* L) {
    const hn::CappedTag<int16_t, 16> d16;
    const hn::Repartition<int32_t, decltype(d16)> d32;
    const hn::Rebind<int8_t, decltype(d16)> d8;
    constexpr size_t N16 = hn::MaxLanes(d16), kAcc = 32 / N16;  // 16 and 2, or 8 and 4 (SSE4)
    hn::Vec<decltype(d32)> acc[kAcc], unused = hn::Zero(d32);
    for (size_t j = 0; j < kAcc; ++j) acc[j] = hn::Zero(d32);
    for (int64_t g = 0; g < n; g += 32)
        for (size_t j = 0; j < kAcc; ++j)
            acc[j] = hn::ReorderWidenMulAccumulate(d32, hn::LoadU(d16, w + g + j * N16),
                                                   hn::PromoteTo(d16, hn::LoadU(d8, a + g + j * N16)), acc[j], unused);
    for (size_t m = 0; m < kAcc / 2; ++m)
        hn::StoreU(hn::Add(hn::ConcatEven(d32, acc[2 * m + 1], acc[2 * m]), hn::ConcatOdd(d32, acc[2 * m + 1], acc[2 * m])),
                   d32, L + m * (N16 / 2));
}

// acc[k] = fma(L[k], d, acc[k]) for the 8 lanes.
HWY_INLINE void FmaLanes8(const int32_t* L, float d, float* acc) {
    const hn::CappedTag<float, 8> df;
    const hn::RebindToSigned<decltype(df)> di;
    constexpr size_t N = hn::MaxLanes(df);
    for (size_t k = 0; k < 8; k += N)
        hn::StoreU(hn::MulAdd(hn::ConvertTo(df, hn::LoadU(di, L + k)), hn::Set(df, d), hn::LoadU(df, acc + k)), df, acc + k);
}
#else
// Elsewhere: the same sums in this target's widest lanes (the order differs from ggml's).
template <class Tag16>
HWY_INLINE hn::Vec<hn::Repartition<int32_t, Tag16>> MulAddI16I8(const int16_t* HWY_RESTRICT w,
                                                                  const int8_t* HWY_RESTRICT a, size_t n) {
    const Tag16 d16;
    const hn::Repartition<int32_t, Tag16> d32;
    const hn::Rebind<int8_t, Tag16> d8;
    auto s0 = hn::Zero(d32), s1 = hn::Zero(d32);
    for (size_t i = 0; i < n; i += hn::Lanes(d16)) {
        const auto a16 = hn::PromoteTo(d16, hn::LoadU(d8, a + i));
        s0 = hn::ReorderWidenMulAccumulate(d32, hn::LoadU(d16, w + i), a16, s0, s1);
    }
    return hn::Add(s0, s1);
}
#endif

// ---- families: how a decoded row is dotted with one activation row ----

// Blocks of 32 against Q8_0 (kMin false) or Q8_1 (kMin true: + m * s, ggml's min term).
template <class ActBlock, bool kMin>
struct LegacyFamily {
    static float dot(const DecodedRow& w, const void* act, int64_t n) {
        const auto* a = static_cast<const ActBlock*>(act);
        float off = 0.0f;
#if ZIGLLM_GGML_X86_ORDER
        HWY_ALIGN float acc[8] = {};
        for (int64_t b = 0; b < n / 32; ++b) {
            HWY_ALIGN int32_t L[8];
            LaneSums8(w.q + 32 * b, a[b].qs, 32, L);
            FmaLanes8(L, w.d[b] * F16(a[b].d), acc);
            if constexpr (kMin) off = std::fma(w.m[b], F16(a[b].s), off);  // ggml's contracted summs += m * s
        }
        return Hsum8(acc) + off;
#else
        const hn::Rebind<float, D32> df;
        auto acc = hn::Zero(df);
        for (int64_t b = 0; b < n / 32; ++b) {
            const auto isum = MulAddI16I8<D16>(w.q + 32 * b, a[b].qs, 32);
            acc = hn::MulAdd(hn::ConvertTo(df, isum), hn::Set(df, w.d[b] * F16(a[b].d)), acc);
            if constexpr (kMin) off += w.m[b] * F16(a[b].s);
        }
        return hn::GetLane(hn::SumOfLanes(df, acc)) + off;
#endif
    }
};

// How a K-quant dot adds its min term (sub-block mins x bsums, times -d8 * dmin), per ggml's x86 code:
enum class KMin {
    none,       // Q3_K, Q6_K
    per_lane,   // Q2_K: 16 mins x bsums in 8 lanes, FMA'd into the main lanes first
    four_lanes, // Q4_K: 8 mins x pair sums of bsums in 4 lanes of their own, added at the end
    scalar,     // Q5_K: one integer total per super-block into a float sum (a contracted +=)
};

// Super-blocks of 256 against Q8_K. w.mins: one min per 16 values (Q4_K/Q5_K: each twice).
template <KMin kMin>
struct KFamily {
    static float dot(const DecodedRow& w, const void* act, int64_t n) {
        const auto* a = static_cast<const BlockQ8K*>(act);
#if ZIGLLM_GGML_X86_ORDER
        HWY_ALIGN float acc[8] = {};
        float acc_m[4] = {}, summs = 0.0f;
        for (int64_t b = 0; b < n / 256; ++b) {
            const float d = a[b].d * w.d[b];
            const int16_t* mins = w.mins + 16 * b;
            const int16_t* bs = a[b].bsums;
            if constexpr (kMin != KMin::none) {
                const float dmin = -a[b].d * w.m[b];
                if constexpr (kMin == KMin::per_lane) {
                    HWY_ALIGN int32_t prod[8];
                    for (int k = 0; k < 8; ++k) prod[k] = mins[2 * k] * bs[2 * k] + mins[2 * k + 1] * bs[2 * k + 1];
                    FmaLanes8(prod, dmin, acc);
                } else {
                    int32_t prod[4], total = 0;
                    for (int k = 0; k < 4; ++k) {  // sub-block j's min is mins[2j]; its bsums pair is 2j, 2j + 1
                        prod[k] = mins[4 * k] * (bs[4 * k] + bs[4 * k + 1]) + mins[4 * k + 2] * (bs[4 * k + 2] + bs[4 * k + 3]);
                        total += prod[k];
                    }
                    if constexpr (kMin == KMin::four_lanes)
                        for (int k = 0; k < 4; ++k) acc_m[k] = std::fma(dmin, static_cast<float>(prod[k]), acc_m[k]);
                    else
                        summs = std::fma(dmin, static_cast<float>(total), summs);
                }
            }
            HWY_ALIGN int32_t L[8];
            LaneSums8(w.q + 256 * b, a[b].qs, 256, L);
            FmaLanes8(L, d, acc);
        }
        if constexpr (kMin == KMin::four_lanes) return Hsum8(acc) + ((acc_m[0] + acc_m[2]) + (acc_m[1] + acc_m[3]));
        return Hsum8(acc) + summs;
#else
        const DF df;
        auto acc = hn::Zero(df);
        float off = 0.0f;
        for (int64_t b = 0; b < n / 256; ++b) {
            const auto isum = MulAddI16I8<D16>(w.q + 256 * b, a[b].qs, 256);
            acc = hn::MulAdd(hn::ConvertTo(df, isum), hn::Set(df, w.d[b] * a[b].d), acc);
            if constexpr (kMin != KMin::none) {
                int summs = 0;
                const int16_t* mins = w.mins + 16 * b;
                for (int j = 0; j < 16; ++j) summs += a[b].bsums[j] * mins[j];
                off -= w.m[b] * a[b].d * static_cast<float>(summs);
            }
        }
        return hn::GetLane(hn::SumOfLanes(df, acc)) + off;
#endif
    }
};

// f32 weights (decoded) against f32 activations (F16/BF16 activations are widened exactly first).
struct FloatFamily {
    static float dot(const DecodedRow& w, const void* act, int64_t n) {
        const hn::ScalableTag<float> df;
        const size_t N = hn::Lanes(df);
        const float* HWY_RESTRICT x = w.f;
        const float* HWY_RESTRICT y = static_cast<const float*>(act);
        auto a0 = hn::Zero(df), a1 = hn::Zero(df), a2 = hn::Zero(df), a3 = hn::Zero(df);
        size_t i = 0;
        const auto un = static_cast<size_t>(n);
        for (; i + 4 * N <= un; i += 4 * N) {
            a0 = hn::MulAdd(hn::LoadU(df, x + i), hn::LoadU(df, y + i), a0);
            a1 = hn::MulAdd(hn::LoadU(df, x + i + N), hn::LoadU(df, y + i + N), a1);
            a2 = hn::MulAdd(hn::LoadU(df, x + i + 2 * N), hn::LoadU(df, y + i + 2 * N), a2);
            a3 = hn::MulAdd(hn::LoadU(df, x + i + 3 * N), hn::LoadU(df, y + i + 3 * N), a3);
        }
        for (; i + N <= un; i += N) a0 = hn::MulAdd(hn::LoadU(df, x + i), hn::LoadU(df, y + i), a0);
        float sum = hn::GetLane(hn::SumOfLanes(df, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
        for (; i < un; ++i) sum += x[i] * y[i];
        return sum;
    }
};

// ---- kernels: decode one weight row ----

struct F32Kernel {
    static constexpr GgmlType weight = GgmlType::F32, act = GgmlType::F32;
    using Family = FloatFamily;
    static constexpr bool kCopies = false;  // decoded row points at the weights themselves
    static void decode(const void* w, int64_t, DecodedRow& o) { o.f = const_cast<float*>(static_cast<const float*>(w)); }
};
struct F16Kernel {
    static constexpr GgmlType weight = GgmlType::F16, act = GgmlType::F16;
    using Family = FloatFamily;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const hn::ScalableTag<float> df;
        const hn::Rebind<hwy::float16_t, decltype(df)> dh;
        const auto* src = static_cast<const hwy::float16_t*>(w);
        int64_t i = 0;
        const auto N = static_cast<int64_t>(hn::Lanes(df));
        for (; i + N <= n; i += N) hn::StoreU(hn::PromoteTo(df, hn::LoadU(dh, src + i)), df, o.f + i);
        const auto* bits = static_cast<const uint16_t*>(w);
        for (; i < n; ++i) o.f[i] = fp16_to_f32(bits[i]);
    }
};
struct BF16Kernel {
    static constexpr GgmlType weight = GgmlType::BF16, act = GgmlType::BF16;
    using Family = FloatFamily;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const auto* bits = static_cast<const uint16_t*>(w);
        for (int64_t i = 0; i < n; ++i) {
            const uint32_t u = static_cast<uint32_t>(bits[i]) << 16;
            std::memcpy(o.f + i, &u, 4);
        }
    }
};

struct Q4_0Kernel {
    static constexpr GgmlType weight = GgmlType::Q4_0, act = GgmlType::Q8_0;
    using Family = LegacyFamily<BlockQ8_0, false>;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const auto* x = static_cast<const BlockQ4_0*>(w);
        for (int64_t b = 0; b < n / 32; ++b) {
            o.d[b] = F16(x[b].d);
            int16_t* q = o.q + 32 * b;
            for (int j = 0; j < 16; ++j) {
                q[j] = static_cast<int16_t>((x[b].qs[j] & 0x0F) - 8);
                q[j + 16] = static_cast<int16_t>((x[b].qs[j] >> 4) - 8);
            }
        }
    }
};
struct Q4_1Kernel {
    static constexpr GgmlType weight = GgmlType::Q4_1, act = GgmlType::Q8_1;
    using Family = LegacyFamily<BlockQ8_1, true>;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const auto* x = static_cast<const BlockQ4_1*>(w);
        for (int64_t b = 0; b < n / 32; ++b) {
            o.d[b] = F16(x[b].d);
            o.m[b] = F16(x[b].m);
            int16_t* q = o.q + 32 * b;
            for (int j = 0; j < 16; ++j) {
                q[j] = static_cast<int16_t>(x[b].qs[j] & 0x0F);
                q[j + 16] = static_cast<int16_t>(x[b].qs[j] >> 4);
            }
        }
    }
};
template <class B, int kOffset>
HWY_INLINE void DecodeQ5(const B& x, int16_t* q) {
    uint32_t qh;
    std::memcpy(&qh, x.qh, 4);
    for (int j = 0; j < 16; ++j) {
        const int xh0 = ((qh >> j) << 4) & 0x10, xh1 = (qh >> (j + 12)) & 0x10;
        q[j] = static_cast<int16_t>(((x.qs[j] & 0x0F) | xh0) - kOffset);
        q[j + 16] = static_cast<int16_t>(((x.qs[j] >> 4) | xh1) - kOffset);
    }
}
struct Q5_0Kernel {
    static constexpr GgmlType weight = GgmlType::Q5_0, act = GgmlType::Q8_0;
    using Family = LegacyFamily<BlockQ8_0, false>;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const auto* x = static_cast<const BlockQ5_0*>(w);
        for (int64_t b = 0; b < n / 32; ++b) {
            o.d[b] = F16(x[b].d);
            DecodeQ5<BlockQ5_0, 16>(x[b], o.q + 32 * b);
        }
    }
};
struct Q5_1Kernel {
    static constexpr GgmlType weight = GgmlType::Q5_1, act = GgmlType::Q8_1;
    using Family = LegacyFamily<BlockQ8_1, true>;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const auto* x = static_cast<const BlockQ5_1*>(w);
        for (int64_t b = 0; b < n / 32; ++b) {
            o.d[b] = F16(x[b].d);
            o.m[b] = F16(x[b].m);
            DecodeQ5<BlockQ5_1, 0>(x[b], o.q + 32 * b);
        }
    }
};
struct Q8_0Kernel {
    static constexpr GgmlType weight = GgmlType::Q8_0, act = GgmlType::Q8_0;
    using Family = LegacyFamily<BlockQ8_0, false>;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const auto* x = static_cast<const BlockQ8_0*>(w);
        for (int64_t b = 0; b < n / 32; ++b) {
            o.d[b] = F16(x[b].d);
            for (int j = 0; j < 32; ++j) o.q[32 * b + j] = x[b].qs[j];
        }
    }
};

// K-quants: q = value * integer sub-block scale (|q| <= 4096, so 256 products fit int32).
struct Q2_KKernel {
    static constexpr GgmlType weight = GgmlType::Q2_K, act = GgmlType::Q8_K;
    using Family = KFamily<KMin::per_lane>;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const auto* x = static_cast<const BlockQ2_K*>(w);
        for (int64_t b = 0; b < n / 256; ++b) {
            o.d[b] = F16(x[b].d);
            o.m[b] = F16(x[b].dmin);
            int16_t* q = o.q + 256 * b;
            int16_t* mins = o.mins + 16 * b;
            for (int k = 0; k < 2; ++k)
                for (int s = 0; s < 4; ++s)
                    for (int h = 0; h < 2; ++h) {
                        const int is = 8 * k + 2 * s + h;
                        const uint8_t sc = x[b].scales[is];
                        mins[is] = sc >> 4;
                        const int scale = sc & 0xF;
                        const uint8_t* qs = x[b].qs + 32 * k + 16 * h;
                        int16_t* dst = q + 128 * k + 32 * s + 16 * h;
                        for (int l = 0; l < 16; ++l) dst[l] = static_cast<int16_t>(((qs[l] >> (2 * s)) & 3) * scale);
                    }
        }
    }
};
struct Q3_KKernel {
    static constexpr GgmlType weight = GgmlType::Q3_K, act = GgmlType::Q8_K;
    using Family = KFamily<KMin::none>;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const auto* x = static_cast<const BlockQ3_K*>(w);
        for (int64_t b = 0; b < n / 256; ++b) {
            o.d[b] = F16(x[b].d);
            int8_t sc[16];
            q3k_scales(x[b].scales, sc);
            int16_t* q = o.q + 256 * b;
            for (int k = 0; k < 2; ++k)
                for (int s = 0; s < 4; ++s) {
                    const uint8_t m = static_cast<uint8_t>(1u << (4 * k + s));
                    for (int h = 0; h < 2; ++h) {
                        const int scale = sc[8 * k + 2 * s + h];
                        const uint8_t* qs = x[b].qs + 32 * k + 16 * h;
                        const uint8_t* hm = x[b].hmask + 16 * h;
                        int16_t* dst = q + 128 * k + 32 * s + 16 * h;
                        for (int l = 0; l < 16; ++l)
                            dst[l] = static_cast<int16_t>((((qs[l] >> (2 * s)) & 3) - ((hm[l] & m) ? 0 : 4)) * scale);
                    }
                }
        }
    }
};
template <class B, bool kHigh>
HWY_INLINE void DecodeQ45K(const B& x, int16_t* q, int16_t* mins) {
    for (int j = 0; j < 4; ++j) {
        uint8_t sc1, m1, sc2, m2;
        scale_min_k4(2 * j, x.scales, sc1, m1);
        scale_min_k4(2 * j + 1, x.scales, sc2, m2);
        mins[4 * j] = mins[4 * j + 1] = m1;
        mins[4 * j + 2] = mins[4 * j + 3] = m2;
        const uint8_t* qs = x.qs + 32 * j;
        for (int l = 0; l < 32; ++l) {
            int lo = qs[l] & 0xF, hi = qs[l] >> 4;
            if constexpr (kHigh) {
                lo += (x.qh[l] & (1u << (2 * j))) ? 16 : 0;
                hi += (x.qh[l] & (2u << (2 * j))) ? 16 : 0;
            }
            q[64 * j + l] = static_cast<int16_t>(lo * sc1);
            q[64 * j + 32 + l] = static_cast<int16_t>(hi * sc2);
        }
    }
}
struct Q4_KKernel {
    static constexpr GgmlType weight = GgmlType::Q4_K, act = GgmlType::Q8_K;
    using Family = KFamily<KMin::four_lanes>;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const auto* x = static_cast<const BlockQ4_K*>(w);
        for (int64_t b = 0; b < n / 256; ++b) {
            o.d[b] = F16(x[b].d);
            o.m[b] = F16(x[b].dmin);
            DecodeQ45K<BlockQ4_K, false>(x[b], o.q + 256 * b, o.mins + 16 * b);
        }
    }
};
struct Q5_KKernel {
    static constexpr GgmlType weight = GgmlType::Q5_K, act = GgmlType::Q8_K;
    using Family = KFamily<KMin::scalar>;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const auto* x = static_cast<const BlockQ5_K*>(w);
        for (int64_t b = 0; b < n / 256; ++b) {
            o.d[b] = F16(x[b].d);
            o.m[b] = F16(x[b].dmin);
            DecodeQ45K<BlockQ5_K, true>(x[b], o.q + 256 * b, o.mins + 16 * b);
        }
    }
};
struct Q6_KKernel {
    static constexpr GgmlType weight = GgmlType::Q6_K, act = GgmlType::Q8_K;
    using Family = KFamily<KMin::none>;
    static constexpr bool kCopies = true;
    static void decode(const void* w, int64_t n, DecodedRow& o) {
        const auto* x = static_cast<const BlockQ6_K*>(w);
        for (int64_t b = 0; b < n / 256; ++b) {
            o.d[b] = F16(x[b].d);
            int16_t* q = o.q + 256 * b;
            for (int h = 0; h < 2; ++h) {
                const uint8_t* ql = x[b].ql + 64 * h;
                const uint8_t* qh = x[b].qh + 32 * h;
                const int8_t* sc = x[b].scales + 8 * h;
                int16_t* y = q + 128 * h;
                for (int l = 0; l < 32; ++l) {
                    const int is = l / 16;
                    y[l] = static_cast<int16_t>((((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32) * sc[is]);
                    y[l + 32] = static_cast<int16_t>((((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32) * sc[is + 2]);
                    y[l + 64] = static_cast<int16_t>((((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32) * sc[is + 4]);
                    y[l + 96] = static_cast<int16_t>((((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32) * sc[is + 6]);
                }
            }
        }
    }
};

}  // namespace zigllm::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ZIGLLM_OPS_KERNELS_INL_H_
