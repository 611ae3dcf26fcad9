// ggml's reference row quantizers (ggml-quants.c, July 2025) for the float, legacy and activation
// types, ported expression by expression so the bytes match ggml_quantize_chunk without an importance
// matrix; the K-quants route to kquant_quantize.hpp. No FMA contraction: ggml's reference build rounds every product.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "zigllm/ops/blocks.hpp"
#include "zigllm/ops/kquant_quantize.hpp"
#include "zigllm/ops/quant_ref.hpp"

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace zigllm::ops::ref {
namespace {


// The element with the largest magnitude (the first one on ties), its magnitude in amax.
float signed_absmax(const float* x, int n, float& amax) {
    float max = 0;
    amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) { amax = ax; max = x[i]; }
    }
    return max;
}

void q4_0(const float* x, BlockQ4_0* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += 32) {
        float amax;
        const float max = signed_absmax(x, 32, amax);
        const float d = max / -8, id = d ? 1.0f / d : 0.0f;
        y[i].d = f32_to_fp16(d);
        for (int j = 0; j < 16; ++j) {
            const float x0 = x[j] * id, x1 = x[16 + j] * id;
            const uint8_t xi0 = std::min<uint8_t>(15, static_cast<uint8_t>(static_cast<int8_t>(x0 + 8.5f)));
            const uint8_t xi1 = std::min<uint8_t>(15, static_cast<uint8_t>(static_cast<int8_t>(x1 + 8.5f)));
            y[i].qs[j] = static_cast<uint8_t>(xi0 | (xi1 << 4));
        }
    }
}
void min_max(const float* x, float& min, float& max) {
    min = FLT_MAX;
    max = -FLT_MAX;
    for (int j = 0; j < 32; ++j) {
        if (x[j] < min) min = x[j];
        if (x[j] > max) max = x[j];
    }
}
void q4_1(const float* x, BlockQ4_1* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += 32) {
        float min, max;
        min_max(x, min, max);
        const float d = (max - min) / 15, id = d ? 1.0f / d : 0.0f;
        y[i].d = f32_to_fp16(d);
        y[i].m = f32_to_fp16(min);
        for (int j = 0; j < 16; ++j) {
            const float x0 = (x[j] - min) * id, x1 = (x[16 + j] - min) * id;
            const uint8_t xi0 = std::min<uint8_t>(15, static_cast<uint8_t>(static_cast<int8_t>(x0 + 0.5f)));
            const uint8_t xi1 = std::min<uint8_t>(15, static_cast<uint8_t>(static_cast<int8_t>(x1 + 0.5f)));
            y[i].qs[j] = static_cast<uint8_t>(xi0 | (xi1 << 4));
        }
    }
}
void q5_0(const float* x, BlockQ5_0* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += 32) {
        float amax;
        const float max = signed_absmax(x, 32, amax);
        const float d = max / -16, id = d ? 1.0f / d : 0.0f;
        y[i].d = f32_to_fp16(d);
        uint32_t qh = 0;
        for (int j = 0; j < 16; ++j) {
            const float x0 = x[j] * id, x1 = x[16 + j] * id;
            const uint8_t xi0 = std::min<uint8_t>(31, static_cast<uint8_t>(static_cast<int8_t>(x0 + 16.5f)));
            const uint8_t xi1 = std::min<uint8_t>(31, static_cast<uint8_t>(static_cast<int8_t>(x1 + 16.5f)));
            y[i].qs[j] = static_cast<uint8_t>((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10u) >> 4) << j;
            qh |= ((xi1 & 0x10u) >> 4) << (j + 16);
        }
        std::memcpy(y[i].qh, &qh, 4);
    }
}
void q5_1(const float* x, BlockQ5_1* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += 32) {
        float min, max;
        min_max(x, min, max);
        const float d = (max - min) / 31, id = d ? 1.0f / d : 0.0f;
        y[i].d = f32_to_fp16(d);
        y[i].m = f32_to_fp16(min);
        uint32_t qh = 0;
        for (int j = 0; j < 16; ++j) {
            const float x0 = (x[j] - min) * id, x1 = (x[16 + j] - min) * id;
            const uint8_t xi0 = static_cast<uint8_t>(x0 + 0.5f), xi1 = static_cast<uint8_t>(x1 + 0.5f);
            y[i].qs[j] = static_cast<uint8_t>((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10u) >> 4) << j;
            qh |= ((xi1 & 0x10u) >> 4) << (j + 16);
        }
        std::memcpy(y[i].qh, &qh, 4);
    }
}
float q8_scale(const float* x, float& id) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127;
    id = d ? 1.0f / d : 0.0f;
    return d;
}
void q8_0(const float* x, BlockQ8_0* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += 32) {
        float id;
        const float d = q8_scale(x, id);
        y[i].d = f32_to_fp16(d);
        for (int j = 0; j < 32; ++j) y[i].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
    }
}
void q8_1(const float* x, BlockQ8_1* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += 32) {
        float id;
        const float d = q8_scale(x, id);
        y[i].d = f32_to_fp16(d);
        int sum = 0;
        for (int j = 0; j < 32; ++j) {
            y[i].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
            sum += y[i].qs[j];
        }
        y[i].s = f32_to_fp16(static_cast<float>(sum) * d);
    }
}
// ggml_mul_mat's own activation quantizer for Q8_0 / Q8_1 (the CPU backend's x86 SIMD from_float):
// id = 127 / amax instead of 1 / (amax / 127), and round half to even instead of roundf. It differs
// from the reference quantizer in a few values per 100k; the reference vectors were made with it.
template <class B, bool kSum>
void q8_act(const float* x, B* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += 32) {
        float amax = 0;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.f, id = amax != 0.0f ? 127.f / amax : 0.0f;
        y[i].d = f32_to_fp16(d);
        int sum = 0;
        for (int j = 0; j < 32; ++j) {
            y[i].qs[j] = static_cast<int8_t>(std::nearbyint(x[j] * id));
            sum += y[i].qs[j];
        }
        if constexpr (kSum) y[i].s = f32_to_fp16(d * static_cast<float>(sum));
    }
}

