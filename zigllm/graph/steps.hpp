// What each plan step loads and computes. A step is a type from zigllm/graph/plan.hpp; its weights
// come from the usual GGUF names (blk.N.attn_q.weight ...), its sizes from Hparams.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "zigllm/graph/attention.hpp"
#include "zigllm/graph/kernels.hpp"
#include "zigllm/graph/plan.hpp"
#include "zigllm/graph/state.hpp"
#include "zigllm/graph/weights.hpp"
#include "zigllm/ops/ops.hpp"
#include "zigllm/ops/thread_pool.hpp"

namespace zigllm {

// Everything a step of one layer sees while it runs over a batch of n tokens at positions pos0...
struct StepContext {
    const Hparams& hp;
    const LayerWeights& w;
    Scratch& s;
    KvCache& kv;
    int64_t layer, pos0, n;
    ops::ThreadPool* pool;
};

namespace steps {

// The normalized rows xb, quantized for a weight of type t (once; reused while the type's
// activation format is the same).
inline const ops::QuantizedActs& acts_for(StepContext& c, GgmlType t) {
    if (!c.s.acts_valid || c.s.acts.type != ops::activation_type(t) || c.s.acts.n_rows != c.n) {
        ops::quantize_acts(t, c.s.xb.data(), c.n, c.hp.n_embd, c.s.acts, c.pool);
        c.s.acts_valid = true;
    }
    return c.s.acts;
}

inline void apply_norm(rms_norm, const Vector& w, const Vector&, const float* x, float* y, int64_t n, const Hparams& hp) {
    kernels::rms_norm(x, w.data, y, n, hp.n_embd, hp.norm_eps);
}
inline void apply_norm(layer_norm, const Vector& w, const Vector& b, const float* x, float* y, int64_t n, const Hparams& hp) {
    kernels::layer_norm(x, w.data, b.data, y, n, hp.n_embd, hp.norm_eps);
}
template <class Norm>
void load_norm(Norm, Vector& w, Vector& b, const WeightLoader& L, const std::string& name, int64_t n) {
    w = L.vector(name + ".weight", n);
    if constexpr (std::is_same_v<Norm, layer_norm>) b = L.optional_vector(name + ".bias", n);
}

// The first weight each input group's quantization serves (to pick its activation format).
inline GgmlType first_weight_type(step::group g, const LayerWeights& w) {
    if (g == step::group::attention_input) return w.wqkv ? w.wqkv.type : w.wq.type;
    if (w.router) return w.gate_exps.type;
    return w.w_gate ? w.w_gate.type : w.w_up.type;
}

// The residual stream as the output step's residual input: x itself, which is also the output (ops'
// matmul computes each band into its own buffer before the output step, so residual may alias Y).
inline const float* residual_input(StepContext& c) { return c.s.x.data(); }

// ---- norm + quantization ------------------------------------------------------------------------
template <class N, step::group G>
void load(step::norm_quantize<N, G>, LayerWeights& w, const WeightLoader& L, const std::string& blk, const Hparams& hp) {
    if constexpr (G == step::group::attention_input) load_norm(N{}, w.attn_norm, w.attn_norm_b, L, blk + "attn_norm", hp.n_embd);
    else load_norm(N{}, w.ffn_norm, w.ffn_norm_b, L, blk + "ffn_norm", hp.n_embd);
}
template <class N, step::group G>
void run(step::norm_quantize<N, G>, StepContext& c) {
    const bool attn = G == step::group::attention_input;
    apply_norm(N{}, attn ? c.w.attn_norm : c.w.ffn_norm, attn ? c.w.attn_norm_b : c.w.ffn_norm_b, c.s.x.data(),
               c.s.xb.data(), c.n, c.hp);
    c.s.acts_valid = false;
    acts_for(c, first_weight_type(G, c.w));
}
template <step::group G>
void load(step::quantize<G>, LayerWeights&, const WeightLoader&, const std::string&, const Hparams&) {}
template <step::group G>
void run(step::quantize<G>, StepContext& c) {
    std::copy_n(c.s.x.data(), c.n * c.hp.n_embd, c.s.xb.data());
    c.s.acts_valid = false;
    acts_for(c, first_weight_type(G, c.w));
}

// ---- attention ----------------------------------------------------------------------------------
template <class A>
void load(step::qkv_rope_store<A>, LayerWeights& w, const WeightLoader& L, const std::string& blk, const Hparams& hp) {
    const int64_t E = hp.n_embd, qd = hp.q_dim(), kvd = hp.kv_dim();
    if (L.has(blk + "attn_qkv.weight")) {
        w.wqkv = L.matrix(blk + "attn_qkv.weight", qd + 2 * kvd, E);
        if constexpr (A::has_bias) w.bqkv = L.vector(blk + "attn_qkv.bias", qd + 2 * kvd);
    } else {
        w.wq = L.matrix(blk + "attn_q.weight", qd, E);
        w.wk = L.matrix(blk + "attn_k.weight", kvd, E);
        w.wv = L.matrix(blk + "attn_v.weight", kvd, E);
        if constexpr (A::has_bias) {
            w.bq = L.vector(blk + "attn_q.bias", qd);
            w.bk = L.vector(blk + "attn_k.bias", kvd);
            w.bv = L.vector(blk + "attn_v.bias", kvd);
        }
    }
    if constexpr (std::is_same_v<typename A::heads_kind, heads::full>)
        if (hp.n_head_kv != hp.n_head)
            L.file().fail(hp.arch + ".attention.head_count_kv", "this architecture type has full (not grouped) heads");
}
template <class A>
void run(step::qkv_rope_store<A>, StepContext& c) {
    const Hparams& hp = c.hp;
    const int64_t qd = hp.q_dim(), kvd = hp.kv_dim(), ld = qd + 2 * kvd;
    float* qkv = c.s.qkv.data();
    if (c.w.wqkv) {
        ops::matmul(c.w.wqkv.ref(), ld, acts_for(c, c.w.wqkv.type), qkv, c.pool, {.bias = c.w.bqkv.data}, ld);
    } else {
        ops::matmul(c.w.wq.ref(), qd, acts_for(c, c.w.wq.type), qkv, c.pool, {.bias = c.w.bq.data}, ld);
        ops::matmul(c.w.wk.ref(), kvd, acts_for(c, c.w.wk.type), qkv + qd, c.pool, {.bias = c.w.bk.data}, ld);
        ops::matmul(c.w.wv.ref(), kvd, acts_for(c, c.w.wv.type), qkv + qd + kvd, c.pool, {.bias = c.w.bv.data}, ld);
    }
    for (int64_t i = 0; i < c.n; ++i) {
        float* q = qkv + i * ld;
        float* k = q + qd;
        const int64_t pos = c.pos0 + i;
        using P = typename A::position;
        if constexpr (!std::is_same_v<P, no_rope>) {
            kernels::rope(q, hp.n_head, hp.head_dim, pos, P::style == rope_style::neox, hp.rope);
            kernels::rope(k, hp.n_head_kv, hp.head_dim, pos, P::style == rope_style::neox, hp.rope);
        }
        c.kv.store(c.layer, pos, k, k + kvd);
    }
}

template <class A>
void load(step::attend<A>, LayerWeights&, const WeightLoader& L, const std::string&, const Hparams& hp) {
    if constexpr (A::windowed)
        if (hp.sliding_window <= 0) L.file().fail(hp.arch + ".attention.sliding_window", "missing for a windowed architecture");
}

template <class A>
void run(step::attend<A>, StepContext& c) {
    const Hparams& hp = c.hp;
    const int64_t qd = hp.q_dim(), kvd = hp.kv_dim(), ld = qd + 2 * kvd, group = hp.n_head / hp.n_head_kv;
    // (token, head) pairs split over the pool.
    kernels::AttentionArgs args{c.s.qkv.data(), ld, c.s.att.data(), qd, &c.kv, c.n, c.layer, c.pos0, hp.n_head, group,
                                hp.head_dim, A::windowed ? hp.sliding_window : 0};
    // A prompt batch over an F16 cache: widen the rows once (not once per token and head), within
    // a bounded copy (memory stays within file + KV + 64 MiB).
    const int64_t n_pos = c.pos0 + c.n;
    if (c.kv.type() == GgmlType::F16 && c.n >= 16 && 2 * n_pos * kvd * 4 <= (int64_t{16} << 20)) {
        c.s.kv_wide.resize(static_cast<size_t>(2 * n_pos * kvd));
        float* k = c.s.kv_wide.data();
        float* v = k + n_pos * kvd;
        ops::parallel_rows(c.pool, n_pos, 16, [&](int64_t b, int64_t e) {
            kernels::widen_cache_rows(c.kv, c.layer, b, e, kvd, k + b * kvd, v + b * kvd);
        });
        args.k_wide = k;
        args.v_wide = v;
    }
    // Pairs in chunks to whichever thread is free: under the causal mask token i costs i + 1 positions,
    // so equal static ranges would leave one thread with three quarters of a prompt's attention.
    ops::parallel_chunks(c.pool, c.n * hp.n_head, 8, [&](int64_t b, int64_t e) { kernels::attend_pairs(args, b, e); });
}

template <bool B>
void load(step::attn_output_residual<B>, LayerWeights& w, const WeightLoader& L, const std::string& blk, const Hparams& hp) {
    w.wo = L.matrix(blk + "attn_output.weight", hp.n_embd, hp.q_dim());
    if constexpr (B) w.bo = L.optional_vector(blk + "attn_output.bias", hp.n_embd);  // qwen2: q/k/v biases only
}
template <bool B>
void run(step::attn_output_residual<B>, StepContext& c) {
    ops::matmul(c.w.wo.ref(), c.hp.n_embd, c.hp.q_dim(), c.s.att.data(), c.n, c.s.x.data(), c.pool,
                {.bias = c.w.bo.data, .residual = residual_input(c)});
}

// ---- feed-forward -------------------------------------------------------------------------------
template <class K, bool B>
void load(step::ffn_up<K, B>, LayerWeights& w, const WeightLoader& L, const std::string& blk, const Hparams& hp) {
    if (hp.n_ff <= 0) L.file().fail(hp.arch + ".feed_forward_length", "missing");
    if constexpr (std::is_same_v<K, swiglu>) w.w_gate = L.matrix(blk + "ffn_gate.weight", hp.n_ff, hp.n_embd);
    w.w_up = L.matrix(blk + "ffn_up.weight", hp.n_ff, hp.n_embd);
    if constexpr (B) w.b_up = L.vector(blk + "ffn_up.bias", hp.n_ff);
}

// h = silu(gate x) * up x, fused in one matmul when gate and up share a type.
void gated_up(StepContext& c, const Matrix& gate, const Matrix& up, const ops::QuantizedActs& x, float* h);

template <class K, bool B>
void run(step::ffn_up<K, B>, StepContext& c) {
    if constexpr (std::is_same_v<K, swiglu>) {
        gated_up(c, c.w.w_gate, c.w.w_up, acts_for(c, c.w.w_gate.type), c.s.hb.data());
    } else {
        // The activation is ggml's fp16-table GELU, applied here (ops' Activation::gelu is exact).
        ops::matmul(c.w.w_up.ref(), c.hp.n_ff, acts_for(c, c.w.w_up.type), c.s.hb.data(), c.pool,
                    {.bias = c.w.b_up.data});
        kernels::gelu(c.s.hb.data(), c.n * c.hp.n_ff);
    }
}

template <bool B>
void load(step::ffn_down_residual<B>, LayerWeights& w, const WeightLoader& L, const std::string& blk, const Hparams& hp) {
    w.w_down = L.matrix(blk + "ffn_down.weight", hp.n_embd, hp.n_ff);
    if constexpr (B) w.b_down = L.vector(blk + "ffn_down.bias", hp.n_embd);
}
template <bool B>
void run(step::ffn_down_residual<B>, StepContext& c) {
    ops::matmul(c.w.w_down.ref(), c.hp.n_embd, c.hp.n_ff, c.s.hb.data(), c.n, c.s.x.data(), c.pool,
                {.bias = c.w.b_down.data, .residual = residual_input(c)});
}

template <class E>
void load(step::moe_experts<E>, LayerWeights& w, const WeightLoader& L, const std::string& blk, const Hparams& hp) {
    static_assert(std::is_same_v<E, swiglu>, "MoE experts are SwiGLU");
    if (hp.n_expert <= 0) L.file().fail(hp.arch + ".expert_count", "missing for a mixture-of-experts architecture");
    if (hp.n_ff <= 0) L.file().fail(hp.arch + ".feed_forward_length", "missing");
    w.router = L.matrix(blk + "ffn_gate_inp.weight", hp.n_expert, hp.n_embd);
    w.gate_exps = L.matrix(blk + "ffn_gate_exps.weight", hp.n_ff, hp.n_embd, hp.n_expert);
    w.up_exps = L.matrix(blk + "ffn_up_exps.weight", hp.n_ff, hp.n_embd, hp.n_expert);
    w.down_exps = L.matrix(blk + "ffn_down_exps.weight", hp.n_embd, hp.n_ff, hp.n_expert);
}
void run_moe(StepContext& c);
template <class E>
void run(step::moe_experts<E>, StepContext& c) {
    run_moe(c);
}

}  // namespace steps
}  // namespace zigllm
