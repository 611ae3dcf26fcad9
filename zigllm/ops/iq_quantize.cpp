// IQ4_NL / IQ4_XS quantization after ggml-quants.c's quantize_row_iq4_nl_impl (July 2025), operation for
// operation so that the bytes match ggml's: the per-32 scale search over 15 candidate scales, then (IQ4_XS)
// 6-bit sub-block scales relative to one fp16 super-block scale. TQ1_0 / TQ2_0 after
// quantize_row_tq1_0_ref / quantize_row_tq2_0_ref.
// (The project builds with -ffp-contract=off: ggml's reference quantizers run without FMA, and contracting
// a*b+c would change rounding and with it the chosen indices on some inputs.)
#include "zigllm/ops/iq_quantize.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "zigllm/ops/iq_act.hpp"
#include "zigllm/ops/iq_blocks.hpp"
#include "zigllm/ops/iq_grids.hpp"

namespace zigllm::ops::iq {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // GROUP_MAX_EPS
constexpr int kNtry = 7;                // quantize_iq4_nl / quantize_iq4_xs search width

// Index of the table value closest to x (ties to the upper of two neighbours, as ggml).
int best_index(const int8_t* val, float x) {
    constexpr int n = 16;
    if (x <= val[0]) return 0;
    if (x >= val[n - 1]) return n - 1;
    int ml = 0, mu = n - 1;
    while (mu - ml > 1) {
        const int mav = (ml + mu) / 2;
        if (x < val[mav]) mu = mav; else ml = mav;
    }
    return x - val[mu - 1] < val[mu] - x ? mu - 1 : mu;
}

// Best scale for one block of 32 (weights x^2); L receives the indices of the first guess.
float block_scale(const float* xb, uint8_t* Lb) {
    const int8_t* values = kvalues_iq4nl;
    float weight[32];
    for (int j = 0; j < 32; ++j) weight[j] = xb[j] * xb[j];
    float amax = 0, max = 0;
    for (int j = 0; j < 32; ++j) {
        const float ax = std::fabs(xb[j]);
        if (ax > amax) { amax = ax; max = xb[j]; }
    }
    if (amax < kGroupMaxEps) return 0.f;
    float d = -max / values[0];
    float id = 1 / d;
    float sumqx = 0, sumq2 = 0;
    for (int j = 0; j < 32; ++j) {
        const int l = best_index(values, id * xb[j]);
        Lb[j] = static_cast<uint8_t>(l);
        const float q = values[l], w = weight[j];
        sumqx += w * q * xb[j];
        sumq2 += w * q * q;
    }
    d = sumqx / sumq2;
    float best = d * sumqx;
    for (int itry = -kNtry; itry <= kNtry; ++itry) {
        id = (itry + values[0]) / max;
        sumqx = sumq2 = 0;
        for (int j = 0; j < 32; ++j) {
            const int l = best_index(values, id * xb[j]);
            const float q = values[l], w = weight[j];
            sumqx += w * q * xb[j];
            sumq2 += w * q * q;
        }
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) { d = sumqx / sumq2; best = d * sumqx; }
    }
    return d;
}

void pack_nibbles(const uint8_t* L, uint8_t* q4, int n) {
    for (int i = 0; i < n / 32; ++i)
        for (int j = 0; j < 16; ++j) q4[16 * i + j] = static_cast<uint8_t>(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
}

void quantize_block_iq4_nl(const float* x, BlockIQ4_NL& b) {
    uint8_t L[32] = {};
    const float d = block_scale(x, L);
    b.d = f32_to_fp16(d);
    // ntry > 0: re-quantize with the final scale (zero scale: all indices from 1/0 = 0 -> index of 0*x).
    const float id = d ? 1 / d : 0;
    for (int j = 0; j < 32; ++j) L[j] = static_cast<uint8_t>(best_index(kvalues_iq4nl, id * x[j]));
    pack_nibbles(L, b.qs, 32);
}

void quantize_block_iq4_xs(const float* x, BlockIQ4_XS& b) {
    uint8_t L[kQK_K] = {};
    float scales[kQK_K / 32];
    float max_scale = 0, amax_scale = 0;
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
        scales[ib] = block_scale(x + 32 * ib, L + 32 * ib);
        const float abs_d = std::fabs(scales[ib]);
        if (abs_d > amax_scale) { amax_scale = abs_d; max_scale = scales[ib]; }
    }
    b.scales_h = 0;
    std::memset(b.scales_l, 0, sizeof b.scales_l);
    const float d = -max_scale / 32;
    b.d = f32_to_fp16(d);
    const float id = d ? 1 / d : 0.f;
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
        int l = std::clamp(nearest_int(id * scales[ib]), -32, 31);
        const float dl = d * l;
        const float idl = dl ? 1 / dl : 0.f;
        for (int j = 0; j < 32; ++j) L[32 * ib + j] = static_cast<uint8_t>(best_index(kvalues_iq4nl, idl * x[32 * ib + j]));
        l += 32;
        const uint8_t l_l = l & 0xf, l_h = static_cast<uint8_t>(l >> 4);
        b.scales_l[ib / 2] |= (ib % 2 == 0) ? l_l : static_cast<uint8_t>(l_l << 4);
        b.scales_h |= static_cast<uint16_t>(l_h << 2 * (ib % 8));
    }
    pack_nibbles(L, b.qs, kQK_K);
}

