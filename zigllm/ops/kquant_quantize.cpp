// K-quant reference quantizers, a port of ggml-quants.c (July 2025): quantize_row_q{2..6}_K_ref with
// make_qx_quants, make_q3_quants and make_qkx2_quants. Every float expression keeps ggml's operand
// order and types (int * float promotions included): the goal is ggml's exact bytes, and a single
// reassociation flips a rounding somewhere in a 65k-value row.
#include "zigllm/ops/kquant_quantize.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "zigllm/ops/blocks.hpp"

namespace zigllm::ops {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // ggml's GROUP_MAX_EPS: below it a group counts as all zero

int clamp_int(int v, int lo, int hi) { return std::max(lo, std::min(hi, v)); }

// The value of largest magnitude (the first one on ties) and that magnitude.
void signed_absmax(int n, const float* x, float& max, float& amax) {
    max = 0;
    amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
}

// Symmetric quantization of n values to L in [0, 2*nmax) (offset nmax), weights x^2 (ggml's
// rmse_type 1, the only mode the default-weight Q6_K path uses): a first scale from the extreme
// value, then 18 neighbouring scales, keeping the one that maximizes sumlx^2 / suml2.
float make_qx_quants_rmse1(int n, int nmax, const float* x, int8_t* L) {
    float max, amax;
    signed_absmax(n, x, max, amax);
    if (amax < kGroupMaxEps) {
        std::fill(L, L + n, int8_t{0});
        return 0.f;
    }
    float iscale = -nmax / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
        L[i] = static_cast<int8_t>(l + nmax);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    float scale = suml2 ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(nmax + 0.1f * is) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
            const float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i) {
                L[i] = static_cast<int8_t>(nmax + clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1));
            }
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

// Q3_K's symmetric search (ggml's make_q3_quants with do_rmse): start from the extreme value, then
// up to 5 passes of coordinate descent on single levels, weights x^2. L gets level + nmax.
float make_q3_quants_rmse(int n, int nmax, const float* x, int8_t* L) {
    float max, amax;
    signed_absmax(n, x, max, amax);
    if (amax < kGroupMaxEps) {
        std::fill(L, L + n, int8_t{0});
        return 0.f;
    }
    const float iscale = -nmax / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
        L[i] = static_cast<int8_t>(l);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    for (int itry = 0; itry < 5; ++itry) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            float slx = sumlx - w * x[i] * L[i];
            if (slx > 0) {
                float sl2 = suml2 - w * L[i] * L[i];
                const int new_l = clamp_int(nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
                if (new_l != L[i]) {
                    slx += w * x[i] * new_l;
                    sl2 += w * new_l * new_l;
                    if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = static_cast<int8_t>(new_l);
                        sumlx = slx;
                        suml2 = sl2;
                        ++n_changed;
                    }
                }
            }
        }
        if (!n_changed) break;
    }
    for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
    return sumlx / suml2;
}

// Asymmetric quantization x ~ scale * L - the_min with L in [0, nmax] (ggml's make_qkx2_quants):
// the min-max grid, then nstep+1 alternative grids, each refit by weighted least squares; keeps the
// lowest weighted error (absolute if use_mad, squared otherwise). Laux: n scratch levels.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min,
                       uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad) {
    float min = x[0];
    float max = x[0];
    float sum_w = weights[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        const float w = weights[i];
        sum_w += w;
        sum_x += w * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        std::fill(L, L + n, uint8_t{0});
        *the_min = -min;
        return 0.f;
    }
    float iscale = nmax / (max - min);
    float scale = 1 / iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        const int l = nearest_int(iscale * (x[i] - min));
        L[i] = static_cast<uint8_t>(clamp_int(l, 0, nmax));
        float diff = scale * L[i] + min - x[i];
        diff = use_mad ? std::fabs(diff) : diff * diff;
        best_error += weights[i] * diff;
    }
    if (nstep < 1) {
        *the_min = -min;
        return scale;
    }
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * is + nmax) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clamp_int(nearest_int(iscale * (x[i] - min)), 0, nmax);
            Laux[i] = static_cast<uint8_t>(l);
            const float w = weights[i];
            sum_l += w * l;
            sum_l2 += w * l * l;
            sum_xl += w * l * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
            float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
            if (this_min > 0) {
                this_min = 0;
                this_scale = sum_xl / sum_l2;
            }
            float cur_error = 0;
            for (int i = 0; i < n; ++i) {
                float diff = this_scale * Laux[i] + this_min - x[i];
                diff = use_mad ? std::fabs(diff) : diff * diff;
                cur_error += weights[i] * diff;
            }
            if (cur_error < best_error) {
                std::copy(Laux, Laux + n, L);
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    *the_min = -min;
    return scale;
}

