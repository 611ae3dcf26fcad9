// The engine commands through the CLI contract: run (--ids, text, refusals), logits (the reference
// layout), bench (table and JSON), info --plan.
#define BOOST_TEST_MODULE engine_cli
#include <boost/test/unit_test.hpp>
#include <boost/json.hpp>

#include "../chat/cli_run.hpp"
#include "engine_test_util.hpp"

using namespace zigllm;
using namespace zigllm::test;

namespace {
std::string stories() { return ref_path("stories260K/stories260K.gguf").string(); }
std::string last_line(const std::string& s) { return last_stderr_line(s); }
std::string joined(const std::vector<Token>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
    return s;
}
}  // namespace

BOOST_AUTO_TEST_CASE(run_greedy_ids_and_text, *needs_ref()) {
    const auto seq = read_ids(ref_path("stories260K/sequence69.tokens"));
    const std::vector<Token> want(seq.begin() + 5, seq.end());
    auto r = run_cli({"run", "-m", stories(), "-p", "Once upon a time", "-n", "64", "--temp", "0", "--ids", "-t", "2"});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(last_line(r.out) == joined(want));
    // --tokens are used as given (here: the same BOS + prompt ids).
    r = run_cli({"run", "-m", stories(), "--tokens", "1,403,407,261,378", "-n", "64", "--temp", "0", "--ids"});
    BOOST_TEST(last_line(r.out) == joined(want));
    r = run_cli({"run", "-m", stories(), "-p", "Once upon a time", "-n", "20", "--temp", "0"});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out.rfind(", there was a little girl named Lily.", 0) == 0u, r.out);
    // Seeded sampling is reproducible.
    auto a = run_cli({"run", "-m", stories(), "-p", "Once", "-n", "16", "--seed", "7", "--ids"});
    auto b = run_cli({"run", "-m", stories(), "-p", "Once", "-n", "16", "--seed", "7", "--ids"});
    BOOST_TEST(a.status == 0);
    BOOST_TEST(a.out == b.out);
}

BOOST_AUTO_TEST_CASE(run_with_a_grammar, *needs_ref()) {
    auto r = run_cli({"run", "-m", stories(), "-p", "Once upon a time", "-n", "40", "--temp", "0.8", "--seed", "3",
                      "--regex", " [0-9]+ cats"});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST_REQUIRE(r.out.size() > 6u);
    BOOST_TEST(r.out.substr(r.out.size() - 5) == " cats");
    BOOST_TEST(r.out.find_first_not_of(" 0123456789") == r.out.size() - 4);
    check_refused({"run", "-m", stories(), "-p", "x", "--regex", "("}, "zigllm: -: ");
}

// Every sampler of the chain has a flag (llama-cli's names). Greedy with a -inf logit bias on the
// reference's first token picks another one; seeded chains are reproducible; bad values are refused.
BOOST_AUTO_TEST_CASE(run_sampler_flags, *needs_ref()) {
    const auto seq = read_ids(ref_path("stories260K/sequence69.tokens"));
    const std::string first = std::to_string(seq.at(5));
    auto greedy = [&](std::vector<std::string> extra) {
        std::vector<std::string> a{"run", "-m", stories(), "-p", "Once upon a time", "-n", "8", "--temp", "0", "--ids"};
        a.insert(a.end(), extra.begin(), extra.end());
        auto r = run_cli(a);
        BOOST_TEST(r.status == 0, r.err);
        return last_line(r.out);
    };
    const std::string plain = greedy({});
    BOOST_TEST(plain.rfind(first + ",", 0) == 0u);
    BOOST_TEST(greedy({"--logit-bias", first + "-inf"}).rfind(first + ",", 0) != 0u);
    BOOST_TEST(greedy({"-l", first + "+0"}) == plain);
    BOOST_TEST(greedy({"--cfg-negative-prompt", "Lily", "--cfg-scale", "1"}) == plain);
    BOOST_TEST(greedy({"--cfg-negative-prompt", "Lily", "--cfg-scale", "3"}) != plain);
    const std::vector<std::vector<std::string>> chains{
        {"--typical", "0.9", "--xtc-probability", "0.5", "--xtc-threshold", "0.05", "--top-nsigma", "2"},
        {"--dynatemp-range", "0.4", "--dynatemp-exp", "1.5", "--min-keep", "2", "--samplers", "min_p;top-k;temp"},
        {"--repeat-last-n", "-1", "--repeat-penalty", "1.3", "--presence-penalty", "0.5", "--frequency-penalty", "0.2"},
        {"--dry-multiplier", "0.8", "--dry-base", "2", "--dry-allowed-length", "1", "--dry-penalty-last-n", "32",
         "--dry-sequence-breaker", "none"},
        {"--mirostat", "1", "--mirostat-ent", "3", "--mirostat-lr", "0.2"},
        {"--mirostat", "2"}};
    for (const auto& extra : chains) {
        std::vector<std::string> a{"run", "-m", stories(), "-p", "Once", "-n", "16", "--seed", "5", "--ids", "--ignore-eos"};
        a.insert(a.end(), extra.begin(), extra.end());
        auto r1 = run_cli(a), r2 = run_cli(a);
        BOOST_TEST(r1.status == 0, r1.err);
        BOOST_TEST(r1.out == r2.out);
        BOOST_TEST(std::count(r1.out.begin(), r1.out.end(), ',') == 15);
    }
    check_refused({"run", "-m", stories(), "-p", "x", "--samplers", "top_k;bogus"}, "zigllm: -: --samplers: ");
    check_refused({"run", "-m", stories(), "-p", "x", "--logit-bias", "12x"}, "zigllm: -: --logit-bias: ");
    check_refused({"run", "-m", stories(), "-p", "x", "--logit-bias", "12+"}, "zigllm: -: --logit-bias: ");
    check_refused({"run", "-m", stories(), "-p", "x", "--mirostat", "3"}, "zigllm: -: --mirostat: ");
    check_refused({"run", "-m", stories(), "-p", "x", "--repeat-last-n", "-2"}, "zigllm: -: --repeat-last-n: ");
    check_refused({"run", "-m", stories(), "-p", "x", "--seed", "-2"}, "zigllm: -: --seed: ");
    auto rs = run_cli({"run", "-m", stories(), "-p", "Once", "-n", "4", "--seed", "-1", "--ids"});  // llama-cli's random seed
    BOOST_TEST(rs.status == 0, rs.err);
}

