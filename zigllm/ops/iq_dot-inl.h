// Per-target (Highway) dot products of i-quant / ternary weight rows with Q8_K (IQ4_NL: Q8_0) activation
// rows. Each super-block is unpacked into signed bytes and small integer scales (iq_decode.hpp; IQ4 and
// TQ2_0 nibbles/crumbs are unpacked with SIMD table lookups and shifts here), then multiplied with the
// activation bytes in 16-bit lanes and summed in 32-bit lanes: every integer sum is exact, as in ggml, and
// the float epilogue per block follows ggml's.
//
// Included once per target by iq_dot.cpp (foreach_target); the include guard toggles per target.
#include <cstddef>
#include <cstdint>

#include "zigllm/io/ggml_type.hpp"
#include "zigllm/ops/iq_act.hpp"
#include "zigllm/ops/iq_blocks.hpp"
#include "zigllm/ops/iq_decode.hpp"
#include "zigllm/ops/iq_grids.hpp"

#if defined(ZIGLLM_OPS_IQ_DOT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ZIGLLM_OPS_IQ_DOT_INL_H_
#undef ZIGLLM_OPS_IQ_DOT_INL_H_
#else
#define ZIGLLM_OPS_IQ_DOT_INL_H_
#endif

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace zigllm::ops::iq {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// At most 16 lanes of int16 so that one vector never straddles two groups of 16 values (one scale each).
using D16 = hn::CappedTag<int16_t, 16>;
using D8 = hn::Rebind<int8_t, D16>;
using D32 = hn::Repartition<int32_t, D16>;
using DU8 = hn::CappedTag<uint8_t, 16>;

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
// x86 with AVX2 and up (Highway 1.0.3 has no u8 x i8 pairwise multiply): byte products through maddubs,
// the sign of w moved onto the activation (|w| unsigned, q8 * sign(w) signed); a pair sum stays within
// int16 because |w|, |q8| <= 127 (ggml's Q8_0 / Q8_K never hold -128).
HWY_INLINE __m256i SignedBytePairs(__m256i w, __m256i q) {
    return _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(q, w));
}

HWY_INLINE int32_t HorizontalSum(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

HWY_INLINE float HorizontalSum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

HWY_INLINE int32_t ScaledDot256(const int8_t* HWY_RESTRICT w, const int8_t* HWY_RESTRICT q8, const Scales16& ls) {
    __m256i acc = _mm256_setzero_si256();
    for (int k = 0; k < 8; ++k) {
        const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32 * k));
        const __m256i qv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8 + 32 * k));
        // int16 pair lanes 0..7 hold values 0..15 of the 32, lanes 8..15 values 16..31.
        const __m256i sc = _mm256_set_m128i(_mm_set1_epi16(ls[2 * k + 1]), _mm_set1_epi16(ls[2 * k]));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(SignedBytePairs(wv, qv), sc));
    }
    return HorizontalSum(acc);
}

HWY_INLINE int32_t Dot(const int8_t* HWY_RESTRICT w, const int8_t* HWY_RESTRICT q8, size_t n) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc = _mm256_setzero_si256();
    for (size_t i = 0; i < n; i += 32) {
        const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + i));
        const __m256i qv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8 + i));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(SignedBytePairs(wv, qv), ones));
    }
    return HorizontalSum(acc);
}

// 16 bytes of IQ4 nibbles -> the 32 kvalues in one register (low nibbles first).
HWY_INLINE __m256i Iq4Values(const uint8_t* qs, __m128i table) {
    const __m128i m4 = _mm_set1_epi8(0x0f);
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(q, m4));
    const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(q, 4), m4));
    return _mm256_set_m128i(hi, lo);
}

#else
// sum_g ls[g] * sum_{j<16} w[16g+j] * q8[16g+j] over 256 values. |w * ls| <= 62 * 31 and
// |w * ls| <= 127 * 32 (IQ4_XS) fit int16; the 32-bit lane sums cannot overflow for 256 values.
HWY_INLINE int32_t ScaledDot256(const int8_t* HWY_RESTRICT w, const int8_t* HWY_RESTRICT q8, const Scales16& ls) {
    const D16 d16;
    const D8 d8;
    const D32 d32;
    const size_t N = hn::Lanes(d16);
    auto acc0 = hn::Zero(d32), acc1 = hn::Zero(d32);
    for (size_t g = 0; g < 16; ++g) {
        const auto s = hn::Set(d16, ls[g]);
        for (size_t i = 16 * g; i < 16 * g + 16; i += N) {
            const auto wv = hn::Mul(hn::PromoteTo(d16, hn::LoadU(d8, w + i)), s);
            const auto qv = hn::PromoteTo(d16, hn::LoadU(d8, q8 + i));
            acc0 = hn::ReorderWidenMulAccumulate(d32, wv, qv, acc0, acc1);
        }
    }
    return hn::GetLane(hn::SumOfLanes(d32, hn::Add(acc0, acc1)));
}

