// Internal helpers shared by the sampler implementation files (not part of the public API).
#pragma once

#include <memory>

#include "zigllm/decode/sampling.hpp"

namespace zigllm::decode::detail {

// clone() by copy for samplers whose state is plain members.
template <class Derived, class Base = Sampler>
struct Cloneable : Base {
    SamplerPtr clone() const override { return std::make_unique<Derived>(static_cast<const Derived&>(*this)); }
};

}  // namespace zigllm::decode::detail
