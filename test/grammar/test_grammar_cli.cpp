// `zigllm grammar-allowed` / `zigllm grammar-check` per shared/notes/cli-contract.md sections 3-4:
// every case of allowed-*.json through the CLI (pieces from the GGUF vocab), every case of
// invalid-grammars.json through grammar-check, refusal format and exit status.
// The zigllm executable's path is the last argument (after `--`).
#define BOOST_TEST_MODULE grammar_cli
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "grammar_test_util.hpp"

namespace fs = std::filesystem;

namespace {

std::string exe() {
    auto& mc = boost::unit_test::framework::master_test_suite();
    BOOST_TEST_REQUIRE(mc.argc >= 2, "usage: test_grammar_cli -- PATH/TO/zigllm");
    return mc.argv[mc.argc - 1];
}

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

struct Result {
    int status;
    std::string out, err;
};

// Runs zigllm with args through the shell; stderr goes through a scratch file.
Result run(const std::vector<std::string>& args) {
    static const fs::path err_file = fs::temp_directory_path() / ("zigllm_grammar_cli_" + std::to_string(getpid()) + ".err");
    std::string cmd = quote(exe());
    for (const auto& a : args) cmd += " " + quote(a);
    cmd += " 2>" + quote(err_file.string());
    Result r{-1, {}, {}};
    FILE* p = popen(cmd.c_str(), "r");
    BOOST_TEST_REQUIRE(p != nullptr);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.err = zigllm::test::read_text(err_file);
    fs::remove(err_file);
    return r;
}

// The refusal line: the last non-empty line of stderr.
std::string last_line(const std::string& s) {
    const size_t stop = s.find_last_not_of('\n');
    if (stop == std::string::npos) return {};
    const size_t start = s.rfind('\n', stop);
    return s.substr(start == std::string::npos ? 0 : start + 1, stop + 1 - (start == std::string::npos ? 0 : start + 1));
}

std::string ids_csv(const boost::json::array& a) {
    std::string s;
    for (const auto& v : a) s += (s.empty() ? "" : ",") + std::to_string(v.as_int64());
    return s;
}

fs::path scratch(const std::string& name, const std::string& text) {
    fs::path p = fs::temp_directory_path() / ("zigllm_grammar_cli_" + std::to_string(getpid()) + "_" + name);
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(allowed_every_reference_case, *zigllm::test::needs_ref()) {
    int n_cases = 0;
    for (const auto& e : fs::directory_iterator(zigllm::test::ref_path("grammar"))) {
        const std::string fname = e.path().filename().string();
        if (fname.rfind("allowed-", 0) != 0) continue;
        auto doc = zigllm::test::load_json("grammar/" + fname);
        const std::string gfile = zigllm::test::ref_path("grammar/" + std::string(doc.at("file").as_string())).string();
        for (const auto& [vocab, vj] : doc.at("vocabs").as_object()) {
            const std::string gguf = zigllm::test::ref_path("vocab/ggml-vocab-" + std::string(vocab) + ".gguf").string();
            const size_t n_vocab = static_cast<size_t>(vj.at("n_vocab").as_int64());
            for (const auto& cj : vj.at("cases").as_array()) {
                const auto& c = cj.as_object();
                BOOST_TEST_CONTEXT(fname << " " << vocab << " prefix " << c.at("prefix_hex").as_string()) {
                    std::vector<std::string> args{"grammar-allowed", "-m", gguf, "--grammar", gfile};
                    const std::string prefix = ids_csv(c.at("prefix_tokens").as_array());
                    if (!prefix.empty()) args.insert(args.end(), {"--prefix-tokens", prefix});
                    auto r = run(args);
                    BOOST_TEST_REQUIRE(r.status == 0, r.err);
                    std::string want;
                    if (c.at("stored").as_string() == "allowed") {
                        want = ids_csv(c.at("ids").as_array());
                    } else {
                        std::vector<bool> off(n_vocab, false);
                        for (const auto& v : c.at("ids").as_array()) off[static_cast<size_t>(v.as_int64())] = true;
                        for (size_t i = 0; i < n_vocab; ++i)
                            if (!off[i]) want += (want.empty() ? "" : ",") + std::to_string(i);
                    }
                    BOOST_TEST((r.out == want + "\n"), "output differs (" << r.out.size() << " vs " << want.size() + 1 << " bytes)");
                    ++n_cases;
                }
            }
        }
    }
    BOOST_TEST(n_cases > 80);
}

BOOST_AUTO_TEST_CASE(check_every_odd_grammar, *zigllm::test::needs_ref()) {
    auto doc = zigllm::test::load_json("grammar/invalid-grammars.json");
    const std::regex refusal("zigllm: .+: line [0-9]+, column [0-9]+: .+");
    int i = 0;
    for (const auto& cj : doc.at("cases").as_array()) {
        const auto& c = cj.as_object();
        auto path = scratch("case" + std::to_string(i++) + ".gbnf", std::string(c.at("grammar").as_string()));
        BOOST_TEST_CONTEXT("grammar '" << c.at("grammar").as_string() << "'") {
            auto r = run({"grammar-check", "--grammar", path.string(), "--root", std::string(c.at("grammar_root").as_string())});
            if (c.at("result").as_string() == "accepted") {
                BOOST_TEST(r.status == 0, r.err);
            } else {
                BOOST_TEST(r.status == 1);
                BOOST_TEST(std::regex_match(last_line(r.err), refusal), r.err);
                BOOST_TEST(last_line(r.err).find(path.string()) != std::string::npos);
            }
        }
        fs::remove(path);
    }
}

BOOST_AUTO_TEST_CASE(refusals, *zigllm::test::needs_ref()) {
    const std::string gguf = zigllm::test::ref_path("vocab/ggml-vocab-gpt-2.gguf").string();
    const std::string json = zigllm::test::ref_path("grammar/json.gbnf").string();
    // "{" then "{" again: the second token is refused, named by its position
    auto r = run({"grammar-allowed", "-m", gguf, "--grammar", json, "--prefix-tokens", "90,90"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(last_line(r.err).find("zigllm: " + json + ": position 1: ") == 0, r.err);
    // EOG before the sentence is complete
    r = run({"grammar-allowed", "-m", gguf, "--grammar", json, "--prefix-tokens", "90,50256"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(last_line(r.err).find(": position 1: ") != std::string::npos, r.err);
    // out-of-range and malformed ids
    r = run({"grammar-allowed", "-m", gguf, "--grammar", json, "--prefix-tokens", "99999999"});
    BOOST_TEST(r.status == 1);
    r = run({"grammar-allowed", "-m", gguf, "--grammar", json, "--prefix-tokens", "1,,2"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(last_line(r.err).find("zigllm: -: --prefix-tokens: ") == 0, r.err);
    // a missing grammar file, a grammar error with the grammar file named
    r = run({"grammar-check", "--grammar", "/nonexistent/x.gbnf"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(last_line(r.err).find("zigllm: /nonexistent/x.gbnf: ") == 0, r.err);
    auto bad = scratch("bad.gbnf", "root ::= \"a\"\nitem ::= [a-");
    r = run({"grammar-allowed", "-m", gguf, "--grammar", bad.string()});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(last_line(r.err) == "zigllm: " + bad.string() + ": line 2, column 13: unexpected end of input in a character class", r.err);
    fs::remove(bad);
    // a complete sentence allows EOG; the empty grammar allows everything
    r = run({"grammar-allowed", "-m", gguf, "--grammar", json, "--prefix-tokens", "90,92"});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out.find("50256") != std::string::npos);
    auto empty = scratch("empty.gbnf", "");
    r = run({"grammar-allowed", "-m", gguf, "--grammar", empty.string()});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(std::count(r.out.begin(), r.out.end(), ',') == 50256);
    fs::remove(empty);
}
