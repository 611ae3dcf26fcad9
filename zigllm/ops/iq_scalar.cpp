// Scalar reference kernels for the i-quant and ternary types, following ggml-quants.c (to_float) and
// ggml-cpu/quants.c (the *_generic vec_dot functions) of the July-2025 snapshot operation for operation,
// so that dequantization is bit-identical and the dots reproduce ggml's integer block sums.
#include "zigllm/ops/iq_scalar.hpp"

#include <cstring>

#include "zigllm/ops/iq_act.hpp"
#include "zigllm/ops/iq_blocks.hpp"
#include "zigllm/ops/iq_decode.hpp"
#include "zigllm/ops/iq_grids.hpp"

namespace zigllm::ops::iq {
namespace {

const uint8_t* grid_bytes(const uint64_t* grid, uint32_t index) {
    return reinterpret_cast<const uint8_t*>(grid + index);
}
const uint8_t* grid_bytes(const uint32_t* grid, uint32_t index) {
    return reinterpret_cast<const uint8_t*>(grid + index);
}
float sign_of(uint8_t signs, int j) { return (signs & kmask_iq2xs[j]) ? -1.f : 1.f; }
int isign_of(uint8_t signs, int j) { return (signs & kmask_iq2xs[j]) ? -1 : 1; }

// ---------------------------------------------------------------------------------------- to_float

void dequant_iq2_xxs(const BlockIQ2_XXS* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d);
        for (int ib32 = 0; ib32 < kQK_K / 32; ++ib32) {
            uint32_t aux32[2];
            std::memcpy(aux32, x[i].qs + 4 * ib32, sizeof aux32);
            const uint8_t* aux8 = reinterpret_cast<const uint8_t*>(aux32);
            const float db = d * (0.5f + (aux32[1] >> 28)) * 0.25f;
            for (int l = 0; l < 4; ++l) {
                const uint8_t* grid = grid_bytes(iq2xxs_grid, aux8[l]);
                const uint8_t signs = ksigns_iq2xs[(aux32[1] >> 7 * l) & 127];
                for (int j = 0; j < 8; ++j) y[j] = db * grid[j] * sign_of(signs, j);
                y += 8;
            }
        }
    }
}

void dequant_iq2_xs(const BlockIQ2_XS* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d);
        for (int ib32 = 0; ib32 < kQK_K / 32; ++ib32) {
            const float db[2] = {d * (0.5f + (x[i].scales[ib32] & 0xf)) * 0.25f,
                                 d * (0.5f + (x[i].scales[ib32] >> 4)) * 0.25f};
            for (int l = 0; l < 4; ++l) {
                const uint16_t q = x[i].qs[4 * ib32 + l];
                const uint8_t* grid = grid_bytes(iq2xs_grid, q & 511);
                const uint8_t signs = ksigns_iq2xs[q >> 9];
                for (int j = 0; j < 8; ++j) y[j] = db[l / 2] * grid[j] * sign_of(signs, j);
                y += 8;
            }
        }
    }
}

void dequant_iq2_s(const BlockIQ2_S* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d);
        const uint8_t* qs = x[i].qs;
        const uint8_t* signs = qs + kQK_K / 8;
        for (int ib32 = 0; ib32 < kQK_K / 32; ++ib32) {
            const float db[2] = {d * (0.5f + (x[i].scales[ib32] & 0xf)) * 0.25f,
                                 d * (0.5f + (x[i].scales[ib32] >> 4)) * 0.25f};
            for (int l = 0; l < 4; ++l) {
                const uint8_t* grid = grid_bytes(iq2s_grid, qs[l] | ((x[i].qh[ib32] << (8 - 2 * l)) & 0x300));
                for (int j = 0; j < 8; ++j) y[j] = db[l / 2] * grid[j] * sign_of(signs[l], j);
                y += 8;
            }
            qs += 4;
            signs += 4;
        }
    }
}

