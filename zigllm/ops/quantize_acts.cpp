// Activation quantization for the matmuls (the from_float of each weight type's vec_dot_type),
// compiled per Highway target. The same bytes as the scalar quantizers of quantize_ref.cpp: every
// product, division and rounding is the same IEEE operation, only several lanes at a time (a prompt
// quantizes 512 rows per matmul; scalar, this was ~5% of prompt processing).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "zigllm/ops/quantize_acts.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <algorithm>
#include <cmath>
#include <cstring>

#include "hwy/highway.h"
#include "zigllm/ops/blocks.hpp"
#include "zigllm/ops/quant_ref.hpp"
#include "zigllm/ops/quantize_acts.hpp"

HWY_BEFORE_NAMESPACE();
namespace zigllm::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// At most 16 lanes: one Q8_K bsum is 16 values.
using D16 = hn::CappedTag<float, 16>;

// Highway's emulated targets round through their own code (not IEEE round-to-nearest-even in every
// case): they keep the scalar quantizers. F16 needs hardware conversion too: Highway 1.0.3 emulates
// it on SSE4 by truncation, where ggml (F16C) rounds to nearest even.
constexpr bool kVectorInts = HWY_TARGET != HWY_EMU128 && HWY_TARGET != HWY_SCALAR;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2 && !defined(HWY_DISABLE_F16C)
constexpr bool kVectorF16 = true;
#else
constexpr bool kVectorF16 = false;
#endif

// The largest |x[i]| of n values, or NaN when one of them is NaN (whatever Max makes of a NaN lane).
inline float AbsMaxOrNaN(D16 d, const float* x, int64_t n) {
    const int64_t N = static_cast<int64_t>(hn::Lanes(d));
    auto m = hn::Zero(d), nan = hn::Zero(d);
    for (int64_t i = 0; i < n; i += N) {
        const auto v = hn::LoadU(d, x + i);
        m = hn::Max(m, hn::Abs(v));
        nan = hn::IfThenElse(hn::IsNaN(v), hn::Set(d, 1.0f), nan);  // (Highway's x86 Ne(v, v) is ordered: false for NaN)
    }
    return hn::AllTrue(d, hn::Eq(nan, hn::Zero(d))) ? hn::GetLane(hn::MaxOfLanes(d, m)) : NAN;
}

// q[i] = RNE(x[i] * s) as int8 (|x * s| <= 127 by construction), for one vector of lanes.
inline void ScaleRound(D16 d, const float* x, float s, int8_t* q) {
    const hn::Rebind<int8_t, D16> d8;
    hn::StoreU(hn::DemoteTo(d8, hn::NearestInt(hn::Mul(hn::LoadU(d, x), hn::Set(d, s)))), d8, q);
}

// ggml_mul_mat's Q8_0 quantizer (the CPU backend's x86 SIMD from_float, see q8_act in quantize_ref.cpp).
void Q8_0Row(const float* x, BlockQ8_0* y, int64_t nb) {
    const D16 d;
    const int64_t N = static_cast<int64_t>(hn::Lanes(d));
    for (int64_t b = 0; b < nb; ++b, x += 32) {
        const float amax = AbsMaxOrNaN(d, x, 32);
        if (std::isnan(amax)) {
            ref::quantize_act_row(GgmlType::Q8_0, x, &y[b], 32);
            continue;
        }
        const float dd = amax / 127.f, id = amax != 0.0f ? 127.f / amax : 0.0f;
        y[b].d = f32_to_fp16(dd);
        for (int64_t i = 0; i < 32; i += N) ScaleRound(d, x + i, id, y[b].qs + i);
    }
}

// ggml's quantize_row_q8_K_ref: scale from the element of largest magnitude (the first on ties),
// values clamped at 127, and the 16 sums of 16.
void Q8_KRow(const float* x, BlockQ8K* y, int64_t nb) {
    const D16 d;
    const int64_t N = static_cast<int64_t>(hn::Lanes(d));
    for (int64_t b = 0; b < nb; ++b, x += 256) {
        const float amax = AbsMaxOrNaN(d, x, 256);
        int64_t at = -1;  // the first element of magnitude amax
        for (int64_t i = 0; i < 256 && at < 0 && amax == amax; i += N) {
            const intptr_t k = hn::FindFirstTrue(d, hn::Eq(hn::Abs(hn::LoadU(d, x + i)), hn::Set(d, amax)));
            if (k >= 0) at = i + k;
        }
        if (at < 0) {  // NaN in the block
            ref::quantize_row(GgmlType::Q8_K, x, &y[b], 256);
            continue;
        }
        if (amax == 0.0f) {
            std::memset(&y[b], 0, sizeof y[b]);
            continue;
        }
        const float iscale = -127.f / x[at];
        const hn::RebindToSigned<D16> di;
        for (int64_t j = 0; j < 16; ++j) {
            auto sum = hn::Zero(di);
            for (int64_t i = 16 * j; i < 16 * j + 16; i += N) {
                const hn::Rebind<int8_t, D16> d8;
                const auto q = hn::Min(hn::NearestInt(hn::Mul(hn::Set(d, iscale), hn::LoadU(d, x + i))), hn::Set(di, 127));
                hn::StoreU(hn::DemoteTo(d8, q), d8, y[b].qs + i);
                sum = hn::Add(sum, q);
            }
            y[b].bsums[j] = static_cast<int16_t>(hn::GetLane(hn::SumOfLanes(di, sum)));
        }
        y[b].d = 1 / iscale;
    }
}

void F16Row(const float* x, uint16_t* y, int64_t n) {
    const D16 d;
    const hn::Rebind<hwy::float16_t, D16> dh;
    const int64_t N = static_cast<int64_t>(hn::Lanes(d));
    int64_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(hn::DemoteTo(dh, hn::LoadU(d, x + i)), dh, reinterpret_cast<hwy::float16_t*>(y + i));
    for (; i < n; ++i) y[i] = f32_to_fp16(x[i]);
}

void QuantizeActRowsT(GgmlType t, const float* X, int64_t rows, int64_t cols, uint8_t* out, size_t stride) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* x = X + r * cols;
        void* y = out + static_cast<size_t>(r) * stride;
        if (kVectorInts && t == GgmlType::Q8_0) Q8_0Row(x, static_cast<BlockQ8_0*>(y), cols / 32);
        else if (kVectorInts && t == GgmlType::Q8_K) Q8_KRow(x, static_cast<BlockQ8K*>(y), cols / 256);
        else if (kVectorF16 && t == GgmlType::F16) F16Row(x, static_cast<uint16_t*>(y), cols);
        else ref::quantize_act_row(t, x, y, cols);
    }
}

}  // namespace zigllm::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace zigllm::ops {
HWY_EXPORT(QuantizeActRowsT);
void quantize_act_rows(GgmlType t, const float* X, int64_t rows, int64_t cols, uint8_t* out, size_t stride) {
    HWY_DYNAMIC_DISPATCH(QuantizeActRowsT)(t, X, rows, cols, out, stride);
}
}  // namespace zigllm::ops
#endif