// 2 bits per level, 4 levels a byte: byte l of each 128-value half holds values l, l+32, l+64, l+96
// (the Q2_K / Q3_K low-bit layout). L: 256 levels in [0, 3].
template <typename Level>
void pack_2bit(const Level* L, uint8_t* qs) {
    for (int j = 0; j < kQK256; j += 128) {
        for (int l = 0; l < 32; ++l) {
            qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                                 (L[j + l + 96] << 6));
        }
    }
}

// Q3_K / Q6_K: the levels of 16 sub-blocks of 16 re-quantized against the stored fp16 scale times
// the stored signed sub-scales, into [lo, hi] offset by -lo. Sub-blocks whose scale is 0 keep the
// levels of the search (as ggml does).
void requantize_symmetric(const float* x, uint16_t d_half, const int8_t* sub_scales, int lo, int hi, int8_t* L) {
    for (int j = 0; j < kQK256 / 16; ++j) {
        const float d = fp16_to_f32(d_half) * sub_scales[j];
        if (!d) continue;
        for (int ii = 0; ii < 16; ++ii) {
            L[16 * j + ii] = static_cast<int8_t>(clamp_int(nearest_int(x[16 * j + ii] / d), lo, hi) - lo);
        }
    }
}

// Q4_K / Q5_K: 8 sub-blocks of 32, each fit by make_qkx2_quants with weights av_x + |x| (av_x the
// sub-block's RMS); 6-bit scales and mins relative to the super-block maxima; then every value is
// re-quantized against the stored (rounded) scale and min. Fills d, dmin, scales and L.
struct Q45Search { int nmax; float rmin; int nstep; };

void quantize_q45_levels(const float* x, const Q45Search& p, uint16_t& d_out, uint16_t& dmin_out,
                         uint8_t* scales_out, uint8_t* L) {
    uint8_t Laux[32];
    float weights[32];
    float mins[kQK256 / 32];
    float scales[kQK256 / 32];
    float max_scale = 0;  // as the min is deducted, scales are never negative
    float max_min = 0;
    for (int j = 0; j < kQK256 / 32; ++j) {
        float sum_x2 = 0;
        for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
        const float av_x = std::sqrt(sum_x2 / 32);
        for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
        scales[j] = make_qkx2_quants(32, p.nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, p.rmin, 0.1f,
                                     p.nstep, false);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }

    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    for (int j = 0; j < kQK256 / 32; ++j) {
        // ggml stores nearest_int's result in a uint8_t before the MIN: keep that truncation.
        const uint8_t ls = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
        const uint8_t lm = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * mins[j])));
        if (j < 4) {
            scales_out[j] = ls;
            scales_out[j + 4] = lm;
        } else {
            scales_out[j + 4] = static_cast<uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
            scales_out[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
            scales_out[j] |= static_cast<uint8_t>((lm >> 4) << 6);
        }
    }
    d_out = f32_to_fp16(max_scale / 63.f);
    dmin_out = f32_to_fp16(max_min / 63.f);

    for (int j = 0; j < kQK256 / 32; ++j) {
        uint8_t sc, m;
        scale_min_k4(j, scales_out, sc, m);
        const float d = fp16_to_f32(d_out) * sc;
        if (!d) continue;
        const float dm = fp16_to_f32(dmin_out) * m;
        for (int ii = 0; ii < 32; ++ii) {
            L[32 * j + ii] = static_cast<uint8_t>(clamp_int(nearest_int((x[32 * j + ii] + dm) / d), 0, p.nmax));
        }
    }
}

}  // namespace