void dequant_iq3_xxs(const BlockIQ3_XXS* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d);
        const uint8_t* qs = x[i].qs;
        const uint8_t* scales_and_signs = x[i].qs + kQK_K / 4;
        for (int ib32 = 0; ib32 < kQK_K / 32; ++ib32) {
            uint32_t aux32;
            std::memcpy(&aux32, scales_and_signs + 4 * ib32, sizeof aux32);
            const float db = d * (0.5f + (aux32 >> 28)) * 0.5f;
            for (int l = 0; l < 4; ++l) {
                const uint8_t signs = ksigns_iq2xs[(aux32 >> 7 * l) & 127];
                const uint8_t* grid1 = grid_bytes(iq3xxs_grid, qs[2 * l + 0]);
                const uint8_t* grid2 = grid_bytes(iq3xxs_grid, qs[2 * l + 1]);
                for (int j = 0; j < 4; ++j) {
                    y[j + 0] = db * grid1[j] * sign_of(signs, j + 0);
                    y[j + 4] = db * grid2[j] * sign_of(signs, j + 4);
                }
                y += 8;
            }
            qs += 8;
        }
    }
}

void dequant_iq3_s(const BlockIQ3_S* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d);
        const uint8_t* qs = x[i].qs;
        const uint8_t* signs = x[i].signs;
        for (int ib32 = 0; ib32 < kQK_K / 32; ++ib32) {
            const uint8_t sc = x[i].scales[ib32 / 2];
            const float db = d * (1 + 2 * ((ib32 % 2) ? (sc >> 4) : (sc & 0xf)));
            const uint8_t qh = x[i].qh[ib32];
            for (int l = 0; l < 4; ++l) {
                const uint8_t* grid1 = grid_bytes(iq3s_grid, qs[2 * l + 0] | ((qh << (8 - 2 * l)) & 256));
                const uint8_t* grid2 = grid_bytes(iq3s_grid, qs[2 * l + 1] | ((qh << (7 - 2 * l)) & 256));
                for (int j = 0; j < 4; ++j) {
                    y[j + 0] = db * grid1[j] * sign_of(signs[l], j + 0);
                    y[j + 4] = db * grid2[j] * sign_of(signs[l], j + 4);
                }
                y += 8;
            }
            qs += 8;
            signs += 4;
        }
    }
}

void dequant_iq1_s(const BlockIQ1_S* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d);
        const uint8_t* qs = x[i].qs;
        for (int ib = 0; ib < kQK_K / 32; ++ib) {
            const uint16_t qh = x[i].qh[ib];
            const float dl = d * (2 * ((qh >> 12) & 7) + 1);
            const float delta = (qh & 0x8000) ? -kIq1sDelta : kIq1sDelta;
            for (int l = 0; l < 4; ++l) {
                const auto* grid = reinterpret_cast<const int8_t*>(iq1s_grid + (qs[l] | (((qh >> 3 * l) & 7) << 8)));
                for (int j = 0; j < 8; ++j) y[j] = dl * (grid[j] + delta);
                y += 8;
            }
            qs += 4;
        }
    }
}

void dequant_iq1_m(const BlockIQ1_M* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        uint16_t sc[4];
        std::memcpy(sc, x[i].scales, sizeof sc);
        const float d = fp16_to_f32(iq1m_scale_bits(x[i]));
        const uint8_t* qs = x[i].qs;
        const uint8_t* qh = x[i].qh;
        for (int ib = 0; ib < kQK_K / 32; ++ib) {
            const float dl1 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2) + 0)) & 0x7) + 1);
            const float dl2 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
            const uint16_t idx[4] = {uint16_t(qs[0] | ((qh[0] << 8) & 0x700)), uint16_t(qs[1] | ((qh[0] << 4) & 0x700)),
                                     uint16_t(qs[2] | ((qh[1] << 8) & 0x700)), uint16_t(qs[3] | ((qh[1] << 4) & 0x700))};
            const float delta[4] = {(qh[0] & 0x08) ? -kIq1sDelta : kIq1sDelta, (qh[0] & 0x80) ? -kIq1sDelta : kIq1sDelta,
                                    (qh[1] & 0x08) ? -kIq1sDelta : kIq1sDelta, (qh[1] & 0x80) ? -kIq1sDelta : kIq1sDelta};
            for (int l = 0; l < 4; ++l) {
                const auto* grid = reinterpret_cast<const int8_t*>(iq1s_grid + idx[l]);
                const float dl = l < 2 ? dl1 : dl2;
                for (int j = 0; j < 8; ++j) y[j] = dl * (grid[j] + delta[l]);
                y += 8;
            }
            qs += 4;
            qh += 2;
        }
    }
}

void dequant_iq4_nl(const BlockIQ4_NL* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d);
        for (int j = 0; j < kQK4_NL / 2; ++j) {
            y[j] = d * kvalues_iq4nl[x[i].qs[j] & 0xf];
            y[j + kQK4_NL / 2] = d * kvalues_iq4nl[x[i].qs[j] >> 4];
        }
        y += kQK4_NL;
    }
}

