// Reference row quantizers for the K-quant types (floats -> BlockQ2_K ... BlockQ6_K), ported from
// ggml's quantize_row_q{2,3,4,5,6}_K_ref (ggml-quants.c, July 2025): the path ggml_quantize_chunk
// takes when no importance matrix is given. The output bytes are identical to ggml's as long as the
// build does not contract or reassociate float arithmetic (the project builds with -ffp-contract=off
// and without -ffast-math).
#pragma once

#include <cstdint>

namespace zigllm::ops {

// x: n floats; y: n / 256 blocks of the type (BlockQ2_K ... BlockQ6_K). Precondition: n % 256 == 0.
// Never fail: zero, constant, tiny or huge rows give finite or zero scales (ggml's behaviour; a
// scale beyond the fp16 range is stored as fp16 infinity, as ggml does).
void quantize_row_q2_K(const float* x, void* y, int64_t n);
void quantize_row_q3_K(const float* x, void* y, int64_t n);
void quantize_row_q4_K(const float* x, void* y, int64_t n);
void quantize_row_q5_K(const float* x, void* y, int64_t n);
void quantize_row_q6_K(const float* x, void* y, int64_t n);

}  // namespace zigllm::ops
