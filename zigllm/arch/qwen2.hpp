// Qwen2: LLaMA's layer with NeoX-style RoPE and biases on the q/k/v projections.
#pragma once
#include "zigllm/graph/ops.hpp"

namespace zigllm::arch {
using Qwen2 = decoder<token_embedding,
                      layer<pre_norm<rms_norm>, attention<rope<rope_style::neox>, heads::grouped, bias>,
                            pre_norm<rms_norm>, ffn<swiglu>>,
                      final_norm<rms_norm>, lm_head<>>;
}