// sum_{j<n} w[j] * q8[j], n a multiple of 16.
HWY_INLINE int32_t Dot(const int8_t* HWY_RESTRICT w, const int8_t* HWY_RESTRICT q8, size_t n) {
    const D16 d16;
    const D8 d8;
    const D32 d32;
    const size_t N = hn::Lanes(d16);
    auto acc0 = hn::Zero(d32), acc1 = hn::Zero(d32);
    for (size_t i = 0; i < n; i += N) {
        const auto wv = hn::PromoteTo(d16, hn::LoadU(d8, w + i));
        const auto qv = hn::PromoteTo(d16, hn::LoadU(d8, q8 + i));
        acc0 = hn::ReorderWidenMulAccumulate(d32, wv, qv, acc0, acc1);
    }
    return hn::GetLane(hn::SumOfLanes(d32, hn::Add(acc0, acc1)));
}

#endif  // x86 AVX2+

// 16 bytes of IQ4 nibbles -> 32 kvalues: low nibbles are values 0..15, high nibbles 16..31.
HWY_INLINE void DecodeIq4Nibbles(const uint8_t* HWY_RESTRICT qs, int8_t* HWY_RESTRICT w) {
    const DU8 du8;
    const size_t N = hn::Lanes(du8);
    if (N < 16) {  // a single-lane target: TableLookupBytes needs a whole 16-byte table
        for (int j = 0; j < 16; ++j) {
            w[j] = kvalues_iq4nl[qs[j] & 0xf];
            w[j + 16] = kvalues_iq4nl[qs[j] >> 4];
        }
        return;
    }
    const hn::RebindToSigned<DU8> di8;
    const auto table = hn::LoadU(du8, reinterpret_cast<const uint8_t*>(kvalues_iq4nl));
    const auto q = hn::LoadU(du8, qs);
    hn::StoreU(hn::BitCast(di8, hn::TableLookupBytes(table, hn::And(q, hn::Set(du8, 0x0f)))), di8, w);
    hn::StoreU(hn::BitCast(di8, hn::TableLookupBytes(table, hn::ShiftRight<4>(q))), di8, w + 16);
}

// TQ2_0: value 128j + 32l + m is bits 2l..2l+1 of byte 32j + m, minus 1.
template <int kShift>
HWY_INLINE void DecodeTq2Plane(const uint8_t* HWY_RESTRICT qs, int8_t* HWY_RESTRICT w) {
    const DU8 du8;
    const hn::RebindToSigned<DU8> di8;
    const size_t N = hn::Lanes(du8);
    for (size_t m = 0; m < 32; m += N) {
        const auto v = hn::And(hn::ShiftRight<kShift>(hn::LoadU(du8, qs + m)), hn::Set(du8, 3));
        hn::StoreU(hn::Sub(hn::BitCast(di8, v), hn::Set(di8, 1)), di8, w + m);
    }
}

HWY_INLINE void DecodeTq2(const BlockTQ2_0& b, int8_t* HWY_RESTRICT w) {
    for (int j = 0; j < 2; ++j) {
        DecodeTq2Plane<0>(b.qs + 32 * j, w + 128 * j + 0);
        DecodeTq2Plane<2>(b.qs + 32 * j, w + 128 * j + 32);
        DecodeTq2Plane<4>(b.qs + 32 * j, w + 128 * j + 64);
        DecodeTq2Plane<6>(b.qs + 32 * j, w + 128 * j + 96);
    }
}

// The IQ1 super-block scales (IQ1_M keeps its fp16 in the scale words' top nibbles).
HWY_INLINE float Iq1Scale(const BlockIQ1_S& b) { return fp16_to_f32(b.d); }
HWY_INLINE float Iq1Scale(const BlockIQ1_M& b) { return fp16_to_f32(iq1m_scale_bits(b)); }

