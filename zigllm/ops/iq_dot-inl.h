// Per-target (Highway) matrix kernels for i-quant / ternary weights: Y[j][r] = W[r] . X[j] with X rows in
// the paired activation type (Q8_K; IQ4_NL: Q8_0). Each weight row is unpacked once per tile of up to 4
// activation rows. The kernels themselves are in two fragments included below: iq_dot_x86-inl.h (AVX2
// and up: maddubs on registers) and iq_dot_generic-inl.h (portable Highway ops: SSE4, NEON, SVE, ...).
//
// Included once per target by iq_dot.cpp (foreach_target); the include guard toggles per target.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

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

// The IQ1 super-block scales (IQ1_M keeps its fp16 in the scale words' top nibbles).
HWY_INLINE float Iq1Scale(const BlockIQ1_S& b) { return fp16_to_f32(b.d); }
HWY_INLINE float Iq1Scale(const BlockIQ1_M& b) { return fp16_to_f32(iq1m_scale_bits(b)); }

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
#include "zigllm/ops/iq_dot_x86-inl.h"
#else
#include "zigllm/ops/iq_dot_generic-inl.h"
#endif

// Tile<NX>(weight row, NX activation rows, blocks per row, NX results): one overload per weight type.
#define ZIGLLM_IQ_TILE(BLOCK, ACT, ...) \
    template <int NX>                    \
    HWY_INLINE void Tile(const BLOCK* x, const ACT* const* y, int64_t nb, float* out) { __VA_ARGS__; }
ZIGLLM_IQ_TILE(BlockIQ2_XXS, BlockQ8K, GridTile<NX>(x, y, nb, 0.125f, out))
ZIGLLM_IQ_TILE(BlockIQ2_XS, BlockQ8K, GridTile<NX>(x, y, nb, 0.125f, out))
ZIGLLM_IQ_TILE(BlockIQ2_S, BlockQ8K, GridTile<NX>(x, y, nb, 0.125f, out))
ZIGLLM_IQ_TILE(BlockIQ3_XXS, BlockQ8K, GridTile<NX>(x, y, nb, 0.25f, out))
ZIGLLM_IQ_TILE(BlockIQ3_S, BlockQ8K, GridTile<NX>(x, y, nb, 1.0f, out))
ZIGLLM_IQ_TILE(BlockIQ1_S, BlockQ8K, Iq1Tile<NX>(x, y, nb, out))
ZIGLLM_IQ_TILE(BlockIQ1_M, BlockQ8K, Iq1Tile<NX>(x, y, nb, out))
ZIGLLM_IQ_TILE(BlockIQ4_XS, BlockQ8K, Iq4XsTile<NX>(x, y, nb, out))
ZIGLLM_IQ_TILE(BlockIQ4_NL, BlockQ8_0, Iq4NlTile<NX>(x, y, nb, out))
ZIGLLM_IQ_TILE(BlockTQ1_0, BlockQ8K, Tq1Tile<NX>(x, y, nb, out))
ZIGLLM_IQ_TILE(BlockTQ2_0, BlockQ8K, Tq2Tile<NX>(x, y, nb, out))
#undef ZIGLLM_IQ_TILE

constexpr int kMaxTile = 4;     // activation rows sharing one unpacking of a weight row
constexpr int64_t kRowBand = 16;  // weight rows kept hot (L1/L2) while the activation tiles pass over them

template <class Block, class Act>
HWY_INLINE void MatmulOf(const uint8_t* W, size_t w_stride, int64_t rows, const uint8_t* X, size_t x_stride,
                         int64_t n_x, int64_t n, float* Y, size_t ldy) {
    const int64_t nb = n / (std::is_same_v<Act, BlockQ8_0> ? kQK4_NL : kQK_K);
    for (int64_t r0 = 0; r0 < rows; r0 += kRowBand) {
        const int64_t r1 = std::min(rows, r0 + kRowBand);
        for (int64_t j0 = 0; j0 < n_x; j0 += kMaxTile) {
            const int nx = static_cast<int>(std::min<int64_t>(kMaxTile, n_x - j0));
            const Act* y[kMaxTile];
            for (int k = 0; k < nx; ++k) y[k] = reinterpret_cast<const Act*>(X + (j0 + k) * x_stride);
            for (int64_t r = r0; r < r1; ++r) {
                const auto* x = reinterpret_cast<const Block*>(W + r * w_stride);
                float out[kMaxTile];
                switch (nx) {
                    case 4: Tile<4>(x, y, nb, out); break;
                    case 3: Tile<3>(x, y, nb, out); break;
                    case 2: Tile<2>(x, y, nb, out); break;
                    default: Tile<1>(x, y, nb, out); break;
                }
                for (int k = 0; k < nx; ++k) Y[(j0 + k) * ldy + r] = out[k];
            }
        }
    }
}

// Y[j * ldy + r] = W[r] . X[j] for r < rows, j < n_x. One dispatch per call.
inline void IqMatmul(GgmlType t, const uint8_t* W, size_t w_stride, int64_t rows, const uint8_t* X, size_t x_stride,
                     int64_t n_x, int64_t n, float* Y, size_t ldy) {
    switch (t) {
#define ZIGLLM_IQ_CASE(TYPE, BLOCK, ACT) \
    case GgmlType::TYPE: return MatmulOf<BLOCK, ACT>(W, w_stride, rows, X, x_stride, n_x, n, Y, ldy);
        ZIGLLM_IQ_CASE(IQ1_S, BlockIQ1_S, BlockQ8K)
        ZIGLLM_IQ_CASE(IQ1_M, BlockIQ1_M, BlockQ8K)
        ZIGLLM_IQ_CASE(IQ2_XXS, BlockIQ2_XXS, BlockQ8K)
        ZIGLLM_IQ_CASE(IQ2_XS, BlockIQ2_XS, BlockQ8K)
        ZIGLLM_IQ_CASE(IQ2_S, BlockIQ2_S, BlockQ8K)
        ZIGLLM_IQ_CASE(IQ3_XXS, BlockIQ3_XXS, BlockQ8K)
        ZIGLLM_IQ_CASE(IQ3_S, BlockIQ3_S, BlockQ8K)
        ZIGLLM_IQ_CASE(IQ4_NL, BlockIQ4_NL, BlockQ8_0)
        ZIGLLM_IQ_CASE(IQ4_XS, BlockIQ4_XS, BlockQ8K)
        ZIGLLM_IQ_CASE(TQ1_0, BlockTQ1_0, BlockQ8K)
        ZIGLLM_IQ_CASE(TQ2_0, BlockTQ2_0, BlockQ8K)
#undef ZIGLLM_IQ_CASE
        default: return;
    }
}

inline const char* IqTargetName() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace zigllm::ops::iq
HWY_AFTER_NAMESPACE();

#endif  // include guard
