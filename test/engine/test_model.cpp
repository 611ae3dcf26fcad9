// The model layer: static types, registry, refusals (each an Error naming the tensor or key),
// context limit, batching and threads giving the same logits, the printed plan.
#define BOOST_TEST_MODULE engine_model
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <functional>
#include <unistd.h>

#include "engine_test_util.hpp"
#include "zigllm/io/gguf.hpp"

using namespace zigllm;
using namespace zigllm::test;

namespace {

struct Edit {
    std::string arch;                         // new general.architecture when not empty
    std::string drop_tensor;                  // leave this tensor out
    std::string reshape_tensor;               // write this tensor as 1-D (wrong shape)
    std::string extra_key;                    // an extra u32 key set to extra_value
    uint32_t extra_value = 0;
};

// A copy of src with one edit, in a temporary file removed by the returned guard.
struct TempModel {
    std::filesystem::path path;
    ~TempModel() { std::filesystem::remove(path); }
};

std::unique_ptr<TempModel> edited(const std::string& src, const Edit& e) {
    static int counter = 0;
    auto tmp = std::make_unique<TempModel>();
    tmp->path = std::filesystem::temp_directory_path() /
                ("zigllm-model-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".gguf");
    auto f = io::GgufFile::open(src);
    io::GgufWriter w(static_cast<uint32_t>(f.alignment()));
    for (const auto& kv : f.kv()) {
        if (kv.key == "general.architecture" && !e.arch.empty()) w.set_string("general.architecture", e.arch);
        else w.set_value(std::string(kv.key), kv.value);
    }
    if (!e.extra_key.empty()) w.set_u32(e.extra_key, e.extra_value);
    for (const auto& t : f.tensors()) {
        if (t.name == e.drop_tensor) continue;
        std::vector<int64_t> ne(t.ne.begin(), t.ne.begin() + t.n_dims);
        if (t.name == e.reshape_tensor) ne = {t.n_elements()};
        w.add_tensor(std::string(t.name), t.type, ne, t.data);
    }
    w.write(tmp->path.string());
    return tmp;
}

void expect_error(const std::function<void()>& fn, const std::string& where_part, const std::string& what_part) {
    try {
        fn();
        BOOST_ERROR("no error thrown (expected " << where_part << ")");
    } catch (const Error& e) {
        BOOST_TEST_MESSAGE("refused: " << e.what());
        BOOST_TEST(e.where().find(where_part) != std::string::npos, e.what());
        BOOST_TEST(std::string(e.what()).find(what_part) != std::string::npos, e.what());
    }
}

std::string llama_path() { return ref_path("arch/llama/model.gguf").string(); }

}  // namespace

BOOST_AUTO_TEST_CASE(static_type_and_registry_agree, *needs_ref()) {
    Model<arch::Llama> m{ref_path("stories260K/stories260K.gguf").string()};
    const auto tokens = read_ids(ref_path("stories260K/prompt.tokens"));
    auto cmp = compare_rows(all_logits(m, tokens, GgmlType::F32), read_f32(ref_path("stories260K/logits.f32")), 512);
    BOOST_TEST(cmp.worst_ratio <= 1e-3);
    auto any = load(ref_path("stories260K/stories260K.gguf").string());
    BOOST_TEST(all_logits(*any, tokens, GgmlType::F32) == all_logits(m, tokens, GgmlType::F32));
    BOOST_TEST(registered_type(any->file()) == "Llama");
    BOOST_TEST(registered_type(load(ref_path("arch/mixtral/model.gguf").string())->file()) == "Mixtral");
    BOOST_TEST(registered_type(load(ref_path("arch/gpt2/model.gguf").string())->file()) == "Gpt2");
}

BOOST_AUTO_TEST_CASE(plan_names_the_fusions) {
    const std::string llama = describe_layer_plan<detail::decoder_traits<arch::Llama>::layer_type>();
    BOOST_TEST(llama.find("rms_norm(x) -> quantize_act(x)   [fused: norm + activation quantization]") != std::string::npos);
    BOOST_TEST(llama.find("silu(gate)*up") != std::string::npos);
    BOOST_TEST(llama.find("matmul(wo) + residual   [fused: output step]") != std::string::npos);
    // 7 steps: 2 fused norm+quantize, qkv, attention, wo, gated up, down.
    BOOST_TEST(hana::length(detail::decoder_traits<arch::Llama>::plan) == hana::size_c<7>);
    BOOST_TEST(hana::length(detail::decoder_traits<arch::Mixtral>::plan) == hana::size_c<6>);
    const std::string gpt2 = describe_layer_plan<detail::decoder_traits<arch::Gpt2>::layer_type>();
    BOOST_TEST(gpt2.find("layer_norm") != std::string::npos);
    BOOST_TEST(gpt2.find("rope") == std::string::npos);
    BOOST_TEST(gpt2.find("gelu") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refusals_name_the_problem, *needs_ref()) {
    {
        auto t = edited(llama_path(), {.arch = "nosucharch"});
        expect_error([&] { load(t->path.string()); }, "general.architecture", "unregistered architecture 'nosucharch'");
    }
    {
        auto t = edited(llama_path(), {.drop_tensor = "blk.1.ffn_up.weight"});
        expect_error([&] { load(t->path.string()); }, "blk.1.ffn_up.weight", "missing tensor");
    }
    {
        auto t = edited(llama_path(), {.reshape_tensor = "blk.0.attn_k.weight"});
        expect_error([&] { load(t->path.string()); }, "blk.0.attn_k.weight", "shape");
    }
    {
        auto t = edited(llama_path(), {.drop_tensor = "output_norm.weight"});
        expect_error([&] { Model<arch::Llama>{t->path.string()}; }, "output_norm.weight", "missing tensor");
    }
    // A file of one family through another family's static type: the first missing tensor named.
    expect_error([&] { Model<arch::Gpt2>{llama_path()}; }, "position_embd.weight", "missing tensor");
    expect_error([&] { Model<arch::Mixtral>{llama_path()}; }, "expert_count", "missing");
    expect_error([&] { Model<arch::Mistral>{llama_path()}; }, "sliding_window", "missing");
}

BOOST_AUTO_TEST_CASE(wrong_type_refused, *needs_ref()) {
    // A norm weight must be F32: write attn_norm as I32 bytes of the same size.
    auto f = io::GgufFile::open(llama_path());
    const auto tmp = std::filesystem::temp_directory_path() / ("zigllm-type-" + std::to_string(::getpid()) + ".gguf");
    io::GgufWriter w(static_cast<uint32_t>(f.alignment()));
    for (const auto& kv : f.kv()) w.set_value(std::string(kv.key), kv.value);
    for (const auto& t : f.tensors())
        w.add_tensor(std::string(t.name), t.name == "blk.0.attn_norm.weight" ? GgmlType::I32 : t.type,
                     std::vector<int64_t>(t.ne.begin(), t.ne.begin() + t.n_dims), t.data);
    w.write(tmp.string());
    expect_error([&] { load(tmp.string()); }, "blk.0.attn_norm.weight", "expected F32");
    std::filesystem::remove(tmp);
}

BOOST_AUTO_TEST_CASE(context_limit_and_bad_ids, *needs_ref()) {
    const auto m = load(llama_path());
    auto s = m->session({.n_ctx = 8, .kv_type = GgmlType::F32});
    std::vector<Token> ten(10, 300);
    expect_error([&] { s.eval(ten); }, "position 8", "context limit");
    std::vector<Token> bad{1, 512};
    expect_error([&] { s.eval(bad); }, "position 1", "out of range");
    std::vector<Token> six(6, 300);
    s.eval(six);
    s.eval(std::vector<Token>{5, 6});
    expect_error([&] { s.eval(std::vector<Token>{7}); }, "position 8", "context limit");
    expect_error([&] { m->session({.kv_type = GgmlType::Q8_0}); }, "kv_type", "F32 or F16");
}

BOOST_AUTO_TEST_CASE(batches_and_threads_give_the_same_logits, *needs_ref()) {
    const auto m = load(ref_path("arch/mixtral/model.gguf").string());
    const auto tokens = read_ids(ref_path("arch/mixtral/tokens.txt"));
    const auto one = all_logits(*m, tokens, GgmlType::F32);
    // Prompt in batches of 5, then token by token: the same rows (within float reassociation).
    auto s = m->session({.kv_type = GgmlType::F32, .n_batch = 5});
    auto chunked = s.eval(tokens, true);
    auto cmp = compare_rows({chunked.begin(), chunked.end()}, one, m->hparams().n_vocab);
    BOOST_TEST(cmp.worst_ratio <= 1e-5);
    auto s1 = m->session({.kv_type = GgmlType::F32});
    std::vector<float> rows;
    for (Token t : tokens) {
        auto l = s1.eval(std::vector<Token>{t});
        rows.insert(rows.end(), l.begin(), l.end());
    }
    BOOST_TEST(compare_rows(rows, one, m->hparams().n_vocab).worst_ratio <= 1e-5);
    const auto two = all_logits(*m, tokens, GgmlType::F32, 2);
    BOOST_TEST(compare_rows(two, one, m->hparams().n_vocab).worst_ratio <= 1e-5);
}

// An F16 cache read by a prompt batch (the rows widened once per layer) and token by token (widened
// per row): the same values, so the same logits to the bit.
BOOST_AUTO_TEST_CASE(f16_cache_batch_and_single_tokens_agree, *needs_ref()) {
    const auto m = load(ref_path("stories260K/stories260K.gguf").string());
    const auto tokens = read_ids(ref_path("stories260K/sequence69.tokens"));
    BOOST_TEST_REQUIRE(tokens.size() >= 16u);  // a batch long enough to widen
    const auto batch = all_logits(*m, tokens, GgmlType::F16);
    auto s = m->session({.kv_type = GgmlType::F16});
    const int64_t V = m->hparams().n_vocab;
    int64_t differing = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
        auto l = s.eval(std::vector<Token>{tokens[i]});
        for (int64_t v = 0; v < V; ++v) differing += l[v] != batch[i * V + v];
    }
    BOOST_TEST(differing == 0);
}

BOOST_AUTO_TEST_CASE(text_generation_streams_pieces, *needs_ref()) {
    const auto m = load(ref_path("stories260K/stories260K.gguf").string());
    auto s = m->session({.kv_type = GgmlType::F32});
    std::string text;
    s.generate("Once upon a time", {.max_tokens = 64, .temperature = 0.0f}, [&](std::string_view p) {
        text += p;
        return true;
    });
    BOOST_TEST(text.rfind(", there was a little girl named Lily. She loved to play outside in the park.", 0) == 0);
    // The same as a range (design sketch: for (auto piece : ...)).
    auto s2 = m->session({.kv_type = GgmlType::F32});
    std::string streamed;
    int pieces = 0;
    for (const std::string& piece : s2.stream("Once upon a time", {.max_tokens = 64, .temperature = 0.0f})) {
        streamed += piece;
        ++pieces;
    }
    BOOST_TEST(streamed == text);
    BOOST_TEST(pieces == 64);
}

// Classifier-free guidance and the full sampler settings through GenerateOptions, against the same
// computation by hand: two sessions fed the same tokens, guided logits, argmax.
BOOST_AUTO_TEST_CASE(generation_with_guidance_and_full_sampling_params, *needs_ref()) {
    const auto m = load(ref_path("stories260K/stories260K.gguf").string());
    const std::vector<Token> prompt = m->vocab().encode("Once upon a time", true, false);
    const std::vector<Token> negative = m->vocab().encode("Lily", true, false);
    const int n = 12;
    auto generated = [&](const GenerateOptions& o) {
        auto s = m->session({.kv_type = GgmlType::F32});
        std::vector<Token> out;
        s.generate(prompt, o, [&](Token t) { out.push_back(t); return true; });
        return out;
    };
    const float scale = 3.0f;
    std::vector<Token> by_hand;
    auto cond = m->session({.kv_type = GgmlType::F32});
    auto uncond = m->session({.kv_type = GgmlType::F32});
    auto to_vec = [](std::span<const float> x) { return std::vector<float>(x.begin(), x.end()); };
    std::vector<float> lc = to_vec(cond.eval(prompt)), lu = to_vec(uncond.eval(negative));
    for (int i = 0; i < n; ++i) {
        const Token t = greedy_token(decode::classifier_free_guidance(lc, lu, scale));
        by_hand.push_back(t);
        lc = to_vec(cond.eval(std::span<const Token>(&t, 1)));
        lu = to_vec(uncond.eval(std::span<const Token>(&t, 1)));
    }
    GenerateOptions g{.max_tokens = n, .temperature = 0.0f, .ignore_eos = true};
    const std::vector<Token> plain = generated(g);
    g.guidance_tokens = negative;
    g.guidance_scale = scale;
    const std::vector<Token> guided = generated(g);
    BOOST_TEST(guided == by_hand, boost::test_tools::per_element());
    BOOST_TEST(guided != plain);  // the guidance changes this continuation
    g.guidance_scale = 1.0f;      // scale 1: off
    BOOST_TEST(generated(g) == plain, boost::test_tools::per_element());

    // SamplingParams replaces the short fields: greedy plus a -inf bias on the first plain token
    // gives the argmax of the rest, and the bias is the only change.
    decode::SamplingParams sp;
    sp.temp = 0.0f;
    sp.logit_bias = {{plain[0], -INFINITY}};
    GenerateOptions b{.max_tokens = 1, .temperature = 0.8f, .ignore_eos = true, .sampling = &sp};
    auto s = m->session({.kv_type = GgmlType::F32});
    std::vector<float> first = to_vec(s.eval(prompt));
    first[static_cast<size_t>(plain[0])] = -INFINITY;
    BOOST_TEST(generated(b).at(0) == greedy_token(first));
    // a seeded chain of every stage is reproducible and differs from greedy
    sp = {};
    sp.seed = 11;
    sp.typical_p = 0.9f;
    sp.xtc_probability = 0.5f;
    sp.dry_multiplier = 0.8f;
    sp.penalty_present = 0.5f;
    sp.top_n_sigma = 2.0f;
    sp.dynatemp_range = 0.3f;
    GenerateOptions r{.max_tokens = n, .ignore_eos = true, .sampling = &sp};
    const auto r1 = generated(r), r2 = generated(r);
    BOOST_TEST(r1 == r2, boost::test_tools::per_element());
    BOOST_TEST(r1.size() == static_cast<size_t>(n));
}
