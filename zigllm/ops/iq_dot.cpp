// Highway dynamic dispatch of the i-quant / ternary matrix kernels (iq_dot-inl.h).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "zigllm/ops/iq_dot.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"
#include "zigllm/ops/iq_dot-inl.h"

#if HWY_ONCE
#include "zigllm/ops/iq_dot.hpp"

namespace zigllm::ops::iq {

HWY_EXPORT(IqMatmul);
HWY_EXPORT(IqTargetName);

void matmul(GgmlType t, const void* W, size_t w_stride, int64_t rows, const void* X, size_t x_stride, int64_t n_x,
            int64_t n, float* Y, size_t ldy) {
    HWY_DYNAMIC_DISPATCH(IqMatmul)(t, static_cast<const uint8_t*>(W), w_stride, rows, static_cast<const uint8_t*>(X),
                                   x_stride, n_x, n, Y, ldy);
}

void dot_rows(GgmlType t, const void* W, size_t w_stride, int64_t rows, const void* act, int64_t n, float* out) {
    matmul(t, W, w_stride, rows, act, 0, 1, n, out, 0);
}

float dot_row(GgmlType t, const void* w_row, const void* act_row, int64_t n) {
    float out = 0.f;
    dot_rows(t, w_row, 0, 1, act_row, n, &out);
    return out;
}

const char* dot_target() { return HWY_DYNAMIC_DISPATCH(IqTargetName)(); }

}  // namespace zigllm::ops::iq
#endif  // HWY_ONCE
