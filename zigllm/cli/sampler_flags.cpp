#include "zigllm/cli/sampler_flags.hpp"

#include "zigllm/io/error.hpp"

namespace zigllm::cli {

void SamplerFlags::add_to(CLI::App& app) {
    decode::SamplingParams& p = params;
    // a numeric setting whose --help shows its default
    auto num = [&](const char* name, auto& value, const char* what) {
        app.add_option(name, value, what)->capture_default_str();
    };
    num("--temp", p.temp, "temperature (0: greedy, lowest id on ties)");
    num("--top-k", p.top_k, "top-k (0: off)");
    num("--top-p", p.top_p, "top-p (1: off)");
    num("--min-p", p.min_p, "min-p (0: off)");
    num("--typical", p.typical_p, "locally typical sampling, parameter p (1: off)");
    num("--top-nsigma", p.top_n_sigma, "top-n-sigma (-1: off)");
    num("--xtc-probability", p.xtc_probability, "XTC: probability of removing top tokens (0: off)");
    num("--xtc-threshold", p.xtc_threshold, "XTC: minimum probability of a removed token");
    num("--min-keep", p.min_keep, "candidates each truncating sampler keeps at least (0: none)");
    num("--dynatemp-range", p.dynatemp_range, "dynamic temperature: temp +- range (0: off)");
    num("--dynatemp-exp", p.dynatemp_exponent, "dynamic temperature exponent");
    num("--repeat-last-n", p.penalty_last_n, "tokens the penalties look back over (0: off, -1: context)");
    num("--repeat-penalty", p.penalty_repeat, "repetition penalty (1: off)");
    num("--presence-penalty", p.penalty_present, "presence penalty (0: off)");
    num("--frequency-penalty", p.penalty_freq, "frequency penalty (0: off)");
    num("--dry-multiplier", p.dry_multiplier, "DRY multiplier (0: off)");
    num("--dry-base", p.dry_base, "DRY base");
    num("--dry-allowed-length", p.dry_allowed_length, "DRY: repeats this long go unpenalized");
    num("--dry-penalty-last-n", p.dry_penalty_last_n, "DRY window (0: off, -1: context)");
    num("--mirostat", p.mirostat, "mirostat: 0 off, 1 v1, 2 v2 (replaces the other samplers)");
    num("--mirostat-lr", p.mirostat_eta, "mirostat learning rate eta");
    num("--mirostat-ent", p.mirostat_tau, "mirostat target entropy tau");
    num("--cfg-scale", cfg_scale, "classifier-free guidance scale (1: off)");
    app.add_option("--dry-sequence-breaker", dry_breakers,
                   "a DRY sequence breaker (repeatable; replaces the defaults \\n : \" *; 'none': no breakers)");
    app.add_option("-l,--logit-bias", logit_bias, "TOKEN_ID(+|-)BIAS, e.g. 15043+1 or 2-inf (repeatable)");
    app.add_option("--samplers", stages,
                   "sampler order, ';'-separated (default: penalties;dry;top_n_sigma;top_k;typ_p;top_p;min_p;xtc;"
                   "temperature)");
    app.add_option("-s,--seed", seed, "random seed (default and -1: random)");
    app.add_option("--cfg-negative-prompt", cfg_negative_prompt,
                   "classifier-free guidance: the unguided context's prompt");
}

void SamplerFlags::finish() {
    if (seed < -1 || seed > int64_t{0xFFFFFFFF}) throw Error("-", "--seed", "must be -1 (random) or 0..4294967295");
    params.seed = seed == -1 ? decode::SamplingParams::random_seed : static_cast<uint32_t>(seed);
    for (const std::string& b : logit_bias) params.logit_bias.push_back(decode::parse_logit_bias(b, "--logit-bias"));
    if (!dry_breakers.empty()) {
        params.dry_sequence_breakers.clear();
        for (const std::string& b : dry_breakers)
            if (b != "none") params.dry_sequence_breakers.push_back(b);
    }
    if (!stages.empty()) params.stages = decode::parse_sampler_stages(stages, "--samplers");
    if (params.mirostat < 0 || params.mirostat > 2) throw Error("-", "--mirostat", "must be 0, 1 or 2");
    if (params.min_keep < 0) throw Error("-", "--min-keep", "must be >= 0");
    if (params.penalty_last_n < -1) throw Error("-", "--repeat-last-n", "must be >= -1");
    if (params.dry_penalty_last_n < -1) throw Error("-", "--dry-penalty-last-n", "must be >= -1");
    if (params.dry_allowed_length < 0) throw Error("-", "--dry-allowed-length", "must be >= 0");
}

}  // namespace zigllm::cli
