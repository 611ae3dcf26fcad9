// Mistral: LLaMA with a sliding attention window (length from llama.attention.sliding_window).
#pragma once
#include "zigllm/graph/ops.hpp"

namespace zigllm::arch {
using Mistral = decoder<token_embedding,
                        layer<pre_norm<rms_norm>, attention<rope<rope_style::normal>, heads::grouped, window::sliding>,
                              pre_norm<rms_norm>, ffn<swiglu>>,
                        final_norm<rms_norm>, lm_head<>>;
}
