// Dispatched (Highway) dot products of i-quant / ternary weight rows with their paired activation rows
// (Q8_0 for IQ4_NL, Q8_K for the others), within a few 1e-7 of ggml's vec_dot.
#pragma once

#include <cstddef>
#include <cstdint>

#include "zigllm/io/ggml_type.hpp"

namespace zigllm::ops::iq {

// out[r] = W[r] . act for r < rows, W[r] at W + r * stride bytes; n values per row. One dispatch per call.
void dot_rows(GgmlType t, const void* W, size_t stride, int64_t rows, const void* act, int64_t n, float* out);
float dot_row(GgmlType t, const void* w_row, const void* act_row, int64_t n);
// The Highway target the dispatch picks now (tests force lower ones).
const char* dot_target();

}  // namespace zigllm::ops::iq
