// Quantizers (floats -> blocks), byte-identical to what ggml_quantize_chunk (and so llama.cpp's quantizer)
// writes: IQ4_NL / IQ4_XS with no importance matrix (quantize_iq4_nl / quantize_iq4_xs), TQ1_0 / TQ2_0.
#pragma once

#include <cstdint>

namespace zigllm::ops::iq {

// n is a multiple of 32 (IQ4_NL) or 256 (IQ4_XS); dst holds row_bytes(type, n).
void quantize_row_iq4_nl(const float* src, void* dst, int64_t n);
void quantize_row_iq4_xs(const float* src, void* dst, int64_t n);
// n a multiple of 256.
void quantize_row_tq1_0(const float* src, void* dst, int64_t n);
void quantize_row_tq2_0(const float* src, void* dst, int64_t n);

}  // namespace zigllm::ops::iq
