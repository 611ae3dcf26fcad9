// Reading a decoder<...> type: which layer it repeats, its final norm, whether it adds learned
// positions. Used by Model<Arch> to build its plan and forward pass.
#pragma once

#include <type_traits>

#include "zigllm/graph/ops.hpp"
#include "zigllm/graph/plan.hpp"

namespace zigllm::detail {

template <class T> struct is_layer : std::false_type {};
template <class... P> struct is_layer<layer<P...>> : std::true_type {};
template <class T> struct is_final_norm : std::false_type {};
template <class N> struct is_final_norm<final_norm<N>> : std::true_type {};

template <class Decoder>
struct decoder_traits;

template <class... Parts>
struct decoder_traits<decoder<Parts...>> {
    static constexpr auto parts = hana::tuple_t<Parts...>;
    using layer_type = typename decltype(+*hana::find_if(parts, hana::trait<is_layer>))::type;
    using final_norm_type = typename decltype(+*hana::find_if(parts, hana::trait<is_final_norm>))::type::norm;
    static constexpr bool learned_positions = (std::is_same_v<Parts, zigllm::learned_positions> || ...);
    static constexpr bool has_token_embedding = (std::is_same_v<Parts, token_embedding> || ...);
    static_assert(has_token_embedding, "a decoder starts from token_embedding");
    static constexpr auto plan = plan_of(hana::type_c<layer_type>);
};

}  // namespace zigllm::detail
