// `zigllm tokenize` / `zigllm detokenize` per shared/notes/cli-contract.md: ids on stdout's last line,
// default special tokens unless --no-bos, --special parses special-token text, detokenize writes the
// text exactly (unparse_special, nothing added), refusals exit 1 with `zigllm: file: where: what`.
// The zigllm executable's path is the first argument after `--`.
#define BOOST_TEST_MODULE tokenizer_cli
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "zigllm_test.hpp"

namespace {

std::string zigllm_exe() {
    auto& mc = boost::unit_test::framework::master_test_suite();
    BOOST_TEST_REQUIRE(mc.argc >= 2, "usage: test_tokenizer_cli -- PATH/TO/zigllm");
    return mc.argv[mc.argc - 1];
}

struct Run {
    int status = -1;
    std::string out, err;
};

Run run(std::vector<std::string> args) {
    args.insert(args.begin(), zigllm_exe());
    int po[2], pe[2];
    BOOST_TEST_REQUIRE(pipe(po) == 0);
    BOOST_TEST_REQUIRE(pipe(pe) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    Run r;
    auto drain = [](int fd, std::string& s) {
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
        close(fd);
    };
    drain(po[0], r.out);  // outputs are small: reading one pipe after the other cannot block
    drain(pe[0], r.err);
    int st = 0;
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

std::string vocab(const char* name) { return zigllm::test::ref_path(std::string("vocab/ggml-vocab-") + name + ".gguf").string(); }

std::string last_line(const std::string& out) {
    std::string s = out;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    size_t nl = s.rfind('\n');
    return nl == std::string::npos ? s : s.substr(nl + 1);
}

}  // namespace

BOOST_AUTO_TEST_CASE(tokenize_default_special_tokens, *zigllm::test::needs_ref()) {
    auto r = run({"tokenize", "-m", vocab("llama-spm"), "--text", "Hello world"});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(last_line(r.out) == "1,15043,3186");
    r = run({"tokenize", "-m", vocab("llama-spm"), "--text", "Hello world", "--no-bos"});
    BOOST_TEST(last_line(r.out) == "15043,3186");
    r = run({"tokenize", "-m", vocab("bert-bge"), "--text", "Hello world"});
    BOOST_TEST(last_line(r.out) == "101,7592,2088,102");
    r = run({"tokenize", "-m", vocab("bert-bge"), "--text", "Hello world", "--no-bos"});
    BOOST_TEST(last_line(r.out) == "7592,2088");
    r = run({"tokenize", "-m", vocab("gpt-2"), "--text", "a<|endoftext|>b"});
    BOOST_TEST(last_line(r.out) == "64,27,91,437,1659,5239,91,29,65");
    r = run({"tokenize", "-m", vocab("gpt-2"), "--text", "a<|endoftext|>b", "--special"});
    BOOST_TEST(last_line(r.out) == "64,50256,65");
    r = run({"tokenize", "-m", vocab("gpt-2"), "--text", ""});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out == "\n");
}

BOOST_AUTO_TEST_CASE(detokenize_exact_text, *zigllm::test::needs_ref()) {
    auto r = run({"detokenize", "-m", vocab("llama-spm"), "--ids", "1,15043,3186"});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out == "<s> Hello world");
    r = run({"detokenize", "-m", vocab("gpt-2"), "--ids", "64,50256,65"});
    BOOST_TEST(r.out == "a<|endoftext|>b");
    r = run({"detokenize", "-m", vocab("gpt-2"), "--ids", "198,198"});
    BOOST_TEST(r.out == "\n\n");
}

BOOST_AUTO_TEST_CASE(refusals, *zigllm::test::needs_ref()) {
    auto r = run({"detokenize", "-m", vocab("gpt-2"), "--ids", "1,99999"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(last_line(r.err).find("zigllm: " + vocab("gpt-2") + ": --ids position 1: ") == 0u, r.err);
    r = run({"detokenize", "-m", vocab("gpt-2"), "--ids", "1,x"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(last_line(r.err).find("zigllm: -: --ids: ") == 0u, r.err);
    r = run({"tokenize", "-m", "/nonexistent.gguf", "--text", "a"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(last_line(r.err).find("zigllm: /nonexistent.gguf: ") == 0u, r.err);
    r = run({"tokenize", "-m", vocab("gpt-2")});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(last_line(r.err).find("zigllm: -: --text: ") == 0u, r.err);
    // not a GGUF at all
    r = run({"tokenize", "-m", zigllm::test::ref_path("quantized").string() + "/../vocab/ggml-vocab-gpt-2.gguf.inp", "--text", "a"});
    BOOST_TEST(r.status == 1);
}