BOOST_AUTO_TEST_CASE(run_refusals, *needs_ref()) {
    check_refused({"run", "-m", stories(), "--tokens", "1,x"}, "zigllm: -: --tokens: ");
    check_refused({"run", "-m", stories(), "--tokens", "1,9999", "--ids"}, "zigllm: -: position 1: ");
    check_refused({"run", "-m", "/nonexistent.gguf", "-p", "x"}, "zigllm: /nonexistent.gguf: ");
    check_refused({"run", "-m", stories()}, "zigllm: -: -p: ");
    check_refused({"run", "-m", stories(), "-p", "x", "-t", "0"}, "zigllm: -: -t: ");
    std::string long_prompt = "1";
    for (int i = 0; i < 600; ++i) long_prompt += ",300";
    check_refused({"run", "-m", stories(), "--tokens", long_prompt, "--ids"}, "zigllm: -: position 512: ");
}

BOOST_AUTO_TEST_CASE(logits_match_reference_layout, *needs_ref()) {
    const TempFile out("", ".f32");
    const auto dir = std::string("arch/gpt2");
    auto r = run_cli({"logits", "-m", ref_path(dir + "/model.gguf").string(), "--tokens",
                      read_text(ref_path(dir + "/tokens.txt")).substr(0, read_text(ref_path(dir + "/tokens.txt")).find_last_not_of("\n\r ") + 1),
                      "--out", out.path.string(), "-t", "2"});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out.empty());
    const auto got = read_f32(out.path), ref = read_f32(ref_path(dir + "/logits.f32"));
    BOOST_TEST(compare_rows(got, ref, 512).worst_ratio <= 1e-3);
    check_refused({"logits", "-m", ref_path(dir + "/model.gguf").string(), "--tokens", "1,2", "--out", "/nonexistent-dir/x.f32"},
                  "zigllm: /nonexistent-dir/x.f32: ");
}

BOOST_AUTO_TEST_CASE(bench_table_and_json, *needs_ref()) {
    auto r = run_cli({"bench", "-m", stories(), "-p", "32", "-n", "8", "-r", "2", "-t", "1", "--json"});
    BOOST_TEST(r.status == 0, r.err);
    const auto arr = boost::json::parse(r.out).as_array();
    BOOST_TEST_REQUIRE(arr.size() == 2u);
    BOOST_TEST(arr[0].at("test").as_string() == "pp32");
    BOOST_TEST(arr[1].at("test").as_string() == "tg8");
    for (const auto& v : arr) {
        BOOST_TEST(v.at("threads").as_int64() == 1);
        BOOST_TEST(v.at("tps_median").to_number<double>() > 0.0);
        BOOST_TEST(v.at("tps_min").to_number<double>() <= v.at("tps_max").to_number<double>());
        BOOST_TEST(v.at("peak_rss_mib").to_number<double>() > 0.0);
    }
    BOOST_TEST(arr[0].at("n").as_int64() == 32);
    r = run_cli({"bench", "-m", stories(), "-p", "0", "-n", "4", "-r", "1"});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out.find("tg4") != std::string::npos);
    BOOST_TEST(r.out.find("pp") == std::string::npos);
    check_refused({"bench", "-m", stories(), "-r", "0"}, "zigllm: -: -r: ");
}

BOOST_AUTO_TEST_CASE(info_plan, *needs_ref()) {
    auto r = run_cli({"info", "--plan", ref_path("arch/mixtral/model.gguf").string()});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out.find("general.architecture = llama") != std::string::npos);
    BOOST_TEST(r.out.find("architecture type: Mixtral") != std::string::npos);
    BOOST_TEST(r.out.find("[fused: norm + activation quantization]") != std::string::npos);
    BOOST_TEST(r.out.find("blk.0.ffn_gate_exps.weight: f32 -> f32") != std::string::npos);
    r = run_cli({"info", "--plan", ref_path("quantized/Q4_K_M/model.gguf").string()});
    BOOST_TEST(r.out.find("blk.0.attn_q.weight: q4_K -> q8_K") != std::string::npos, r.out);
    // An unregistered architecture: exit 1, the refusal as the last stderr line (the plain info may precede it).
    r = run_cli({"info", "--plan", ref_path("arch/bert/model.gguf").string()});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(last_stderr_line(r.err).rfind("zigllm: " + ref_path("arch/bert/model.gguf").string() +
                                             ": general.architecture: unregistered architecture", 0) == 0u);
}
