// SiLU as llama.cpp's SwiGLU evaluates it (ggml_vec_swiglu_f32): x / (1 + exp(-x)) with ggml's vector
// exp over each row's 16-wide chunks and libm's expf for a row's last n % 16 values.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "zigllm/graph/silu.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <cmath>

#include "hwy/highway.h"
#include "zigllm/graph/ggml_exp-inl.h"
#include "zigllm/graph/kernels.hpp"

HWY_BEFORE_NAMESPACE();
namespace zigllm::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void SiluT(float* x, int64_t n, int64_t col0, int64_t row_len) {
    const hn::ScalableTag<float> d;
    const auto N = static_cast<int64_t>(hn::Lanes(d));
    const auto one = hn::Set(d, 1.0f);
    const int64_t vec_end = std::min(n, std::max<int64_t>(0, (row_len & ~int64_t{15}) - col0));
    int64_t i = 0;
    for (; i + N <= vec_end; i += N) {
        const auto v = hn::LoadU(d, x + i);
        hn::StoreU(hn::Div(v, hn::Add(one, GgmlExp(d, hn::Neg(v)))), d, x + i);
    }
    for (; i < vec_end; ++i) {  // a band narrower than the vector: the same function one lane at a time
        const hn::CappedTag<float, 1> d1;
        const auto v = hn::Set(d1, x[i]);
        x[i] = hn::GetLane(hn::Div(v, hn::Add(hn::Set(d1, 1.0f), GgmlExp(d1, hn::Neg(v)))));
    }
    for (; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i]));
}

}  // namespace zigllm::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace zigllm::kernels {
HWY_EXPORT(SiluT);
void silu(float* x, int64_t n, int64_t col0, int64_t row_len) { HWY_DYNAMIC_DISPATCH(SiluT)(x, n, col0, row_len); }
}  // namespace zigllm::kernels
#endif