// The IQ2/IQ3 grid types: sumf += d * sum(ls * dot); result = factor * sumf (ggml's epilogue).
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
// Grid bytes are unsigned (<= 62): they multiply the activation bytes with their signs applied, in
// registers, 32 values per maddubs.
template <class Block>
HWY_INLINE float GridDot(const Block* HWY_RESTRICT x, const BlockQ8K* HWY_RESTRICT y, int64_t nb, float factor) {
    Scales16 ls;
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        __m256i acc = _mm256_setzero_si256();
        for (int ib32 = 0; ib32 < 8; ++ib32) {
            Group32 g;
            group(x[i], ib32, g, ls);
            const auto& mul = detail::kSignMultiplier;
            const __m256i grid = _mm256_set_epi64x(static_cast<int64_t>(g.grid[3]), static_cast<int64_t>(g.grid[2]),
                                                   static_cast<int64_t>(g.grid[1]), static_cast<int64_t>(g.grid[0]));
            const __m256i sign = _mm256_set_epi64x(static_cast<int64_t>(mul[g.signs[3]]), static_cast<int64_t>(mul[g.signs[2]]),
                                                   static_cast<int64_t>(mul[g.signs[1]]), static_cast<int64_t>(mul[g.signs[0]]));
            const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs + 32 * ib32));
            const __m256i pairs = _mm256_maddubs_epi16(grid, _mm256_sign_epi8(q, sign));
            const __m256i sc = _mm256_set_m128i(_mm_set1_epi16(ls[2 * ib32 + 1]), _mm_set1_epi16(ls[2 * ib32]));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, sc));
        }
        sumf += _cvtsh_ss(x[i].d) * y[i].d * HorizontalSum(acc);
    }
    return factor * sumf;
}
#else
template <class Block>
HWY_INLINE float GridDot(const Block* HWY_RESTRICT x, const BlockQ8K* HWY_RESTRICT y, int64_t nb, float factor) {
    alignas(64) int8_t w[kQK_K];
    Scales16 ls;
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        decode(x[i], w, ls);
        const float d = fp16_to_f32(x[i].d) * y[i].d;
        sumf += d * ScaledDot256(w, y[i].qs, ls);
    }
    return factor * sumf;
}

#endif

HWY_INLINE float DotBlocks(const BlockIQ2_XXS* x, const BlockQ8K* y, int64_t nb) { return GridDot(x, y, nb, 0.125f); }
HWY_INLINE float DotBlocks(const BlockIQ2_XS* x, const BlockQ8K* y, int64_t nb) { return GridDot(x, y, nb, 0.125f); }
HWY_INLINE float DotBlocks(const BlockIQ2_S* x, const BlockQ8K* y, int64_t nb) { return GridDot(x, y, nb, 0.125f); }
HWY_INLINE float DotBlocks(const BlockIQ3_XXS* x, const BlockQ8K* y, int64_t nb) { return GridDot(x, y, nb, 0.25f); }
HWY_INLINE float DotBlocks(const BlockIQ3_S* x, const BlockQ8K* y, int64_t nb) { return GridDot(x, y, nb, 1.0f); }

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
// IQ1: sumi1 = sum ls * grid . q8 and sumi2 = sum ls * delta . q8, both in registers; ggml's epilogue
// d * (sumi1 + 1/8 * sumi2).
template <class Block>
HWY_INLINE float Iq1Dot(const Block* HWY_RESTRICT x, const BlockQ8K* HWY_RESTRICT y, int64_t nb) {
    Scales16 ls;
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        __m256i acc_grid = _mm256_setzero_si256(), acc_delta = _mm256_setzero_si256();
        for (int ib = 0; ib < 8; ++ib) {
            Iq1Group32 g;
            group(x[i], ib, g, ls);
            const __m256i grid = _mm256_set_epi64x(static_cast<int64_t>(g.grid[3]), static_cast<int64_t>(g.grid[2]),
                                                   static_cast<int64_t>(g.grid[1]), static_cast<int64_t>(g.grid[0]));
            const __m256i delta = _mm256_set_epi64x(static_cast<int64_t>(g.delta[3]), static_cast<int64_t>(g.delta[2]),
                                                    static_cast<int64_t>(g.delta[1]), static_cast<int64_t>(g.delta[0]));
            const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs + 32 * ib));
            const __m256i sc = _mm256_set_m128i(_mm_set1_epi16(ls[2 * ib + 1]), _mm_set1_epi16(ls[2 * ib]));
            acc_grid = _mm256_add_epi32(acc_grid, _mm256_madd_epi16(SignedBytePairs(grid, q), sc));
            acc_delta = _mm256_add_epi32(acc_delta, _mm256_madd_epi16(SignedBytePairs(delta, q), sc));
        }
        sumf += Iq1Scale(x[i]) * y[i].d * (HorizontalSum(acc_grid) + kIq1sDelta * HorizontalSum(acc_delta));
    }
    return sumf;
}
#else
template <class Block>
HWY_INLINE float Iq1Dot(const Block* HWY_RESTRICT x, const BlockQ8K* HWY_RESTRICT y, int64_t nb) {
    alignas(64) int8_t w[kQK_K];
    alignas(64) int8_t delta[kQK_K];
    Scales16 ls;
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        decode_iq1(x[i], w, delta, ls);
        const int32_t sumi1 = ScaledDot256(w, y[i].qs, ls);
        const int32_t sumi2 = ScaledDot256(delta, y[i].qs, ls);
        sumf += Iq1Scale(x[i]) * y[i].d * (sumi1 + kIq1sDelta * sumi2);
    }
    return sumf;
}
#endif

