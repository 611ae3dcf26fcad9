// TEMPORARY stand-in for zigllm/ops (compiled only while zigllm/ops/thread_pool.hpp is absent):
// plain loops for F32 / F16 / BF16 weights behind the ops.hpp signatures, so that the engine runs
// and its parity tests can run before the real kernels land. No quantized types. Delete with ops.
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "zigllm/graph/kernels.hpp"
#include "zigllm/io/error.hpp"
#include "zigllm/ops/ops.hpp"
#include "zigllm/ops/thread_pool.hpp"

namespace zigllm::ops {

// Sequential: the stand-in runs every section on the calling thread.
ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {}
ThreadPool::~ThreadPool() = default;
void ThreadPool::run(const std::function<void(int)>& fn) {
    for (int i = 0; i < n_threads_; ++i) fn(i);
}
void ThreadPool::parallel_for(int64_t n, int64_t, const std::function<void(int64_t, int64_t)>& fn) {
    if (n > 0) fn(0, n);
}

namespace {
float bf16_to_f32(uint16_t h) {
    uint32_t b = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &b, 4);
    return f;
}
uint16_t f32_to_bf16(float f) {
    uint32_t b;
    std::memcpy(&b, &f, 4);
    if ((b & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((b >> 16) | 64);
    return static_cast<uint16_t>((b + (0x7fff + ((b >> 16) & 1))) >> 16);
}
[[noreturn]] void unsupported(GgmlType t) {
    throw Error("-", std::string(type_name(t)), "not supported by the ops stand-in");
}
}  // namespace

GgmlType activation_type(GgmlType w) { return w; }
bool supported(GgmlType w) { return w == GgmlType::F32 || w == GgmlType::F16 || w == GgmlType::BF16; }
const char* current_target() { return "standin"; }

void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n) {
    if (t == GgmlType::F32) { std::memcpy(dst, src, n * 4); return; }
    const auto* s = static_cast<const uint16_t*>(src);
    if (t == GgmlType::F16) { for (int64_t i = 0; i < n; ++i) dst[i] = kernels::f16_to_f32(s[i]); return; }
    if (t == GgmlType::BF16) { for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(s[i]); return; }
    unsupported(t);
}

void quantize_row(GgmlType t, const float* src, void* dst, int64_t n) {
    if (t == GgmlType::F32) { std::memcpy(dst, src, n * 4); return; }
    auto* d = static_cast<uint16_t*>(dst);
    if (t == GgmlType::F16) { for (int64_t i = 0; i < n; ++i) d[i] = kernels::f32_to_f16(src[i]); return; }
    if (t == GgmlType::BF16) { for (int64_t i = 0; i < n; ++i) d[i] = f32_to_bf16(src[i]); return; }
    unsupported(t);
}

float dot_row(GgmlType t, const void* w, const void* a, int64_t n) {
    float sum = 0.0f;
    if (t == GgmlType::F32) {
        const float *x = static_cast<const float*>(w), *y = static_cast<const float*>(a);
        for (int64_t i = 0; i < n; ++i) sum += x[i] * y[i];
        return sum;
    }
    const auto *x = static_cast<const uint16_t*>(w), *y = static_cast<const uint16_t*>(a);
    for (int64_t i = 0; i < n; ++i)
        sum += t == GgmlType::F16 ? kernels::f16_to_f32(x[i]) * kernels::f16_to_f32(y[i]) : bf16_to_f32(x[i]) * bf16_to_f32(y[i]);
    return sum;
}

void quantize_acts(GgmlType weight, const float* X, int64_t n_rows, int64_t cols, QuantizedActs& out, ThreadPool*) {
    if (!supported(weight)) unsupported(weight);
    out.type = activation_type(weight);
    out.n_rows = n_rows;
    out.cols = cols;
    out.row_stride = row_bytes(out.type, cols);
    if (out.storage.size() < out.row_stride * n_rows) out.storage.resize(out.row_stride * n_rows);
    for (int64_t i = 0; i < n_rows; ++i) quantize_row(out.type, X + i * cols, out.storage.data() + i * out.row_stride, cols);
}

namespace {
float activate(Activation a, float v) {
    switch (a) {
        case Activation::silu: return v / (1.0f + std::exp(-v));
        case Activation::relu: return v > 0 ? v : 0;
        case Activation::gelu: { float g = v; kernels::gelu(&g, 1); return g; }
        case Activation::gelu_erf: return 0.5f * v * (1.0f + std::erf(v / std::sqrt(2.0f)));
        default: return v;
    }
}
}  // namespace

void matmul(GgmlType t, const void* W, int64_t rows, const QuantizedActs& X, float* Y, ThreadPool*, const OutputStep& step,
            int64_t ldy) {
    if (ldy == 0) ldy = rows;
    const size_t rb = row_bytes(t, X.cols);
    for (int64_t i = 0; i < X.n_rows; ++i)
        for (int64_t r = 0; r < rows; ++r) {
            float v = dot_row(t, static_cast<const uint8_t*>(W) + r * rb, X.row(i), X.cols);
            if (step.bias) v += step.bias[r];
            v = activate(step.act, v);
            if (step.residual) v += step.residual[i * ldy + r];
            Y[i * ldy + r] = v;
        }
}

void matmul(GgmlType t, const void* W, int64_t rows, int64_t cols, const float* X, int64_t n, float* Y, ThreadPool* pool,
            const OutputStep& step) {
    QuantizedActs q;
    quantize_acts(t, X, n, cols, q, pool);
    matmul(t, W, rows, q, Y, pool, step);
}

void matmul_gated(GgmlType t, const void* Wg, const void* Wu, int64_t rows, const QuantizedActs& X, float* Y, ThreadPool*,
                  Activation act) {
    const size_t rb = row_bytes(t, X.cols);
    for (int64_t i = 0; i < X.n_rows; ++i)
        for (int64_t r = 0; r < rows; ++r) {
            const float g = dot_row(t, static_cast<const uint8_t*>(Wg) + r * rb, X.row(i), X.cols);
            const float u = dot_row(t, static_cast<const uint8_t*>(Wu) + r * rb, X.row(i), X.cols);
            Y[i * rows + r] = activate(act, g) * u;
        }
}

}  // namespace zigllm::ops
