// Scalar reference conversions for the float, legacy and K-quant types: ggml's to_float (bit-exact)
// and ggml's reference row quantizers (quantize_row_*_ref, byte-identical; K-quants use ggml's
// default-weight paths, i.e. ggml_quantize_chunk without an importance matrix).
#pragma once

#include <cstdint>

#include "zigllm/io/ggml_type.hpp"

namespace zigllm::ops::ref {

// Whether dequantize_row / quantize_row below handle t.
bool can_dequantize(GgmlType t);
bool can_quantize(GgmlType t);

// Precondition: can_dequantize(t), n a multiple of t's block size.
void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n);
// Precondition: can_quantize(t), n a multiple of t's block size; dst holds row_bytes(t, n).
void quantize_row(GgmlType t, const float* src, void* dst, int64_t n);

// Activations as ggml_mul_mat quantizes them (Q8_0 / Q8_1: the x86 SIMD from_float; other types:
// quantize_row). Precondition as quantize_row.
void quantize_act_row(GgmlType t, const float* src, void* dst, int64_t n);

}  // namespace zigllm::ops::ref
