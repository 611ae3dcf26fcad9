// The vocabulary of architectures: ops as types that carry structure only.
//
// Nothing here holds a size, a count or a weight: those are run-time values read from the GGUF file
// (zigllm/graph/hparams.hpp). An architecture composes these tags into a `decoder<...>` type
// (zigllm/arch/*.hpp); zigllm/graph/plan.hpp turns its one `layer<...>` into a fused static plan.
#pragma once

#include <boost/hana.hpp>

namespace zigllm {

namespace hana = boost::hana;

// ---- norms --------------------------------------------------------------------------------------
struct rms_norm {};     // x / sqrt(mean(x^2) + eps) * w
struct layer_norm {};   // (x - mean) / sqrt(var + eps) * w + b

// ---- positions ----------------------------------------------------------------------------------
enum class rope_style { normal, neox };  // adjacent pairs (2i, 2i+1) | halves (i, i + n_rot/2)
// Rotary positions; the scaling (none, linear, yarn, llama3 frequency factors) is a run-time value.
template <rope_style S>
struct rope {
    static constexpr rope_style style = S;
};
struct no_rope {};
struct learned_positions {};   // position_embd.weight added to the token embedding
struct alibi {};               // planned: linear attention biases (not lowered yet)

// ---- attention ----------------------------------------------------------------------------------
namespace heads {
struct full {};      // n_head_kv == n_head
struct grouped {};   // n_head_kv divides n_head (MQA when 1)
}  // namespace heads
namespace window {
struct none {};      // causal over the whole context
struct sliding {};   // causal over the last `sliding_window` positions (length from GGUF)
}  // namespace window
struct bias {};      // the projections carry bias vectors

template <class Position, class Heads, class... Options>
struct attention {
    using position = Position;
    using heads_kind = Heads;
    static constexpr bool windowed = (std::is_same_v<Options, window::sliding> || ...);
    static constexpr bool has_bias = (std::is_same_v<Options, bias> || ...);
};

// ---- feed-forward -------------------------------------------------------------------------------
struct swiglu {};     // down(silu(gate x) * up x)
struct gelu_mlp {};   // down(gelu(up x + b) + b)
template <class Expert = swiglu>
struct moe {         // router softmax, top-k experts (counts from GGUF), renormalized weights
    using expert = Expert;
};

template <class Kind, class... Options>
struct ffn {
    using kind = Kind;
    static constexpr bool has_bias = (std::is_same_v<Options, bias> || ...);
};

// ---- composition --------------------------------------------------------------------------------
template <class Norm>
struct pre_norm {
    using norm = Norm;
};

// One transformer block; sub-layers in order. Layers repeat n_layer times at run time.
template <class... Parts>
struct layer {
    static constexpr auto parts = hana::tuple_t<Parts...>;
};

struct token_embedding {};
template <class Norm>
struct final_norm {
    using norm = Norm;
};
template <class... Options>
struct lm_head {};   // output.weight, tied to token_embd.weight when the file has none

template <class... Parts>
struct decoder {
    static constexpr auto parts = hana::tuple_t<Parts...>;
};

}  // namespace zigllm
