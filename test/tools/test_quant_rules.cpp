// llama.cpp's per-tensor quantization types: the plan for ../shared/ref/quantized/F32/model.gguf must
// give, for every target present there, exactly the types llama.cpp chose (meta.json `tensors`), in
// llama.cpp's tensor order; plus the rules the reference model is too small to reach (fallbacks for
// rows that are no multiple of 256, use_more_bits on deep models, GQA and MoE branches).
#define BOOST_TEST_MODULE tools_quant_rules
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>

#include "zigllm/io/error.hpp"
#include "zigllm/io/gguf.hpp"
#include "zigllm/tools/quant_rules.hpp"
#include "tools_test_util.hpp"
#include "zigllm_test.hpp"

namespace json = boost::json;
using zigllm::GgmlType;
using namespace zigllm::tools;

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::vector<TensorShape> shapes_of(const zigllm::io::GgufFile& f) {
    std::vector<TensorShape> out;
    for (const auto& t : f.tensors())
        out.push_back({std::string(t.name), t.type, std::vector<int64_t>(t.ne.begin(), t.ne.begin() + t.n_dims)});
    return out;
}

// A llama-style model description with n_layer layers (row lengths n_embd / n_ff).
std::vector<TensorShape> llama_shapes(int n_layer, int64_t n_embd, int64_t n_kv, int64_t n_ff, int64_t n_vocab,
                                      bool with_output = true) {
    std::vector<TensorShape> t = {{"token_embd.weight", GgmlType::F32, {n_embd, n_vocab}},
                                  {"output_norm.weight", GgmlType::F32, {n_embd}}};
    if (with_output) t.push_back({"output.weight", GgmlType::F32, {n_embd, n_vocab}});
    for (int l = 0; l < n_layer; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        t.push_back({p + "attn_norm.weight", GgmlType::F32, {n_embd}});
        t.push_back({p + "attn_q.weight", GgmlType::F32, {n_embd, n_embd}});
        t.push_back({p + "attn_k.weight", GgmlType::F32, {n_embd, n_kv}});
        t.push_back({p + "attn_v.weight", GgmlType::F32, {n_embd, n_kv}});
        t.push_back({p + "attn_output.weight", GgmlType::F32, {n_embd, n_embd}});
        t.push_back({p + "ffn_norm.weight", GgmlType::F32, {n_embd}});
        t.push_back({p + "ffn_gate.weight", GgmlType::F32, {n_embd, n_ff}});
        t.push_back({p + "ffn_up.weight", GgmlType::F32, {n_embd, n_ff}});
        t.push_back({p + "ffn_down.weight", GgmlType::F32, {n_ff, n_embd}});
    }
    return t;
}

std::map<std::string, GgmlType> plan_map(const ModelHparams& hp, const std::vector<TensorShape>& shapes,
                                         const std::string& target, bool pure = false) {
    auto plan = plan_quantization(hp, shapes, require_quant_target(target), {pure});
    std::map<std::string, GgmlType> out;
    for (size_t i = 0; i < shapes.size(); ++i) out[shapes[i].name] = plan[i].type;
    return out;
}

ModelHparams llama_hp(int n_layer, int n_head, int n_head_kv) { return {"llama", n_layer, n_head, n_head_kv, 0, false}; }

}  // namespace