int iq4_xs_scale(const BlockIQ4_XS& b, int ib) {
    return (((b.scales_l[ib / 2] >> 4 * (ib % 2)) & 0xf) | (((b.scales_h >> 2 * ib) & 3) << 4)) - 32;
}

void dequant_iq4_xs(const BlockIQ4_XS* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d);
        const uint8_t* qs = x[i].qs;
        for (int ib = 0; ib < kQK_K / 32; ++ib) {
            const float dl = d * iq4_xs_scale(x[i], ib);
            for (int j = 0; j < 16; ++j) {
                y[j + 0] = dl * kvalues_iq4nl[qs[j] & 0xf];
                y[j + 16] = dl * kvalues_iq4nl[qs[j] >> 4];
            }
            y += 32;
            qs += 16;
        }
    }
}

void dequant_tq1_0(const BlockTQ1_0* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d);
        for_each_tq1_trit(x[i], [&](int k, int t) { y[k] = static_cast<float>(t) * d; });
        y += kQK_K;
    }
}

void dequant_tq2_0(const BlockTQ2_0* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d);
        for (int j = 0; j < 64; j += 32)
            for (int l = 0; l < 4; ++l)
                for (int m = 0; m < 32; ++m) *y++ = static_cast<float>(((x[i].qs[j + m] >> (l * 2)) & 3) - 1) * d;
    }
}

// ------------------------------------------------------------------------------------------ vec_dot

float dot_iq2_xxs(const BlockIQ2_XXS* x, const BlockQ8K* y, int64_t nb) {
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d) * y[i].d;
        const int8_t* q8 = y[i].qs;
        int32_t bsum = 0;
        for (int ib32 = 0; ib32 < kQK_K / 32; ++ib32) {
            uint32_t aux32[2];
            std::memcpy(aux32, x[i].qs + 4 * ib32, sizeof aux32);
            const uint8_t* aux8 = reinterpret_cast<const uint8_t*>(aux32);
            const int32_t ls = 2 * (aux32[1] >> 28) + 1;
            int32_t sumi = 0;
            for (int l = 0; l < 4; ++l) {
                const uint8_t* grid = grid_bytes(iq2xxs_grid, aux8[l]);
                const uint8_t signs = ksigns_iq2xs[(aux32[1] >> 7 * l) & 127];
                for (int j = 0; j < 8; ++j) sumi += grid[j] * q8[j] * isign_of(signs, j);
                q8 += 8;
            }
            bsum += sumi * ls;
        }
        sumf += d * bsum;
    }
    return 0.125f * sumf;
}

float dot_iq2_xs(const BlockIQ2_XS* x, const BlockQ8K* y, int64_t nb) {
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d) * y[i].d;
        const int8_t* q8 = y[i].qs;
        int32_t bsum = 0;
        for (int ib32 = 0; ib32 < kQK_K / 32; ++ib32) {
            const int32_t ls[2] = {2 * (x[i].scales[ib32] & 0xf) + 1, 2 * (x[i].scales[ib32] >> 4) + 1};
            for (int half = 0; half < 2; ++half) {
                int32_t sumi = 0;
                for (int l = 2 * half; l < 2 * half + 2; ++l) {
                    const uint16_t q = x[i].qs[4 * ib32 + l];
                    const uint8_t* grid = grid_bytes(iq2xs_grid, q & 511);
                    const uint8_t signs = ksigns_iq2xs[q >> 9];
                    for (int j = 0; j < 8; ++j) sumi += grid[j] * q8[j] * isign_of(signs, j);
                    q8 += 8;
                }
                bsum += sumi * ls[half];
            }
        }
        sumf += d * bsum;
    }
    return 0.125f * sumf;
}

float dot_iq2_s(const BlockIQ2_S* x, const BlockQ8K* y, int64_t nb) {
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d) * y[i].d;
        const int8_t* q8 = y[i].qs;
        const uint8_t* qs = x[i].qs;
        const uint8_t* signs = qs + kQK_K / 8;
        int32_t bsum = 0;
        for (int ib32 = 0; ib32 < kQK_K / 32; ++ib32) {
            const int32_t ls[2] = {1 + 2 * (x[i].scales[ib32] & 0xf), 1 + 2 * (x[i].scales[ib32] >> 4)};
            for (int half = 0; half < 2; ++half) {
                int32_t sumi = 0;
                for (int l = 2 * half; l < 2 * half + 2; ++l) {
                    const uint8_t* grid = grid_bytes(iq2s_grid, qs[l] | ((x[i].qh[ib32] << (8 - 2 * l)) & 0x300));
                    for (int j = 0; j < 8; ++j) sumi += q8[j] * grid[j] * isign_of(signs[l], j);
                    q8 += 8;
                }
                bsum += ls[half] * sumi;
            }
            qs += 4;
            signs += 4;
        }
        sumf += d * bsum;
    }
    return 0.125f * sumf;
}

