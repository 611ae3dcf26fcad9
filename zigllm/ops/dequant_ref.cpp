// ggml's to_float for F32/F16/BF16, the legacy quants and the K-quants, bit-exact: the same float
// expressions in the same order, and no FMA contraction (ggml's reference builds round each product).
#include <cstring>

#include "zigllm/ops/blocks.hpp"
#include "zigllm/ops/quant_ref.hpp"

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace zigllm::ops::ref {
namespace {

void deq_q4_0(const BlockQ4_0* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += 32) {
        const float d = fp16_to_f32(x[i].d);
        for (int j = 0; j < 16; ++j) {
            y[j] = static_cast<float>((x[i].qs[j] & 0x0F) - 8) * d;
            y[j + 16] = static_cast<float>((x[i].qs[j] >> 4) - 8) * d;
        }
    }
}
void deq_q4_1(const BlockQ4_1* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += 32) {
        const float d = fp16_to_f32(x[i].d), m = fp16_to_f32(x[i].m);
        for (int j = 0; j < 16; ++j) {
            y[j] = static_cast<float>(x[i].qs[j] & 0x0F) * d + m;
            y[j + 16] = static_cast<float>(x[i].qs[j] >> 4) * d + m;
        }
    }
}
template <class B, bool kHasMin>
void deq_q5(const B* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += 32) {
        const float d = fp16_to_f32(x[i].d);
        uint32_t qh;
        std::memcpy(&qh, x[i].qh, 4);
        for (int j = 0; j < 16; ++j) {
            const uint8_t xh0 = ((qh >> j) << 4) & 0x10, xh1 = (qh >> (j + 12)) & 0x10;
            if constexpr (kHasMin) {
                const float m = fp16_to_f32(x[i].m);
                y[j] = static_cast<float>((x[i].qs[j] & 0x0F) | xh0) * d + m;
                y[j + 16] = static_cast<float>((x[i].qs[j] >> 4) | xh1) * d + m;
            } else {
                y[j] = static_cast<float>(((x[i].qs[j] & 0x0F) | xh0) - 16) * d;
                y[j + 16] = static_cast<float>(((x[i].qs[j] >> 4) | xh1) - 16) * d;
            }
        }
    }
}
void deq_q8_0(const BlockQ8_0* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += 32) {
        const float d = fp16_to_f32(x[i].d);
        for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(x[i].qs[j]) * d;
    }
}
void deq_q8_1(const BlockQ8_1* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += 32) {
        const float d = fp16_to_f32(x[i].d);
        for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(x[i].qs[j]) * d;
    }
}
void deq_q2_k(const BlockQ2_K* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d), min = fp16_to_f32(x[i].dmin);
        const uint8_t* q = x[i].qs;
        int is = 0;
        for (int n = 0; n < 256; n += 128, q += 32) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; ++half) {
                    const uint8_t sc = x[i].scales[is++];
                    const float dl = d * static_cast<float>(sc & 0xF), ml = min * static_cast<float>(sc >> 4);
                    for (int l = 0; l < 16; ++l)
                        *y++ = dl * static_cast<float>((q[l + 16 * half] >> shift) & 3) - ml;
                }
            }
        }
    }
}
void deq_q3_k(const BlockQ3_K* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d_all = fp16_to_f32(x[i].d);
        int8_t scales[16];
        q3k_scales(x[i].scales, scales);
        const uint8_t* q = x[i].qs;
        const uint8_t* hm = x[i].hmask;
        uint8_t m = 1;
        int is = 0;
        for (int n = 0; n < 256; n += 128, q += 32) {
            for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                for (int half = 0; half < 2; ++half) {
                    const float dl = d_all * static_cast<float>(scales[is++]);
                    for (int l = 16 * half; l < 16 * half + 16; ++l)
                        *y++ = dl * static_cast<float>(((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
                }
            }
        }
    }
}
template <class B, bool kHigh>
void deq_q45_k(const B* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d), min = fp16_to_f32(x[i].dmin);
        const uint8_t* q = x[i].qs;
        uint8_t u1 = 1, u2 = 2;
        for (int j = 0, is = 0; j < 256; j += 64, q += 32, is += 2, u1 <<= 2, u2 <<= 2) {
            uint8_t sc, m;
            scale_min_k4(is, x[i].scales, sc, m);
            const float d1 = d * sc, m1 = min * m;
            scale_min_k4(is + 1, x[i].scales, sc, m);
            const float d2 = d * sc, m2 = min * m;
            for (int l = 0; l < 32; ++l) {
                int v = q[l] & 0xF;
                if constexpr (kHigh) v += (x[i].qh[l] & u1) ? 16 : 0;
                *y++ = d1 * static_cast<float>(v) - m1;
            }
            for (int l = 0; l < 32; ++l) {
                int v = q[l] >> 4;
                if constexpr (kHigh) v += (x[i].qh[l] & u2) ? 16 : 0;
                *y++ = d2 * static_cast<float>(v) - m2;
            }
        }
    }
}
void deq_q6_k(const BlockQ6_K* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_f32(x[i].d);
        const uint8_t* ql = x[i].ql;
        const uint8_t* qh = x[i].qh;
        const int8_t* sc = x[i].scales;
        for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
                y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
                y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
                y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
            }
        }
    }
}
void deq_q8_k(const BlockQ8K* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i)
        for (int j = 0; j < 256; ++j) *y++ = x[i].d * static_cast<float>(x[i].qs[j]);
}

}  // namespace

