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

#include "zigllm/io/ggml_type.hpp"

namespace zigllm::ops::x86 {

// True when the CPU has AMX-TILE and AMX-INT8 and Linux grants this process the tile state
// (arch_prctl ARCH_REQ_XCOMP_PERM), asked once; ZIGLLM_NO_AMX=1 in the environment turns it off.
bool amx_usable();

// Y[i * ldy + r] for weight rows [r0, r1) and activation rows [0, nx) of n columns, (r1 - r0) and nx
// multiples of 16, when t has a tile kernel (Q8_0, Q4_0 with Q8_0 activations; Q4_K, Q6_K with Q8_K):
// then returns true. Q4_0 unpacks 64-row chunks to bytes, the K-quants 32-row chunks to bytes and
// int32 sub-block scales, once per call. Call only when amx_usable().
bool amx_band(GgmlType t, const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X,
              size_t x_stride, int64_t nx, int64_t n, float* Y, int64_t ldy);

}  // namespace zigllm::ops::x86
