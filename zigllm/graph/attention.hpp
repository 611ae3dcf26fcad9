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
    int64_t layer, pos0, n_head, group, head_dim;
    int64_t window;          // 0: none
};

// For pairs j in [begin, end): token i = j / n_head, head h = j % n_head:
// out = softmax(q.k_t / sqrt(d), t in window) . v_t, t over cached positions <= pos0 + i.
void attend_pairs(const AttentionArgs& a, int64_t begin, int64_t end);

}  // namespace zigllm::kernels
