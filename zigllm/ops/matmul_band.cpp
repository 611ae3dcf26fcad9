// Compiles kernels-inl.h and the band loop once per Highway target; dispatches once per band.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "zigllm/ops/matmul_band.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include <algorithm>
#include <type_traits>

#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "zigllm/ops/kernels-inl.h"
#include "zigllm/ops/kernels.hpp"

HWY_BEFORE_NAMESPACE();
namespace zigllm::ops::HWY_NAMESPACE {

// Rows decoded at a time: 16 rows of a 4096-wide K-quant row are 128 KiB of int16, L2-resident
// while every activation row passes over them.
constexpr int64_t kBandRows = 16;

// Activation values of a float-family matmul in their own type (F32, F16 or BF16: the widening is
// exact), so a prompt's activations take half the cache for F16/BF16 weights (they are re-read by
// every band of weight rows; widened to f32 up front they no longer fit L2 and set the pace).
template <GgmlType A, class D>
HWY_INLINE hn::Vec<D> LoadAct(D df, const uint8_t* row, int64_t c) {
    if constexpr (A == GgmlType::F16) {
        const hn::Rebind<hwy::float16_t, D> dh;
        return hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(row) + c));
    } else if constexpr (A == GgmlType::BF16) {  // Highway 1.0.3 has no bf16 PromoteTo on x86
        const hn::RebindToUnsigned<D> du;
        const hn::Rebind<uint16_t, D> d16;
        return hn::BitCast(df, hn::ShiftLeft<16>(hn::PromoteTo(du, hn::LoadU(d16, reinterpret_cast<const uint16_t*>(row) + c))));
    } else {
        return hn::LoadU(df, reinterpret_cast<const float*>(row) + c);
    }
}
template <GgmlType A>
inline float ActAt(const uint8_t* row, int64_t c) {
    uint16_t bits = 0;
    if constexpr (A != GgmlType::F32) std::memcpy(&bits, row + 2 * c, 2);
    if constexpr (A == GgmlType::F16) return fp16_to_f32(bits);
    else if constexpr (A == GgmlType::BF16) return bf16_to_f32(bits);
    else return reinterpret_cast<const float*>(row)[c];
}

// kW decoded f32 weight rows times kA activation rows, kW * kA accumulators in registers:
// (kW + kA) loads per kW * kA FMAs instead of 2 per FMA. Each output is one vector accumulator
// over the row and one SumOfLanes, which is tinyBLAS's order (F16 logits equal llama.cpp's).
template <GgmlType A, int kW, int kA>
void FloatTile(const DecodedRow* rows, const uint8_t* X, size_t x_stride, int64_t i0, int64_t n, float* Y, int64_t ldy,
               int64_t r) {
    const hn::ScalableTag<float> df;
    const auto N = static_cast<int64_t>(hn::Lanes(df));
    const float* w[kW];
    const uint8_t* a[kA];
    for (int k = 0; k < kW; ++k) w[k] = rows[k].f;
    for (int j = 0; j < kA; ++j) a[j] = X + (i0 + j) * x_stride;
    hn::Vec<decltype(df)> acc[kW][kA];
    for (int k = 0; k < kW; ++k)
        for (int j = 0; j < kA; ++j) acc[k][j] = hn::Zero(df);
    int64_t c = 0;
    for (; c + N <= n; c += N) {
        hn::Vec<decltype(df)> av[kA];
        for (int j = 0; j < kA; ++j) av[j] = LoadAct<A>(df, a[j], c);
        for (int k = 0; k < kW; ++k) {
            const auto wv = hn::LoadU(df, w[k] + c);
            for (int j = 0; j < kA; ++j) acc[k][j] = hn::MulAdd(wv, av[j], acc[k][j]);
        }
    }
    for (int k = 0; k < kW; ++k)
        for (int j = 0; j < kA; ++j) {
            float sum = hn::GetLane(hn::SumOfLanes(df, acc[k][j]));
            for (int64_t t = c; t < n; ++t) sum += w[k][t] * ActAt<A>(a[j], t);
            Y[(i0 + j) * ldy + r + k] = sum;
        }
}