void quantize_row_q2_K(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<BlockQ2_K*>(vy);
    const int64_t nb = n / kQK256;
    uint8_t L[kQK256];
    uint8_t Laux[16];
    float weights[16];
    float mins[kQK256 / 16];
    float scales[kQK256 / 16];
    const float q4scale = 15.f;

    for (int64_t i = 0; i < nb; ++i, x += kQK256) {
        float max_scale = 0;  // as the min is deducted, scales are never negative
        float max_min = 0;
        for (int j = 0; j < kQK256 / 16; ++j) {
            for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
            scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15, true);
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }

        if (max_scale > 0) {
            const float iscale = q4scale / max_scale;
            for (int j = 0; j < kQK256 / 16; ++j) y[i].scales[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
            y[i].d = f32_to_fp16(max_scale / q4scale);
        } else {
            std::memset(y[i].scales, 0, sizeof y[i].scales);
            y[i].d = f32_to_fp16(0.f);
        }
        if (max_min > 0) {
            const float iscale = q4scale / max_min;
            for (int j = 0; j < kQK256 / 16; ++j) {
                y[i].scales[j] |= static_cast<uint8_t>(nearest_int(iscale * mins[j]) << 4);
            }
            y[i].dmin = f32_to_fp16(max_min / q4scale);
        } else {
            y[i].dmin = f32_to_fp16(0.f);
        }

        // Re-quantize against the stored 4-bit scales and mins.
        for (int j = 0; j < kQK256 / 16; ++j) {
            const float d = fp16_to_f32(y[i].d) * (y[i].scales[j] & 0xF);
            if (!d) continue;
            const float dm = fp16_to_f32(y[i].dmin) * (y[i].scales[j] >> 4);
            for (int ii = 0; ii < 16; ++ii) {
                L[16 * j + ii] = static_cast<uint8_t>(clamp_int(nearest_int((x[16 * j + ii] + dm) / d), 0, 3));
            }
        }
        pack_2bit(L, y[i].qs);
    }
}

void quantize_row_q3_K(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<BlockQ3_K*>(vy);
    const int64_t nb = n / kQK256;
    int8_t L[kQK256];
    float scales[kQK256 / 16];

    for (int64_t i = 0; i < nb; ++i, x += kQK256) {
        for (int j = 0; j < kQK256 / 16; ++j) scales[j] = make_q3_quants_rmse(16, 4, x + 16 * j, L + 16 * j);
        float max_scale, amax;  // the signed scale of largest magnitude
        signed_absmax(kQK256 / 16, scales, max_scale, amax);

        // 16 6-bit scales (offset 32): low nibbles in bytes 0..7, the top 2 bits in bytes 8..11.
        std::memset(y[i].scales, 0, 12);
        if (max_scale) {
            const float iscale = -32.f / max_scale;
            for (int j = 0; j < kQK256 / 16; ++j) {
                const int8_t q = static_cast<int8_t>(nearest_int(iscale * scales[j]));  // ggml's int8_t l
                const int l = clamp_int(q, -32, 31) + 32;
                if (j < 8) {
                    y[i].scales[j] = static_cast<uint8_t>(l & 0xF);
                } else {
                    y[i].scales[j - 8] |= static_cast<uint8_t>((l & 0xF) << 4);
                }
                y[i].scales[j % 4 + 8] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
            }
            y[i].d = f32_to_fp16(1 / iscale);
        } else {
            y[i].d = f32_to_fp16(0.f);
        }

        int8_t sc[16];
        q3k_scales(y[i].scales, sc);
        requantize_symmetric(x, y[i].d, sc, -4, 3, L);

        // The high bit of value j goes to hmask[j % 32], bit j / 32.
        std::memset(y[i].hmask, 0, sizeof y[i].hmask);
        for (int j = 0; j < kQK256; ++j) {
            if (L[j] > 3) {
                y[i].hmask[j % 32] |= static_cast<uint8_t>(1u << (j / 32));
                L[j] = static_cast<int8_t>(L[j] - 4);
            }
        }
        pack_2bit(L, y[i].qs);
    }
}

