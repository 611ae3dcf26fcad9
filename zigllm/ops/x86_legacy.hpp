// Hand-written x86 kernels (AVX2, AVX-512 VNNI) for the hottest legacy types, used by the band
// matmul when the dispatched Highway target is AVX2 or better (so forcing SSE4 in tests still runs
// the portable kernels). Empty on other architectures.
#pragma once

#include <cstddef>
#include <cstdint>

#include "zigllm/io/ggml_type.hpp"

namespace zigllm::ops::x86 {

// Computes the band and returns true when t has an x86 kernel (Q4_0, Q8_0, Q4_K, Q6_K); vnni picks
// vpdpbusd / vpdpwssd.
bool matmul_band(GgmlType t, bool vnni, const void* W, size_t w_stride, int64_t r0, int64_t r1, const void* X,
                 size_t x_stride, int64_t nx, int64_t n, float* Y, int64_t ldy);
// Rows [r0, r1) (multiples of 16) of a Q4_0 matrix in the q4_0_x16 layout (ops/layout.hpp) against nx
// Q8_0 activation rows: one vector op dots 16 rows (generation and small batches).
void q4_0_x16_band(bool vnni, const void* W, int64_t r0, int64_t r1, const void* X, size_t x_stride, int64_t nx,
                   int64_t n, float* Y, int64_t ldy);

}  // namespace zigllm::ops::x86
