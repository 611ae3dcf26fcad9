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

// ggml_rope_yarn_corr_dim: the dimension at which `n_rot` rotations span the original context.
float yarn_corr_dim(int n_rot, int n_ctx_orig, float n_rotations, float base) {
    return n_rot * std::log(n_ctx_orig / (n_rotations * 2.0f * static_cast<float>(M_PI))) / (2.0f * std::log(base));
}

float yarn_ramp(float low, float high, int pair) {
    const float y = (pair - low) / std::max(0.001f, high - low);
    return 1.0f - std::min(1.0f, std::max(0.0f, y));
}

}  // namespace

void rope(float* v, int64_t n_heads, int64_t head_dim, int64_t pos, bool neox, const RopeParams& p) {
    const int n_rot = p.n_rot;
    if (n_rot == 0) return;
    float corr_lo = 0.0f, corr_hi = 0.0f;
    float mscale = p.attn_factor;
    if (p.ext_factor != 0.0f) {
        corr_lo = std::max(0.0f, std::floor(yarn_corr_dim(n_rot, p.n_ctx_orig, p.beta_fast, p.freq_base)));
        corr_hi = std::min(static_cast<float>(n_rot - 1), std::ceil(yarn_corr_dim(n_rot, p.n_ctx_orig, p.beta_slow, p.freq_base)));
        mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
    }
    const float theta_scale = std::pow(p.freq_base, -2.0f / n_rot);
    // cos/sin per pair, computed once for all heads (ggml's rope cache: theta *= theta_scale).
    std::array<float, 512> cs_small;
    std::vector<float> cs_big;
    float* cs = n_rot <= 256 ? cs_small.data() : (cs_big.resize(2 * n_rot), cs_big.data());
    float theta_base = static_cast<float>(pos);
    for (int i = 0; i < n_rot / 2; ++i) {
        const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
        const float theta_extrap = theta_base / ff;
        const float theta_interp = p.freq_scale * theta_extrap;
        float theta = theta_interp;
        if (p.ext_factor != 0.0f) {
            const float mix = yarn_ramp(corr_lo, corr_hi, i) * p.ext_factor;
            theta = theta_interp * (1.0f - mix) + theta_extrap * mix;
        }
        cs[2 * i] = std::cos(theta) * mscale;
        cs[2 * i + 1] = std::sin(theta) * mscale;
        theta_base *= theta_scale;
    }
    for (int64_t h = 0; h < n_heads; ++h) {
        float* x = v + h * head_dim;
        for (int i = 0; i < n_rot / 2; ++i) {
            const int64_t a = neox ? i : 2 * i, b = neox ? i + n_rot / 2 : 2 * i + 1;
            const float x0 = x[a], x1 = x[b], c = cs[2 * i], s = cs[2 * i + 1];
            x[a] = x0 * c - x1 * s;
            x[b] = x0 * s + x1 * c;
        }
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

void silu(float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i]));
}

}  // namespace zigllm::kernels
