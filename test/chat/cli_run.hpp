// Runs the zigllm executable (path: the last test argument, after `--`) through the shell and
// captures exit status, stdout (bytes) and stderr. Shared by the chat-template and sample CLI tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "zigllm_test.hpp"

namespace zigllm::test {

struct CliResult {
    int status;
    std::string out, err;
};

inline std::string cli_exe() {
    auto& mc = boost::unit_test::framework::master_test_suite();
    BOOST_TEST_REQUIRE(mc.argc >= 2, "usage: TEST -- PATH/TO/zigllm");
    return mc.argv[mc.argc - 1];
}

inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

inline CliResult run_cli(const std::vector<std::string>& args) {
    static int serial = 0;
    const auto err_file = std::filesystem::temp_directory_path() /
                          ("zigllm_cli_" + std::to_string(getpid()) + "_" + std::to_string(serial++) + ".err");
    std::string cmd = shell_quote(cli_exe());
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " 2>" + shell_quote(err_file.string());
    CliResult r{-1, {}, {}};
    FILE* p = popen(cmd.c_str(), "r");
    BOOST_TEST_REQUIRE(p != nullptr);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.err = read_text(err_file);
    std::filesystem::remove(err_file);
    return r;
}

// The refusal line of the contract: the last non-empty line of stderr.
inline std::string last_stderr_line(const std::string& s) {
    const size_t stop = s.find_last_not_of('\n');
    if (stop == std::string::npos) return {};
    const size_t start = s.rfind('\n', stop);
    return s.substr(start == std::string::npos ? 0 : start + 1, stop + 1 - (start == std::string::npos ? 0 : start + 1));
}

// A refusal per the contract: exit 1, nothing on stdout, last stderr line starting with prefix
// ("zigllm: <file>: <where>: ").
inline void check_refused(const std::vector<std::string>& args, const std::string& prefix) {
    const auto r = run_cli(args);
    BOOST_TEST(r.status == 1, prefix);
    BOOST_TEST(r.out.empty(), prefix);
    BOOST_TEST(last_stderr_line(r.err).rfind(prefix, 0) == 0u, "'" << last_stderr_line(r.err) << "' vs " << prefix);
}

// A scratch file holding bytes, removed when the object dies.
struct TempFile {
    std::filesystem::path path;
    explicit TempFile(const std::string& bytes, const std::string& suffix = ".tmp") {
        static int serial = 0;
        path = std::filesystem::temp_directory_path() /
               ("zigllm_test_" + std::to_string(getpid()) + "_" + std::to_string(serial++) + suffix);
        FILE* f = std::fopen(path.c_str(), "wb");
        BOOST_TEST_REQUIRE(f != nullptr);
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
    }
    ~TempFile() { std::filesystem::remove(path); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
};

}  // namespace zigllm::test
