// The public kernel API the engine builds on (implemented in zigllm/ops, dispatched with Highway).
//
// Contract (agreed between the ops and the engine work; change only together):
// - Weights are rows of ggml blocks, row r at W + r * row_bytes(type, cols); cols is a multiple of
//   the type's block size.
// - Activations are f32; a matmul quantizes them ONCE per call into the weight type's paired
//   activation type (Q4_0/Q5_0/Q8_0/IQ4_NL -> Q8_0, Q4_1/Q5_1 -> Q8_1, K-quants/IQ/TQ -> Q8_K,
//   F16 -> F16, BF16 -> BF16, F32 -> F32) exactly as ggml does, then dots in integers.
// - QuantizedActs lets the caller quantize once and feed several matmuls (wq|wk|wv, gate|up).
// - The output step is fused: Y = act(W X + bias) (+ residual), or gated: Y = act(Wg X) * (Wu X).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "zigllm/io/ggml_type.hpp"
#include "zigllm/ops/layout.hpp"

namespace zigllm::ops {

class ThreadPool;  // zigllm/ops/thread_pool.hpp

// The activation type a weight type's dot product consumes.
GgmlType activation_type(GgmlType weight);
// Whether zigllm can compute matmuls with this weight type.
bool supported(GgmlType weight);
// Name of the Highway target chosen by dynamic dispatch ("AVX3_DL", "AVX2", "NEON", ...).
const char* current_target();

// Exact ggml to_float for a row of n values.
void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n);
// ggml's reference quantizers (ggml_quantize_chunk, no importance matrix: what model files hold);
// dst holds row_bytes(t, n) bytes.
void quantize_row(GgmlType t, const float* src, void* dst, int64_t n);
// An activation row as ggml_mul_mat quantizes it (t an activation type: Q8_0, Q8_1, Q8_K, F16,
// BF16, F32). For Q8_0 / Q8_1 this is the CPU backend's x86 from_float, which rounds half to even
// and so differs from quantize_row in rare values; quantize_acts uses this.
void quantize_act_row(GgmlType t, const float* src, void* dst, int64_t n);
// One weight row times one quantized activation row (both of n values).
float dot_row(GgmlType weight, const void* w_row, const void* act_row, int64_t n);

// Activations quantized into the paired type of some weight type: n_rows rows of cols values.
struct QuantizedActs {
    GgmlType type = GgmlType::F32;
    int64_t n_rows = 0, cols = 0;
    size_t row_stride = 0;             // bytes per quantized row
    std::vector<uint8_t> storage;      // reused across calls (no per-token allocation once sized)
    const void* row(int64_t i) const { return storage.data() + i * row_stride; }
};
void quantize_acts(GgmlType weight, const float* X, int64_t n_rows, int64_t cols, QuantizedActs& out,
                   ThreadPool* pool = nullptr);

enum class Activation { none, silu, gelu, gelu_erf, relu };

struct OutputStep {
    const float* bias = nullptr;       // [rows], added to every output row
    const float* residual = nullptr;   // [n][rows] added after the activation (may alias Y)
    Activation act = Activation::none;
};

// Y[i][r] = step(sum_c W[r][c] * X[i][c]) for i < X.n_rows, r < rows. Y row stride = ldy floats
// (0 means rows). Splits output rows over the pool's threads.
void matmul(GgmlType t, const void* W, int64_t rows, const QuantizedActs& X, float* Y, ThreadPool* pool,
            const OutputStep& step = {}, int64_t ldy = 0);
// Convenience: quantizes X (n x cols f32) into scratch and multiplies.
void matmul(GgmlType t, const void* W, int64_t rows, int64_t cols, const float* X, int64_t n, float* Y,
            ThreadPool* pool, const OutputStep& step = {});
// Y[i][r] = act(Wg[r] . X[i]) * (Wu[r] . X[i]) — gate, activation and up fused at the output step.
void matmul_gated(GgmlType t, const void* Wg, const void* Wu, int64_t rows, const QuantizedActs& X, float* Y,
                  ThreadPool* pool, Activation act);
// The same three for weights in any layout (ops/layout.hpp); the overloads above read ggml's rows.
void matmul(const WeightRef& W, int64_t rows, const QuantizedActs& X, float* Y, ThreadPool* pool,
            const OutputStep& step = {}, int64_t ldy = 0);
void matmul(const WeightRef& W, int64_t rows, int64_t cols, const float* X, int64_t n, float* Y, ThreadPool* pool,
            const OutputStep& step = {});
void matmul_gated(const WeightRef& Wg, const WeightRef& Wu, int64_t rows, const QuantizedActs& X, float* Y,
                  ThreadPool* pool, Activation act);

}  // namespace zigllm::ops
