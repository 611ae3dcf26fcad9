// The sampler flags of `zigllm run`, named and defaulted as llama-cli's (common/arg.cpp, July 2025),
// filling a SamplingParams that builds the chain exactly as llama-cli's common_sampler_init would.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "zigllm/decode/sampling_params.hpp"

namespace zigllm::cli {

struct SamplerFlags {
    decode::SamplingParams params;
    // raw values resolved by finish() after parsing
    std::vector<std::string> logit_bias, dry_breakers;
    std::string stages;
    int64_t seed = -1;  // llama-cli's -1: a random seed
    // classifier-free guidance (llama.cpp's former --cfg-negative-prompt / --cfg-scale)
    std::string cfg_negative_prompt;
    float cfg_scale = 1.0f;

    void add_to(CLI::App& app);
    // Parses the list-valued flags into params; Error("-", flag, ...) on a bad value.
    void finish();
};

}  // namespace zigllm::cli
