// The CLI's error contract and `zigllm info`, run as a user would: exit status 1 and one last stderr
// line `zigllm: <file>: <where>: <what>`; never a signal.
#define BOOST_TEST_MODULE cli_info
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "zigllm/io/gguf.hpp"
#include "zigllm_test.hpp"

namespace fs = std::filesystem;

namespace {

struct Result {
    int status = -1;        // exit status; -1 when killed by a signal
    std::string out, err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Result run(const std::string& args) {
    const char* exe = std::getenv("ZIGLLM_EXE");
    BOOST_TEST_REQUIRE(exe != nullptr, "ZIGLLM_EXE not set (meson sets it)");
    fs::path tmp = fs::temp_directory_path();
    std::string o = (tmp / "zigllm_cli_out").string(), e = (tmp / "zigllm_cli_err").string();
    int rc = std::system((std::string(exe) + " " + args + " >" + o + " 2>" + e).c_str());
    Result r;
    if (WIFEXITED(rc)) r.status = WEXITSTATUS(rc);
    r.out = slurp(o);
    r.err = slurp(e);
    return r;
}

std::string last_line(const std::string& s) {
    std::string t = s;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    size_t nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
}

void expect_refusal(const std::string& args, const std::string& prefix) {
    Result r = run(args);
    BOOST_TEST(r.status == 1, args);
    std::string line = last_line(r.err);
    BOOST_TEST(line.rfind(prefix, 0) == 0, "stderr last line '" << line << "' does not start with '" << prefix << "'");
    // `zigllm: file: where: what` has at least three ': ' separators.
    size_t seps = 0;
    for (size_t p = line.find(": "); p != std::string::npos; p = line.find(": ", p + 2)) ++seps;
    BOOST_TEST(seps >= 3u, line);
}

}  // namespace

BOOST_AUTO_TEST_CASE(refusals_have_the_contract_format) {
    fs::path tmp = fs::temp_directory_path();
    fs::path text = tmp / "zigllm_not_gguf.txt";
    std::ofstream(text) << "hello";
    expect_refusal("info " + text.string(), "zigllm: " + text.string() + ": magic at offset 0: ");
    expect_refusal("info /nonexistent/model.gguf", "zigllm: /nonexistent/model.gguf: ");
    expect_refusal("info", "zigllm: -: ");
    expect_refusal("info --no-such-option x", "zigllm: -: ");
    expect_refusal("no-such-command", "zigllm: -: no-such-command: ");

    // A truncated real file names the tensor or offset where it breaks.
    zigllm::io::GgufWriter w;
    w.set_string("general.architecture", "llama");
    std::vector<float> data(64, 1.0f);
    w.add_tensor("token_embd.weight", zigllm::GgmlType::F32, {64}, data.data());
    auto bytes = w.to_bytes();
    fs::path cut = tmp / "zigllm_truncated.gguf";
    std::ofstream(cut, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size() - 8));
    expect_refusal("info " + cut.string(), "zigllm: " + cut.string() + ": tensor 'token_embd.weight' data at offset ");
    fs::remove(text);
    fs::remove(cut);
}

BOOST_AUTO_TEST_CASE(info_prints_architecture_hyperparameters_and_tensors, *zigllm::test::needs_ref()) {
    fs::path model = zigllm::test::ref_path("arch/gpt2/model.gguf");
    Result r = run("info " + model.string());
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out.find("\ngeneral.architecture = gpt2\n") != std::string::npos);
    BOOST_TEST(r.out.find("gpt2.embedding_length = 64") != std::string::npos);
    BOOST_TEST(r.out.find("vocab size = 512") != std::string::npos);
    BOOST_TEST(r.out.find("token_embd.weight") != std::string::npos);
    Result r2 = run("info -m " + model.string());
    BOOST_TEST(r2.status == 0);
    BOOST_TEST(r2.out == r.out);
}
