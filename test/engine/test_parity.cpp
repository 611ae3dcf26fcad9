// Parity with llama.cpp on the reference architectures: every position's logits within a fraction
// of that row's spread, the same argmax, the same greedy continuation.
#define BOOST_TEST_MODULE engine_parity
#include <boost/test/unit_test.hpp>

#include "engine_test_util.hpp"

using namespace zigllm;
using namespace zigllm::test;

namespace {

void check_arch(const std::string& dir, double tol, bool f16_kv_ref = true) {
    const auto m = load(ref_path(dir + "/model.gguf").string());
    const auto tokens = read_ids(ref_path(dir + "/tokens.txt"));
    const auto ref = read_f32(ref_path(dir + "/logits.f32"));
    const int64_t V = m->hparams().n_vocab;
    auto cmp = compare_rows(all_logits(*m, tokens, GgmlType::F32), ref, V);
    BOOST_TEST_MESSAGE(dir << ": worst |diff| / row spread = " << cmp.worst_ratio);
    BOOST_TEST(cmp.worst_ratio <= tol);
    BOOST_TEST(cmp.argmax_mismatches == 0);
    if (f16_kv_ref) {
        auto cmp16 = compare_rows(all_logits(*m, tokens, GgmlType::F16), read_f32(ref_path(dir + "/logits-kvf16.f32")), V);
        BOOST_TEST_MESSAGE(dir << " (F16 KV): worst |diff| / row spread = " << cmp16.worst_ratio);
        BOOST_TEST(cmp16.worst_ratio <= tol);
        BOOST_TEST(cmp16.argmax_mismatches == 0);
    }
    const auto want = read_ids(ref_path(dir + "/greedy.txt"));
    const auto got = greedy(*m, tokens, static_cast<int>(want.size()));
    BOOST_TEST(got == want, boost::test_tools::per_element());
}

}  // namespace

BOOST_AUTO_TEST_CASE(llama, *needs_ref()) { check_arch("arch/llama", 1e-3); }
BOOST_AUTO_TEST_CASE(mistral, *needs_ref()) { check_arch("arch/mistral", 1e-3); }
BOOST_AUTO_TEST_CASE(mixtral, *needs_ref()) { check_arch("arch/mixtral", 1e-3); }
BOOST_AUTO_TEST_CASE(gpt2, *needs_ref()) { check_arch("arch/gpt2", 1e-3); }
BOOST_AUTO_TEST_CASE(llama_rope_linear, *needs_ref()) { check_arch("arch/llama-rope-linear", 1e-3, false); }
BOOST_AUTO_TEST_CASE(llama_rope_llama3, *needs_ref()) { check_arch("arch/llama-rope-llama3", 1e-3, false); }
BOOST_AUTO_TEST_CASE(qwen2, *needs_ref()) { check_arch("arch/qwen2", 1e-3); }
BOOST_AUTO_TEST_CASE(qwen2_yarn, *needs_ref()) { check_arch("arch/qwen2-yarn", 1e-3, false); }
BOOST_AUTO_TEST_CASE(llama_long, *needs_ref()) { check_arch("arch/llama-long", 1e-3, false); }

BOOST_AUTO_TEST_CASE(stories260k_greedy, *needs_ref()) {
    const auto m = load(ref_path("stories260K/stories260K.gguf").string());
    const auto prompt = read_ids(ref_path("stories260K/prompt.tokens"));
    const auto seq = read_ids(ref_path("stories260K/sequence69.tokens"));
    const std::vector<Token> want(seq.begin() + prompt.size(), seq.end());
    BOOST_TEST(greedy(*m, prompt, static_cast<int>(want.size())) == want, boost::test_tools::per_element());
    auto cmp = compare_rows(all_logits(*m, seq, GgmlType::F32), read_f32(ref_path("stories260K/logits_sequence69.f32")),
                            m->hparams().n_vocab);
    BOOST_TEST(cmp.worst_ratio <= 1e-3);
    // "Once upon a time" through the tokenizer gives the reference prompt.
    BOOST_TEST(m->vocab().encode("Once upon a time", true, false) == prompt, boost::test_tools::per_element());
}
