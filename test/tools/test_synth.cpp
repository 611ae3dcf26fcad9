// zigllm::tools::synth: the file loads, has the shape's hyperparameters and llama's tensor set, the
// types quantize would choose, a working SPM tokenizer, weight scales that give logits of a few units,
// and the same bytes at any thread count.
#define BOOST_TEST_MODULE tools_synth
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include "zigllm/decode/vocab.hpp"
#include "zigllm/io/error.hpp"
#include "zigllm/io/gguf.hpp"
#include "zigllm/ops/ops.hpp"
#include "zigllm/tools/quant_rules.hpp"
#include "zigllm/tools/synth.hpp"
#include "zigllm/tools/synth_vocab.hpp"
#include "tools_test_util.hpp"
#include "zigllm_test.hpp"

namespace fs = std::filesystem;
using zigllm::GgmlType;
using zigllm::io::GgufFile;
using zigllm::tools::SynthOptions;

namespace {

void mean_std(const std::vector<float>& v, double& mean, double& sd) {
    double s = 0, s2 = 0;
    for (float x : v) s += x, s2 += double(x) * x;
    mean = s / v.size();
    sd = std::sqrt(s2 / v.size() - mean * mean);
}

std::string write(const zigllm::test::TempDir& tmp, const std::string& name, SynthOptions o) {
    o.out = (tmp.path / name).string();
    zigllm::tools::synth(o);
    return o.out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tiny_llama_f16) {
    zigllm::test::TempDir tmp{"synth"};
    auto f = GgufFile::open(write(tmp, "tiny.gguf", {"llama", "tiny", "F16"}));
    BOOST_TEST(f.architecture() == "llama");
    BOOST_TEST(f.get_uint("llama.embedding_length", 0) == 64u);
    BOOST_TEST(f.get_uint("llama.block_count", 0) == 2u);
    BOOST_TEST(f.get_uint("llama.attention.head_count", 0) == 4u);
    BOOST_TEST(f.get_uint("llama.attention.head_count_kv", 0) == 2u);
    BOOST_TEST(f.get_uint("llama.feed_forward_length", 0) == 192u);
    BOOST_TEST(f.get_uint("llama.rope.dimension_count", 0) == 16u);
    BOOST_TEST(f.get_uint("general.file_type", 99) == 1u);
    BOOST_TEST(f.tensors().size() == 3u + 2u * 9u);
    const auto* q = f.find_tensor("blk.1.attn_k.weight");
    BOOST_TEST_REQUIRE(q != nullptr);
    BOOST_TEST(q->ne[0] == 64);
    BOOST_TEST(q->ne[1] == 32);  // 2 KV heads of 16
    BOOST_TEST(f.find_tensor("blk.0.ffn_down.weight")->ne[0] == 192);
    for (const auto& t : f.tensors()) BOOST_TEST(t.type == (t.n_dims == 1 ? GgmlType::F32 : GgmlType::F16), t.name);

    // Scales: embeddings ~1, matrices 1/sqrt(fan_in), norms ~1; the output's 4/sqrt(n_embd) makes the
    // logits of a unit-rms hidden state have a standard deviation of ~4.
    double mean = 0, sd = 0;
    mean_std(zigllm::test::tensor_values(*f.find_tensor("token_embd.weight")), mean, sd);
    BOOST_TEST(std::abs(mean) < 0.02);
    BOOST_TEST(std::abs(sd - 1.0) < 0.02);
    mean_std(zigllm::test::tensor_values(*f.find_tensor("blk.0.ffn_down.weight")), mean, sd);
    BOOST_TEST(std::abs(sd * std::sqrt(192.0) - 1.0) < 0.03);
    mean_std(zigllm::test::tensor_values(*f.find_tensor("blk.0.attn_norm.weight")), mean, sd);
    BOOST_TEST(std::abs(mean - 1.0) < 0.03);
    const auto out = zigllm::test::tensor_values(*f.find_tensor("output.weight"));
    std::vector<float> logits(512);
    for (int v = 0; v < 512; ++v) {
        double s = 0;
        for (int i = 0; i < 64; ++i) s += out[v * 64 + i] * ((i % 2) ? 1.0 : -1.0);  // |h| rms = 1
        logits[v] = static_cast<float>(s);
    }
    mean_std(logits, mean, sd);
    BOOST_TEST(sd > 2.5);
    BOOST_TEST(sd < 6.0);
}

BOOST_AUTO_TEST_CASE(tokenizer_works) {
    zigllm::test::TempDir tmp{"synth"};
    auto f = GgufFile::open(write(tmp, "tiny.gguf", {"llama", "tiny", "Q8_0"}));
    auto vocab = zigllm::decode::Vocab::from_gguf(f);
    BOOST_TEST(vocab->size() == 512u);
    BOOST_TEST(vocab->model() == "llama");
    BOOST_TEST(vocab->bos() == 1);
    BOOST_TEST(vocab->eos() == 2);
    BOOST_TEST(vocab->is_eog(2));
    const std::string text = "Once upon a time, the dog saw a cat. \xc3\xa9t\xc3\xa9 \xe2\x9c\x93";
    auto ids = vocab->encode(text, true, false);
    BOOST_TEST_REQUIRE(ids.size() > 3u);
    BOOST_TEST(ids[0] == 1);
    for (auto id : ids) BOOST_TEST((id >= 0 && id < 512));
    const std::string back = vocab->decode(ids, true, false);
    BOOST_TEST((back == text || back == " " + text), back);  // SPM's space prefix may stay
    // Common words are single pieces: "▁the" and "▁once"-prefixes exist, non-ASCII goes to bytes.
    auto the = vocab->encode("the", false, false);  // the space prefix makes it "▁the"
    BOOST_TEST(the.size() == 1u);
    BOOST_TEST(vocab->token_text(the[0]) == "\xe2\x96\x81the");
    auto bytes = vocab->encode("\xe2\x9c\x93", false, false);
    BOOST_TEST(bytes.size() >= 3u);  // "▁" piece, then byte tokens
    BOOST_TEST(vocab->token_text(bytes.back()) == "<0x93>");

    // The large vocabulary is complete and without duplicates.
    auto big = zigllm::tools::make_spm_vocab(32000);
    BOOST_TEST(big.tokens.size() == 32000u);
    BOOST_TEST(big.scores.size() == 32000u);
    BOOST_TEST(std::set<std::string>(big.tokens.begin(), big.tokens.end()).size() == 32000u);
}

BOOST_AUTO_TEST_CASE(types_follow_the_quantize_rules) {
    zigllm::test::TempDir tmp{"synth"};
    for (const char* type : {"Q4_K_M", "Q4_0", "Q8_0", "Q6_K", "IQ4_NL", "BF16"}) {
        BOOST_TEST_CONTEXT("type " << type) {
            auto f = GgufFile::open(write(tmp, std::string(type) + ".gguf", {"llama", "tiny", type}));
            const auto target = zigllm::tools::require_quant_target(type);
            std::vector<zigllm::tools::TensorShape> shapes;
            for (const auto& t : f.tensors())
                shapes.push_back({std::string(t.name), GgmlType::F32, std::vector<int64_t>(t.ne.begin(), t.ne.begin() + t.n_dims)});
            const auto plan = zigllm::tools::plan_quantization(zigllm::tools::hparams_from_gguf(f), shapes, target);
            for (size_t i = 0; i < shapes.size(); ++i) BOOST_TEST(f.tensors()[i].type == plan[i].type, shapes[i].name);
            BOOST_TEST(f.get_uint("general.file_type", 999) == target.ftype);
        }
    }
}

BOOST_AUTO_TEST_CASE(deterministic_across_threads) {
    zigllm::test::TempDir tmp{"synth"};
    auto a = GgufFile::open(write(tmp, "a.gguf", {"llama", "tiny", "Q4_0", "", 7, 1}));
    auto b = GgufFile::open(write(tmp, "b.gguf", {"llama", "tiny", "Q4_0", "", 7, 3}));
    auto c = GgufFile::open(write(tmp, "c.gguf", {"llama", "tiny", "Q4_0", "", 8, 2}));
    BOOST_TEST_REQUIRE(a.file_size() == b.file_size());
    BOOST_TEST(std::memcmp(a.base(), b.base(), a.file_size()) == 0);
    BOOST_TEST(std::memcmp(a.find_tensor("blk.0.attn_q.weight")->data, c.find_tensor("blk.0.attn_q.weight")->data,
                           a.find_tensor("blk.0.attn_q.weight")->nbytes) != 0);  // another seed, other weights
}

BOOST_AUTO_TEST_CASE(refusals) {
    zigllm::test::TempDir tmp{"synth"};
    auto expect = [&](SynthOptions o, const std::string& file, const std::string& where) {
        try {
            zigllm::tools::synth(o);
            BOOST_FAIL("no error");
        } catch (const zigllm::Error& e) {
            BOOST_TEST(e.file() == file);
            if (!where.empty()) BOOST_TEST(e.where() == where);
        }
    };
    const std::string out = (tmp.path / "x.gguf").string();
    expect({"mamba", "tiny", "F16", out}, "-", "--arch");
    expect({"llama", "huge", "F16", out}, "-", "--shape");
    expect({"llama", "tiny", "Q4_Z", out}, "-", "TYPE");
    expect({"llama", "125m", "IQ3_S", out}, "-", "token_embd.weight");  // no IQ3_S quantizer (yet)
    const std::string bad = (tmp.path / "missing-dir" / "x.gguf").string();
    expect({"llama", "tiny", "F16", bad}, bad, "");
    BOOST_TEST(!fs::exists(out));
}

// The writer's streamed tensors (what synth and quantize rely on) across several 32 MiB chunks: to_bytes()
// and write() give the bytes the producer made, in order, and the file loads.
BOOST_AUTO_TEST_CASE(streamed_tensor_over_several_chunks) {
    zigllm::test::TempDir tmp{"synth"};
    const int64_t cols = 4096, rows = 2600;  // 42.6 MB of F32: two chunks and a part
    auto value = [](int64_t r, int64_t c) { return static_cast<float>(r * 7 + c % 13); };
    zigllm::io::GgufWriter w;
    w.set_string("general.architecture", "test");
    std::vector<float> small = {1, 2, 3};
    w.add_tensor("small", GgmlType::F32, {3}, small.data());
    w.add_tensor("big", GgmlType::F32, {cols, rows}, [&](int64_t first, int64_t n, uint8_t* dst) {
        for (int64_t r = 0; r < n; ++r)
            for (int64_t c = 0; c < cols; ++c) {
                const float v = value(first + r, c);
                std::memcpy(dst + (r * cols + c) * 4, &v, 4);
            }
    });
    const auto bytes = w.to_bytes();
    const std::string path = (tmp.path / "streamed.gguf").string();
    w.write(path);
    auto f = GgufFile::open(path);
    BOOST_TEST_REQUIRE(f.file_size() == bytes.size());
    BOOST_TEST(std::memcmp(f.base(), bytes.data(), bytes.size()) == 0);
    const auto* big = f.find_tensor("big");
    BOOST_TEST_REQUIRE(big != nullptr);
    const auto* v = reinterpret_cast<const float*>(big->data);
    int bad = 0;
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) bad += v[r * cols + c] != value(r, c);
    BOOST_TEST(bad == 0);
    BOOST_TEST(reinterpret_cast<const float*>(f.find_tensor("small")->data)[2] == 3.0f);
}

