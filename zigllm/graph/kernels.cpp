#include "zigllm/graph/kernels.hpp"

#include <array>
#include <cmath>
#include <vector>

namespace zigllm::kernels {

float f16_to_f32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu, bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalize
            int e = -1;
            do { ++e; mant <<= 1; } while ((mant & 0x400u) == 0);
            bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ffu) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

uint16_t f32_to_f16(float f) {
    // The bit-exact float -> half conversion ggml uses without F16C (same result as vcvtps2ph, RNE).
    const float scale_to_inf = 0x1.0p+112f, scale_to_zero = 0x1.0p-110f;
    float base = (std::fabs(f) * scale_to_inf) * scale_to_zero;
    uint32_t w;
    std::memcpy(&w, &f, 4);
    const uint32_t shl1_w = w + w, sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    uint32_t bb = (bias >> 1) + 0x07800000u;
    float bf;
    std::memcpy(&bf, &bb, 4);
    base = bf + base;
    uint32_t bits;
    std::memcpy(&bits, &base, 4);
    const uint32_t exp_bits = (bits >> 13) & 0x00007C00u, mantissa_bits = bits & 0x00000FFFu;
    const uint32_t nonsign = exp_bits + mantissa_bits;
    return static_cast<uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

void rms_norm(const float* x, const float* w, float* y, int64_t n, int64_t dim, float eps) {
    for (int64_t r = 0; r < n; ++r) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        double sum = 0.0;
        for (int64_t i = 0; i < dim; ++i) sum += static_cast<double>(xr[i] * xr[i]);
        const float scale = 1.0f / std::sqrt(static_cast<float>(sum / dim) + eps);
        for (int64_t i = 0; i < dim; ++i) yr[i] = xr[i] * scale * w[i];
    }
}

void layer_norm(const float* x, const float* w, const float* b, float* y, int64_t n, int64_t dim, float eps) {
    for (int64_t r = 0; r < n; ++r) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        double sum = 0.0;
        for (int64_t i = 0; i < dim; ++i) sum += xr[i];
        const float mean = static_cast<float>(sum / dim);
        double var = 0.0;
        for (int64_t i = 0; i < dim; ++i) {
            const float d = xr[i] - mean;
            yr[i] = d;
            var += static_cast<double>(d * d);
        }
        const float scale = 1.0f / std::sqrt(static_cast<float>(var / dim) + eps);
        for (int64_t i = 0; i < dim; ++i) yr[i] = yr[i] * scale * w[i] + (b ? b[i] : 0.0f);
    }
}

namespace {

const std::vector<uint16_t>& gelu_table() {
    static const std::vector<uint16_t> table = [] {
        std::vector<uint16_t> t(1 << 16);
        constexpr float sqrt_2_over_pi = 0.79788456080286535587989211986876f, coef_a = 0.044715f;
        for (uint32_t i = 0; i < t.size(); ++i) {
            const float x = f16_to_f32(static_cast<uint16_t>(i));
            const float g = 0.5f * x * (1.0f + std::tanh(sqrt_2_over_pi * x * (1.0f + coef_a * x * x)));
            t[i] = f32_to_f16(g);
        }
        return t;
    }();
    return table;
}

}  // namespace

void gelu(float* x, int64_t n) {
    const auto& t = gelu_table();
    for (int64_t i = 0; i < n; ++i) {
        if (x[i] <= -10.0f) x[i] = 0.0f;
        else if (x[i] < 10.0f) x[i] = f16_to_f32(t[f32_to_f16(x[i])]);
    }
}

}  // namespace zigllm::kernels
