// Quantizers (floats -> blocks) for IQ4_NL and IQ4_XS: ggml's quantize_iq4_nl / quantize_iq4_xs with no
// importance matrix (what ggml_quantize_chunk and llama.cpp's quantizer run), byte-identical to them.
#pragma once

#include <cstdint>

namespace zigllm::ops::iq {

// n is a multiple of 32 (IQ4_NL) or 256 (IQ4_XS); dst holds row_bytes(type, n).
void quantize_row_iq4_nl(const float* src, void* dst, int64_t n);
void quantize_row_iq4_xs(const float* src, void* dst, int64_t n);

}  // namespace zigllm::ops::iq