// GPT-2: learned positions, LayerNorm biases, fused QKV, tied output; tokenizer as for llama.
BOOST_AUTO_TEST_CASE(gpt2_family) {
    zigllm::test::TempDir tmp{"synth"};
    auto f = GgufFile::open(write(tmp, "gpt2.gguf", {"gpt2", "tiny", "Q8_0"}));
    BOOST_TEST(f.architecture() == "gpt2");
    BOOST_TEST(f.get_uint("gpt2.embedding_length", 0) == 64u);
    BOOST_TEST(f.get_float("gpt2.attention.layer_norm_epsilon", 0) > 0);
    BOOST_TEST(f.tensors().size() == 4u + 2u * 12u);
    BOOST_TEST(f.find_tensor("output.weight") == nullptr);
    BOOST_TEST(f.find_tensor("blk.1.attn_qkv.weight")->ne[1] == 3 * 64);
    BOOST_TEST(f.find_tensor("blk.1.attn_qkv.weight")->type == GgmlType::Q8_0);
    BOOST_TEST(f.find_tensor("blk.1.attn_qkv.bias")->type == GgmlType::F32);
    BOOST_TEST(f.find_tensor("position_embd.weight")->type == GgmlType::F32);  // llama.cpp keeps it
    BOOST_TEST(f.find_tensor("token_embd.weight")->type == GgmlType::Q8_0);    // tied: the output rule
    double mean = 0, sd = 0;
    mean_std(zigllm::test::tensor_values(*f.find_tensor("token_embd.weight")), mean, sd);
    BOOST_TEST(std::abs(sd * 8.0 - 4.0) < 0.1);  // 4 / sqrt(64)
    BOOST_TEST(zigllm::decode::Vocab::from_gguf(f)->encode("the", false, false).size() == 1u);
}
