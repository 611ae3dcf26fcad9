// LLaMA: RMSNorm, RoPE on adjacent pairs, grouped-query attention, SwiGLU.
#pragma once
#include "zigllm/graph/ops.hpp"

namespace zigllm::arch {
using Llama = decoder<token_embedding,
                      layer<pre_norm<rms_norm>, attention<rope<rope_style::normal>, heads::grouped>,
                            pre_norm<rms_norm>, ffn<swiglu>>,
                      final_norm<rms_norm>, lm_head<>>;
}
