// The static plan of one layer: a Boost.Hana pass over a `layer<...>` type that fuses its parts
// into the steps the engine runs, repeated n_layer times at run time.
//
// Fusions (named in the printed plan):
// - norm + activation quantization: a pre_norm followed by a projection becomes one step that
//   normalizes and quantizes once into the weight type's activation format, for every matmul that
//   reads it (wq|wk|wv, gate|up, the experts).
// - gate·act·up: SwiGLU's gate and up projections are one ops::matmul_gated call.
// - output step: bias and residual add are applied by the matmul's ops::OutputStep, not as passes.
#pragma once

#include <boost/hana.hpp>
#include <string>
#include <type_traits>

#include "zigllm/graph/ops.hpp"

namespace zigllm {

// ---- the steps of a plan ------------------------------------------------------------------------
namespace step {
enum class group { attention_input, ffn_input };
template <class Norm, group G>
struct norm_quantize {};                        // norm(x) -> quantized activations
template <group G>
struct quantize {};                             // no norm in front: quantize x as is
template <class Attention>
struct qkv_rope_store {};                       // matmul(wq|wk|wv) (+ bias) -> rope(q,k) -> kv store
template <class Attention>
struct attend {};                               // softmax(q k^T / sqrt(d)) v over the cache
template <bool Bias>
struct attn_output_residual {};                 // x += wo . att (+ bias)
template <class Kind, bool Bias>
struct ffn_up {};                               // swiglu: silu(gate)*up; gelu_mlp: gelu(up + b)
template <bool Bias>
struct ffn_down_residual {};                    // x += down . h (+ bias)
template <class Expert>
struct moe_experts {};                          // router, top-k experts, weighted sum + residual
}  // namespace step

namespace detail {

template <class T> struct is_pre_norm : std::false_type {};
template <class N> struct is_pre_norm<pre_norm<N>> : std::true_type {};
template <class T> struct is_attention : std::false_type {};
template <class... A> struct is_attention<attention<A...>> : std::true_type {};
template <class T> struct is_ffn : std::false_type {};
template <class... A> struct is_ffn<ffn<A...>> : std::true_type {};
template <class T> struct is_moe : std::false_type {};
template <class E> struct is_moe<moe<E>> : std::true_type {};

struct no_norm {};

// The input step of a projection group: fused with the pending norm when there is one.
template <step::group G, class Pending>
constexpr auto input_step(hana::basic_type<Pending>) {
    if constexpr (std::is_same_v<Pending, no_norm>) return hana::tuple_t<step::quantize<G>>;
    else return hana::tuple_t<step::norm_quantize<typename Pending::norm, G>>;
}

template <class Part, class Pending>
constexpr auto lower(hana::basic_type<Part>, hana::basic_type<Pending> pending) {
    if constexpr (is_attention<Part>::value) {
        return hana::concat(input_step<step::group::attention_input>(pending),
                            hana::tuple_t<step::qkv_rope_store<Part>, step::attend<Part>,
                                          step::attn_output_residual<Part::has_bias>>);
    } else if constexpr (is_ffn<Part>::value) {
        using Kind = typename Part::kind;
        if constexpr (is_moe<Kind>::value)
            return hana::concat(input_step<step::group::ffn_input>(pending), hana::tuple_t<step::moe_experts<typename Kind::expert>>);
        else
            return hana::concat(input_step<step::group::ffn_input>(pending),
                                hana::tuple_t<step::ffn_up<Kind, Part::has_bias>, step::ffn_down_residual<Part::has_bias>>);
    } else {
        static_assert(is_pre_norm<Part>::value, "a layer is made of pre_norm, attention and ffn parts");
        return hana::tuple_t<>;
    }
}

}  // namespace detail

// plan_of(layer<...>): the hana tuple of step types. The fold carries (steps so far, pending norm).
template <class... Parts>
constexpr auto plan_of(hana::basic_type<layer<Parts...>>) {
    auto result = hana::fold_left(
        hana::tuple_t<Parts...>, hana::make_pair(hana::tuple_t<>, hana::type_c<detail::no_norm>),
        [](auto state, auto part) {
            using Part = typename decltype(part)::type;
            if constexpr (detail::is_pre_norm<Part>::value) {
                return hana::make_pair(hana::first(state), part);
            } else {
                auto steps = detail::lower(part, hana::second(state));
                return hana::make_pair(hana::concat(hana::first(state), steps), hana::type_c<detail::no_norm>);
            }
        });
    return hana::first(result);
}

// ---- printing -----------------------------------------------------------------------------------
namespace detail {
inline const char* norm_name(rms_norm) { return "rms_norm"; }
inline const char* norm_name(layer_norm) { return "layer_norm"; }
template <class P> std::string position_name(P) {
    if constexpr (std::is_same_v<P, no_rope>) return "";
    else if constexpr (P::style == rope_style::normal) return " -> rope(q,k)";
    else return " -> rope_neox(q,k)";
}
inline std::string heads_name(heads::full) { return "mha"; }
inline std::string heads_name(heads::grouped) { return "gqa"; }

template <class S> struct describe;
template <class N, step::group G> struct describe<step::norm_quantize<N, G>> {
    static std::string text() {
        std::string v = G == step::group::attention_input ? "x" : "h";
        return std::string(norm_name(N{})) + "(" + v + ") -> quantize_act(" + v + ")   [fused: norm + activation quantization]";
    }
};
template <step::group G> struct describe<step::quantize<G>> {
    static std::string text() { return "quantize_act(x)"; }
};
template <class A> struct describe<step::qkv_rope_store<A>> {
    static std::string text() {
        return std::string("matmul(wq|wk|wv, x)") + (A::has_bias ? " + bias" : "") +
               position_name(typename A::position{}) + " -> kv_cache.store(k,v)";
    }
};
template <class A> struct describe<step::attend<A>> {
    static std::string text() {
        return "attention(q, kv_cache, causal" + std::string(A::windowed ? ", sliding window" : "") + ", " +
               heads_name(typename A::heads_kind{}) + ")";
    }
};
template <bool B> struct describe<step::attn_output_residual<B>> {
    static std::string text() { return std::string("matmul(wo)") + (B ? " + bias" : "") + " + residual   [fused: output step]"; }
};
template <bool B> struct describe<step::ffn_up<swiglu, B>> {
    static std::string text() { return "matmul(w_gate, w_up) -> silu(gate)*up   [fused: gate·act·up at the output step]"; }
};
template <bool B> struct describe<step::ffn_up<gelu_mlp, B>> {
    static std::string text() { return std::string("matmul(w_up)") + (B ? " + bias" : "") + " -> gelu   [fused: output step]"; }
};
template <bool B> struct describe<step::ffn_down_residual<B>> {
    static std::string text() { return std::string("matmul(w_down)") + (B ? " + bias" : "") + " + residual   [fused: output step]"; }
};
template <class E> struct describe<step::moe_experts<E>> {
    static std::string text() {
        return "router softmax -> top-k experts: matmul(w_gate_e, w_up_e) -> silu(gate)*up -> matmul(w_down_e) "
               "-> weighted sum + residual   [fused: gate·act·up]";
    }
};
}  // namespace detail

// The printed plan of one layer of a decoder type, e.g. `zigllm info --plan FILE`.
template <class Layer>
std::string describe_layer_plan() {
    std::string out = "layer (x n_layer):\n";
    int i = 0;
    hana::for_each(plan_of(hana::type_c<Layer>), [&](auto s) {
        using S = typename decltype(s)::type;
        out += "  " + std::to_string(++i) + " " + detail::describe<S>::text() + "\n";
    });
    return out;
}

}  // namespace zigllm
