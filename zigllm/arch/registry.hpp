// general.architecture (plus structural keys) -> architecture type -> a runnable model.
#pragma once

#include <memory>
#include <string>

#include "zigllm/engine/model.hpp"

namespace zigllm {

// Opens a GGUF file and instantiates the registered type for it: `llama` is Llama, or Mixtral when
// llama.expert_count > 0, or Mistral when llama.attention.sliding_window > 0; `gpt2` is Gpt2, `qwen2` Qwen2.
// Error(path, "general.architecture", ...) for an unregistered architecture.
std::unique_ptr<AnyModel> load(const std::string& path);

// The name of the type load() would pick ("Llama", "Mistral", ...); throws as load() does.
std::string registered_type(const io::GgufFile& f);

// The fused plan of one layer of the type registered for this file, as `zigllm info --plan` prints it.
std::string describe_plan(const io::GgufFile& f);

}  // namespace zigllm
