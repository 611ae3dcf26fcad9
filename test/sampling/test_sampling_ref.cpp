// The sampler chain against shared/ref/sampling: every single-pass configuration on every row (ids
// with tie groups as sets, modified logits, p within 1e-5, sorted flag), and the seeded draws (our
// draw mirrors libstdc++'s discrete_distribution over mt19937, so llama.cpp's picks are reproduced).
#define BOOST_TEST_MODULE sampling_ref
#include <boost/test/unit_test.hpp>

#include "sampling_ref_util.hpp"

using namespace zigllm::decode;
using namespace zigllm::test;

namespace {

// A chain spec file of the reference, built exactly as its driver did: fresh chain, history accepted.
ChainSpec chain_of(const std::string& file) {
    auto spec = chain_spec_from_json(read_text(ref_path("sampling/" + file)), file, nullptr, kRefVocab);
    for (Token t : spec.history) spec.chain.accept(t);
    return spec;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_single_pass_configuration, *needs_ref()) {
    const auto index = load_sampling("index.json");
    size_t configs = 0, rows = 0;
    for (const auto& entry : index.as_array()) {
        if (entry.as_object().contains("stateful")) continue;
        const std::string id(entry.at("id").as_string()), file(entry.at("file").as_string());
        const auto doc = load_sampling(file);
        auto spec = chain_of(file);
        Chain final_draw;
        final_draw.add(make_dist(1234));  // the reference's dist: one per configuration, rows in order
        // XTC's own generator, replayed to check our chance against the recorded one
        std::mt19937 xtc_replica(42);
        for (const auto& res : doc.at("results").as_array()) {
            const auto& r = res.as_object();
            const int row = static_cast<int>(r.at("row").to_number<int64_t>());
            const std::string label = id + " row " + std::to_string(row);
            auto cur = CandidateArray::from_logits(ref_row(row));
            spec.chain.apply(cur);

            const auto ids = ids_of(r.at("ids"));
            const auto logits = nums(r.at("logits"));
            const std::vector<float> p = r.at("p").is_null() ? std::vector<float>{} : nums(r.at("p"));
            check_candidates(label, cur, ids, logits, p, 1e-5f);
            BOOST_TEST(cur.sorted == r.at("sorted").as_bool(), label << ": sorted flag");
            if (r.contains("xtc_chance"))
                BOOST_TEST(draw_uniform_float(xtc_replica) == num(r.at("xtc_chance")), label << ": XTC chance");

            if (r.contains("selected_id")) {  // greedy
                BOOST_TEST(cur.selected == r.at("selected_index").to_number<int64_t>(), label);
                BOOST_TEST(cur[static_cast<size_t>(cur.selected)].id == r.at("selected_id").to_number<int64_t>(), label);
            }
            if (r.contains("dist_selected_id")) {
                CandidateArray copy = cur;
                final_draw.apply(copy);
                BOOST_TEST_REQUIRE(copy.selected >= 0);
                BOOST_TEST(copy[static_cast<size_t>(copy.selected)].id == r.at("dist_selected_id").to_number<int64_t>(),
                           label << ": dist draw");
                BOOST_TEST(copy.selected == r.at("dist_selected_rank").to_number<int64_t>(), label << ": dist rank");
                // the distribution sampled from: softmax over the final logits
                const auto probs = nums(r.at("probs"));
                std::map<Token, float> mine;
                for (const auto& c : copy) mine[c.id] = c.p;
                size_t bad = 0;
                for (size_t k = 0; k < ids.size(); ++k) bad += !(std::fabs(mine[ids[k]] - probs[k]) <= 1e-5f);
                BOOST_TEST(bad == 0u, label << ": probs");
            }
            ++rows;
        }
        ++configs;
    }
    BOOST_TEST(configs == 43u);
    BOOST_TEST(rows == 43u * 8u);
}

BOOST_AUTO_TEST_CASE(dist_sequence_reproduces_the_reference_draws, *needs_ref()) {
    const auto doc = load_sampling("dist_sequence_topk40_temp1.json");
    auto spec = chain_of("dist_sequence_topk40_temp1.json");
    for (const auto& st : doc.at("steps").as_array()) {
        const int row = static_cast<int>(st.at("row").to_number<int64_t>());
        const std::string label = "step " + std::to_string(st.at("step").to_number<int64_t>());
        auto cur = CandidateArray::from_logits(ref_row(row));
        spec.chain.apply(cur);
        check_candidates(label, cur, ids_of(st.at("ids")), nums(st.at("logits")), nums(st.at("p")), 1e-5f);
        BOOST_TEST_REQUIRE(cur.selected >= 0);
        const Token got = cur[static_cast<size_t>(cur.selected)].id;
        BOOST_TEST(got == st.at("selected_id").to_number<int64_t>(), label);
        spec.chain.accept(got);
    }
}

BOOST_AUTO_TEST_CASE(seeded_draws_are_reproducible) {
    std::vector<float> logits(500);
    for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(0.37f * float(i)) * 3.0f;
    auto run = [&](uint32_t seed) {
        Chain c;
        c.add(make_top_k(50)).add(make_temp(0.9f)).add(make_dist(seed));
        std::vector<Token> out;
        for (int i = 0; i < 64; ++i) out.push_back(c.sample(logits));
        return out;
    };
    const auto a = run(7), b = run(7), c = run(8);
    BOOST_TEST(a == b);
    BOOST_TEST(a != c);
    // reset() restarts the generator; clone() copies its state
    Chain ch;
    ch.add(make_dist(99));
    const Token first = ch.sample(logits);
    auto copy = ch.clone();
    const Token second = ch.sample(logits);
    BOOST_TEST(static_cast<Chain&>(*copy).sample(logits) == second);
    ch.reset();
    BOOST_TEST(ch.sample(logits) == first);
}