BOOST_AUTO_TEST_CASE(reference_types_and_order, *zigllm::test::needs_ref()) {
    const auto root = zigllm::test::ref_path("quantized");
    auto f32 = zigllm::io::GgufFile::open((root / "F32" / "model.gguf").string());
    const auto shapes = shapes_of(f32);
    const auto hp = hparams_from_gguf(f32);
    BOOST_TEST(hp.arch == "llama");
    BOOST_TEST(hp.n_layer == 2);
    BOOST_TEST(hp.n_gqa() == 2);
    const auto order = llama_tensor_order(shapes);

    int dirs = 0;
    for (const auto& entry : std::filesystem::directory_iterator(root)) {
        const auto model = entry.path() / "model.gguf";
        const std::string name = entry.path().filename().string();
        if (!entry.is_directory() || name == "F32" || !std::filesystem::exists(model)) continue;
        auto meta = json::parse(zigllm::test::read_text(entry.path() / "meta.json")).as_object();
        const std::string quantizer = meta.contains("quantizer") ? std::string(meta["quantizer"].as_string()) : "";
        const bool pure = quantizer.find("pure=true") != std::string::npos;
        BOOST_TEST_CONTEXT("target " << name << (pure ? " (pure)" : "")) {
            const QuantTarget target = require_quant_target(name);
            const auto plan = plan_quantization(hp, shapes, target, {pure});
            // What llama.cpp wrote: the reference file itself, and meta.json's list where there is one.
            auto ref = zigllm::io::GgufFile::open(model.string());
            BOOST_TEST(target.ftype == ref.get_uint("general.file_type", 9999));
            BOOST_TEST_REQUIRE(ref.tensors().size() == shapes.size());
            for (size_t k = 0; k < shapes.size(); ++k) {
                const auto& t = ref.tensors()[k];
                BOOST_TEST_CONTEXT("tensor " << t.name) {
                    BOOST_TEST(shapes[order[k]].name == t.name);  // llama.cpp's write order
                    BOOST_TEST(plan[order[k]].type == t.type);
                    BOOST_TEST(plan[order[k]].convert == (t.type != GgmlType::F32));
                }
            }
            if (meta.contains("tensors")) {
                const auto& tensors = meta["tensors"].as_array();
                BOOST_TEST_REQUIRE(tensors.size() == shapes.size());
                for (size_t k = 0; k < tensors.size(); ++k) {
                    const auto& t = tensors[k].as_object();
                    BOOST_TEST(shapes[order[k]].name == std::string(t.at("name").as_string()));
                    BOOST_TEST(upper(zigllm::type_name(plan[order[k]].type)) == std::string(t.at("type").as_string()));
                }
            }
        }
        ++dirs;
    }
    BOOST_TEST(dirs >= 20);
}

BOOST_AUTO_TEST_CASE(names) {
    BOOST_TEST(require_quant_target("q4_k_m").name == "Q4_K_M");
    BOOST_TEST(require_quant_target("Q4_K").uniform);
    BOOST_TEST(!require_quant_target("Q6_K").uniform);
    BOOST_TEST(require_quant_target("IQ3_XS").default_type == GgmlType::IQ3_S);
    BOOST_TEST(!parse_quant_target("Q8_K"));   // an activation type, no weight type
    BOOST_TEST(!parse_quant_target("Q4_K_X"));
    BOOST_TEST(!parse_quant_target(""));
    try {
        require_quant_target("Q9_9");
        BOOST_FAIL("no error");
    } catch (const zigllm::Error& e) {
        BOOST_TEST(e.file() == "-");
        BOOST_TEST(e.where() == "TYPE");
        BOOST_TEST(e.reason().find("Q9_9") != std::string::npos);
    }
}

// Rows of 64 values (the tiny synth shape): K-quant blocks do not fit, llama.cpp's fallbacks apply.
BOOST_AUTO_TEST_CASE(fallback_for_short_rows) {
    const auto shapes = llama_shapes(2, 64, 32, 192, 512);
    const auto hp = llama_hp(2, 4, 2);
    auto q4km = plan_map(hp, shapes, "Q4_K_M");
    BOOST_TEST(q4km["blk.0.attn_q.weight"] == GgmlType::Q5_0);         // Q4_K -> Q5_0
    BOOST_TEST(q4km["blk.0.attn_v.weight"] == GgmlType::Q5_0);         // Q4_K -> Q5_0
    BOOST_TEST(q4km["blk.1.attn_v.weight"] == GgmlType::Q8_0);         // Q6_K (use_more_bits) -> Q8_0
    BOOST_TEST(q4km["blk.0.ffn_down.weight"] == GgmlType::Q5_0);       // 192 % 256 != 0
    BOOST_TEST(q4km["blk.1.ffn_down.weight"] == GgmlType::Q8_0);       // Q6_K (use_more_bits) -> Q8_0
    BOOST_TEST(q4km["output.weight"] == GgmlType::Q8_0);               // 64 % 256 != 0: Q8_0
    BOOST_TEST(q4km["token_embd.weight"] == GgmlType::Q5_0);
    BOOST_TEST(q4km["output_norm.weight"] == GgmlType::F32);
    auto q5km = plan_map(hp, shapes, "Q5_K_M");
    BOOST_TEST(q5km["blk.1.ffn_gate.weight"] == GgmlType::Q5_1);       // Q5_K -> Q5_1
    auto q2k = plan_map(hp, shapes, "Q2_K");
    BOOST_TEST(q2k["blk.0.ffn_up.weight"] == GgmlType::IQ4_NL);        // Q2_K -> IQ4_NL
    auto iq4xs = plan_map(hp, shapes, "IQ4_XS");
    BOOST_TEST(iq4xs["blk.0.attn_q.weight"] == GgmlType::IQ4_NL);
    auto q4_0 = plan_map(hp, shapes, "Q4_0");
    BOOST_TEST(q4_0["blk.0.attn_q.weight"] == GgmlType::Q4_0);         // 32-blocks fit
    BOOST_TEST(q4_0["output.weight"] == GgmlType::Q8_0);               // output: 64 % 32 == 0 but Q6_K -> Q8_0
    auto f16 = plan_map(hp, shapes, "F16");
    BOOST_TEST(f16["output.weight"] == GgmlType::F16);
    BOOST_TEST(f16["blk.1.attn_norm.weight"] == GgmlType::F32);
    // A row of 48 fits no quantized block at all: F16.
    std::vector<TensorShape> odd = {{"blk.0.ffn_down.weight", GgmlType::F32, {48, 64}}};
    BOOST_TEST(plan_map(llama_hp(1, 4, 4), odd, "Q4_K_M")["blk.0.ffn_down.weight"] == GgmlType::F16);
    // --pure has no fallback: refused with the tensor's name.
    BOOST_CHECK_THROW(plan_quantization(hp, shapes, require_quant_target("Q4_K"), {true}), zigllm::Error);
}

