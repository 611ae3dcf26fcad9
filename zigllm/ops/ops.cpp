// The public ops API (ops.hpp): type routing, activation quantization, threading and the fused
// output step around the dispatched row-band kernels (matmul_band.hpp, iq_ops.hpp).
#include "zigllm/ops/ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "zigllm/graph/kernels.hpp"
#include "zigllm/io/error.hpp"
#include "zigllm/ops/blocks.hpp"
#include "zigllm/ops/iq_ops.hpp"
#include "zigllm/ops/matmul_band.hpp"
#include "zigllm/ops/quantize_acts.hpp"
#include "zigllm/ops/quant_ref.hpp"
#include "zigllm/ops/thread_pool.hpp"

namespace zigllm::ops {
namespace {

// Threads split output rows in multiples of this (whole decode bands, whole cache lines of Y).
constexpr int64_t kRowAlign = 16;

[[noreturn]] void refuse(GgmlType t, const char* what) { throw Error("-", std::string(type_name(t)), what); }

void check_cols(GgmlType t, int64_t cols) {
    if (cols <= 0 || cols % traits(t).block_size != 0)
        refuse(t, ("row length " + std::to_string(cols) + " is not a positive multiple of the block size").c_str());
}

// The activation rows as the band kernels read them (F16 / BF16 rows too: the float kernels widen
// them as they load).
struct ActView {
    const void* data;
    size_t stride;
};
ActView act_view(const QuantizedActs& X) { return {X.storage.data(), X.row_stride}; }

// Y[i * ldy + r] for r in [r0, r1): W . X, one dispatch per band.
void band_matmul(const WeightRef& W, int64_t r0, int64_t r1, const ActView& X, int64_t nx, int64_t cols, float* Y,
                 int64_t ldy) {
    const size_t rb = row_bytes(W.type, cols);
    if (iq::is_iq_type(W.type)) {
        iq::matmul(W.type, static_cast<const uint8_t*>(W.data) + r0 * rb, rb, r1 - r0, X.data, X.stride, nx, cols, Y + r0,
                   static_cast<size_t>(ldy));
    } else {
        band::matmul(W.type, W.layout, W.data, rb, r0, r1, X.data, X.stride, nx, cols, Y, ldy);
    }
}

// y = columns [col0, col0 + n) of an output row of row_len values.
void activate(Activation act, float* y, int64_t n, int64_t col0, int64_t row_len) {
    switch (act) {
        case Activation::none: return;
        case Activation::silu: kernels::silu(y, n, col0, row_len); return;
        case Activation::gelu: kernels::gelu(y, n); return;
        case Activation::relu:
            for (int64_t i = 0; i < n; ++i) y[i] = y[i] > 0 ? y[i] : 0;
            return;
        case Activation::gelu_erf:
            for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * y[i] * (1.0f + std::erf(y[i] * 0.70710678118654752f));
            return;
    }
}

void check_acts(GgmlType t, const QuantizedActs& X) {
    if (!supported(t)) refuse(t, "weight type not supported for matmul");
    if (X.type != activation_type(t)) refuse(t, "activations were quantized for another weight type");
    check_cols(t, X.cols);
}

}  // namespace

GgmlType activation_type(GgmlType w) {
    switch (w) {
        case GgmlType::F32: case GgmlType::F16: case GgmlType::BF16: return w;
        case GgmlType::Q4_0: case GgmlType::Q5_0: case GgmlType::Q8_0: return GgmlType::Q8_0;
        case GgmlType::Q4_1: case GgmlType::Q5_1: return GgmlType::Q8_1;
        case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K:
            return GgmlType::Q8_K;
        default:
            if (iq::is_iq_type(w)) return iq::activation_type(w);
            refuse(w, "weight type not supported for matmul");
    }
}

bool supported(GgmlType w) { return band::has_kernel(w) || iq::is_iq_type(w); }

const char* current_target() { return band::target_name(); }

void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n) {
    check_cols(t, n);
    if (ref::can_dequantize(t)) return ref::dequantize_row(t, src, dst, n);
    if (iq::is_iq_type(t)) return iq::dequantize_row(t, src, dst, n);
    refuse(t, "no dequantization for this type");
}

void quantize_row(GgmlType t, const float* src, void* dst, int64_t n) {
    check_cols(t, n);
    if (ref::can_quantize(t)) return ref::quantize_row(t, src, dst, n);
    if (iq::is_iq_type(t) && iq::can_quantize(t)) return iq::quantize_row(t, src, dst, n);
    refuse(t, "no quantizer for this type");
}

void quantize_act_row(GgmlType t, const float* src, void* dst, int64_t n) {
    check_cols(t, n);
    switch (t) {
        case GgmlType::Q8_0: case GgmlType::Q8_1: case GgmlType::Q8_K:
        case GgmlType::F16: case GgmlType::BF16: case GgmlType::F32:
            return quantize_act_rows(t, src, 1, n, static_cast<uint8_t*>(dst), 0);
        default: refuse(t, "not an activation type");
    }
}

