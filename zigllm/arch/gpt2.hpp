// GPT-2: learned positions, LayerNorm, full multi-head attention with biases, GELU MLP; output
// tied to token_embd when the file has no output.weight.
#pragma once
#include "zigllm/graph/ops.hpp"

namespace zigllm::arch {
using Gpt2 = decoder<token_embedding, learned_positions,
                     layer<pre_norm<layer_norm>, attention<no_rope, heads::full, bias>,
                           pre_norm<layer_norm>, ffn<gelu_mlp, bias>>,
                     final_norm<layer_norm>, lm_head<>>;
}
