// The Highway-dispatched row-band matmul for the float, legacy and K-quant weight types
// (kernels.hpp); ops.cpp splits rows over threads and calls this once per band.
#pragma once

#include <cstddef>
#include <cstdint>

#include "zigllm/io/ggml_type.hpp"
#include "zigllm/ops/layout.hpp"

namespace zigllm::ops::band {

// Whether t is one of the types registered in kernels.hpp.
bool has_kernel(GgmlType t);
// Y[i * ldy + r] = W[r] . X[i] for r in [r0, r1), i < nx. W row r at W + r * w_stride; X rows of the
// paired activation type (F32 / F16 / BF16 rows for those weights) at X + i * x_stride; n values per row.
void matmul(GgmlType t, const void* W, size_t w_stride, int64_t r0, int64_t r1, const void* X, size_t x_stride,
            int64_t nx, int64_t n, float* Y, int64_t ldy);
// The same for W in layout l (ops/layout.hpp); r0, r1 multiples of 16 for the grouped layouts.
void matmul(GgmlType t, Layout l, const void* W, size_t w_stride, int64_t r0, int64_t r1, const void* X,
            size_t x_stride, int64_t nx, int64_t n, float* Y, int64_t ldy);
// Whether the hand-written x86 kernels (AVX2 or better) serve this machine's dispatch target.
bool has_x86_kernels();
// One row dot (act_row as for matmul).
float dot_row(GgmlType t, const void* w_row, const void* act_row, int64_t n);
const char* target_name();

}  // namespace zigllm::ops::band
