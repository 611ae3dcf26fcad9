// Port of llama.cpp's per-tensor quantization type rules (src/llama-quant.cpp, July 2025). The branch
// structure follows llama_tensor_get_type line for line so the two can be compared side by side.
#include "zigllm/tools/quant_rules.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "zigllm/io/error.hpp"
#include "zigllm/io/gguf.hpp"
#include "zigllm/tools/join_names.hpp"

namespace zigllm::tools {
namespace {

using T = GgmlType;

// llama_ftype values (include/llama.h).
enum Ftype : uint32_t {
    ALL_F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q8_0 = 7, Q5_0 = 8, Q5_1 = 9, Q2_K = 10,
    Q3_K_S = 11, Q3_K_M = 12, Q3_K_L = 13, Q4_K_S = 14, Q4_K_M = 15, Q5_K_S = 16, Q5_K_M = 17,
    Q6_K = 18, IQ2_XXS = 19, IQ2_XS = 20, Q2_K_S = 21, IQ3_XS = 22, IQ3_XXS = 23, IQ1_S = 24,
    IQ4_NL = 25, IQ3_S = 26, IQ3_M = 27, IQ2_S = 28, IQ2_M = 29, IQ4_XS = 30, IQ1_M = 31, BF16 = 32,
    TQ1_0 = 36, TQ2_0 = 37,
};

struct Named {
    const char* name;
    uint32_t ftype;
    GgmlType type;      // llama_model_quantize_impl's default_type for the ftype
    bool uniform;
};

// llama.cpp's quantization names, then the bare ggml weight types it has no ftype of its own for.
constexpr Named kTargets[] = {
    {"F32", ALL_F32, T::F32, false},      {"F16", F16, T::F16, false},
    {"BF16", BF16, T::BF16, false},       {"Q4_0", Q4_0, T::Q4_0, false},
    {"Q4_1", Q4_1, T::Q4_1, false},       {"Q5_0", Q5_0, T::Q5_0, false},
    {"Q5_1", Q5_1, T::Q5_1, false},       {"Q8_0", Q8_0, T::Q8_0, false},
    {"Q2_K", Q2_K, T::Q2_K, false},       {"Q2_K_S", Q2_K_S, T::Q2_K, false},
    {"Q3_K_S", Q3_K_S, T::Q3_K, false},   {"Q3_K_M", Q3_K_M, T::Q3_K, false},
    {"Q3_K_L", Q3_K_L, T::Q3_K, false},   {"Q4_K_S", Q4_K_S, T::Q4_K, false},
    {"Q4_K_M", Q4_K_M, T::Q4_K, false},   {"Q5_K_S", Q5_K_S, T::Q5_K, false},
    {"Q5_K_M", Q5_K_M, T::Q5_K, false},   {"Q6_K", Q6_K, T::Q6_K, false},
    {"IQ2_XXS", IQ2_XXS, T::IQ2_XXS, false}, {"IQ2_XS", IQ2_XS, T::IQ2_XS, false},
    {"IQ2_S", IQ2_S, T::IQ2_XS, false},   {"IQ2_M", IQ2_M, T::IQ2_S, false},
    {"IQ1_S", IQ1_S, T::IQ1_S, false},    {"IQ1_M", IQ1_M, T::IQ1_M, false},
    {"IQ3_XXS", IQ3_XXS, T::IQ3_XXS, false}, {"IQ3_XS", IQ3_XS, T::IQ3_S, false},
    {"IQ3_S", IQ3_S, T::IQ3_S, false},    {"IQ3_M", IQ3_M, T::IQ3_S, false},
    {"IQ4_NL", IQ4_NL, T::IQ4_NL, false}, {"IQ4_XS", IQ4_XS, T::IQ4_XS, false},
    {"TQ1_0", TQ1_0, T::TQ1_0, false},    {"TQ2_0", TQ2_0, T::TQ2_0, false},
    // Bare K types: uniform; file_type says "mostly Qn_K" with the small mix's id.
    {"Q3_K", Q3_K_S, T::Q3_K, true},      {"Q4_K", Q4_K_S, T::Q4_K, true},
    {"Q5_K", Q5_K_S, T::Q5_K, true},
};

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
        if (x != y) return false;
    }
    return true;
}

