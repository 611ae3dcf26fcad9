// Rotary position embedding, compiled per Highway target so that std::fma is the FMA instruction:
// ggml's rope is C++ built with GCC's default contraction, which fuses the first product of each
// `a * b +- c * d` (x0 cos - x1 sin, x0 sin + x1 cos, the YaRN mixes), and llama.cpp's logits carry
// those roundings (checked bit for bit against its build on the reference models).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "zigllm/graph/rope.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "hwy/highway.h"
#include "zigllm/graph/kernels.hpp"

HWY_BEFORE_NAMESPACE();
namespace zigllm::kernels::HWY_NAMESPACE {

// ggml_rope_yarn_corr_dim: the dimension at which `n_rot` rotations span the original context.
inline float YarnCorrDim(int n_rot, int n_ctx_orig, float n_rotations, float base) {
    return n_rot * std::log(n_ctx_orig / (n_rotations * 2.0f * static_cast<float>(M_PI))) / (2.0f * std::log(base));
}

inline float YarnRamp(float low, float high, int pair) {
    const float y = (pair - low) / std::max(0.001f, high - low);
    return 1.0f - std::min(1.0f, std::max(0.0f, y));
}

void RopeT(float* v, int64_t n_heads, int64_t head_dim, int64_t pos, bool neox, const RopeParams& p) {
    const int n_rot = p.n_rot;
    if (n_rot == 0) return;
    float corr_lo = 0.0f, corr_hi = 0.0f;
    float mscale = p.attn_factor;
    if (p.ext_factor != 0.0f) {
        corr_lo = std::max(0.0f, std::floor(YarnCorrDim(n_rot, p.n_ctx_orig, p.beta_fast, p.freq_base)));
        corr_hi = std::min(static_cast<float>(n_rot - 1), std::ceil(YarnCorrDim(n_rot, p.n_ctx_orig, p.beta_slow, p.freq_base)));
        mscale *= std::fma(0.1f, std::log(1.0f / p.freq_scale), 1.0f);
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
            const float mix = YarnRamp(corr_lo, corr_hi, i) * p.ext_factor;
            theta = std::fma(theta_interp, 1.0f - mix, theta_extrap * mix);
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
            x[a] = std::fma(x0, c, -(x1 * s));
            x[b] = std::fma(x0, s, x1 * c);
        }
    }
}

}  // namespace zigllm::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace zigllm::kernels {
HWY_EXPORT(RopeT);
void rope(float* v, int64_t n_heads, int64_t head_dim, int64_t pos, bool neox, const RopeParams& p) {
    HWY_DYNAMIC_DISPATCH(RopeT)(v, n_heads, head_dim, pos, neox, p);
}
}  // namespace zigllm::kernels
#endif