// TQ1_0 / TQ2_0: d = max |x|, trits round(x / d) in {-1, 0, 1} (ggml's quantize_row_tq*_0_ref).
float ternary_scale(const float* x, uint16_t& d_bits) {
    float amax = 0.0f;
    for (int j = 0; j < kQK_K; ++j) amax = std::max(amax, std::fabs(x[j]));
    d_bits = f32_to_fp16(amax);
    return amax ? 1.0f / amax : 0.0f;
}
int trit(float x, float id) { return static_cast<int>(std::lround(x * id)) + 1; }  // -1, 0, 1 -> 0, 1, 2

// Five trits as a base-3 fraction of 256 (ceiling division), the first in the most significant place.
uint8_t pack5(uint8_t q) { return static_cast<uint8_t>((static_cast<uint16_t>(q) * 256 + (243 - 1)) / 243); }

void quantize_block_tq1_0(const float* x, BlockTQ1_0& b) {
    const float id = ternary_scale(x, b.d);
    for (int m = 0; m < 32; ++m) {  // values 0..159: 5 per byte, along 32 bytes
        uint8_t q = 0;
        for (int n = 0; n < 5; ++n) q = static_cast<uint8_t>(q * 3 + trit(x[m + n * 32], id));
        b.qs[m] = pack5(q);
    }
    for (int m = 0; m < 16; ++m) {  // values 160..239: along 16 bytes
        uint8_t q = 0;
        for (int n = 0; n < 5; ++n) q = static_cast<uint8_t>(q * 3 + trit(x[160 + m + n * 16], id));
        b.qs[32 + m] = pack5(q);
    }
    for (int j = 0; j < 4; ++j) {  // values 240..255: 4 per byte, the fifth trit place left 0
        uint8_t q = 0;
        for (int m = 0; m < 4; ++m) q = static_cast<uint8_t>(q * 3 + trit(x[240 + j + m * 4], id));
        b.qh[j] = pack5(static_cast<uint8_t>(q * 3));
    }
}

void quantize_block_tq2_0(const float* x, BlockTQ2_0& b) {
    const float id = ternary_scale(x, b.d);
    for (int j = 0; j < 64; j += 32)
        for (int m = 0; m < 32; ++m) {
            uint8_t q = 0;
            for (int n = 0; n < 4; ++n) q = static_cast<uint8_t>(q + ((trit(x[4 * j + m + n * 32], id) & 3) << (2 * n)));
            b.qs[j + m] = q;
        }
}

}  // namespace

void quantize_row_tq1_0(const float* src, void* dst, int64_t n) {
    auto* b = static_cast<BlockTQ1_0*>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i) quantize_block_tq1_0(src + i * kQK_K, b[i]);
}

void quantize_row_tq2_0(const float* src, void* dst, int64_t n) {
    auto* b = static_cast<BlockTQ2_0*>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i) quantize_block_tq2_0(src + i * kQK_K, b[i]);
}

void quantize_row_iq4_nl(const float* src, void* dst, int64_t n) {
    auto* b = static_cast<BlockIQ4_NL*>(dst);
    for (int64_t i = 0; i < n / kQK4_NL; ++i) quantize_block_iq4_nl(src + i * kQK4_NL, b[i]);
}

void quantize_row_iq4_xs(const float* src, void* dst, int64_t n) {
    auto* b = static_cast<BlockIQ4_XS*>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i) quantize_block_iq4_xs(src + i * kQK_K, b[i]);
}

}  // namespace zigllm::ops::iq