// FloatTile<F16, kW, 1> for F16 weights read straight from the mapping (token generation: no decoded
// copy to write and read back), with the same arithmetic, so results do not depend on the path.
// The next kW rows are prefetched one tile ahead (rows are short streams; see the x86 kernels).
template <int kW>
void F16Tile(const uint8_t* W, size_t w_stride, int64_t r, int64_t r1, const uint8_t* a, int64_t n, float* y) {
    const hn::ScalableTag<float> df;
    const hn::Rebind<hwy::float16_t, decltype(df)> dh;
    const auto N = static_cast<int64_t>(hn::Lanes(df));
    const hwy::float16_t* w[kW];
    const uint8_t* next[kW];
    for (int k = 0; k < kW; ++k) {
        w[k] = reinterpret_cast<const hwy::float16_t*>(W + (r + k) * w_stride);
        next[k] = W + std::min(r + kW + k, r1 - 1) * w_stride;
    }
    hn::Vec<decltype(df)> acc[kW];
    for (int k = 0; k < kW; ++k) acc[k] = hn::Zero(df);
    int64_t c = 0;
    for (; c + N <= n; c += N) {
        if ((c * 2) % 64 == 0)
            for (int k = 0; k < kW; ++k) hwy::Prefetch(next[k] + c * 2);
        const auto av = LoadAct<GgmlType::F16>(df, a, c);
        for (int k = 0; k < kW; ++k) acc[k] = hn::MulAdd(hn::PromoteTo(df, hn::LoadU(dh, w[k] + c)), av, acc[k]);
    }
    for (int k = 0; k < kW; ++k) {
        float sum = hn::GetLane(hn::SumOfLanes(df, acc[k]));
        const auto* bits = reinterpret_cast<const uint16_t*>(w[k]);
        for (int64_t t = c; t < n; ++t) sum += fp16_to_f32(bits[t]) * ActAt<GgmlType::F16>(a, t);
        y[r + k] = sum;
    }
}

// Activation rows per tile: 6 where there are 32 vector registers (24 accumulators, measured 2x
// the FMA rate of 3 on AVX-512), 3 where there are 16.
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX3_ZEN4 || HWY_ARCH_ARM_A64
constexpr int kTileActs = 6;
#else
constexpr int kTileActs = 3;
#endif

template <class K>
void BandFloat(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X, size_t x_stride,
               int64_t nx, int64_t n, float* Y, int64_t ldy) {
    constexpr GgmlType A = K::act;
    if constexpr (K::weight == GgmlType::F16) {
        if (nx < 3) {  // few activation rows: straight from the mapping
            for (int64_t i = 0; i < nx; ++i) {
                const uint8_t* a = X + i * x_stride;
                int64_t r = r0;
                for (; r + 4 <= r1; r += 4) F16Tile<4>(W, w_stride, r, r1, a, n, Y + i * ldy);
                for (; r < r1; ++r) F16Tile<1>(W, w_stride, r, r1, a, n, Y + i * ldy);
            }
            return;
        }
    }
    // Decoded f32 rows of about 512 KiB a band: every activation row passes over each band, and a
    // prompt's activations stream from L3 (they outgrow L2), so wider bands read them fewer times.
    constexpr int64_t kMaxBand = 64;
    const int64_t band = std::clamp<int64_t>((int64_t{512} << 10) / (4 * n) / 4 * 4, kBandRows, kMaxBand);
    thread_local DecodedBand scratch;
    scratch.reserve(band, n, K::kCopies);
    DecodedRow rows[kMaxBand];
    for (int64_t rb = r0; rb < r1; rb += band) {
        const int64_t re = std::min(rb + band, r1);
        for (int64_t r = rb; r < re; ++r) {
            rows[r - rb] = scratch.row(r - rb);
            K::decode(W + r * w_stride, n, rows[r - rb]);
        }
        int64_t i0 = 0;
        for (; i0 + kTileActs <= nx; i0 += kTileActs) {
            int64_t r = rb;
            for (; r + 4 <= re; r += 4) FloatTile<A, 4, kTileActs>(rows + (r - rb), X, x_stride, i0, n, Y, ldy, r);
            for (; r < re; ++r) FloatTile<A, 1, kTileActs>(rows + (r - rb), X, x_stride, i0, n, Y, ldy, r);
        }
        for (; i0 < nx; ++i0) {
            int64_t r = rb;
            for (; r + 4 <= re; r += 4) FloatTile<A, 4, 1>(rows + (r - rb), X, x_stride, i0, n, Y, ldy, r);
            for (; r < re; ++r) FloatTile<A, 1, 1>(rows + (r - rb), X, x_stride, i0, n, Y, ldy, r);
        }
    }
}

