// Mixtral: LLaMA with a mixture of SwiGLU experts (top-k of llama.expert_count, softmax router).
#pragma once
#include "zigllm/graph/ops.hpp"

namespace zigllm::arch {
using Mixtral = decoder<token_embedding,
                        layer<pre_norm<rms_norm>, attention<rope<rope_style::normal>, heads::grouped>,
                              pre_norm<rms_norm>, ffn<moe<swiglu>>>,
                        final_norm<rms_norm>, lm_head<>>;
}
