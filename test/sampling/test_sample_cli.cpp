// `zigllm sample` per cli-contract.md §2: every single-pass configuration of shared/ref/sampling on
// every row through the CLI (fresh chain per run, history accepted, one apply), output compared as
// the contract says; refusals exit 1 with `zigllm: <file>: <where>: <what>`.
// The zigllm executable's path is the last argument (after `--`).
#define BOOST_TEST_MODULE sample_cli
#include <boost/test/unit_test.hpp>

#include "../chat/cli_run.hpp"
#include "sampling_ref_util.hpp"

using namespace zigllm::decode;
using namespace zigllm::test;

namespace {

// The CLI's JSON back into a candidate array (ids, p, and the logits it also prints).
CandidateArray parse_output(const std::string& out, bool& sorted) {
    const auto v = json::parse(out);
    const auto ids = ids_of(v.at("ids"));
    const auto p = nums(v.at("p"));
    const auto logits = nums(v.at("logits"));
    BOOST_TEST_REQUIRE(p.size() == ids.size());
    CandidateArray c;
    for (size_t i = 0; i < ids.size(); ++i) c.items.push_back({ids[i], logits[i], p[i]});
    c.size = ids.size();
    sorted = v.at("sorted").as_bool();
    return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_configuration_every_row, *needs_ref()) {
    const auto index = load_sampling("index.json");
    const std::string logits = ref_path("sampling/logits.f32").string();
    size_t runs = 0;
    for (const auto& entry : index.as_array()) {
        if (entry.as_object().contains("stateful")) continue;
        const std::string id(entry.at("id").as_string());
        const std::string file = ref_path("sampling/" + std::string(entry.at("file").as_string())).string();
        const auto doc = load_sampling(std::string(entry.at("file").as_string()));
        for (const auto& res : doc.at("results").as_array()) {
            const auto& r = res.as_object();
            const int row = static_cast<int>(r.at("row").to_number<int64_t>());
            const std::string label = id + " row " + std::to_string(row);
            const auto out = run_cli({"sample", "--logits", logits, "--row", std::to_string(row), "--chain", file});
            BOOST_TEST_REQUIRE(out.status == 0, label << ": " << out.err);
            bool sorted = false;
            auto cur = parse_output(out.out, sorted);
            const auto ids = ids_of(r.at("ids"));
            const auto ref_logits = nums(r.at("logits"));
            const bool softmax = r.at("p_is_softmax_of_logits").as_bool();
            // XTC with 0 < p < 1 draws from its own generator: a fresh chain per run sees the row's
            // chance of a first use, which for rows > 0 differs from the reference's carried one.
            if (id == "xtc_p0.5_t0.05" && sorted != r.at("sorted").as_bool()) {
                // the other outcome of the gate (accepted): check it is that outcome exactly
                auto other = CandidateArray::from_logits(ref_row(row));
                if (sorted) make_xtc(1.0f, 0.05f, 1, 0)->apply(other);
                std::vector<Token> other_ids;
                std::vector<float> other_logits, other_p;
                for (const auto& c : other) {
                    other_ids.push_back(c.id);
                    other_logits.push_back(c.logit);
                    other_p.push_back(c.p);
                }
                check_candidates(label + " (other gate outcome)", cur, other_ids, other_logits, other_p, 1e-5f);
                ++runs;
                continue;
            }
            std::vector<float> p = r.at("p").is_null() ? std::vector<float>{} : nums(r.at("p"));
            // p is compared where the reference's is a true softmax of the final logits; elsewhere
            // only the candidate list (what the contract checks)
            if (!softmax) {
                p.assign(ids.size(), 0.0f);
                for (auto& c : cur) c.p = 0.0f;
            }
            check_candidates(label, cur, ids, ref_logits, p, 1e-5f);
            BOOST_TEST(sorted == r.at("sorted").as_bool(), label);
            ++runs;
        }
    }
    BOOST_TEST(runs == 43u * 8u);
}

BOOST_AUTO_TEST_CASE(infinite_values_in_chain_files, *needs_ref()) {
    const std::string logits = ref_path("sampling/logits.f32").string();
    TempFile chain("{\"chain\": [{\"name\": \"logit_bias\", \"biases\": [[7, \"-inf\"], [3, -Infinity]]},"
                   " {\"name\": \"top_k\", \"k\": 3}], \"history\": []}", ".json");
    const auto r = run_cli({"sample", "--logits", logits, "--row", "3", "--chain", chain.path.string()});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    const auto v = json::parse(r.out);
    for (Token t : ids_of(v.at("ids"))) {
        BOOST_TEST(t != 7);
        BOOST_TEST(t != 3);
    }
    BOOST_TEST(v.at("ids").as_array().size() == 3u);
}

BOOST_AUTO_TEST_CASE(refusals, *needs_ref()) {
    const std::string logits = ref_path("sampling/logits.f32").string();
    const std::string chain = ref_path("sampling/top_k_40.json").string();
    const auto refused = check_refused;
    refused({"sample", "--logits", logits, "--row", "8", "--chain", chain}, "zigllm: " + logits + ": --row: ");
    refused({"sample", "--logits", logits, "--row", "-1", "--chain", chain}, "zigllm: " + logits + ": --row: ");
    refused({"sample", "--logits", logits, "--row", "0", "--chain", chain, "--n-vocab", "999"}, "zigllm: " + logits + ": size: ");
    refused({"sample", "--logits", logits, "--row", "0", "--chain", chain, "--n-vocab", "0"}, "zigllm: -: --n-vocab: ");
    refused({"sample", "--logits", "/nonexistent.f32", "--row", "0", "--chain", chain}, "zigllm: /nonexistent.f32: ");
    refused({"sample", "--logits", logits, "--row", "0"}, "zigllm: -: ");
    TempFile bad("{\"chain\": [{\"name\": \"top_k\", \"k\": \"many\"}]}", ".json");
    refused({"sample", "--logits", logits, "--row", "0", "--chain", bad.path.string()},
            "zigllm: " + bad.path.string() + ": chain[0].k: ");
    TempFile broken("{\"chain\": [", ".json");
    refused({"sample", "--logits", logits, "--row", "0", "--chain", broken.path.string()},
            "zigllm: " + broken.path.string() + ": json: ");
}