float dot_iq3_xxs(const BlockIQ3_XXS* x, const BlockQ8K* y, int64_t nb) {
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d) * y[i].d;
        const uint8_t* q3 = x[i].qs;
        const uint8_t* gas = x[i].qs + kQK_K / 4;
        const int8_t* q8 = y[i].qs;
        int32_t bsum = 0;
        for (int ib32 = 0; ib32 < kQK_K / 32; ++ib32) {
            uint32_t aux32;
            std::memcpy(&aux32, gas + 4 * ib32, sizeof aux32);
            const int32_t ls = 2 * (aux32 >> 28) + 1;
            int32_t sumi = 0;
            for (int l = 0; l < 4; ++l) {
                const uint8_t* grid1 = grid_bytes(iq3xxs_grid, q3[2 * l + 0]);
                const uint8_t* grid2 = grid_bytes(iq3xxs_grid, q3[2 * l + 1]);
                const uint8_t signs = ksigns_iq2xs[(aux32 >> 7 * l) & 127];
                for (int j = 0; j < 4; ++j) {
                    sumi += grid1[j] * q8[j + 0] * isign_of(signs, j + 0);
                    sumi += grid2[j] * q8[j + 4] * isign_of(signs, j + 4);
                }
                q8 += 8;
            }
            q3 += 8;
            bsum += sumi * ls;
        }
        sumf += d * bsum;
    }
    return 0.25f * sumf;
}

float dot_iq3_s(const BlockIQ3_S* x, const BlockQ8K* y, int64_t nb) {
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d) * y[i].d;
        const uint8_t* qs = x[i].qs;
        const uint8_t* signs = x[i].signs;
        const int8_t* q8 = y[i].qs;
        int32_t bsum = 0;
        for (int ib32 = 0; ib32 < kQK_K / 32; ++ib32) {
            const uint8_t sc = x[i].scales[ib32 / 2];
            const int32_t ls = 2 * ((ib32 % 2) ? (sc >> 4) : (sc & 0xf)) + 1;
            const uint8_t qh = x[i].qh[ib32];
            int32_t sumi = 0;
            for (int l = 0; l < 4; ++l) {
                const uint8_t* grid1 = grid_bytes(iq3s_grid, qs[2 * l + 0] | ((qh << (8 - 2 * l)) & 256));
                const uint8_t* grid2 = grid_bytes(iq3s_grid, qs[2 * l + 1] | ((qh << (7 - 2 * l)) & 256));
                for (int j = 0; j < 4; ++j) {
                    sumi += grid1[j] * q8[j + 0] * isign_of(signs[l], j + 0);
                    sumi += grid2[j] * q8[j + 4] * isign_of(signs[l], j + 4);
                }
                q8 += 8;
            }
            qs += 8;
            signs += 4;
            bsum += sumi * ls;
        }
        sumf += d * bsum;
    }
    return sumf;
}

float dot_iq1_s(const BlockIQ1_S* x, const BlockQ8K* y, int64_t nb) {
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        const int8_t* q8 = y[i].qs;
        const uint8_t* qs = x[i].qs;
        int32_t sumi = 0, sumi1 = 0;
        for (int ib = 0; ib < kQK_K / 32; ++ib) {
            const uint16_t qh = x[i].qh[ib];
            const int32_t ls = 2 * ((qh >> 12) & 7) + 1;
            const int32_t delta = (qh & 0x8000) ? -1 : 1;
            int32_t lsum = 0;
            for (int l = 0; l < 4; ++l) {
                const auto* grid = reinterpret_cast<const int8_t*>(iq1s_grid + (qs[l] | (((qh >> 3 * l) & 7) << 8)));
                for (int j = 0; j < 8; ++j) lsum += q8[j] * grid[j];
                q8 += 8;
            }
            sumi += ls * lsum;
            sumi1 += ls * delta * (y[i].bsums[2 * ib + 0] + y[i].bsums[2 * ib + 1]);
            qs += 4;
        }
        sumf += fp16_to_f32(x[i].d) * y[i].d * (sumi + kIq1sDelta * sumi1);
    }
    return sumf;
}

