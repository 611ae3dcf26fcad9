// Portable reference kernels for the i-quant and ternary types: ggml's to_float (bit-identical) and
// its vec_dot with the paired activation (Q8_0 for IQ4_NL, Q8_K for the rest), reproducing ggml's
// integer block arithmetic. The Highway kernels (iq_dot-inl.h) are tested against these and against
// ggml's own numbers; these are also the fallback of last resort.
#pragma once

#include <cstdint>

#include "zigllm/io/ggml_type.hpp"

namespace zigllm::ops::iq {

// IQ1_S IQ1_M IQ2_XXS IQ2_XS IQ2_S IQ3_XXS IQ3_S IQ4_NL IQ4_XS TQ1_0 TQ2_0.
bool is_iq_type(GgmlType t);

// n values (a multiple of the type's block size) from blocks to floats.
void dequantize_row_scalar(GgmlType t, const void* blocks, float* dst, int64_t n);
// One weight row times one row of the paired activation type.
float dot_row_scalar(GgmlType t, const void* w_row, const void* act_row, int64_t n);

}  // namespace zigllm::ops::iq
