// `zigllm quantize` and `zigllm synth` as the CLI contract states them: success leaves stdout empty
// and writes a loadable file; refusals exit 1 with `zigllm: <file>: <where>: <what>` as the last line
// of stderr. The zigllm executable's path is the last argument.
#define BOOST_TEST_MODULE tools_cli
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

#include "tools_test_util.hpp"
#include "zigllm_test.hpp"

namespace fs = std::filesystem;

namespace {

struct Result {
    int status = -1;
    std::string out, last_err_line;
};

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

Result run(const zigllm::test::TempDir& tmp, const std::vector<std::string>& args) {
    auto& mc = boost::unit_test::framework::master_test_suite();
    BOOST_TEST_REQUIRE(mc.argc >= 2, "usage: test_cli_tools -- PATH/TO/zigllm");
    std::string cmd = quote(mc.argv[mc.argc - 1]);
    for (const auto& a : args) cmd += " " + quote(a);
    const fs::path out = tmp.path / "stdout", err = tmp.path / "stderr";
    cmd += " >" + quote(out.string()) + " 2>" + quote(err.string());
    const int rc = std::system(cmd.c_str());
    Result r;
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = zigllm::test::read_text(out);
    std::ifstream in(err);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) r.last_err_line = line;
    return r;
}

void expect_refusal(const Result& r, const std::string& prefix) {
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(r.last_err_line.rfind(prefix, 0) == 0, r.last_err_line);
}

}  // namespace

BOOST_AUTO_TEST_CASE(synth_then_quantize) {
    zigllm::test::TempDir tmp{"cli-tools"};
    const std::string model = (tmp.path / "tiny.gguf").string(), q = (tmp.path / "tiny-q8.gguf").string();
    auto r = run(tmp, {"synth", "--arch", "llama", "--shape", "tiny", "--type", "F32", "--out", model});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out.empty());
    r = run(tmp, {"quantize", model, q, "Q8_0"});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out.empty());
    auto f = zigllm::io::GgufFile::open(q);
    BOOST_TEST(f.find_tensor("blk.0.attn_q.weight")->type == zigllm::GgmlType::Q8_0);
    BOOST_TEST(f.get_uint("general.file_type", 0) == 7u);
}

BOOST_AUTO_TEST_CASE(refusals) {
    zigllm::test::TempDir tmp{"cli-tools"};
    const std::string model = (tmp.path / "tiny.gguf").string(), out = (tmp.path / "out.gguf").string();
    BOOST_TEST_REQUIRE(run(tmp, {"synth", "--out", model}).status == 0);
    expect_refusal(run(tmp, {"quantize", model, out, "Q4_Q"}), "zigllm: -: TYPE: unknown quantization type");
    const std::string junk = (tmp.path / "junk.bin").string();
    std::ofstream(junk) << "GGUF? no";
    expect_refusal(run(tmp, {"quantize", junk, out, "Q4_0"}), "zigllm: " + junk + ": ");
    const std::string nowhere = (tmp.path / "no" / "such" / "dir.gguf").string();
    expect_refusal(run(tmp, {"quantize", model, nowhere, "Q4_0"}), "zigllm: " + nowhere + ": ");
    expect_refusal(run(tmp, {"quantize", model, out}), "zigllm: -: ");
    expect_refusal(run(tmp, {"synth", "--shape", "7b", "--out", out}), "zigllm: -: --shape: ");
    expect_refusal(run(tmp, {"synth", "--arch", "rwkv", "--out", out}), "zigllm: -: --arch: ");
    expect_refusal(run(tmp, {"synth", "--type", "Q9", "--out", out}), "zigllm: -: TYPE: ");
    expect_refusal(run(tmp, {"synth", "--out", nowhere}), "zigllm: " + nowhere + ": ");
    BOOST_TEST(!fs::exists(out));
}