// 32 layers (LLaMA-7B depth): use_more_bits picks layers 0-3, 28-31 and every third in between.
BOOST_AUTO_TEST_CASE(use_more_bits_on_deep_models) {
    const auto shapes = llama_shapes(32, 4096, 4096, 11008 / 256 * 256, 32000);
    auto q4km = plan_map(llama_hp(32, 32, 32), shapes, "Q4_K_M");
    std::vector<int> q6_down, q6_v;
    for (int l = 0; l < 32; ++l) {
        if (q4km["blk." + std::to_string(l) + ".ffn_down.weight"] == GgmlType::Q6_K) q6_down.push_back(l);
        if (q4km["blk." + std::to_string(l) + ".attn_v.weight"] == GgmlType::Q6_K) q6_v.push_back(l);
    }
    const std::vector<int> expect = {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31};
    BOOST_TEST(q6_down == expect, boost::test_tools::per_element());
    BOOST_TEST(q6_v == expect, boost::test_tools::per_element());
    BOOST_TEST(q4km["blk.4.ffn_down.weight"] == GgmlType::Q4_K);
    BOOST_TEST(q4km["output.weight"] == GgmlType::Q6_K);
    BOOST_TEST(q4km["token_embd.weight"] == GgmlType::Q4_K);

    auto q3km = plan_map(llama_hp(32, 32, 32), shapes, "Q3_K_M");
    BOOST_TEST(q3km["blk.0.attn_v.weight"] == GgmlType::Q5_K);
    BOOST_TEST(q3km["blk.1.attn_v.weight"] == GgmlType::Q5_K);
    BOOST_TEST(q3km["blk.2.attn_v.weight"] == GgmlType::Q4_K);
    BOOST_TEST(q3km["blk.1.ffn_down.weight"] == GgmlType::Q5_K);       // i < n/16
    BOOST_TEST(q3km["blk.5.ffn_down.weight"] == GgmlType::Q4_K);
    BOOST_TEST(q3km["blk.5.attn_output.weight"] == GgmlType::Q4_K);
    BOOST_TEST(q3km["blk.5.ffn_up.weight"] == GgmlType::Q3_K);

    auto q4ks = plan_map(llama_hp(32, 32, 32), shapes, "Q4_K_S");
    BOOST_TEST(q4ks["blk.3.attn_v.weight"] == GgmlType::Q5_K);
    BOOST_TEST(q4ks["blk.4.attn_v.weight"] == GgmlType::Q4_K);
    BOOST_TEST(q4ks["blk.3.ffn_down.weight"] == GgmlType::Q5_K);
    BOOST_TEST(q4ks["blk.4.ffn_down.weight"] == GgmlType::Q4_K);

    // A bare K type is uniform except for the output.
    auto q4k = plan_map(llama_hp(32, 32, 32), shapes, "Q4_K");
    BOOST_TEST(q4k["blk.0.ffn_down.weight"] == GgmlType::Q4_K);
    BOOST_TEST(q4k["blk.0.attn_v.weight"] == GgmlType::Q4_K);
    BOOST_TEST(q4k["output.weight"] == GgmlType::Q6_K);
}

