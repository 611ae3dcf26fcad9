// Compiles x86_legacy-inl.h for AVX2 and for AVX-512 VNNI (target pragmas, not Highway: Highway
// 1.0.3 has no int8 dot op and raw VNNI intrinsics do not compile inside its target regions).
#include "zigllm/ops/x86_legacy.hpp"
#include "zigllm/ops/x86_amx.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "zigllm/ops/blocks.hpp"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif
#define ZIGLLM_X86_NS avx2
#define ZIGLLM_X86_VNNI 0
#include "zigllm/ops/x86_legacy-inl.h"
#include "zigllm/ops/x86_kquant-inl.h"
#undef ZIGLLM_X86_NS
#undef ZIGLLM_X86_VNNI
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")
#endif
#define ZIGLLM_X86_NS vnni
#define ZIGLLM_X86_VNNI 1
#include "zigllm/ops/x86_legacy-inl.h"
#include "zigllm/ops/x86_kquant-inl.h"
#undef ZIGLLM_X86_NS
#undef ZIGLLM_X86_VNNI
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace zigllm::ops::x86 {
namespace {

// The Q8_0 activation rows of one call with their block scales and -8 * sums (thread-local
// storage), prepared once, as the chosen instruction set's Acts, for run.
template <class Run>
void with_acts(bool vnni, const uint8_t* x, size_t x_stride, int64_t nx, int64_t nb, Run&& run) {
    thread_local std::vector<float> ad;
    thread_local std::vector<int32_t> neg8sum;
    ad.resize(static_cast<size_t>(nx * nb));
    neg8sum.resize(static_cast<size_t>(nx * nb));
    if (vnni) {
        vnni::prepare_acts(x, x_stride, nx, nb, ad.data(), neg8sum.data());
        run(vnni::Acts{x, x_stride, nb, ad.data(), neg8sum.data()});
    } else {
        avx2::prepare_acts(x, x_stride, nx, nb, ad.data(), neg8sum.data());
        run(avx2::Acts{x, x_stride, nb, ad.data(), neg8sum.data()});
    }
}

}  // namespace

bool matmul_band(GgmlType t, bool vnni, const void* W, size_t w_stride, int64_t r0, int64_t r1, const void* X,
                 size_t x_stride, int64_t nx, int64_t n, float* Y, int64_t ldy) {
    const auto* w = static_cast<const uint8_t*>(W);
    const auto* x = static_cast<const uint8_t*>(X);
    // AMX takes whole 16 x 16 tiles; the row and activation tails come back here for the VNNI kernels.
    const int64_t ra = r0 + (r1 - r0) / 16 * 16, na = nx / 16 * 16;
    if (vnni && na > 0 && ra > r0 && amx_usable() && amx_band(t, w, w_stride, r0, ra, x, x_stride, na, n, Y, ldy)) {
        if (na < nx) matmul_band(t, vnni, W, w_stride, r0, ra, x + na * x_stride, x_stride, nx - na, n, Y + na * ldy, ldy);
        if (ra < r1) matmul_band(t, vnni, W, w_stride, ra, r1, X, x_stride, nx, n, Y, ldy);
        return true;
    }
    if (t == GgmlType::Q4_K || t == GgmlType::Q5_K || t == GgmlType::Q6_K) {
#define ZIGLLM_KQ_BAND(NS, KT) NS::kquant_band<NS::KType::KT>(w, w_stride, r0, r1, x, x_stride, nx, n / 256, Y, ldy)
        if (vnni) {
            if (t == GgmlType::Q6_K) ZIGLLM_KQ_BAND(vnni, q6);
            else if (t == GgmlType::Q5_K) ZIGLLM_KQ_BAND(vnni, q5);
            else ZIGLLM_KQ_BAND(vnni, q4);
        } else {
            if (t == GgmlType::Q6_K) ZIGLLM_KQ_BAND(avx2, q6);
            else if (t == GgmlType::Q5_K) ZIGLLM_KQ_BAND(avx2, q5);
            else ZIGLLM_KQ_BAND(avx2, q4);
        }
#undef ZIGLLM_KQ_BAND
        return true;
    }
    if (t != GgmlType::Q4_0 && t != GgmlType::Q8_0) return false;
    with_acts(vnni, x, x_stride, nx, n / 32, [&](const auto& acts) {  // the ISA's kernels, by ADL
        if (t == GgmlType::Q4_0) q4_band(w, w_stride, r0, r1, acts, nx, Y, ldy);
        else q8_band(w, w_stride, r0, r1, acts, nx, Y, ldy);
    });
    return true;
}

void q4_0_x16_band(bool vnni, const void* W, int64_t r0, int64_t r1, const void* X, size_t x_stride, int64_t nx,
                   int64_t n, float* Y, int64_t ldy) {
    const auto* w = static_cast<const uint8_t*>(W);
    with_acts(vnni, static_cast<const uint8_t*>(X), x_stride, nx, n / 32,
              [&](const auto& acts) { q4x16_band(w, r0, r1, acts, nx, Y, ldy); });
}

}  // namespace zigllm::ops::x86

#else

namespace zigllm::ops::x86 {
bool matmul_band(GgmlType, bool, const void*, size_t, int64_t, int64_t, const void*, size_t, int64_t, int64_t, float*,
                 int64_t) {
    return false;
}
void q4_0_x16_band(bool, const void*, int64_t, int64_t, const void*, size_t, int64_t, int64_t, float*, int64_t) {}
}  // namespace zigllm::ops::x86

#endif
