// stories260K greedy after "Once upon a time" identical to llama.cpp's greedy.txt on every Highway
// target this CPU has and the build compiled (x86: AVX3_DL, AVX3, AVX2, SSE4; NEON/SVE under qemu),
// with F32 and quantized-path (Q8_0-activation) models too where the reference exists.
#define BOOST_TEST_MODULE engine_targets
#include <boost/test/unit_test.hpp>

#include "../ops/ops_test_util.hpp"
#include "engine_test_util.hpp"

using namespace zigllm;
using namespace zigllm::test;

BOOST_AUTO_TEST_CASE(stories260k_greedy_on_every_target, *needs_ref()) {
    const auto m = load(ref_path("stories260K/stories260K.gguf").string());
    const auto prompt = m->vocab().encode("Once upon a time", true, false);
    BOOST_TEST(prompt == read_ids(ref_path("stories260K/prompt.tokens")), boost::test_tools::per_element());
    const auto seq = read_ids(ref_path("stories260K/sequence69.tokens"));
    const std::vector<Token> want(seq.begin() + prompt.size(), seq.end());
    ops::test::for_each_target([&] {
        BOOST_TEST(greedy(*m, prompt, static_cast<int>(want.size())) == want, boost::test_tools::per_element());
        BOOST_TEST(greedy(*m, prompt, static_cast<int>(want.size()), GgmlType::F32, 2) == want,
                   boost::test_tools::per_element());
    });
}

BOOST_AUTO_TEST_CASE(quantized_q4_0_on_every_target, *needs_ref()) {
    const auto m = load(ref_path("quantized/Q4_0/model.gguf").string());
    const auto tokens = read_ids(ref_path("quantized/Q4_0/tokens.txt"));
    const auto ref = read_f32(ref_path("quantized/Q4_0/logits.f32"));
    ops::test::for_each_target([&] {
        const auto cmp = compare_rows(all_logits(*m, tokens, GgmlType::F32), ref, m->hparams().n_vocab);
        BOOST_TEST(cmp.worst_ratio <= 1e-3);
        BOOST_TEST(cmp.argmax_mismatches == 0);
    });
}
