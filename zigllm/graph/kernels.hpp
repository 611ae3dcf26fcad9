// The engine's own row operations between the matmuls: norms, rotary positions, attention over the
// KV cache, activations. Matmuls (and activation quantization) are zigllm/ops'.
//
// Each follows ggml's CPU evaluation order where that matters for parity (double accumulation in the
// norms and the softmax sum, the fp16 GELU table).
#pragma once

#include <cstdint>
#include <cstring>

#include "zigllm/graph/hparams.hpp"

namespace zigllm::kernels {

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);   // round to nearest even, as ggml's GGML_FP32_TO_FP16

// y = x / sqrt(mean(x^2) + eps) * w, for n rows of dim values (y may alias x).
void rms_norm(const float* x, const float* w, float* y, int64_t n, int64_t dim, float eps);
// y = (x - mean) / sqrt(var + eps) * w + b (b may be null).
void layer_norm(const float* x, const float* w, const float* b, float* y, int64_t n, int64_t dim, float eps);

// Rotates n_heads heads of head_dim values at `pos` in place: the first n_rot dims of each head,
// adjacent pairs (normal) or halves (neox), with the scaling in p.
void rope(float* v, int64_t n_heads, int64_t head_dim, int64_t pos, bool neox, const RopeParams& p);

// ggml's GELU (tanh form) through its fp16 table: input rounded to fp16, result an fp16 value;
// exact 0 / x outside (-10, 10).
void gelu(float* x, int64_t n);
// x / (1 + exp(-x)) for x = columns [col0, col0 + n) of a row of row_len values, with ggml's exp
// (zigllm/graph/ggml_exp-inl.h) where llama.cpp uses it: all but the row's last row_len % 16 columns.
void silu(float* x, int64_t n, int64_t col0, int64_t row_len);

}  // namespace zigllm::kernels
