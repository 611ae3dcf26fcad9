#include "zigllm/graph/hparams.hpp"

#include <cmath>

namespace zigllm {

namespace {

int64_t checked(const io::GgufFile& f, const std::string& key, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi)
        f.fail(key, "value " + std::to_string(v) + " out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
}

}  // namespace

Hparams Hparams::from_gguf(const io::GgufFile& f) {
    Hparams h;
    h.arch = std::string(f.architecture());
    if (h.arch.empty()) f.fail("general.architecture", "missing");
    const std::string p = h.arch + ".";
    auto req = [&](const char* k, int64_t lo, int64_t hi) {
        std::string key = p + k;
        return checked(f, key, static_cast<int64_t>(f.require_uint(key)), lo, hi);
    };
    auto opt = [&](const char* k, int64_t fallback, int64_t lo, int64_t hi) {
        std::string key = p + k;
        return checked(f, key, static_cast<int64_t>(f.get_uint(key, static_cast<uint64_t>(fallback))), lo, hi);
    };
    constexpr int64_t big = int64_t{1} << 24;
    h.n_embd = req("embedding_length", 1, big);
    h.n_layer = req("block_count", 1, 4096);
    h.n_head = req("attention.head_count", 1, 4096);
    h.n_head_kv = opt("attention.head_count_kv", h.n_head, 1, h.n_head);
    if (h.n_head % h.n_head_kv != 0)
        f.fail(p + "attention.head_count_kv", "does not divide attention.head_count");
    h.n_ff = opt("feed_forward_length", 0, 0, big);
    h.n_ctx_train = opt("context_length", 2048, 1, big);
    const int64_t head_dim_default = h.n_embd / h.n_head;
    h.head_dim = opt("attention.key_length", head_dim_default, 1, big);
    h.n_expert = opt("expert_count", 0, 0, 4096);
    h.n_expert_used = opt("expert_used_count", 0, 0, h.n_expert);
    if (h.n_expert > 0 && h.n_expert_used == 0) f.fail(p + "expert_used_count", "missing or 0 with expert_count > 0");
    h.sliding_window = opt("attention.sliding_window", 0, 0, big);

    if (f.find(p + "attention.layer_norm_rms_epsilon"))
        h.norm_eps = static_cast<float>(f.require_float(p + "attention.layer_norm_rms_epsilon"));
    else if (f.find(p + "attention.layer_norm_epsilon"))
        h.norm_eps = static_cast<float>(f.require_float(p + "attention.layer_norm_epsilon"));
    if (!(h.norm_eps >= 0.0f && h.norm_eps < 1.0f)) f.fail(p + "attention.layer_norm_epsilon", "out of range");

    RopeParams& r = h.rope;
    r.n_rot = static_cast<int>(opt("rope.dimension_count", h.head_dim, 0, h.head_dim));
    if (r.n_rot % 2 != 0) f.fail(p + "rope.dimension_count", "must be even");
    r.freq_base = static_cast<float>(f.get_float(p + "rope.freq_base", 10000.0));
    if (!(r.freq_base > 0.0f) || !std::isfinite(r.freq_base)) f.fail(p + "rope.freq_base", "must be positive");
    std::string type(f.get_string(p + "rope.scaling.type", "none"));
    float factor = static_cast<float>(f.get_float(p + "rope.scaling.factor", 0.0));
    if (!std::isfinite(factor) || factor < 0.0f) f.fail(p + "rope.scaling.factor", "must be >= 0");
    if (f.find(p + "rope.scale_linear")) factor = static_cast<float>(f.require_float(p + "rope.scale_linear"));
    if (type == "none") {
        r.scaling = RopeScaling::none;
        // llama.cpp applies a bare scaling.factor as linear (freq_scale = 1/factor) even without a type.
        if (factor > 0.0f && factor != 1.0f) { r.scaling = RopeScaling::linear; r.freq_scale = 1.0f / factor; }
    } else if (type == "linear") {
        r.scaling = RopeScaling::linear;
        r.freq_scale = factor > 0.0f ? 1.0f / factor : 1.0f;
    } else if (type == "yarn") {
        r.scaling = RopeScaling::yarn;
        r.freq_scale = factor > 0.0f ? 1.0f / factor : 1.0f;
        r.ext_factor = 1.0f;
        r.attn_factor = static_cast<float>(f.get_float(p + "rope.scaling.attn_factor", 1.0));
        r.n_ctx_orig = static_cast<int>(opt("rope.scaling.original_context_length", h.n_ctx_train, 1, big));
    } else {
        f.fail(p + "rope.scaling.type", "unsupported rope scaling '" + type + "' (none, linear, yarn)");
    }
    if (r.n_ctx_orig == 0) r.n_ctx_orig = static_cast<int>(h.n_ctx_train);
    return h;
}

}  // namespace zigllm