void quantize_row_q4_K(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<BlockQ4_K*>(vy);
    const int64_t nb = n / kQK256;
    uint8_t L[kQK256];
    for (int64_t i = 0; i < nb; ++i, x += kQK256) {
        quantize_q45_levels(x, Q45Search{15, -1.f, 20}, y[i].d, y[i].dmin, y[i].scales, L);
        // Nibbles: byte l of each 64-value chunk holds value l (low) and value l + 32 (high).
        uint8_t* q = y[i].qs;
        for (int j = 0; j < kQK256; j += 64, q += 32) {
            for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
        }
    }
}

void quantize_row_q5_K(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<BlockQ5_K*>(vy);
    const int64_t nb = n / kQK256;
    uint8_t L[kQK256];
    for (int64_t i = 0; i < nb; ++i, x += kQK256) {
        quantize_q45_levels(x, Q45Search{31, -0.5f, 15}, y[i].d, y[i].dmin, y[i].scales, L);
        // Low nibbles as Q4_K; the fifth bit of chunk c's two halves goes to qh bits 2c and 2c+1.
        uint8_t* qh = y[i].qh;
        uint8_t* ql = y[i].qs;
        std::memset(qh, 0, sizeof y[i].qh);
        uint8_t m1 = 1, m2 = 2;
        for (int c = 0; c < kQK256; c += 64, ql += 32) {
            for (int j = 0; j < 32; ++j) {
                int l1 = L[c + j];
                if (l1 > 15) {
                    l1 -= 16;
                    qh[j] |= m1;
                }
                int l2 = L[c + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    qh[j] |= m2;
                }
                ql[j] = static_cast<uint8_t>(l1 | (l2 << 4));
            }
            m1 = static_cast<uint8_t>(m1 << 2);
            m2 = static_cast<uint8_t>(m2 << 2);
        }
    }
}

void quantize_row_q6_K(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<BlockQ6_K*>(vy);
    const int64_t nb = n / kQK256;
    int8_t L[kQK256];
    float scales[kQK256 / 16];

    for (int64_t i = 0; i < nb; ++i, x += kQK256) {
        for (int ib = 0; ib < kQK256 / 16; ++ib) scales[ib] = make_qx_quants_rmse1(16, 32, x + 16 * ib, L + 16 * ib);
        float max_scale, max_abs_scale;  // the signed scale of largest magnitude
        signed_absmax(kQK256 / 16, scales, max_scale, max_abs_scale);

        if (max_abs_scale < kGroupMaxEps) {
            std::memset(&y[i], 0, sizeof(BlockQ6_K));
            y[i].d = f32_to_fp16(0.f);
            continue;
        }

        const float iscale = -128.f / max_scale;
        y[i].d = f32_to_fp16(1 / iscale);
        for (int ib = 0; ib < kQK256 / 16; ++ib) {
            y[i].scales[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
        }

        requantize_symmetric(x, y[i].d, y[i].scales, -32, 31, L);

        // Low nibbles of values l, l+64 in ql[l] and of l+32, l+96 in ql[l+32] (per 128-value half);
        // the top 2 bits of l, l+32, l+64, l+96 in qh[l].
        uint8_t* ql = y[i].ql;
        uint8_t* qh = y[i].qh;
        for (int j = 0; j < kQK256; j += 128, ql += 64, qh += 32) {
            for (int l = 0; l < 32; ++l) {
                const uint8_t q1 = L[j + l + 0] & 0xF;
                const uint8_t q2 = L[j + l + 32] & 0xF;
                const uint8_t q3 = L[j + l + 64] & 0xF;
                const uint8_t q4 = L[j + l + 96] & 0xF;
                ql[l + 0] = static_cast<uint8_t>(q1 | (q3 << 4));
                ql[l + 32] = static_cast<uint8_t>(q2 | (q4 << 4));
                qh[l] = static_cast<uint8_t>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
                                             ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
            }
        }
    }
}

}  // namespace zigllm::ops