HWY_INLINE float DotBlocks(const BlockIQ1_S* x, const BlockQ8K* y, int64_t nb) { return Iq1Dot(x, y, nb); }
HWY_INLINE float DotBlocks(const BlockIQ1_M* x, const BlockQ8K* y, int64_t nb) { return Iq1Dot(x, y, nb); }

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
// Block sums go to float lanes (one FMA per block) and are reduced once per row.
HWY_INLINE float DotBlocks(const BlockIQ4_XS* HWY_RESTRICT x, const BlockQ8K* HWY_RESTRICT y, int64_t nb) {
    const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kvalues_iq4nl));
    Scales16 ls;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        iq4_xs_scales(x[i], ls);
        __m256i sumi = _mm256_setzero_si256();
        for (int ib = 0; ib < 8; ++ib) {
            const __m256i w = Iq4Values(x[i].qs + 16 * ib, table);
            const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs + 32 * ib));
            sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(SignedBytePairs(w, q), _mm256_set1_epi16(ls[2 * ib])));
        }
        const float d = _cvtsh_ss(x[i].d) * y[i].d;
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return HorizontalSum(acc);
}

HWY_INLINE __m256 Iq4NlBlock(const BlockIQ4_NL& x, const BlockQ8_0& y, __m128i table, __m256 acc) {
    const __m256i w = Iq4Values(x.qs, table);
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.qs));
    const __m256i sumi = _mm256_madd_epi16(SignedBytePairs(w, q), _mm256_set1_epi16(1));
    const float d = _cvtsh_ss(y.d) * _cvtsh_ss(x.d);
    return _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
}

HWY_INLINE float DotBlocks(const BlockIQ4_NL* HWY_RESTRICT x, const BlockQ8_0* HWY_RESTRICT y, int64_t nb) {
    const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kvalues_iq4nl));
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();  // two chains hide the FMA latency
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        acc0 = Iq4NlBlock(x[i], y[i], table, acc0);
        acc1 = Iq4NlBlock(x[i + 1], y[i + 1], table, acc1);
    }
    if (i < nb) acc0 = Iq4NlBlock(x[i], y[i], table, acc0);
    return HorizontalSum(_mm256_add_ps(acc0, acc1));
}

// TQ2_0 straight from the packed bytes: 32 values per shift of one 32-byte load, no unpacking buffer.
HWY_INLINE float DotBlocks(const BlockTQ2_0* HWY_RESTRICT x, const BlockQ8K* HWY_RESTRICT y, int64_t nb) {
    const __m256i m3 = _mm256_set1_epi8(3), one8 = _mm256_set1_epi8(1), ones = _mm256_set1_epi16(1);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 2; ++j) {
            const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs + 32 * j));
            const __m256i crumbs[4] = {v, _mm256_srli_epi16(v, 2), _mm256_srli_epi16(v, 4), _mm256_srli_epi16(v, 6)};
            for (int l = 0; l < 4; ++l) {
                const __m256i w = _mm256_sub_epi8(_mm256_and_si256(crumbs[l], m3), one8);
                const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs + 128 * j + 32 * l));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(SignedBytePairs(w, q), ones));
            }
        }
        const float d = y[i].d * _cvtsh_ss(x[i].d);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return HorizontalSum(acc);
}

