// Mirostat v1 / v2 against the 16-step sequences of shared/ref/sampling: feeding the reference's
// selected token at each step, mu (before and after) and the truncated, renormalised candidate set
// match, up to the step where llama.cpp relies on undefined behaviour (mirostat_tau5_eta0.1, step 10:
// int(k) overflows). From there on our defined behaviour is tested: k clamped to [1, n_vocab].
#define BOOST_TEST_MODULE mirostat
#include <boost/test/unit_test.hpp>

#include "sampling_ref_util.hpp"

using namespace zigllm::decode;
using namespace zigllm::test;

namespace {

// The chain of a stateful file, and its mirostat (the last sampler).
struct Sequence {
    json::value doc;
    Chain chain;
    Mirostat* mirostat;
};

Sequence sequence(const std::string& file) {
    Sequence s{load_sampling(file), {}, nullptr};
    s.chain = chain_spec_from_json(read_text(ref_path("sampling/" + file)), file, nullptr, kRefVocab).chain;
    s.mirostat = dynamic_cast<Mirostat*>(&s.chain.at(s.chain.size() - 1));
    BOOST_TEST_REQUIRE(s.mirostat != nullptr);
    return s;
}

// Runs the steps [0, stop) against the reference; returns nothing, leaves the chain after step stop-1.
void replay(Sequence& s, const std::string& file, size_t stop) {
    const auto& steps = s.doc.at("steps").as_array();
    for (size_t k = 0; k < stop && k < steps.size(); ++k) {
        const auto& st = steps[k].as_object();
        const std::string label = file + " step " + std::to_string(k);
        const int row = static_cast<int>(st.at("row").to_number<int64_t>());
        BOOST_TEST(s.mirostat->mu() == num(st.at("mu_before")), label << ": mu before");
        auto cur = CandidateArray::from_logits(ref_row(row));
        s.chain.apply(cur);
        BOOST_TEST(cur.size == static_cast<size_t>(st.at("n").to_number<int64_t>()), label << ": n");
        check_candidates(label, cur, ids_of(st.at("ids")), nums(st.at("logits")), nums(st.at("p")), 1e-5f);
        BOOST_TEST(s.mirostat->last_k() == cur.size);
        s.chain.accept(static_cast<Token>(st.at("selected_id").to_number<int64_t>()));
        BOOST_TEST(std::fabs(s.mirostat->mu() - num(st.at("mu_after"))) <= 1e-6f * std::fabs(num(st.at("mu_after"))),
                   label << ": mu after " << s.mirostat->mu() << " vs " << num(st.at("mu_after")));
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(sequences_without_undefined_behaviour, *needs_ref()) {
    for (const char* f : {"mirostat_tau3_eta0.2.json", "mirostat_v2_tau5_eta0.1.json", "mirostat_v2_tau3_eta0.2.json",
                          "mirostat_v2_after_temp0.8.json"}) {
        auto s = sequence(f);
        BOOST_TEST(s.doc.at("steps").as_array().size() == 16u);
        replay(s, f, 16);
    }
}

BOOST_AUTO_TEST_CASE(v1_k_overflow_is_clamped, *needs_ref()) {
    const std::string f = "mirostat_tau5_eta0.1.json";
    auto s = sequence(f);
    replay(s, f, 10);  // steps 0..9 as the reference (step 2 and 8: k >> n_vocab but fits an int)
    const auto& steps = s.doc.at("steps").as_array();
    BOOST_TEST(steps[10].at("n").to_number<int64_t>() == 1);  // the reference collapsed to one candidate

    // Step 10 (the flat row): k is ~1.9e19; clamped to n_vocab, every candidate stays.
    float mu = s.mirostat->mu();
    BOOST_TEST(mu == num(steps[10].at("mu_before")));
    for (size_t k = 10; k < 16; ++k) {
        const int row = static_cast<int>(k % 8);
        auto cur = CandidateArray::from_logits(ref_row(row));
        s.chain.apply(cur);
        const std::string label = "defined step " + std::to_string(k);
        if (k == 10) BOOST_TEST(cur.size == kRefVocab, label);
        BOOST_TEST(cur.size >= 1u);
        BOOST_TEST(cur.size <= kRefVocab);
        BOOST_TEST(cur.sorted);
        // the set is the top of the distribution, renormalised
        float sum = 0;
        for (size_t i = 0; i < cur.size; ++i) {
            sum += cur[i].p;
            if (i) BOOST_TEST(cur[i - 1].logit >= cur[i].logit);
        }
        BOOST_TEST(std::fabs(sum - 1.0f) <= 1e-4f, label);
        BOOST_TEST_REQUIRE(cur.selected >= 0);
        const auto& chosen = cur[static_cast<size_t>(cur.selected)];
        s.chain.accept(chosen.id);
        const float step = 0.1f * (-log2f(chosen.p) - 5.0f);
        BOOST_TEST(std::fabs(s.mirostat->mu() - (mu - step)) <= 1e-5f, label);
        mu = s.mirostat->mu();
    }
}

BOOST_AUTO_TEST_CASE(v1_flat_logits_keep_candidates) {
    // all-equal logits: s_hat = 0 and k = inf; clamped to n_vocab rather than collapsing
    auto m = make_mirostat(64, 1, 5.0f, 0.1f, 100);
    std::vector<float> flat(64, 0.5f);
    auto cur = CandidateArray::from_logits(flat);
    m->apply(cur);
    BOOST_TEST(cur.size == 64u);
    BOOST_TEST(m->last_k() == 64u);
    // a token outside the last set leaves mu unchanged; one inside updates it
    const float mu0 = m->mu();
    m->accept(1000);
    BOOST_TEST(m->mu() == mu0);
    m->apply(cur);
    m->accept(cur[0].id);
    BOOST_TEST(m->mu() != mu0);
    m->reset();
    BOOST_TEST(m->mu() == 10.0f);
}

BOOST_AUTO_TEST_CASE(v2_truncates_by_surprise) {
    auto m = make_mirostat_v2(3, 2.0f, 0.5f);  // mu = 4 bits: p >= 1/16 survive
    std::vector<float> logits{std::log(0.5f), std::log(0.25f), std::log(0.125f), std::log(0.0625f), std::log(0.0625f)};
    auto cur = CandidateArray::from_logits(logits);
    m->apply(cur);
    BOOST_TEST(cur.size == 5u);
    auto m2 = make_mirostat_v2(3, 0.5f, 0.5f);  // mu = 1 bit: only p = 0.5 survives
    cur = CandidateArray::from_logits(logits);
    m2->apply(cur);
    BOOST_TEST(cur.size == 1u);
    BOOST_TEST(cur[0].id == 0);
    BOOST_TEST(cur[0].p == 1.0f);
}
