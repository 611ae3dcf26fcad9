#include "zigllm/tools/synth.hpp"

#include <cmath>
#include <functional>

#include "zigllm/io/error.hpp"
#include "zigllm/io/gguf.hpp"
#include "zigllm/tools/join_names.hpp"
#include "zigllm/tools/quant_rules.hpp"
#include "zigllm/tools/quantize.hpp"
#include "zigllm/tools/row_convert.hpp"
#include "zigllm/tools/synth_vocab.hpp"

namespace zigllm::tools {
namespace {

constexpr SynthShape kShapes[] = {
    {"tiny", 64, 2, 4, 2, 192, 512, 512},
    {"125m", 768, 12, 12, 12, 2048, 32000, 2048},
    {"tinyllama-1.1b", 2048, 22, 32, 4, 5632, 32000, 2048},
};

// Uniform values in [center - a, center + a), a = sqrt(3) * std: one independent stream per row,
// seeded from (seed, tensor, row), so rows can be generated in any order on any thread.
struct Init {
    float center = 0.0f;
    float std = 1.0f;
};

uint64_t mix64(uint64_t x) {  // splitmix64 finalizer
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

FloatRowSource random_rows(Init init, int64_t cols, uint64_t seed, uint64_t tensor_id) {
    const float a = init.std * std::sqrt(3.0f) / 2147483648.0f;
    const float c = init.center;
    const uint64_t base = mix64(seed ^ mix64(tensor_id + 0x51ed27ull));
    return [=](int64_t row, float* dst) {
        uint64_t s = mix64(base ^ static_cast<uint64_t>(row) * 0xd1b54a32d192ed03ull) | 1;  // xorshift needs s != 0
        for (int64_t i = 0; i < cols; i += 2) {
            // xorshift64* step: two 32-bit signed halves per draw
            s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
            const uint64_t r = s * 0x2545f4914f6cdd1dull;
            dst[i] = c + a * static_cast<float>(static_cast<int32_t>(static_cast<uint32_t>(r)));
            if (i + 1 < cols) dst[i + 1] = c + a * static_cast<float>(static_cast<int32_t>(static_cast<uint32_t>(r >> 32)));
        }
    };
}

struct SynthTensor {
    std::string name;
    std::vector<int64_t> ne;
    Init init;
};

// LLaMA (general.architecture = llama): RMSNorm, RoPE, GQA attention, SwiGLU, untied output.
std::vector<SynthTensor> llama_tensors(const SynthShape& s) {
    const int64_t e = s.n_embd, kv = static_cast<int64_t>(s.n_embd) / s.n_head * s.n_head_kv, ff = s.n_ff, v = s.n_vocab;
    const float w_embd = 1.0f / std::sqrt(static_cast<float>(e)), w_ff = 1.0f / std::sqrt(static_cast<float>(ff));
    const Init norm{1.0f, 0.05f};
    // Final RMSNorm leaves unit-rms vectors: an output std of 4/sqrt(n_embd) gives logits of std ~4.
    std::vector<SynthTensor> t = {
        {"token_embd.weight", {e, v}, {0.0f, 1.0f}},
        {"output_norm.weight", {e}, norm},
        {"output.weight", {e, v}, {0.0f, 4.0f * w_embd}},
    };
    for (int l = 0; l < s.n_layer; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        t.push_back({p + "attn_norm.weight", {e}, norm});
        t.push_back({p + "attn_q.weight", {e, e}, {0.0f, w_embd}});
        t.push_back({p + "attn_k.weight", {e, kv}, {0.0f, w_embd}});
        t.push_back({p + "attn_v.weight", {e, kv}, {0.0f, w_embd}});
        t.push_back({p + "attn_output.weight", {e, e}, {0.0f, w_embd}});
        t.push_back({p + "ffn_norm.weight", {e}, norm});
        t.push_back({p + "ffn_gate.weight", {e, ff}, {0.0f, w_embd}});
        t.push_back({p + "ffn_up.weight", {e, ff}, {0.0f, w_embd}});
        t.push_back({p + "ffn_down.weight", {ff, e}, {0.0f, w_ff}});
    }
    return t;
}

// GPT-2 (general.architecture = gpt2): LayerNorm with biases, learned positions, fused QKV, GELU MLP,
// output tied to token_embd (no output.weight; llama.cpp ties it). Multi-head attention: the shape's
// KV head count does not apply. The tokenizer is the same SPM vocabulary (llama.cpp picks the
// tokenizer from tokenizer.ggml.model, independently of the architecture).
std::vector<SynthTensor> gpt2_tensors(const SynthShape& s) {
    const int64_t e = s.n_embd, ff = s.n_ff, v = s.n_vocab;
    const float w_embd = 1.0f / std::sqrt(static_cast<float>(e)), w_ff = 1.0f / std::sqrt(static_cast<float>(ff));
    const Init norm{1.0f, 0.05f}, bias{0.0f, 0.02f};
    // Tied output: the final LayerNorm gives unit-variance vectors, so embeddings of std 4/sqrt(n_embd)
    // make logits of std ~4.
    std::vector<SynthTensor> t = {
        {"token_embd.weight", {e, v}, {0.0f, 4.0f * w_embd}},
        {"position_embd.weight", {e, s.n_ctx}, {0.0f, 2.0f * w_embd}},
        {"output_norm.weight", {e}, norm},
        {"output_norm.bias", {e}, bias},
    };
    for (int l = 0; l < s.n_layer; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        t.push_back({p + "attn_norm.weight", {e}, norm});
        t.push_back({p + "attn_norm.bias", {e}, bias});
        t.push_back({p + "attn_qkv.weight", {e, 3 * e}, {0.0f, w_embd}});
        t.push_back({p + "attn_qkv.bias", {3 * e}, bias});
        t.push_back({p + "attn_output.weight", {e, e}, {0.0f, w_embd}});
        t.push_back({p + "attn_output.bias", {e}, bias});
        t.push_back({p + "ffn_norm.weight", {e}, norm});
        t.push_back({p + "ffn_norm.bias", {e}, bias});
        t.push_back({p + "ffn_up.weight", {e, ff}, {0.0f, w_embd}});
        t.push_back({p + "ffn_up.bias", {ff}, bias});
        t.push_back({p + "ffn_down.weight", {ff, e}, {0.0f, w_ff}});
        t.push_back({p + "ffn_down.bias", {e}, bias});
    }
    return t;
}

void common_metadata(io::GgufWriter& w, const std::string& arch, const SynthShape& s) {
    w.set_string("general.architecture", arch);
    w.set_string("general.name", "zigllm-synth-" + arch + "-" + s.name);
    w.set_string("general.description", "random-weight model written by zigllm synth");
    w.set_u32(arch + ".context_length", static_cast<uint32_t>(s.n_ctx));
    w.set_u32(arch + ".embedding_length", static_cast<uint32_t>(s.n_embd));
    w.set_u32(arch + ".block_count", static_cast<uint32_t>(s.n_layer));
    w.set_u32(arch + ".feed_forward_length", static_cast<uint32_t>(s.n_ff));
    w.set_u32(arch + ".attention.head_count", static_cast<uint32_t>(s.n_head));
}

void gpt2_metadata(io::GgufWriter& w, const SynthShape& s) {
    common_metadata(w, "gpt2", s);
    w.set_f32("gpt2.attention.layer_norm_epsilon", 1e-5f);
}

void llama_metadata(io::GgufWriter& w, const SynthShape& s) {
    common_metadata(w, "llama", s);
    w.set_u32("llama.attention.head_count_kv", static_cast<uint32_t>(s.n_head_kv));
    w.set_u32("llama.rope.dimension_count", static_cast<uint32_t>(s.n_embd / s.n_head));
    w.set_f32("llama.rope.freq_base", 10000.0f);
    w.set_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    w.set_u32("llama.vocab_size", static_cast<uint32_t>(s.n_vocab));
}

struct SynthArch {
    const char* name;
    std::vector<SynthTensor> (*tensors)(const SynthShape&);
    void (*metadata)(io::GgufWriter&, const SynthShape&);
    bool grouped_kv;  // whether the shape's KV head count applies
};

constexpr SynthArch kArchs[] = {
    {"llama", llama_tensors, llama_metadata, true},
    {"gpt2", gpt2_tensors, gpt2_metadata, false},
};

}  // namespace

const SynthShape* find_synth_shape(std::string_view name) {
    for (const auto& s : kShapes)
        if (name == s.name) return &s;
    return nullptr;
}

std::string synth_shape_names() { return join_names(kShapes); }

std::string synth_arch_names() { return join_names(kArchs); }

void synth(const SynthOptions& o) {
    const SynthArch* arch = nullptr;
    for (const auto& a : kArchs)
        if (o.arch == a.name) arch = &a;
    if (!arch) throw Error("-", "--arch", "unknown architecture '" + o.arch + "' (known: " + synth_arch_names() + ")");
    const SynthShape* shape = find_synth_shape(o.shape);
    if (!shape) throw Error("-", "--shape", "unknown shape '" + o.shape + "' (known: " + synth_shape_names() + ")");
    const QuantTarget target = require_quant_target(o.type);
    if (o.out.empty()) throw Error("-", "--out", "no output file given");

    std::vector<SynthTensor> tensors = arch->tensors(*shape);
    ModelHparams hp{arch->name, shape->n_layer, shape->n_head, arch->grouped_kv ? shape->n_head_kv : shape->n_head, 0, false};
    std::vector<TensorShape> shapes;
    for (const auto& t : tensors) shapes.push_back({t.name, GgmlType::F32, t.ne});
    const std::vector<TensorPlan> plan = plan_quantization(hp, shapes, target);

    io::GgufWriter w;
    arch->metadata(w, *shape);
    w.set_u32("general.quantization_version", 2);
    w.set_u32("general.file_type", target.ftype);
    write_spm_vocab(w, make_spm_vocab(shape->n_vocab));
    const int threads = resolve_threads(o.threads);
    for (size_t i = 0; i < tensors.size(); ++i) {
        const GgmlType type = plan[i].type;
        if (!can_quantize_to(type))
            throw Error("-", tensors[i].name, "zigllm has no quantizer for " + std::string(type_name(type)) + " yet");
        add_converted_tensor(w, tensors[i].name, type, tensors[i].ne,
                             random_rows(tensors[i].init, tensors[i].ne[0], o.seed, i), threads);
    }
    write_atomically(w, o.out);
}

}  // namespace zigllm::tools