float dot_iq1_m(const BlockIQ1_M* x, const BlockQ8K* y, int64_t nb) {
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        const int8_t* q8 = y[i].qs;
        const uint8_t* qs = x[i].qs;
        const uint8_t* qh = x[i].qh;
        uint16_t sc[4];
        std::memcpy(sc, x[i].scales, sizeof sc);
        int32_t sumi1 = 0, sumi2 = 0;
        for (int ib = 0; ib < kQK_K / 32; ++ib) {
            const int32_t delta[4] = {(qh[0] & 0x08) ? -1 : 1, (qh[0] & 0x80) ? -1 : 1, (qh[1] & 0x08) ? -1 : 1,
                                      (qh[1] & 0x80) ? -1 : 1};
            int32_t sum1[2] = {0, 0}, sum2[2] = {0, 0};
            for (int l = 0; l < 4; ++l) {
                const auto* grid = reinterpret_cast<const int8_t*>(
                    iq1s_grid + (qs[l] | ((static_cast<uint16_t>(qh[l / 2]) << (8 - 4 * (l % 2))) & 0x700)));
                int32_t lsum1 = 0, lsum2 = 0;
                for (int j = 0; j < 8; ++j) {
                    lsum1 += q8[j] * grid[j];
                    lsum2 += q8[j];
                }
                q8 += 8;
                sum1[l / 2] += lsum1;
                sum2[l / 2] += lsum2 * delta[l];
            }
            const int32_t ls1 = 2 * ((sc[ib / 2] >> (6 * (ib % 2) + 0)) & 0x7) + 1;
            const int32_t ls2 = 2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1;
            sumi1 += sum1[0] * ls1 + sum1[1] * ls2;
            sumi2 += sum2[0] * ls1 + sum2[1] * ls2;
            qs += 4;
            qh += 2;
        }
        sumf += fp16_to_f32(iq1m_scale_bits(x[i])) * y[i].d * (sumi1 + kIq1sDelta * sumi2);
    }
    return sumf;
}

float dot_iq4_nl(const BlockIQ4_NL* x, const BlockQ8_0* y, int64_t nb) {
    float sumf = 0.f;
    for (int64_t ib = 0; ib < nb; ++ib) {
        const float d = fp16_to_f32(y[ib].d) * fp16_to_f32(x[ib].d);
        int32_t sumi1 = 0, sumi2 = 0;
        for (int j = 0; j < kQK4_NL / 2; ++j) {
            sumi1 += y[ib].qs[j] * kvalues_iq4nl[x[ib].qs[j] & 0xf];
            sumi2 += y[ib].qs[j + kQK4_NL / 2] * kvalues_iq4nl[x[ib].qs[j] >> 4];
        }
        sumf += d * (sumi1 + sumi2);
    }
    return sumf;
}

float dot_iq4_xs(const BlockIQ4_XS* x, const BlockQ8K* y, int64_t nb) {
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        const float d4d8 = fp16_to_f32(x[i].d) * y[i].d;
        const uint8_t* qs = x[i].qs;
        const int8_t* q8 = y[i].qs;
        for (int ib = 0; ib < kQK_K / 32; ++ib) {
            const float dl = d4d8 * iq4_xs_scale(x[i], ib);
            int32_t sumi1 = 0, sumi2 = 0;
            for (int j = 0; j < 16; ++j) {
                sumi1 += q8[j + 0] * kvalues_iq4nl[qs[j] & 0xf];
                sumi2 += q8[j + 16] * kvalues_iq4nl[qs[j] >> 4];
            }
            sumf += dl * (sumi1 + sumi2);
            qs += 16;
            q8 += 32;
        }
    }
    return sumf;
}

float dot_tq1_0(const BlockTQ1_0* x, const BlockQ8K* y, int64_t nb) {
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t sum = 0;
        for_each_tq1_trit(x[i], [&](int k, int t) { sum += t * y[i].qs[k]; });
        sumf += static_cast<float>(sum) * (fp16_to_f32(x[i].d) * y[i].d);
    }
    return sumf;
}

