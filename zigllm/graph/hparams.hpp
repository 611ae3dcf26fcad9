// Run-time hyperparameters of a model, read once from GGUF metadata (`<arch>.*` keys, llama.cpp's
// names and defaults).
#pragma once

#include <cstdint>
#include <string>

#include "zigllm/io/gguf.hpp"

namespace zigllm {

enum class RopeScaling { none, linear, yarn };

struct RopeParams {
    int n_rot = 0;               // rotated dims per head (rope.dimension_count, default head_dim)
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;     // 1 / rope.scaling.factor (linear and yarn)
    RopeScaling scaling = RopeScaling::none;
    // YaRN (llama.cpp's context defaults beta_fast 32, beta_slow 1; ext_factor 1 with yarn)
    float ext_factor = 0.0f, attn_factor = 1.0f, beta_fast = 32.0f, beta_slow = 1.0f;
    int n_ctx_orig = 0;
    const float* freq_factors = nullptr;  // rope_freqs.weight (llama3-style divisors), n_rot/2 values
};

struct Hparams {
    std::string arch;
    int64_t n_vocab = 0, n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, head_dim = 0, n_ff = 0;
    int64_t n_ctx_train = 0;
    int64_t n_expert = 0, n_expert_used = 0;
    int64_t sliding_window = 0;  // 0: none
    float norm_eps = 1e-5f;      // rms or layer-norm epsilon, whichever the architecture uses
    RopeParams rope;

    int64_t q_dim() const { return n_head * head_dim; }
    int64_t kv_dim() const { return n_head_kv * head_dim; }

    // Reads the keys; Error(file, key, ...) when a required one is absent or out of range.
    static Hparams from_gguf(const io::GgufFile& f);
};

}  // namespace zigllm