float dot_row(GgmlType t, const void* w_row, const void* act_row, int64_t n) {
    if (!supported(t)) refuse(t, "weight type not supported for matmul");
    check_cols(t, n);
    if (iq::is_iq_type(t)) return iq::dot_row(t, w_row, act_row, n);
    return band::dot_row(t, w_row, act_row, n);
}

void quantize_acts(GgmlType weight, const float* X, int64_t n_rows, int64_t cols, QuantizedActs& out,
                   ThreadPool* pool) {
    const GgmlType at = activation_type(weight);
    check_cols(weight, cols);
    out.type = at;
    out.n_rows = n_rows;
    out.cols = cols;
    out.row_stride = row_bytes(at, cols);
    const size_t need = out.row_stride * static_cast<size_t>(n_rows);
    if (out.storage.size() < need) out.storage.resize(need);
    parallel_rows(pool, n_rows, 1, [&](int64_t b, int64_t e) {
        quantize_act_rows(at, X + b * cols, e - b, cols, out.storage.data() + static_cast<size_t>(b) * out.row_stride,
                          out.row_stride);
    });
}

void matmul(GgmlType t, const void* W, int64_t rows, const QuantizedActs& X, float* Y, ThreadPool* pool,
            const OutputStep& step, int64_t ldy) {
    matmul(WeightRef{t, W}, rows, X, Y, pool, step, ldy);
}

void matmul(const WeightRef& W, int64_t rows, const QuantizedActs& X, float* Y, ThreadPool* pool,
            const OutputStep& step, int64_t ldy) {
    check_acts(W.type, X);
    if (ldy == 0) ldy = rows;
    const ActView xv = act_view(X);
    const bool plain = !step.bias && !step.residual && step.act == Activation::none;
    parallel_rows(pool, rows, kRowAlign, [&](int64_t r0, int64_t r1) {
        if (plain) return band_matmul(W, r0, r1, xv, X.n_rows, X.cols, Y, ldy);
        // W X goes to a per-thread band buffer first: the residual may alias Y.
        thread_local std::vector<float> acc;
        const int64_t n = r1 - r0;
        acc.resize(static_cast<size_t>(X.n_rows * n));
        band_matmul(W, r0, r1, xv, X.n_rows, X.cols, acc.data() - r0, n);
        for (int64_t i = 0; i < X.n_rows; ++i) {
            float* a = acc.data() + i * n;
            if (step.bias)
                for (int64_t r = 0; r < n; ++r) a[r] += step.bias[r0 + r];
            activate(step.act, a, n, r0, rows);
            float* y = Y + i * ldy + r0;
            if (step.residual) {
                const float* res = step.residual + i * ldy + r0;
                for (int64_t r = 0; r < n; ++r) y[r] = a[r] + res[r];
            } else {
                std::memcpy(y, a, static_cast<size_t>(n) * sizeof(float));
            }
        }
    });
}

void matmul(GgmlType t, const void* W, int64_t rows, int64_t cols, const float* X, int64_t n, float* Y,
            ThreadPool* pool, const OutputStep& step) {
    matmul(WeightRef{t, W}, rows, cols, X, n, Y, pool, step);
}

void matmul(const WeightRef& W, int64_t rows, int64_t cols, const float* X, int64_t n, float* Y, ThreadPool* pool,
            const OutputStep& step) {
    thread_local QuantizedActs q;
    quantize_acts(W.type, X, n, cols, q, pool);
    matmul(W, rows, q, Y, pool, step);
}

void matmul_gated(GgmlType t, const void* Wg, const void* Wu, int64_t rows, const QuantizedActs& X, float* Y,
                  ThreadPool* pool, Activation act) {
    matmul_gated(WeightRef{t, Wg}, WeightRef{t, Wu}, rows, X, Y, pool, act);
}

void matmul_gated(const WeightRef& Wg, const WeightRef& Wu, int64_t rows, const QuantizedActs& X, float* Y,
                  ThreadPool* pool, Activation act) {
    if (Wu.type != Wg.type) refuse(Wu.type, "gate and up projections of different types");
    check_acts(Wg.type, X);
    const ActView xv = act_view(X);
    parallel_rows(pool, rows, kRowAlign, [&](int64_t r0, int64_t r1) {
        // The gate goes to Y, the up projection to a per-thread band buffer (Y's layout, band only).
        thread_local std::vector<float> up;
        const int64_t n = r1 - r0;
        up.resize(static_cast<size_t>(X.n_rows * n));
        band_matmul(Wg, r0, r1, xv, X.n_rows, X.cols, Y, rows);
        band_matmul(Wu, r0, r1, xv, X.n_rows, X.cols, up.data() - r0, n);
        for (int64_t i = 0; i < X.n_rows; ++i) {
            float* y = Y + i * rows + r0;
            activate(act, y, n, r0, rows);
            const float* u = up.data() + i * n;
            for (int64_t r = 0; r < n; ++r) y[r] *= u[r];
        }
    });
}

}  // namespace zigllm::ops
