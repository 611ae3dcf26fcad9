// The one header the ops dispatch needs for the i-quant and ternary weight types
// (IQ1_S IQ1_M IQ2_XXS IQ2_XS IQ2_S IQ3_XXS IQ3_S IQ4_NL IQ4_XS TQ1_0 TQ2_0):
//
//     if (iq::is_iq_type(t)) { iq::dequantize_row(...) | iq::quantize_row(...) | iq::matmul(...) }
//
// A threaded matmul over ops::QuantizedActs X gives each thread a band of output rows [r0, r1):
//     iq::matmul(t, W + r0 * row_bytes(t, cols), row_bytes(t, cols), r1 - r0,
//                X.row(0), X.row_stride, X.n_rows, cols, Y + r0, ldy);
// (Y[i * ldy + r]; one Highway dispatch per call), then applies the output step to its band.
//
// Paired activation types: Q8_0 for IQ4_NL, Q8_K for the others (ggml's vec_dot_type).
#pragma once

#include <cstdint>

#include "zigllm/io/ggml_type.hpp"
#include "zigllm/ops/iq_dot.hpp"       // dot_rows / dot_row: Highway-dispatched
#include "zigllm/ops/iq_quantize.hpp"  // quantize_row_iq4_nl / quantize_row_iq4_xs
#include "zigllm/ops/iq_scalar.hpp"    // is_iq_type, dequantize_row_scalar (bit-exact to_float)

namespace zigllm::ops::iq {

// The activation type a weight type's dot consumes (precondition: is_iq_type(t)).
inline GgmlType activation_type(GgmlType t) { return t == GgmlType::IQ4_NL ? GgmlType::Q8_0 : GgmlType::Q8_K; }

inline void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n) { dequantize_row_scalar(t, src, dst, n); }

// Whether floats -> blocks is implemented for t (IQ4_NL, IQ4_XS, TQ1_0, TQ2_0; ggml's own quantizers,
// no importance matrix). The IQ1/IQ2/IQ3 quantizers are not implemented.
inline bool can_quantize(GgmlType t) {
    return t == GgmlType::IQ4_NL || t == GgmlType::IQ4_XS || t == GgmlType::TQ1_0 || t == GgmlType::TQ2_0;
}

// Precondition: can_quantize(t); n a multiple of t's block size.
inline void quantize_row(GgmlType t, const float* src, void* dst, int64_t n) {
    switch (t) {
        case GgmlType::IQ4_NL: return quantize_row_iq4_nl(src, dst, n);
        case GgmlType::IQ4_XS: return quantize_row_iq4_xs(src, dst, n);
        case GgmlType::TQ1_0: return quantize_row_tq1_0(src, dst, n);
        case GgmlType::TQ2_0: return quantize_row_tq2_0(src, dst, n);
        default: return;
    }
}

}  // namespace zigllm::ops::iq