#else
HWY_INLINE float DotBlocks(const BlockIQ4_XS* HWY_RESTRICT x, const BlockQ8K* HWY_RESTRICT y, int64_t nb) {
    alignas(64) int8_t w[kQK_K];
    Scales16 ls;
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        for (int ib = 0; ib < 8; ++ib) DecodeIq4Nibbles(x[i].qs + 16 * ib, w + 32 * ib);
        iq4_xs_scales(x[i], ls);
        sumf += fp16_to_f32(x[i].d) * y[i].d * ScaledDot256(w, y[i].qs, ls);
    }
    return sumf;
}

HWY_INLINE float DotBlocks(const BlockIQ4_NL* HWY_RESTRICT x, const BlockQ8_0* HWY_RESTRICT y, int64_t nb) {
    alignas(64) int8_t w[kQK4_NL];
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        DecodeIq4Nibbles(x[i].qs, w);
        const float d = fp16_to_f32(y[i].d) * fp16_to_f32(x[i].d);
        sumf += d * Dot(w, y[i].qs, kQK4_NL);
    }
    return sumf;
}

#endif  // x86 AVX2+

// TQ1_0 / TQ2_0: one integer sum per block times d_w * d_act.
template <class Block, class Decode>
HWY_INLINE float TernaryDot(const Block* HWY_RESTRICT x, const BlockQ8K* HWY_RESTRICT y, int64_t nb, Decode decode_block) {
    alignas(64) int8_t w[kQK_K];
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        decode_block(x[i], w);
        sumf += static_cast<float>(Dot(w, y[i].qs, kQK_K)) * (fp16_to_f32(x[i].d) * y[i].d);
    }
    return sumf;
}

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
// TQ1_0 trits of 32 bytes at once: byte * 3^n (mod 256) then (q * 3) >> 8, in 16-bit lanes for the even
// and the odd bytes separately (there is no byte multiply); pow3 holds 3^n per byte. Result: 0..2.
HWY_INLINE __m256i Trits32(__m256i bytes, __m256i pow3) {
    const __m256i lo = _mm256_set1_epi16(0x00ff), three = _mm256_set1_epi16(3);
    const __m256i qe = _mm256_and_si256(_mm256_mullo_epi16(_mm256_and_si256(bytes, lo), _mm256_and_si256(pow3, lo)), lo);
    const __m256i qo = _mm256_and_si256(_mm256_mullo_epi16(_mm256_srli_epi16(bytes, 8), _mm256_srli_epi16(pow3, 8)), lo);
    const __m256i te = _mm256_srli_epi16(_mm256_mullo_epi16(qe, three), 8);
    const __m256i to = _mm256_srli_epi16(_mm256_mullo_epi16(qo, three), 8);
    return _mm256_or_si256(te, _mm256_slli_epi16(to, 8));
}

// sum t * q8 over 32 values for unsigned trits t (0..2).
HWY_INLINE __m256i TritDot32(__m256i trits, const int8_t* q8) {
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8));
    return _mm256_madd_epi16(_mm256_maddubs_epi16(trits, q), _mm256_set1_epi16(1));
}

