// Dispatched (Highway) kernels for i-quant / ternary weight rows times rows of their paired activation
// type (Q8_0 for IQ4_NL, Q8_K for the others), within a few 1e-7 of ggml's vec_dot.
#pragma once

#include <cstddef>
#include <cstdint>

#include "zigllm/io/ggml_type.hpp"

namespace zigllm::ops::iq {

// Y[j * ldy + r] = W[r] . X[j] for r < rows, j < n_x; W[r] at W + r * w_stride bytes, X[j] at
// X + j * x_stride bytes, n values per row. Each weight row is unpacked once per 4 activation rows.
// One dispatch per call; single-threaded (callers split rows over threads).
void matmul(GgmlType t, const void* W, size_t w_stride, int64_t rows, const void* X, size_t x_stride, int64_t n_x,
            int64_t n, float* Y, size_t ldy);
// out[r] = W[r] . act for r < rows (matvec: token generation).
void dot_rows(GgmlType t, const void* W, size_t w_stride, int64_t rows, const void* act, int64_t n, float* out);
float dot_row(GgmlType t, const void* w_row, const void* act_row, int64_t n);
// The Highway target the dispatch picks now (tests force lower ones).
const char* dot_target();

}  // namespace zigllm::ops::iq