bool is_quantized(GgmlType t) {
    switch (t) {
        case T::F32: case T::F16: case T::BF16: case T::I8: case T::I16: case T::I32: case T::I64:
        case T::F64: return false;
        default: return true;
    }
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

int layer_of(const std::string& name) {
    int layer = -1;
    std::sscanf(name.c_str(), "blk.%d.", &layer);
    return layer;
}

// ggml_n_dims: trailing dimensions of size 1 do not count.
int n_dims(const std::vector<int64_t>& ne) {
    int n = static_cast<int>(ne.size());
    while (n > 1 && ne[static_cast<size_t>(n - 1)] == 1) --n;
    return n;
}

// The "quantize &= ..." tests of llama_model_quantize_impl (default parameters).
bool should_quantize(const TensorShape& t) {
    const std::string& name = t.name;
    static const char* const kKeep[] = {
        "_norm.weight", "ffn_gate_inp.weight", "altup", "laurel", "per_layer_model_proj",
        "ssm_conv1d.weight", "shortconv.conv.weight", "time_mix_first.weight", "time_mix_w0.weight",
        "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight",
        "time_mix_v2.weight", "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight",
        "time_mix_g1.weight", "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
        "time_mix_lerp_fused.weight", "attn_rel_b.weight",
    };
    if (name.size() < 6 || name.compare(name.size() - 6, 6, "weight") != 0) return false;
    if (n_dims(t.ne) < 2) return false;
    for (const char* k : kKeep)
        if (contains(name, k)) return false;
    return name != "position_embd.weight" && name != "token_types.weight";
}

// quantize_state_impl: the counters the rules carry from tensor to tensor.
struct State {
    const ModelHparams& hp;
    uint32_t ftype;
    bool uniform;
    bool has_output = false;
    int n_attention_wv = 0, n_ffn_down = 0, n_ffn_gate = 0, n_ffn_up = 0;
    int i_attention_wv = 0, i_ffn_down = 0, i_ffn_gate = 0, i_ffn_up = 0;
};

bool use_more_bits(int i_layer, int n_layers) {
    return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

// For MoE models the layer comes from the name (experts are not stored consecutively).
std::pair<int, int> layer_info(const State& qs, int i_layer, int n_layer, const std::string& name) {
    if (std::max(1, qs.hp.n_expert) > 1) {
        if (std::sscanf(name.c_str(), "blk.%d.", &i_layer) != 1)
            throw Error("-", name, "cannot determine the layer of this tensor");
        if (i_layer < 0 || i_layer >= n_layer)
            throw Error("-", name, "layer " + std::to_string(i_layer) + " outside [0, " + std::to_string(n_layer) + ")");
    }
    return {i_layer, n_layer};
}

bool is_iq12_ftype(uint32_t f) {
    return f == IQ2_XXS || f == IQ2_XS || f == IQ1_S || f == IQ2_S || f == IQ2_M || f == IQ1_M;
}

GgmlType output_type(const State& qs, GgmlType new_type, const TensorShape& t) {
    const uint32_t ftype = qs.ftype;
    const int64_t qk = traits(new_type).block_size;
    if (qs.hp.arch == "falcon" || t.ne[0] % qk != 0) return T::Q8_0;
    if (ftype == IQ2_XXS || ftype == IQ2_XS || ftype == IQ3_XXS || ftype == IQ1_S || ftype == IQ2_S ||
        ftype == IQ2_M || ftype == IQ1_M)
        return T::Q5_K;
    if (new_type != T::Q8_0) return T::Q6_K;
    return new_type;
}

GgmlType token_embd_type(const State& qs, GgmlType new_type) {
    const uint32_t ftype = qs.ftype;
    if (ftype == IQ2_XXS || ftype == IQ2_XS || ftype == IQ1_S || ftype == IQ1_M) return T::Q2_K;
    if (ftype == IQ2_S || ftype == IQ2_M) return T::IQ3_S;
    if (ftype == IQ3_XXS) return T::IQ3_S;
    if (ftype == TQ1_0 || ftype == TQ2_0) return T::Q4_K;
    return new_type;
}

GgmlType mix_type(State& qs, GgmlType new_type, const TensorShape& t) {
    const std::string& name = t.name;
    const uint32_t ftype = qs.ftype;
    const auto& hp = qs.hp;
    const bool falcon = hp.arch == "falcon";

    if (is_iq12_ftype(ftype)) {
        if (contains(name, "attn_v.weight")) {
            if (hp.n_gqa() >= 4 || hp.n_expert >= 4) new_type = T::Q4_K;
            else new_type = ftype == IQ2_S || ftype == IQ2_M ? T::IQ3_S : T::Q2_K;
            ++qs.i_attention_wv;
        } else if (hp.n_expert == 8 && contains(name, "attn_k.weight")) {
            new_type = T::Q4_K;
        } else if (contains(name, "ffn_down")) {
            if (qs.i_ffn_down < qs.n_ffn_down / 8)
                new_type = ftype == IQ2_S || ftype == IQ2_M ? T::IQ3_S : T::Q2_K;
            ++qs.i_ffn_down;
        } else if (contains(name, "attn_output.weight")) {
            if (hp.n_expert == 8) {
                new_type = T::Q5_K;
            } else {
                if (ftype == IQ1_S || ftype == IQ1_M) new_type = T::IQ2_XXS;
                else if (ftype == IQ2_S || ftype == IQ2_M) new_type = T::IQ3_S;
            }
        }
    } else if (contains(name, "attn_v.weight")) {
        if (ftype == Q2_K) {
            new_type = hp.n_gqa() >= 4 ? T::Q4_K : T::Q3_K;
        } else if (ftype == Q2_K_S && hp.n_gqa() >= 4) {
            new_type = T::Q4_K;
        } else if (ftype == IQ3_XXS) {
            new_type = hp.n_gqa() >= 4 ? T::Q4_K : T::IQ3_S;  // no importance matrix
        } else if ((ftype == IQ3_XS || ftype == IQ3_S) && hp.n_gqa() >= 4) {
            new_type = T::Q4_K;
        } else if (ftype == IQ3_M) {
            new_type = T::Q4_K;
        } else if (ftype == Q3_K_M) {
            new_type = qs.i_attention_wv < 2 ? T::Q5_K : T::Q4_K;
        } else if (ftype == Q3_K_L) {
            new_type = T::Q5_K;
        } else if ((ftype == IQ4_NL || ftype == IQ4_XS) && hp.n_gqa() >= 4) {
            new_type = T::Q5_K;
        } else if ((ftype == Q4_K_M || ftype == Q5_K_M) && use_more_bits(qs.i_attention_wv, qs.n_attention_wv)) {
            new_type = T::Q6_K;
        } else if (ftype == Q4_K_S && qs.i_attention_wv < 4) {
            new_type = T::Q5_K;
        }
        if (hp.is_70b && (new_type == T::Q3_K || new_type == T::Q4_K)) new_type = T::Q5_K;
        if (hp.n_expert == 8) new_type = T::Q8_0;
        ++qs.i_attention_wv;
    } else if (contains(name, "attn_k.weight")) {
        if (hp.n_expert == 8) new_type = T::Q8_0;
        else if (ftype == IQ3_XS) new_type = T::IQ3_XXS;
        else if (ftype == IQ3_XXS) new_type = T::IQ2_S;
    } else if (contains(name, "attn_q.weight")) {
        if (ftype == IQ3_XS) new_type = T::IQ3_XXS;
        else if (ftype == IQ3_XXS) new_type = T::IQ2_S;
    } else if (contains(name, "ffn_down")) {
        auto [i_layer, n_layer] = layer_info(qs, qs.i_ffn_down, qs.n_ffn_down, name);
        if (ftype == Q2_K) {
            new_type = T::Q3_K;
        } else if (ftype == Q2_K_S) {
            if (i_layer < n_layer / 8) new_type = T::Q4_K;
        } else if (ftype == IQ3_XXS) {  // no importance matrix
            new_type = i_layer < n_layer / 8 ? T::Q4_K : T::Q3_K;
        } else if (ftype == Q3_K_M) {
            new_type = i_layer < n_layer / 16                       ? T::Q5_K
                       : !falcon || use_more_bits(i_layer, n_layer) ? T::Q4_K
                                                                    : T::Q3_K;
        } else if (ftype == IQ3_M && (i_layer < n_layer / 8 || (hp.n_expert == 8 && use_more_bits(i_layer, n_layer)))) {
            new_type = T::Q4_K;
        } else if (ftype == Q3_K_L) {
            new_type = falcon ? T::Q4_K : T::Q5_K;
        } else if (ftype == Q4_K_M) {
            if (falcon) {
                new_type = i_layer < n_layer / 16 ? T::Q6_K : use_more_bits(i_layer, n_layer) ? T::Q5_K : T::Q4_K;
            } else if (use_more_bits(i_layer, n_layer)) {
                new_type = T::Q6_K;
            }
        } else if (i_layer < n_layer / 8 && (ftype == IQ4_NL || ftype == IQ4_XS)) {  // no importance matrix
            new_type = T::Q5_K;
        } else if (ftype == Q5_K_M && use_more_bits(i_layer, n_layer)) {
            new_type = T::Q6_K;
        } else if (ftype == Q4_K_S && !falcon && i_layer < n_layer / 8) {
            new_type = T::Q5_K;
        }
        // (Q4_0/Q5_0 -> Q4_1/Q5_1 on the first layers applies only with an importance matrix.)
        ++qs.i_ffn_down;
    } else if (contains(name, "attn_output.weight")) {
        if (!falcon) {
            if (hp.n_expert == 8) {
                if (ftype == Q2_K || ftype == IQ3_XS || ftype == IQ3_XXS || ftype == Q3_K_S || ftype == Q3_K_M ||
                    ftype == IQ4_NL || ftype == Q4_K_S || ftype == Q4_K_M || ftype == IQ3_S || ftype == IQ3_M ||
                    ftype == IQ4_XS)
                    new_type = T::Q5_K;
            } else {
                if (ftype == Q2_K) new_type = T::Q3_K;
                else if (ftype == IQ3_XXS) new_type = T::IQ3_S;
                else if (ftype == Q3_K_M) new_type = T::Q4_K;
                else if (ftype == Q3_K_L) new_type = T::Q5_K;
                else if (ftype == IQ3_M) new_type = T::Q4_K;
            }
        } else {
            if (ftype == Q3_K_L) new_type = T::Q4_K;
        }
    } else if (contains(name, "attn_qkv.weight")) {
        if (ftype == Q3_K_M || ftype == Q3_K_L || ftype == IQ3_M) new_type = T::Q4_K;
        else if (ftype == Q4_K_M) new_type = T::Q5_K;
        else if (ftype == Q5_K_M) new_type = T::Q6_K;
    } else if (contains(name, "ffn_gate")) {
        auto [i_layer, n_layer] = layer_info(qs, qs.i_ffn_gate, qs.n_ffn_gate, name);
        if (ftype == IQ3_XS && i_layer >= n_layer / 8 && i_layer < 7 * n_layer / 8) new_type = T::IQ3_XXS;
        ++qs.i_ffn_gate;
    } else if (contains(name, "ffn_up")) {
        auto [i_layer, n_layer] = layer_info(qs, qs.i_ffn_up, qs.n_ffn_up, name);
        if (ftype == IQ3_XS && i_layer >= n_layer / 8 && i_layer < 7 * n_layer / 8) new_type = T::IQ3_XXS;
        ++qs.i_ffn_up;
    }
    return new_type;
}

// When the row length is no multiple of the chosen type's block: llama.cpp's fallback chain.
GgmlType fallback_type(GgmlType new_type, const TensorShape& t) {
    if (t.ne[0] % traits(new_type).block_size == 0) return new_type;
    switch (new_type) {
        case T::TQ1_0: case T::TQ2_0: new_type = T::Q4_0; break;
        case T::IQ2_XXS: case T::IQ2_XS: case T::IQ2_S: case T::IQ3_XXS: case T::IQ3_S: case T::IQ1_S:
        case T::IQ1_M: case T::Q2_K: case T::Q3_K: case T::IQ4_XS: new_type = T::IQ4_NL; break;
        case T::Q4_K: new_type = T::Q5_0; break;
        case T::Q5_K: new_type = T::Q5_1; break;
        case T::Q6_K: new_type = T::Q8_0; break;
        default:
            throw Error("-", t.name, "row length " + std::to_string(t.ne[0]) + " fits no block of " +
                                         std::string(type_name(new_type)));
    }
    if (t.ne[0] % traits(new_type).block_size != 0) new_type = T::F16;
    return new_type;
}

// llama_tensor_get_type.
GgmlType tensor_type(State& qs, GgmlType new_type, const TensorShape& t) {
    const std::string& name = t.name;
    if (name == "output.weight" || (!qs.has_output && name == "token_embd.weight")) {
        new_type = output_type(qs, new_type, t);
    } else if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") {
        new_type = token_embd_type(qs, new_type);
    } else if (!qs.uniform) {
        new_type = mix_type(qs, new_type, t);
    }
    return fallback_type(new_type, t);
}

bool needs_imatrix(const QuantTarget& target, GgmlType type, const std::string& name) {
    if (type == T::IQ2_XXS || type == T::IQ2_XS || type == T::IQ2_S || type == T::IQ1_S) return true;
    if (type == T::IQ1_M && name != "token_embd.weight" && name != "output.weight") return true;
    return type == T::Q2_K && target.ftype == Q2_K_S && !target.uniform && name != "token_embd.weight";
}

}  // namespace

