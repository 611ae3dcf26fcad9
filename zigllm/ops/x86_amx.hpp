// Intel AMX int8 tiles for prompt processing: Q8_0 and Q4_0 weights x Q8_0 activations, 16 weight rows x
// 16 activation rows per tile product. llama.cpp's CPU backend uses AMX on machines that have it, so
// this is what matching its prompt speed there takes. Empty (never usable) off x86-64 Linux.
//
// Summation order: each block's exact int32 dot product (the tile computes it), then per (row,
// activation) one float accumulator, acc = fma(float(isum), d_w * d_a, acc) over the blocks, the
// order of ggml's repacked and AMX kernels: for Q4_0 exactly what the Q4_0 VNNI/AVX2 kernels compute
// (ggml's repacked order); for Q8_0 not ggml_vec_dot's 8 partial lanes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zigllm::ops::x86 {

// True when the CPU has AMX-TILE and AMX-INT8 and Linux grants this process the tile state
// (arch_prctl ARCH_REQ_XCOMP_PERM), asked once; ZIGLLM_NO_AMX=1 in the environment turns it off.
bool amx_usable();

// Y[i * ldy + r] for weight rows [r0, r1) and activation rows [0, nx), (r1 - r0) and nx multiples
// of 16; nb blocks of 32 per row. Call only when amx_usable().
void amx_q8_0_band(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X, size_t x_stride,
                   int64_t nx, int64_t nb, float* Y, int64_t ldy);
// Q4_K (q6 false) or Q6_K weights x Q8_K activations, nsb super-blocks of 256 per row; chunks of 32
// rows unpacked to bytes and integer scales once per call.
void amx_kquant_band(bool q6, const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X,
                     size_t x_stride, int64_t nx, int64_t nsb, float* Y, int64_t ldy);
// The same for Q4_0 weights (each 64-row chunk unpacked to bytes once per call).
void amx_q4_0_band(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X, size_t x_stride,
                   int64_t nx, int64_t nb, float* Y, int64_t ldy);

}  // namespace zigllm::ops::x86
