// exp(x) exactly as ggml's CPU backend computes it in its softmax and SiLU (ggml_v_expf, the
// AVX-512 form in ggml-cpu/vec.h, itself from ARM's optimized-routines): a degree-5 polynomial on
// x - n ln2 (ln2 split in two) scaled by 2^n. llama.cpp's attention weights and SwiGLU outputs carry
// its roundings, and the next activation quantization turns a last-bit difference into a whole int8
// step now and then, so parity with the references needs this function, not libm's expf.
//
// Bit-identical to ggml wherever MulAdd is a fused multiply-add (AVX2, AVX-512, NEON); targets
// without FMA round each product. Included inside HWY_NAMESPACE by per-target code.
#if defined(ZIGLLM_GRAPH_GGML_EXP_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ZIGLLM_GRAPH_GGML_EXP_INL_H_
#undef ZIGLLM_GRAPH_GGML_EXP_INL_H_
#else
#define ZIGLLM_GRAPH_GGML_EXP_INL_H_
#endif

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace zigllm::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D, class V = hn::Vec<D>>
HWY_INLINE V GgmlExp(D d, V x) {
    const hn::RebindToSigned<D> di;
    const auto r = hn::Set(d, 0x1.8p23f);
    const auto z = hn::MulAdd(x, hn::Set(d, 0x1.715476p+0f), r);
    const auto n = hn::Sub(z, r);  // round(x / ln2), as a float
    const auto b = hn::NegMulAdd(n, hn::Set(d, 0x1.7f7d1cp-20f), hn::NegMulAdd(n, hn::Set(d, 0x1.62e4p-1f), x));
    const auto u = hn::Mul(b, b);
    const auto j = hn::MulAdd(
        hn::MulAdd(hn::MulAdd(hn::Set(d, 0x1.0e4020p-7f), b, hn::Set(d, 0x1.573e2ep-5f)), u,
                   hn::MulAdd(hn::Set(d, 0x1.555e66p-3f), b, hn::Set(d, 0x1.fffdb6p-2f))),
        u, hn::MulAdd(hn::Set(d, 0x1.ffffecp-1f), b, hn::Set(d, 1.0f)));
    // scalef(j, n) = j * 2^n with one rounding: 2^n is built from its exponent bits where it is a
    // normal float; below 2^-126 the product is formed at 2^(n+66) (exact) and scaled down once.
    const auto big = hn::Gt(hn::Abs(n), hn::Set(d, 192.0f));
    const auto ni = hn::ConvertTo(di, hn::IfThenZeroElse(big, n));
    const auto low = hn::Lt(ni, hn::Set(di, -126));
    const auto e = hn::IfThenElse(low, hn::Add(ni, hn::Set(di, 66)), ni);
    const auto pow2 = hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(hn::Min(e, hn::Set(di, 128)), hn::Set(di, 127))));
    auto res = hn::Mul(j, pow2);  // e == 128 gives inf, as scalef's overflow
    res = hn::IfThenElse(hn::RebindMask(d, low), hn::Mul(res, hn::Set(d, 0x1.0p-66f)), res);
    // |n| > 192: 0 below, inf above (also -inf -> 0).
    const auto alt = hn::IfThenZeroElse(hn::Le(n, hn::Zero(d)), hn::Set(d, HUGE_VALF));
    return hn::IfThenElse(big, alt, res);
}

}  // namespace zigllm::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ZIGLLM_GRAPH_GGML_EXP_INL_H_