// sum (t - 1) * q8 = sum t * q8 - sum q8 (the latter from the activation's bsums).
HWY_INLINE float DotBlocks(const BlockTQ1_0* HWY_RESTRICT x, const BlockQ8K* HWY_RESTRICT y, int64_t nb) {
    static constexpr uint8_t kPow3[5] = {1, 3, 9, 27, 81};
    const __m128i qh_spread = _mm_setr_epi8(0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3);
    const __m128i qh_pow3 = _mm_setr_epi8(1, 1, 1, 1, 3, 3, 3, 3, 9, 9, 9, 9, 27, 27, 27, 27);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        const BlockTQ1_0& b = x[i];
        const int8_t* q8 = y[i].qs;
        __m256i sumi = _mm256_setzero_si256();
        // values 0..159: trit n of qs[0..31]
        const __m256i main = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs));
        for (int n = 0; n < 5; ++n)
            sumi = _mm256_add_epi32(sumi, TritDot32(Trits32(main, _mm256_set1_epi8(static_cast<char>(kPow3[n]))), q8 + 32 * n));
        // values 160..223: trits n, n+1 of qs[32..47], two at a time
        const __m128i tail = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs + 32));
        const __m256i tail2 = _mm256_set_m128i(tail, tail);
        for (int n = 0; n < 4; n += 2) {
            const __m256i pow3 = _mm256_set_m128i(_mm_set1_epi8(static_cast<char>(kPow3[n + 1])), _mm_set1_epi8(static_cast<char>(kPow3[n])));
            sumi = _mm256_add_epi32(sumi, TritDot32(Trits32(tail2, pow3), q8 + 160 + 16 * n));
        }
        // values 224..239 (trit 4 of qs[32..47]) and 240..255 (trits 0..3 of qh[0..3], value 240 + 4n + j)
        uint32_t qh;
        std::memcpy(&qh, b.qh, sizeof qh);
        const __m128i qh_bytes = _mm_shuffle_epi8(_mm_cvtsi32_si128(static_cast<int>(qh)), qh_spread);
        const __m256i last = _mm256_set_m128i(qh_bytes, tail);
        const __m256i last_pow3 = _mm256_set_m128i(qh_pow3, _mm_set1_epi8(static_cast<char>(kPow3[4])));
        sumi = _mm256_add_epi32(sumi, TritDot32(Trits32(last, last_pow3), q8 + 224));
        int32_t sum_q8 = 0;
        for (int g = 0; g < 16; ++g) sum_q8 += y[i].bsums[g];
        const int32_t total = HorizontalSum(sumi) - sum_q8;
        acc = _mm256_add_ps(acc, _mm256_set_ps(0, 0, 0, 0, 0, 0, 0, static_cast<float>(total) * (_cvtsh_ss(b.d) * y[i].d)));
    }
    return _mm256_cvtss_f32(acc);
}
#else
HWY_INLINE float DotBlocks(const BlockTQ1_0* x, const BlockQ8K* y, int64_t nb) {
    return TernaryDot(x, y, nb, [](const BlockTQ1_0& b, int8_t* w) { decode(b, w); });
}
#endif

#if !(HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2)
HWY_INLINE float DotBlocks(const BlockTQ2_0* x, const BlockQ8K* y, int64_t nb) {
    return TernaryDot(x, y, nb, [](const BlockTQ2_0& b, int8_t* w) { DecodeTq2(b, w); });
}
#endif

template <class Block, class Act>
HWY_INLINE void RowsOf(const uint8_t* W, size_t stride, int64_t rows, const void* act, int64_t n, float* out) {
    const int64_t nb = n / (sizeof(Act) == sizeof(BlockQ8_0) ? kQK4_NL : kQK_K);
    const auto* a = static_cast<const Act*>(act);
    for (int64_t r = 0; r < rows; ++r) out[r] = DotBlocks(reinterpret_cast<const Block*>(W + r * stride), a, nb);
}

// out[r] = dot(row r of W, act) for r < rows; rows are `stride` bytes apart. One dispatch per call.
inline void IqDotRows(GgmlType t, const uint8_t* W, size_t stride, int64_t rows, const void* act, int64_t n,
                      float* out) {
    switch (t) {
        case GgmlType::IQ1_S: return RowsOf<BlockIQ1_S, BlockQ8K>(W, stride, rows, act, n, out);
        case GgmlType::IQ1_M: return RowsOf<BlockIQ1_M, BlockQ8K>(W, stride, rows, act, n, out);
        case GgmlType::IQ2_XXS: return RowsOf<BlockIQ2_XXS, BlockQ8K>(W, stride, rows, act, n, out);
        case GgmlType::IQ2_XS: return RowsOf<BlockIQ2_XS, BlockQ8K>(W, stride, rows, act, n, out);
        case GgmlType::IQ2_S: return RowsOf<BlockIQ2_S, BlockQ8K>(W, stride, rows, act, n, out);
        case GgmlType::IQ3_XXS: return RowsOf<BlockIQ3_XXS, BlockQ8K>(W, stride, rows, act, n, out);
        case GgmlType::IQ3_S: return RowsOf<BlockIQ3_S, BlockQ8K>(W, stride, rows, act, n, out);
        case GgmlType::IQ4_NL: return RowsOf<BlockIQ4_NL, BlockQ8_0>(W, stride, rows, act, n, out);
        case GgmlType::IQ4_XS: return RowsOf<BlockIQ4_XS, BlockQ8K>(W, stride, rows, act, n, out);
        case GgmlType::TQ1_0: return RowsOf<BlockTQ1_0, BlockQ8K>(W, stride, rows, act, n, out);
        case GgmlType::TQ2_0: return RowsOf<BlockTQ2_0, BlockQ8K>(W, stride, rows, act, n, out);
        default: return;
    }
}

inline const char* IqTargetName() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace zigllm::ops::iq
HWY_AFTER_NAMESPACE();

#endif  // include guard
