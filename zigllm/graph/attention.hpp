// Attention over the KV cache for a range of (token, head) pairs, compiled per Highway target and
// dispatched once per range.
#pragma once

#include <cstdint>

#include "zigllm/graph/state.hpp"

namespace zigllm::kernels {

struct AttentionArgs {
    const float* qkv;        // [n][ld] rows: q at 0 (rope applied)
    int64_t ld;              // q_dim + 2 kv_dim
    float* out;              // [n][q_dim]
    int64_t q_dim;
    const KvCache* kv;
    int64_t n_tokens, layer, pos0, n_head, group, head_dim;
    int64_t window;          // 0: none
    // Optional f32 copies of an F16 cache's rows 0..pos0+n-1 ([t][kv_dim], K and V): a prompt batch
    // widens each row once instead of once per (token, head) pair. Null: read the cache itself.
    const float* k_wide = nullptr;
    const float* v_wide = nullptr;
};

// For pairs j in [begin, end): head h = j / n_tokens, token i = n_tokens - 1 - j % n_tokens (head-major,
// so that a range reuses one head's cache rows; the costliest tokens first, for dynamic scheduling):
// out = softmax(q.k_t / sqrt(d), t in window) . v_t, t over cached positions <= pos0 + i.
void attend_pairs(const AttentionArgs& a, int64_t begin, int64_t end);

// k[t - t0][..], v[t - t0][..] = layer's cached rows t in [t0, t1) as f32 (kv_dim values each).
void widen_cache_rows(const KvCache& kv, int64_t layer, int64_t t0, int64_t t1, int64_t kv_dim, float* k, float* v);

}  // namespace zigllm::kernels