float dot_tq2_0(const BlockTQ2_0* x, const BlockQ8K* y, int64_t nb) {
    float sumf = 0.f;
    for (int64_t i = 0; i < nb; ++i) {
        int32_t sumi = 0;
        for (int j = 0; j < 64; j += 32)
            for (int l = 0; l < 4; ++l)
                for (int k = 0; k < 32; ++k) sumi += y[i].qs[j * 4 + l * 32 + k] * (((x[i].qs[j + k] >> (l * 2)) & 3) - 1);
        sumf += static_cast<float>(sumi) * (y[i].d * fp16_to_f32(x[i].d));
    }
    return sumf;
}

template <class Block>
const Block* as(const void* p) { return static_cast<const Block*>(p); }

}  // namespace

bool is_iq_type(GgmlType t) {
    switch (t) {
        case GgmlType::IQ1_S: case GgmlType::IQ1_M: case GgmlType::IQ2_XXS: case GgmlType::IQ2_XS:
        case GgmlType::IQ2_S: case GgmlType::IQ3_XXS: case GgmlType::IQ3_S: case GgmlType::IQ4_NL:
        case GgmlType::IQ4_XS: case GgmlType::TQ1_0: case GgmlType::TQ2_0:
            return true;
        default:
            return false;
    }
}

void dequantize_row_scalar(GgmlType t, const void* src, float* y, int64_t n) {
    const int64_t nb = n / traits(t).block_size;
    switch (t) {
        case GgmlType::IQ1_S: return dequant_iq1_s(as<BlockIQ1_S>(src), y, nb);
        case GgmlType::IQ1_M: return dequant_iq1_m(as<BlockIQ1_M>(src), y, nb);
        case GgmlType::IQ2_XXS: return dequant_iq2_xxs(as<BlockIQ2_XXS>(src), y, nb);
        case GgmlType::IQ2_XS: return dequant_iq2_xs(as<BlockIQ2_XS>(src), y, nb);
        case GgmlType::IQ2_S: return dequant_iq2_s(as<BlockIQ2_S>(src), y, nb);
        case GgmlType::IQ3_XXS: return dequant_iq3_xxs(as<BlockIQ3_XXS>(src), y, nb);
        case GgmlType::IQ3_S: return dequant_iq3_s(as<BlockIQ3_S>(src), y, nb);
        case GgmlType::IQ4_NL: return dequant_iq4_nl(as<BlockIQ4_NL>(src), y, nb);
        case GgmlType::IQ4_XS: return dequant_iq4_xs(as<BlockIQ4_XS>(src), y, nb);
        case GgmlType::TQ1_0: return dequant_tq1_0(as<BlockTQ1_0>(src), y, nb);
        case GgmlType::TQ2_0: return dequant_tq2_0(as<BlockTQ2_0>(src), y, nb);
        default: return;
    }
}

float dot_row_scalar(GgmlType t, const void* w, const void* a, int64_t n) {
    const int64_t nb = n / traits(t).block_size;
    switch (t) {
        case GgmlType::IQ1_S: return dot_iq1_s(as<BlockIQ1_S>(w), as<BlockQ8K>(a), nb);
        case GgmlType::IQ1_M: return dot_iq1_m(as<BlockIQ1_M>(w), as<BlockQ8K>(a), nb);
        case GgmlType::IQ2_XXS: return dot_iq2_xxs(as<BlockIQ2_XXS>(w), as<BlockQ8K>(a), nb);
        case GgmlType::IQ2_XS: return dot_iq2_xs(as<BlockIQ2_XS>(w), as<BlockQ8K>(a), nb);
        case GgmlType::IQ2_S: return dot_iq2_s(as<BlockIQ2_S>(w), as<BlockQ8K>(a), nb);
        case GgmlType::IQ3_XXS: return dot_iq3_xxs(as<BlockIQ3_XXS>(w), as<BlockQ8K>(a), nb);
        case GgmlType::IQ3_S: return dot_iq3_s(as<BlockIQ3_S>(w), as<BlockQ8K>(a), nb);
        case GgmlType::IQ4_NL: return dot_iq4_nl(as<BlockIQ4_NL>(w), as<BlockQ8_0>(a), nb);
        case GgmlType::IQ4_XS: return dot_iq4_xs(as<BlockIQ4_XS>(w), as<BlockQ8K>(a), nb);
        case GgmlType::TQ1_0: return dot_tq1_0(as<BlockTQ1_0>(w), as<BlockQ8K>(a), nb);
        case GgmlType::TQ2_0: return dot_tq2_0(as<BlockTQ2_0>(w), as<BlockQ8K>(a), nb);
        default: return 0.f;
    }
}

}  // namespace zigllm::ops::iq
