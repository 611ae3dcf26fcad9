// SamplingParams -> Chain, as llama.cpp's common_sampler_init builds it.
#include "zigllm/decode/sampling_params.hpp"

#include <algorithm>
#include <random>

namespace zigllm::decode {

uint32_t resolve_seed(uint32_t seed) {
    if (seed != SamplingParams::random_seed) return seed;
    std::random_device rd;
    return rd();
}

Chain make_sampler_chain(const SamplingParams& p, const Vocab* vocab, int32_t n_vocab, int32_t n_ctx_train, int32_t n_ctx) {
    const uint32_t seed = resolve_seed(p.seed);
    const size_t min_keep = static_cast<size_t>(std::max(p.min_keep, 0));
    // -1 = the context size, as common_init_from_params resolves both windows
    const int32_t penalty_last_n = p.penalty_last_n == -1 ? n_ctx : p.penalty_last_n;
    const int32_t dry_last_n = p.dry_penalty_last_n == -1 ? n_ctx : p.dry_penalty_last_n;
    Chain c;
    if (!p.logit_bias.empty()) c.add(make_logit_bias(n_vocab, p.logit_bias));
    auto add_dry = [&] {
        if (p.dry_multiplier != 0.0f)
            c.add(make_dry(vocab, n_ctx_train, p.dry_multiplier, p.dry_base, p.dry_allowed_length, dry_last_n,
                           vocab ? p.dry_sequence_breakers : std::vector<std::string>{}));
    };
    if (p.mirostat == 1 || p.mirostat == 2) {
        c.add(make_temp(p.temp));
        if (p.mirostat == 1) c.add(make_mirostat(n_vocab, seed, p.mirostat_tau, p.mirostat_eta, 100));
        else c.add(make_mirostat_v2(seed, p.mirostat_tau, p.mirostat_eta));
        return c;
    }
    if (p.temp <= 0.0f) {  // greedy: only the samplers that keep the id order
        c.add(make_penalties(penalty_last_n, p.penalty_repeat, p.penalty_freq, p.penalty_present));
        add_dry();
        c.add(make_greedy());
        return c;
    }
    for (SamplerStage s : p.stages) {
        switch (s) {
        case SamplerStage::penalties:
            c.add(make_penalties(penalty_last_n, p.penalty_repeat, p.penalty_freq, p.penalty_present));
            break;
        case SamplerStage::dry: add_dry(); break;
        case SamplerStage::top_n_sigma: c.add(make_top_n_sigma(p.top_n_sigma)); break;
        case SamplerStage::top_k: c.add(make_top_k(p.top_k)); break;
        case SamplerStage::typical: c.add(make_typical(p.typical_p, min_keep)); break;
        case SamplerStage::top_p: c.add(make_top_p(p.top_p, min_keep)); break;
        case SamplerStage::min_p: c.add(make_min_p(p.min_p, min_keep)); break;
        case SamplerStage::xtc: c.add(make_xtc(p.xtc_probability, p.xtc_threshold, min_keep, seed)); break;
        case SamplerStage::temperature: c.add(make_temp_ext(p.temp, p.dynatemp_range, p.dynatemp_exponent)); break;
        }
    }
    c.add(make_dist(seed));
    return c;
}

}  // namespace zigllm::decode
