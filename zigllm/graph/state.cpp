#include "zigllm/graph/state.hpp"

#include <algorithm>
#include <cstring>

#include "zigllm/graph/kernels.hpp"

namespace zigllm {

KvCache::KvCache(GgmlType type, int64_t n_layer, int64_t n_ctx, int64_t kv_dim)
    : type_(type), n_layer_(n_layer), n_ctx_(n_ctx), kv_dim_(kv_dim), elem_(type == GgmlType::F16 ? 2 : 4) {
    const size_t n = static_cast<size_t>(n_layer) * n_ctx * kv_dim * elem_;
    k_.assign(n, 0);
    v_.assign(n, 0);
}

void KvCache::store(int64_t layer, int64_t pos, const float* k, const float* v) {
    const size_t off = offset(layer, pos);
    if (type_ == GgmlType::F32) {
        std::memcpy(k_.data() + off, k, kv_dim_ * 4);
        std::memcpy(v_.data() + off, v, kv_dim_ * 4);
        return;
    }
    auto* kd = reinterpret_cast<uint16_t*>(k_.data() + off);
    auto* vd = reinterpret_cast<uint16_t*>(v_.data() + off);
    for (int64_t i = 0; i < kv_dim_; ++i) {
        kd[i] = kernels::f32_to_f16(k[i]);
        vd[i] = kernels::f32_to_f16(v[i]);
    }
}

namespace {
void load_row(const std::vector<uint8_t>& buf, GgmlType type, size_t off, int64_t o, int64_t n, float* dst) {
    if (type == GgmlType::F32) {
        std::memcpy(dst, buf.data() + off + o * 4, n * 4);
        return;
    }
    const auto* s = reinterpret_cast<const uint16_t*>(buf.data() + off) + o;
    for (int64_t i = 0; i < n; ++i) dst[i] = kernels::f16_to_f32(s[i]);
}
}  // namespace

void KvCache::load_k(int64_t layer, int64_t pos, int64_t o, int64_t n, float* dst) const {
    load_row(k_, type_, offset(layer, pos), o, n, dst);
}
void KvCache::load_v(int64_t layer, int64_t pos, int64_t o, int64_t n, float* dst) const {
    load_row(v_, type_, offset(layer, pos), o, n, dst);
}
const float* KvCache::k_f32(int64_t layer, int64_t pos) const {
    return reinterpret_cast<const float*>(k_.data() + offset(layer, pos));
}
const float* KvCache::v_f32(int64_t layer, int64_t pos) const {
    return reinterpret_cast<const float*>(v_.data() + offset(layer, pos));
}

void Scratch::reserve(const Hparams& hp, int64_t n) {
    if (n <= capacity) return;
    n = std::max(n, capacity);
    capacity = n;
    const int64_t ff = std::max<int64_t>(hp.n_ff, 1);
    x.resize(n * hp.n_embd);
    xb.resize(n * hp.n_embd);
    qkv.resize(n * (hp.q_dim() + 2 * hp.kv_dim()));
    att.resize(n * hp.q_dim());
    hb.resize(n * ff);
    hb2.resize(n * ff);
    if (hp.n_expert > 0) {
        router.resize(n * hp.n_expert);
        sel.resize(n * hp.n_expert_used);
        sel_w.resize(n * hp.n_expert_used);
        gather.resize(n * hp.n_embd);
        expert_out.resize(n * hp.n_embd);
    }
}

}  // namespace zigllm