std::optional<QuantTarget> parse_quant_target(std::string_view name) {
    for (const auto& t : kTargets)
        if (iequal(name, t.name)) return QuantTarget{t.name, t.ftype, t.type, t.uniform};
    return std::nullopt;
}

std::string quant_target_names() { return join_names(kTargets); }

QuantTarget require_quant_target(std::string_view name) {
    if (auto t = parse_quant_target(name)) return *t;
    throw Error("-", "TYPE", "unknown quantization type '" + std::string(name) + "' (known: " + quant_target_names() + ")");
}

ModelHparams hparams_from_gguf(const io::GgufFile& f) {
    ModelHparams hp;
    hp.arch = std::string(f.architecture());
    const std::string a = hp.arch;
    auto first = [&](const std::string& key, int64_t fallback) -> int64_t {
        const io::GgufValue* v = f.find(key);
        if (!v) return fallback;
        if (v->is_array()) return v->size() ? v->int_at(0) : fallback;
        return v->as_int();
    };
    hp.n_layer = static_cast<int>(first(a + ".block_count", 0));
    hp.n_head = static_cast<int>(first(a + ".attention.head_count", 0));
    hp.n_head_kv = static_cast<int>(first(a + ".attention.head_count_kv", hp.n_head));
    hp.n_expert = static_cast<int>(first(a + ".expert_count", 0));
    // llama.cpp calls an 80-layer GQA llama "70B" (llm_load_hparams, LLM_ARCH_LLAMA).
    hp.is_70b = a == "llama" && hp.n_layer == 80 && hp.n_head != hp.n_head_kv;
    return hp;
}

