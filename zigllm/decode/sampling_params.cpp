// SamplingParams -> Chain, as llama.cpp's common_sampler_init builds it.
#include "zigllm/decode/sampling_params.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>
#include <unordered_map>

#include "zigllm/io/error.hpp"

namespace zigllm::decode {

uint32_t resolve_seed(uint32_t seed) {
    if (seed != SamplingParams::random_seed) return seed;
    std::random_device rd;
    return rd();
}

std::vector<SamplerStage> parse_sampler_stages(std::string_view names, const std::string& option) {
    using S = SamplerStage;
    static const std::unordered_map<std::string_view, S> by_name{
        {"penalties", S::penalties}, {"dry", S::dry},           {"top_n_sigma", S::top_n_sigma},
        {"top_k", S::top_k},         {"typ_p", S::typical},     {"top_p", S::top_p},
        {"min_p", S::min_p},         {"xtc", S::xtc},           {"temperature", S::temperature},
        // llama.cpp's alternative spellings (common_sampler_types_from_names, allow_alt_names)
        {"top-k", S::top_k},         {"top-p", S::top_p},       {"top-n-sigma", S::top_n_sigma},
        {"nucleus", S::top_p},       {"typical-p", S::typical}, {"typical", S::typical},
        {"typ-p", S::typical},       {"typ", S::typical},       {"min-p", S::min_p},
        {"temp", S::temperature}};
    std::vector<SamplerStage> out;
    size_t i = 0;
    while (i < names.size()) {
        const size_t j = names.find_first_of("; ,", i);
        const std::string_view name = names.substr(i, j == std::string_view::npos ? names.size() - i : j - i);
        i = j == std::string_view::npos ? names.size() : j + 1;
        if (name.empty()) continue;
        auto it = by_name.find(name);
        if (it == by_name.end()) throw Error("-", option, "unknown sampler '" + std::string(name) + "'");
        out.push_back(it->second);
    }
    return out;
}

std::pair<Token, float> parse_logit_bias(std::string_view text, const std::string& option) {
    auto refuse = [&] {
        throw Error("-", option, "'" + std::string(text) + "' is not TOKEN_ID(+|-)BIAS, e.g. 15043+1 or 2-inf");
    };
    Token id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || id < 0 || end == text.data() + text.size() || (*end != '+' && *end != '-')) refuse();
    const float sign = *end == '-' ? -1.0f : 1.0f;
    const std::string rest(end + 1, text.data() + text.size());
    if (rest == "inf") return {id, sign * INFINITY};
    float v = 0.0f;
    auto [vend, vec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
    if (rest.empty() || vec != std::errc() || vend != rest.data() + rest.size() || !std::isfinite(v)) refuse();
    return {id, sign * v};
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