bool can_dequantize(GgmlType t) {
    switch (t) {
        case GgmlType::F32: case GgmlType::F16: case GgmlType::BF16:
        case GgmlType::Q4_0: case GgmlType::Q4_1: case GgmlType::Q5_0: case GgmlType::Q5_1:
        case GgmlType::Q8_0: case GgmlType::Q8_1: case GgmlType::Q2_K: case GgmlType::Q3_K:
        case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K: case GgmlType::Q8_K:
            return true;
        default:
            return false;
    }
}

void dequantize_row(GgmlType t, const void* src, float* y, int64_t n) {
    const int64_t nb32 = n / 32, nb256 = n / 256;
    switch (t) {
        case GgmlType::F32: std::memcpy(y, src, static_cast<size_t>(n) * 4); return;
        case GgmlType::F16: {
            const auto* s = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_f32(s[i]);
            return;
        }
        case GgmlType::BF16: {
            const auto* s = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_f32(s[i]);
            return;
        }
        case GgmlType::Q4_0: return deq_q4_0(static_cast<const BlockQ4_0*>(src), y, nb32);
        case GgmlType::Q4_1: return deq_q4_1(static_cast<const BlockQ4_1*>(src), y, nb32);
        case GgmlType::Q5_0: return deq_q5<BlockQ5_0, false>(static_cast<const BlockQ5_0*>(src), y, nb32);
        case GgmlType::Q5_1: return deq_q5<BlockQ5_1, true>(static_cast<const BlockQ5_1*>(src), y, nb32);
        case GgmlType::Q8_0: return deq_q8_0(static_cast<const BlockQ8_0*>(src), y, nb32);
        case GgmlType::Q8_1: return deq_q8_1(static_cast<const BlockQ8_1*>(src), y, nb32);
        case GgmlType::Q2_K: return deq_q2_k(static_cast<const BlockQ2_K*>(src), y, nb256);
        case GgmlType::Q3_K: return deq_q3_k(static_cast<const BlockQ3_K*>(src), y, nb256);
        case GgmlType::Q4_K: return deq_q45_k<BlockQ4_K, false>(static_cast<const BlockQ4_K*>(src), y, nb256);
        case GgmlType::Q5_K: return deq_q45_k<BlockQ5_K, true>(static_cast<const BlockQ5_K*>(src), y, nb256);
        case GgmlType::Q6_K: return deq_q6_k(static_cast<const BlockQ6_K*>(src), y, nb256);
        case GgmlType::Q8_K: return deq_q8_k(static_cast<const BlockQ8K*>(src), y, nb256);
        default: return;
    }
}

}  // namespace zigllm::ops::ref