void q8_k(const float* x, BlockQ8K* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += 256) {
        float amax;
        const float max = signed_absmax(x, 256, amax);
        if (!amax) {
            std::memset(&y[i], 0, sizeof y[i]);
            continue;
        }
        const float iscale = -127.f / max;
        for (int j = 0; j < 256; ++j) y[i].qs[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * x[j])));
        for (int j = 0; j < 16; ++j) {
            int sum = 0;
            for (int l = 0; l < 16; ++l) sum += y[i].qs[16 * j + l];
            y[i].bsums[j] = static_cast<int16_t>(sum);
        }
        y[i].d = 1 / iscale;
    }
}

}  // namespace

bool can_quantize(GgmlType t) { return can_dequantize(t); }

void quantize_row(GgmlType t, const float* x, void* dst, int64_t n) {
    const int64_t nb32 = n / 32, nb256 = n / 256;
    switch (t) {
        case GgmlType::F32: std::memcpy(dst, x, static_cast<size_t>(n) * 4); return;
        case GgmlType::F16: {
            auto* d = static_cast<uint16_t*>(dst);
            for (int64_t i = 0; i < n; ++i) d[i] = f32_to_fp16(x[i]);
            return;
        }
        case GgmlType::BF16: {
            auto* d = static_cast<uint16_t*>(dst);
            for (int64_t i = 0; i < n; ++i) d[i] = f32_to_bf16(x[i]);
            return;
        }
        case GgmlType::Q4_0: return q4_0(x, static_cast<BlockQ4_0*>(dst), nb32);
        case GgmlType::Q4_1: return q4_1(x, static_cast<BlockQ4_1*>(dst), nb32);
        case GgmlType::Q5_0: return q5_0(x, static_cast<BlockQ5_0*>(dst), nb32);
        case GgmlType::Q5_1: return q5_1(x, static_cast<BlockQ5_1*>(dst), nb32);
        case GgmlType::Q8_0: return q8_0(x, static_cast<BlockQ8_0*>(dst), nb32);
        case GgmlType::Q8_1: return q8_1(x, static_cast<BlockQ8_1*>(dst), nb32);
        case GgmlType::Q2_K: return quantize_row_q2_K(x, dst, n);
        case GgmlType::Q3_K: return quantize_row_q3_K(x, dst, n);
        case GgmlType::Q4_K: return quantize_row_q4_K(x, dst, n);
        case GgmlType::Q5_K: return quantize_row_q5_K(x, dst, n);
        case GgmlType::Q6_K: return quantize_row_q6_K(x, dst, n);
        case GgmlType::Q8_K: return q8_k(x, static_cast<BlockQ8K*>(dst), nb256);
        default: return;
    }
}

void quantize_act_row(GgmlType t, const float* x, void* dst, int64_t n) {
    if (t == GgmlType::Q8_0) return q8_act<BlockQ8_0, false>(x, static_cast<BlockQ8_0*>(dst), n / 32);
    if (t == GgmlType::Q8_1) return q8_act<BlockQ8_1, true>(x, static_cast<BlockQ8_1*>(dst), n / 32);
    quantize_row(t, x, dst, n);
}

}  // namespace zigllm::ops::ref