template <class K>
void Band(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X, size_t x_stride, int64_t nx,
          int64_t n, float* Y, int64_t ldy) {
    if constexpr (std::is_same_v<typename K::Family, FloatFamily>) {
        return BandFloat<K>(W, w_stride, r0, r1, X, x_stride, nx, n, Y, ldy);
    }
    thread_local DecodedBand scratch;
    scratch.reserve(kBandRows, n, false);
    DecodedRow rows[kBandRows];
    for (int64_t rb = r0; rb < r1; rb += kBandRows) {
        const int64_t re = std::min(rb + kBandRows, r1);
        for (int64_t r = rb; r < re; ++r) {
            rows[r - rb] = scratch.row(r - rb);
            K::decode(W + r * w_stride, n, rows[r - rb]);
        }
        for (int64_t i = 0; i < nx; ++i) {
            const uint8_t* act = X + i * x_stride;
            float* y = Y + i * ldy;
            for (int64_t r = rb; r < re; ++r) y[r] = K::Family::dot(rows[r - rb], act, n);
        }
    }
}

void MatmulBandT(GgmlType t, const void* W, size_t w_stride, int64_t r0, int64_t r1, const void* X, size_t x_stride,
                 int64_t nx, int64_t n, float* Y, int64_t ldy) {
    const auto* w = static_cast<const uint8_t*>(W);
    const auto* x = static_cast<const uint8_t*>(X);
    switch (t) {
#define ZIGLLM_OPS_CASE(T, K) \
    case GgmlType::T: return Band<K>(w, w_stride, r0, r1, x, x_stride, nx, n, Y, ldy);
        ZIGLLM_OPS_WEIGHT_TYPES(ZIGLLM_OPS_CASE)
#undef ZIGLLM_OPS_CASE
        default: return;
    }
}

const char* TargetNameT() { return hwy::TargetName(HWY_TARGET); }
int64_t CurrentTargetT() { return HWY_TARGET; }

}  // namespace zigllm::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "hwy/targets.h"
#include "zigllm/ops/matmul_band.hpp"
#include <vector>

#include "zigllm/ops/layout.hpp"
#include "zigllm/ops/x86_legacy.hpp"

