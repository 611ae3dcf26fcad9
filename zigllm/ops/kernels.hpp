// The kernel-object convention of zigllm/ops and the one place weight types are registered.
//
// Per weight type, inside `namespace zigllm::ops::HWY_NAMESPACE` in an `-inl.h` (compiled once per
// Highway target by a foreach_target.h TU), a struct
//
//     struct Q4_0Kernel {
//         static constexpr GgmlType weight = GgmlType::Q4_0, act = GgmlType::Q8_0;
//         using Family = LegacyFamily;                 // how a decoded row is laid out and dotted
//         // Unpack one weight row of n values into the family's decoded form (int16 values with
//         // the integer sub-block scales already multiplied in, float block scales, mins).
//         static void decode(const void* w_row, int64_t n, DecodedRow& out);
//     };
//
// and the family supplies `float dot(const DecodedRow&, const void* act_row, int64_t n)`; the
// generic row-band matmul (matmul-inl.h) decodes each weight row ONCE per call and dots it with
// every activation row, so decode cost is shared over all activation rows (prompt processing)
// and a matvec is decode + dot in L1. dequantize / quantize are the scalar reference code
// (quant_ref.hpp): bit-exactness there matters more than speed.
//
// Hand-written x86 int8 kernels (x86_legacy.cpp: Q4_0, Q8_0, Q4_K, Q6_K; AVX2 maddubs or AVX-512
// VNNI) take over a band in band::matmul when the dispatch target is AVX2 or better; every other
// case (and every target a test forces below AVX2) runs the kernels registered here.
//
// Registration: ZIGLLM_OPS_WEIGHT_TYPES below lists (GgmlType, Kernel) pairs; matmul.cpp expands
// it into the dispatched switch. Adding a type = a Kernel struct + one line here.
//
// i-quants and ternary types (IQ1_S ... IQ4_XS, TQ1_0, TQ2_0) are the ops-IQ work: they plug in
// through the single hook header zigllm/ops/iq_ops.hpp (iq::matmul over a row band, iq::dequantize_row,
// iq::quantize_row), called from ops.cpp wherever iq::is_iq_type(t) -- nothing here changes for them.
#pragma once

#define ZIGLLM_OPS_WEIGHT_TYPES(X)                                           \
    X(F32, F32Kernel) X(F16, F16Kernel) X(BF16, BF16Kernel)                  \
    X(Q4_0, Q4_0Kernel) X(Q4_1, Q4_1Kernel) X(Q5_0, Q5_0Kernel)              \
    X(Q5_1, Q5_1Kernel) X(Q8_0, Q8_0Kernel)                                  \
    X(Q2_K, Q2_KKernel) X(Q3_K, Q3_KKernel) X(Q4_K, Q4_KKernel)              \
    X(Q5_K, Q5_KKernel) X(Q6_K, Q6_KKernel)