std::vector<size_t> llama_tensor_order(const std::vector<TensorShape>& tensors) {
    std::vector<size_t> order(tensors.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        int la = layer_of(tensors[a].name), lb = layer_of(tensors[b].name);
        if (la != lb) return la < lb;
        return tensors[a].name < tensors[b].name;
    });
    return order;
}

std::vector<TensorPlan> plan_quantization(const ModelHparams& hp, const std::vector<TensorShape>& tensors,
                                          const QuantTarget& target, const PlanOptions& opts) {
    State qs{hp, target.ftype, target.uniform};
    for (const auto& t : tensors) {
        if (contains(t.name, "attn_v.weight") || contains(t.name, "attn_qkv.weight") || contains(t.name, "attn_kv_b.weight"))
            ++qs.n_attention_wv;
        else if (t.name == "output.weight")
            qs.has_output = true;
    }
    qs.n_ffn_down = qs.n_ffn_gate = qs.n_ffn_up = hp.n_layer;

    std::vector<TensorPlan> plan(tensors.size());
    for (size_t i : llama_tensor_order(tensors)) {
        const TensorShape& t = tensors[i];
        if (t.ne.empty()) throw Error("-", t.name, "tensor without dimensions");
        GgmlType type = t.type;
        if (should_quantize(t)) {
            type = target.default_type;
            if (!opts.pure && is_quantized(target.default_type)) type = tensor_type(qs, type, t);
            if (t.ne[0] % traits(type).block_size != 0)  // --pure or F16 on an odd row: keep it as it is
                throw Error("-", t.name, "row length " + std::to_string(t.ne[0]) + " is not a multiple of " +
                                             std::string(type_name(type)) + "'s block size");
            if (type != t.type && needs_imatrix(target, type, t.name))
                throw Error("-", t.name, std::string(type_name(type)) +
                                             " needs an importance matrix, which zigllm quantize does not take");
        }
        plan[i] = {type != t.type, type};
    }
    return plan;
}

}  // namespace zigllm::tools
