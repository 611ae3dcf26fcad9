#include "zigllm/arch/registry.hpp"

#include "zigllm/arch/gpt2.hpp"
#include "zigllm/arch/llama.hpp"
#include "zigllm/arch/mistral.hpp"
#include "zigllm/arch/mixtral.hpp"
#include "zigllm/arch/qwen2.hpp"

namespace zigllm {

namespace {

enum class Kind { llama, mistral, mixtral, gpt2, qwen2 };

Kind kind_of(const io::GgufFile& f) {
    const std::string arch(f.architecture());
    if (arch == "llama") {
        if (f.get_uint("llama.expert_count", 0) > 0) return Kind::mixtral;
        if (f.get_uint("llama.attention.sliding_window", 0) > 0) return Kind::mistral;
        return Kind::llama;
    }
    if (arch == "gpt2") return Kind::gpt2;
    if (arch == "qwen2") return Kind::qwen2;
    f.fail("general.architecture", "unregistered architecture '" + arch + "' (registered: llama, gpt2, qwen2)");
}

template <class Arch>
std::string plan_for(const char* name) {
    return "architecture type: " + std::string(name) + "\n" + describe_layer_plan<typename detail::decoder_traits<Arch>::layer_type>();
}

}  // namespace

std::unique_ptr<AnyModel> load(const std::string& path) {
    // Decide from the metadata first (a cheap second mapping), then load through the type.
    Kind k = kind_of(io::GgufFile::open(path));
    switch (k) {
        case Kind::llama: return std::make_unique<Model<arch::Llama>>(path);
        case Kind::mistral: return std::make_unique<Model<arch::Mistral>>(path);
        case Kind::mixtral: return std::make_unique<Model<arch::Mixtral>>(path);
        case Kind::gpt2: return std::make_unique<Model<arch::Gpt2>>(path);
        case Kind::qwen2: return std::make_unique<Model<arch::Qwen2>>(path);
    }
    return nullptr;
}

std::string registered_type(const io::GgufFile& f) {
    switch (kind_of(f)) {
        case Kind::llama: return "Llama";
        case Kind::mistral: return "Mistral";
        case Kind::mixtral: return "Mixtral";
        case Kind::gpt2: return "Gpt2";
        case Kind::qwen2: return "Qwen2";
    }
    return {};
}

namespace {
std::string type_plan(Kind k) {
    switch (k) {
        case Kind::llama: return plan_for<arch::Llama>("Llama");
        case Kind::mistral: return plan_for<arch::Mistral>("Mistral");
        case Kind::mixtral: return plan_for<arch::Mixtral>("Mixtral");
        case Kind::gpt2: return plan_for<arch::Gpt2>("Gpt2");
        case Kind::qwen2: return plan_for<arch::Qwen2>("Qwen2");
    }
    return {};
}
}  // namespace

std::string describe_plan(const io::GgufFile& f) {
    std::string out = type_plan(kind_of(f));
    // The run-time half of the plan: sizes and, per matmul of layer 0, the weight type and the
    // activation format its input is quantized to (resolved once at load).
    const Hparams hp = Hparams::from_gguf(f);
    out += "hyperparameters: n_embd " + std::to_string(hp.n_embd) + ", n_layer " + std::to_string(hp.n_layer) +
           ", n_head " + std::to_string(hp.n_head) + "/" + std::to_string(hp.n_head_kv) + " kv, head_dim " +
           std::to_string(hp.head_dim) + ", n_ff " + std::to_string(hp.n_ff);
    if (hp.n_expert) out += ", experts " + std::to_string(hp.n_expert_used) + " of " + std::to_string(hp.n_expert);
    if (hp.sliding_window) out += ", sliding window " + std::to_string(hp.sliding_window);
    out += "\nmatmuls of blk.0 (weight type -> activation type):\n";
    for (const auto& t : f.tensors()) {
        if (t.name.substr(0, 6) != "blk.0." || t.n_dims < 2) continue;
        const bool ok = ops::supported(t.type);
        out += "  " + std::string(t.name) + ": " + std::string(type_name(t.type)) + " -> " +
               (ok ? std::string(type_name(ops::activation_type(t.type))) : std::string("(unsupported)")) + "\n";
    }
    return out;
}

}  // namespace zigllm
