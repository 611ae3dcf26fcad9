// Activation rows quantized into a matmul's activation type (Q8_0, Q8_1, Q8_K, F16, BF16, F32),
// dispatched once per call to the best Highway target: bytes identical to ref::quantize_act_row.
#pragma once

#include <cstddef>
#include <cstdint>

#include "zigllm/io/ggml_type.hpp"

namespace zigllm::ops {

// Row r of X (rows x cols floats) into out + r * stride.
void quantize_act_rows(GgmlType t, const float* X, int64_t rows, int64_t cols, uint8_t* out, size_t stride);

}  // namespace zigllm::ops
