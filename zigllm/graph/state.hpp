// Run-time state of an evaluation: the KV cache (F32 or F16, chosen at run time) and the scratch
// buffers one batch needs (sized once for the largest batch, reused for every token).
#pragma once

#include <cstdint>
#include <vector>

#include "zigllm/graph/hparams.hpp"
#include "zigllm/ops/ops.hpp"

namespace zigllm {

class KvCache {
public:
    KvCache() = default;
    // type: F32 or F16.
    KvCache(GgmlType type, int64_t n_layer, int64_t n_ctx, int64_t kv_dim);
    GgmlType type() const { return type_; }
    int64_t n_ctx() const { return n_ctx_; }
    int64_t kv_dim() const { return kv_dim_; }
    size_t bytes() const { return k_.size() + v_.size(); }

    void store(int64_t layer, int64_t pos, const float* k, const float* v);
    // k or v row (kv_dim values) of position pos, converted to f32 in dst[offset .. offset+n).
    void load_k(int64_t layer, int64_t pos, int64_t offset, int64_t n, float* dst) const;
    void load_v(int64_t layer, int64_t pos, int64_t offset, int64_t n, float* dst) const;
    // Raw row bytes (either type), and direct f32 access (F32 caches only).
    const uint8_t* k_raw(int64_t layer, int64_t pos) const { return k_.data() + offset(layer, pos); }
    const uint8_t* v_raw(int64_t layer, int64_t pos) const { return v_.data() + offset(layer, pos); }
    const float* k_f32(int64_t layer, int64_t pos) const;
    const float* v_f32(int64_t layer, int64_t pos) const;

private:
    size_t offset(int64_t layer, int64_t pos) const {
        return (static_cast<size_t>(layer) * n_ctx_ + pos) * kv_dim_ * elem_;
    }
    GgmlType type_ = GgmlType::F32;
    int64_t n_layer_ = 0, n_ctx_ = 0, kv_dim_ = 0;
    size_t elem_ = 4;
    std::vector<uint8_t> k_, v_;
};

// Scratch for a batch of n rows (tokens evaluated together).
struct Scratch {
    int64_t capacity = 0;
    std::vector<float> x;        // [n][n_embd] residual stream
    std::vector<float> xb;       // [n][n_embd] normalized input of the current sub-layer
    std::vector<float> qkv;      // [n][q_dim + 2 kv_dim]
    std::vector<float> att;      // [n][q_dim] attention output
    std::vector<float> hb, hb2;  // [n][n_ff] FFN hidden
    std::vector<float> logits;   // [n_out][n_vocab]
    std::vector<float> kv_wide;  // [2][pos0 + n][kv_dim]: an F16 cache widened for a prompt batch
    // MoE: per-token router output, selection and gathered rows
    std::vector<float> router;   // [n][n_expert]
    std::vector<int32_t> sel;    // [n][n_expert_used]
    std::vector<float> sel_w;    // [n][n_expert_used]
    std::vector<float> gather, expert_out;
    ops::QuantizedActs acts;     // xb quantized for the matmuls that read it
    bool acts_valid = false;

    void reserve(const Hparams& hp, int64_t n);
};

}  // namespace zigllm
