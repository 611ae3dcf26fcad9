// The umbrella header: models, sessions, architectures and the registry.
#pragma once

#include "zigllm/arch/gpt2.hpp"
#include "zigllm/arch/llama.hpp"
#include "zigllm/arch/mistral.hpp"
#include "zigllm/arch/mixtral.hpp"
#include "zigllm/arch/qwen2.hpp"
#include "zigllm/arch/registry.hpp"
#include "zigllm/engine/model.hpp"
#include "zigllm/graph/ops.hpp"
#include "zigllm/graph/plan.hpp"
