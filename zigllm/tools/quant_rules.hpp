// Which ggml type each tensor of a model gets when it is quantized to a target such as Q4_0 or Q4_K_M:
// llama.cpp's rules (llama_tensor_get_type and the "should this tensor be quantized" tests of
// llama_model_quantize_impl, src/llama-quant.cpp, July 2025), ported so that our files carry the same
// per-tensor types as llama.cpp's for the same input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zigllm/io/ggml_type.hpp"

namespace zigllm::io {
class GgufFile;
}

namespace zigllm::tools {

// A quantization target as named on the command line.
struct QuantTarget {
    std::string name;           // as llama.cpp spells it: "Q4_K_M", "Q8_0", "F16" ...
    uint32_t ftype = 0;         // llama_ftype written to general.file_type
    GgmlType default_type = GgmlType::F16;
    // Bare ggml type names that are no llama.cpp mix (Q3_K, Q4_K, Q5_K): every 2-D weight gets the
    // type; only token_embd/output follow llama.cpp's rule for it. llama.cpp's own names (Q4_0, Q2_K,
    // Q6_K, IQ4_NL, Q4_K_M ...) apply llama.cpp's full rule set for that ftype.
    bool uniform = false;
};

// The target for a name (case-insensitive), or nullopt when it is neither a llama.cpp quantization
// type nor a ggml weight type.
std::optional<QuantTarget> parse_quant_target(std::string_view name);
// The same, refusing an unknown name with zigllm::Error("-", "TYPE", ...) that lists the valid ones.
QuantTarget require_quant_target(std::string_view name);
// Names parse_quant_target accepts, for help texts.
std::string quant_target_names();

// The hyperparameters the rules look at.
struct ModelHparams {
    std::string arch;           // general.architecture
    int n_layer = 0;
    int n_head = 0;
    int n_head_kv = 0;
    int n_expert = 0;
    bool is_70b = false;        // llama.cpp's LLM_TYPE_70B (llama family, 80 layers, GQA)
    int n_gqa() const { return n_head_kv > 0 ? n_head / n_head_kv : 0; }
};
// Read from a GGUF's {arch}.* keys (counts given per layer as arrays use layer 0, as llama.cpp does).
ModelHparams hparams_from_gguf(const io::GgufFile& f);

struct TensorShape {
    std::string name;
    GgmlType type;              // the type it has now
    std::vector<int64_t> ne;    // ggml order, ne[0] = row length
};

struct TensorPlan {
    bool convert = false;       // false: bytes copied unchanged
    GgmlType type;              // the output type
};

struct PlanOptions {
    bool pure = false;          // llama-quantize --pure: every quantized tensor takes the default type
};

// llama.cpp's processing order: tensors without a layer first, then by layer, by name within each
// (llama_model_loader's weight_name_comparer). The counters in the rules depend on this order.
std::vector<size_t> llama_tensor_order(const std::vector<TensorShape>& tensors);

// The plan for every tensor (same indexing as `tensors`), evaluated in llama_tensor_order. Refuses,
// as llama.cpp does, the very low-bit types that need an importance matrix.
std::vector<TensorPlan> plan_quantization(const ModelHparams& hp, const std::vector<TensorShape>& tensors,
                                          const QuantTarget& target, const PlanOptions& opts = {});

}  // namespace zigllm::tools