namespace zigllm::ops {
HWY_EXPORT(MatmulBandT);
HWY_EXPORT(TargetNameT);
HWY_EXPORT(CurrentTargetT);

namespace band {
namespace {

// ZIGLLM_FORCE_TARGET=AVX2 (any hwy::TargetName) restricts the dispatch to that target for the whole
// process, so any test or tool can be run on a lower target; unknown or unavailable names are
// reported once and ignored. (Highway 1.0.3 has no such variable of its own.)
void apply_forced_target() {
    static const bool applied = [] {
        const char* want = std::getenv("ZIGLLM_FORCE_TARGET");
        if (!want || !*want) return false;
        (void)HWY_DYNAMIC_DISPATCH(TargetNameT)();  // a first dispatch before querying (arm64 quirk)
        for (const int64_t t : hwy::SupportedAndGeneratedTargets())
            if (std::strcmp(hwy::TargetName(t), want) == 0) {
                hwy::SetSupportedTargetsForTest(t);
                return true;
            }
        std::fprintf(stderr, "zigllm: ZIGLLM_FORCE_TARGET=%s is not a target of this build and CPU; ignored\n", want);
        return false;
    }();
    (void)applied;
}

// The dispatched target when the hand-written x86 kernels stand in for the Highway ones (AVX2 or
// better; tests forcing a lower target still reach the portable code), else 0. Read through the
// dispatch table: hwy::SupportedTargets() runs CPUID on every call (it was 6% of generation).
int64_t x86_kernel_target() {
#if HWY_ARCH_X86
    const int64_t target = HWY_DYNAMIC_DISPATCH(CurrentTargetT)();
    return (target & (HWY_AVX2 | HWY_AVX3 | HWY_AVX3_DL)) ? target : 0;
#else
    return 0;
#endif
}

}  // namespace

bool has_kernel(GgmlType t) {
    switch (t) {
#define ZIGLLM_OPS_CASE(T, K) case GgmlType::T:
        ZIGLLM_OPS_WEIGHT_TYPES(ZIGLLM_OPS_CASE)
#undef ZIGLLM_OPS_CASE
        return true;
        default: return false;
    }
}

void matmul(GgmlType t, const void* W, size_t w_stride, int64_t r0, int64_t r1, const void* X, size_t x_stride,
            int64_t nx, int64_t n, float* Y, int64_t ldy) {
    apply_forced_target();
    const int64_t target = x86_kernel_target();
    if (target && x86::matmul_band(t, target == HWY_AVX3_DL, W, w_stride, r0, r1, X, x_stride, nx, n, Y, ldy))
        return;
    HWY_DYNAMIC_DISPATCH(MatmulBandT)(t, W, w_stride, r0, r1, X, x_stride, nx, n, Y, ldy);
}

bool has_x86_kernels() {
    apply_forced_target();
    return x86_kernel_target() != 0;
}

void matmul(GgmlType t, Layout l, const void* W, size_t w_stride, int64_t r0, int64_t r1, const void* X,
            size_t x_stride, int64_t nx, int64_t n, float* Y, int64_t ldy) {
    if (l == Layout::rows) return matmul(t, W, w_stride, r0, r1, X, x_stride, nx, n, Y, ldy);
    // Generation and small batches: the grouped layout's own kernel.
    apply_forced_target();
    if (const int64_t target = x86_kernel_target(); l == Layout::q4_0_x16 && nx < 8 && target)
        return x86::q4_0_x16_band(target == HWY_AVX3_DL, W, r0, r1, X, x_stride, nx, n, Y, ldy);
    // Prompt batches (AMX, the packed VNNI kernels) and the portable targets read ggml's rows:
    // restored 4 MiB at a time (a prompt batch uses each row hundreds of times).
    thread_local std::vector<uint8_t> rows;
    const int64_t chunk = std::max<int64_t>(16, (int64_t{4} << 20) / static_cast<int64_t>(w_stride) / 16 * 16);
    rows.resize(static_cast<size_t>(std::min(chunk, r1 - r0)) * w_stride);
    for (int64_t c0 = r0; c0 < r1; c0 += chunk) {
        const int64_t c1 = std::min(r1, c0 + chunk);
        restore_rows(t, l, W, c0, c1, n, rows.data());
        matmul(t, rows.data(), w_stride, 0, c1 - c0, X, x_stride, nx, n, Y + c0, ldy);
    }
}

float dot_row(GgmlType t, const void* w_row, const void* act_row, int64_t n) {
    float y = 0.0f;
    matmul(t, w_row, 0, 0, 1, act_row, 0, 1, n, &y, 1);
    return y;
}

const char* target_name() {
    apply_forced_target();
    return HWY_DYNAMIC_DISPATCH(TargetNameT)();
}

}  // namespace band
}  // namespace zigllm::ops
#endif  // HWY_ONCE