// TinyLlama's GQA (32 heads, 4 KV heads: n_gqa 4) and layer order independent of file order.
BOOST_AUTO_TEST_CASE(gqa_rules_and_file_order) {
    auto shapes = llama_shapes(22, 2048, 256, 5632, 32000);
    std::reverse(shapes.begin(), shapes.end());  // counters follow llama.cpp's order, not the file's
    const auto hp = llama_hp(22, 32, 4);
    auto q2k = plan_map(hp, shapes, "Q2_K");
    BOOST_TEST(q2k["blk.7.attn_v.weight"] == GgmlType::Q4_K);
    BOOST_TEST(q2k["blk.7.ffn_down.weight"] == GgmlType::Q3_K);
    BOOST_TEST(q2k["blk.7.attn_output.weight"] == GgmlType::Q3_K);
    BOOST_TEST(q2k["blk.7.ffn_gate.weight"] == GgmlType::Q2_K);
    auto iq4nl = plan_map(hp, shapes, "IQ4_NL");
    BOOST_TEST(iq4nl["blk.0.attn_v.weight"] == GgmlType::Q5_K);
    BOOST_TEST(iq4nl["blk.1.ffn_down.weight"] == GgmlType::Q5_K);   // 1 < 22/8
    BOOST_TEST(iq4nl["blk.2.ffn_down.weight"] == GgmlType::IQ4_NL);
    auto q4km = plan_map(hp, shapes, "Q4_K_M");
    // 22 layers: i < 2 || i >= 19 || (i - 2) % 3 == 2
    for (int l = 0; l < 22; ++l) {
        const bool more = l < 2 || l >= 19 || (l - 2) % 3 == 2;
        BOOST_TEST((q4km["blk." + std::to_string(l) + ".ffn_down.weight"] == GgmlType::Q6_K) == more, "layer " << l);
    }
}

// Tied embeddings take the output rule; MoE models take the layer from the name; 8 experts bump
// attn_v / attn_k to Q8_0; IQ2 types need an importance matrix and are refused.
BOOST_AUTO_TEST_CASE(tied_moe_and_refusals) {
    const auto tied = llama_shapes(2, 256, 256, 768, 512, false);
    auto q4_0 = plan_map(llama_hp(2, 8, 8), tied, "Q4_0");
    BOOST_TEST(q4_0["token_embd.weight"] == GgmlType::Q6_K);

    std::vector<TensorShape> moe = {{"blk.1.ffn_down_exps.weight", GgmlType::F32, {1024, 256, 8}},
                                    {"blk.0.ffn_down_exps.weight", GgmlType::F32, {1024, 256, 8}},
                                    {"blk.0.attn_v.weight", GgmlType::F32, {256, 256}},
                                    {"blk.0.ffn_gate_inp.weight", GgmlType::F32, {256, 8}}};
    ModelHparams hp{"llama", 16, 8, 8, 8, false};
    auto q4km = plan_map(hp, moe, "Q4_K_M");
    BOOST_TEST(q4km["blk.0.ffn_down_exps.weight"] == GgmlType::Q6_K);  // layer 0 < 16/8
    BOOST_TEST(q4km["blk.1.ffn_down_exps.weight"] == GgmlType::Q6_K);
    BOOST_TEST(q4km["blk.0.attn_v.weight"] == GgmlType::Q8_0);
    BOOST_TEST(q4km["blk.0.ffn_gate_inp.weight"] == GgmlType::F32);    // router stays as it is

    const auto shapes = llama_shapes(2, 256, 256, 768, 512);
    BOOST_CHECK_THROW(plan_quantization(llama_hp(2, 8, 8), shapes, require_quant_target("IQ2_XXS")), zigllm::Error);
    BOOST_CHECK_THROW(plan_quantization(llama_hp(2, 8, 8), shapes, require_quant_target("Q2_K_S")), zigllm::Error);
}
