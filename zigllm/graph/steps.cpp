#include "zigllm/graph/steps.hpp"

#include <numeric>
#include <vector>

namespace zigllm::steps {

void gated_up(StepContext& c, const Matrix& gate, const Matrix& up, const ops::QuantizedActs& x, float* h) {
    if (gate.type == up.type) {
        ops::matmul_gated(gate.ref(), up.ref(), gate.rows, x, h, c.pool, ops::Activation::silu);
        return;
    }
    // Different types (some llama.cpp mixes): two matmuls, each on its own activation format.
    const int64_t n = x.n_rows, ff = gate.rows;
    ops::matmul(gate.ref(), ff, acts_for(c, gate.type), h, c.pool, {.act = ops::Activation::silu});
    ops::matmul(up.ref(), ff, acts_for(c, up.type), c.s.hb2.data(), c.pool);
    for (int64_t i = 0; i < n * ff; ++i) h[i] *= c.s.hb2[i];
}

// Mixtral's sparse FFN (llama.cpp build_moe_ffn, softmax gating, weights renormalized over the
// top-k): tokens are grouped by expert so that each expert's matrices are read once per batch.
void run_moe(StepContext& c) {
    const Hparams& hp = c.hp;
    const int64_t E = hp.n_embd, ne = hp.n_expert, k = hp.n_expert_used, n = c.n;
    Scratch& s = c.s;
    ops::matmul(c.w.router.ref(), ne, acts_for(c, c.w.router.type), s.router.data(), c.pool);
    std::vector<int32_t> order(ne);
    for (int64_t i = 0; i < n; ++i) {
        float* r = s.router.data() + i * ne;
        float mx = *std::max_element(r, r + ne);
        double sum = 0.0;
        for (int64_t e = 0; e < ne; ++e) sum += (r[e] = std::exp(r[e] - mx));
        for (int64_t e = 0; e < ne; ++e) r[e] = static_cast<float>(r[e] / sum);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return r[a] > r[b]; });
        float wsum = 0.0f;
        for (int64_t j = 0; j < k; ++j) wsum += r[order[j]];
        for (int64_t j = 0; j < k; ++j) {
            s.sel[i * k + j] = order[j];
            s.sel_w[i * k + j] = r[order[j]] / wsum;
        }
    }
    std::vector<float> acc(n * E, 0.0f);
    std::vector<int64_t> rows;
    std::vector<float> weights;
    ops::QuantizedActs xq;
    for (int64_t e = 0; e < ne; ++e) {
        rows.clear();
        weights.clear();
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < k; ++j)
                if (s.sel[i * k + j] == e) { rows.push_back(i); weights.push_back(s.sel_w[i * k + j]); }
        if (rows.empty()) continue;
        const int64_t m = static_cast<int64_t>(rows.size());
        for (int64_t r = 0; r < m; ++r) std::copy_n(s.xb.data() + rows[r] * E, E, s.gather.data() + r * E);
        const Matrix gate = c.w.gate_exps.mat(e), up = c.w.up_exps.mat(e), down = c.w.down_exps.mat(e);
        ops::quantize_acts(gate.type, s.gather.data(), m, E, xq, c.pool);
        if (gate.type == up.type) {
            ops::matmul_gated(gate.ref(), up.ref(), hp.n_ff, xq, s.hb.data(), c.pool, ops::Activation::silu);
        } else {
            ops::matmul(gate.ref(), hp.n_ff, xq, s.hb.data(), c.pool, {.act = ops::Activation::silu});
            ops::matmul(up.ref(), hp.n_ff, E, s.gather.data(), m, s.hb2.data(), c.pool);
            for (int64_t i = 0; i < m * hp.n_ff; ++i) s.hb[i] *= s.hb2[i];
        }
        ops::matmul(down.ref(), E, hp.n_ff, s.hb.data(), m, s.expert_out.data(), c.pool);
        for (int64_t r = 0; r < m; ++r) {
            float* a = acc.data() + rows[r] * E;
            const float* o = s.expert_out.data() + r * E;
            for (int64_t d = 0; d < E; ++d) a[d] += weights[r] * o[d];
        }
    }
    for (int64_t i = 0; i < n * E; ++i) s.x[i] += acc[i];
}

}  // namespace zigllm::steps
