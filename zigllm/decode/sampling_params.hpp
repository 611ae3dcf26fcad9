// The sampler settings of a generation run and the chain they make, in the order and with the
// defaults of llama.cpp's common_params_sampling / common_sampler_init (July 2025), so that
// `zigllm run` flags mean what llama-cli's do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zigllm/decode/sampling.hpp"

namespace zigllm::decode {

enum class SamplerStage { penalties, dry, top_n_sigma, top_k, typical, top_p, min_p, xtc, temperature };

struct SamplingParams {
    static constexpr uint32_t random_seed = 0xFFFFFFFFu;  // LLAMA_DEFAULT_SEED: pick one at random
    uint32_t seed = random_seed;
    int32_t min_keep = 0;
    int32_t top_k = 40;
    float top_p = 0.95f;
    float min_p = 0.05f;
    float xtc_probability = 0.0f;
    float xtc_threshold = 0.10f;
    float typical_p = 1.0f;
    float temp = 0.80f;              // <= 0: greedy (argmax in id order, lowest id on ties)
    float dynatemp_range = 0.0f;
    float dynatemp_exponent = 1.0f;
    int32_t penalty_last_n = 64;     // -1: the context size
    float penalty_repeat = 1.0f;
    float penalty_freq = 0.0f;
    float penalty_present = 0.0f;
    float dry_multiplier = 0.0f;
    float dry_base = 1.75f;
    int32_t dry_allowed_length = 2;
    int32_t dry_penalty_last_n = -1;
    std::vector<std::string> dry_sequence_breakers{"\n", ":", "\"", "*"};
    int32_t mirostat = 0;            // 0 off, 1 v1, 2 v2
    float mirostat_tau = 5.0f;
    float mirostat_eta = 0.1f;
    float top_n_sigma = -1.0f;
    std::vector<std::pair<Token, float>> logit_bias;
    std::vector<SamplerStage> stages{SamplerStage::penalties, SamplerStage::dry,   SamplerStage::top_n_sigma,
                                     SamplerStage::top_k,     SamplerStage::typical, SamplerStage::top_p,
                                     SamplerStage::min_p,     SamplerStage::xtc,   SamplerStage::temperature};
};

// llama-cli's --samplers list: names separated by ';' (also ',' or spaces), canonical (penalties,
// dry, top_n_sigma, top_k, typ_p, top_p, min_p, xtc, temperature) or llama.cpp's alternatives
// (top-k, nucleus, typical, temp, ...). An unknown name: Error("-", option, ...).
std::vector<SamplerStage> parse_sampler_stages(std::string_view names, const std::string& option);

// llama-cli's --logit-bias TOKEN_ID(+|-)BIAS, e.g. "15043+1", "2-inf". Error("-", option, ...)
// for anything else.
std::pair<Token, float> parse_logit_bias(std::string_view text, const std::string& option);

// The seed actually used: params.seed, or a random one for random_seed.
uint32_t resolve_seed(uint32_t seed);

// logit bias -> (mirostat: temp -> mirostat v1/v2 | stages -> dist). temp <= 0 (and no mirostat):
// logit bias, penalties and DRY, then greedy, so that the choice is the argmax in id order.
// vocab tokenizes DRY's string breakers (may be null: then DRY runs without breakers); n_ctx_train
// bounds DRY's window; penalty_last_n / dry_penalty_last_n = -1 mean n_ctx.
Chain make_sampler_chain(const SamplingParams& params, const Vocab* vocab, int32_t n_vocab, int32_t n_ctx_train,
                         int32_t n_ctx);

}  // namespace zigllm::decode
