// Shared helpers for the Boost.Test suites: locating ../shared/ref through ZIGLLM_REF_DIR.
//
// ZIGLLM_REF_DIR set: the data must be there; a missing file fails the test.
// ZIGLLM_REF_DIR unset: tests that need the data are reported as skipped, loudly, on stderr.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <algorithm>
#include <vector>

namespace zigllm::test {

inline const char* ref_root_env() { return std::getenv("ZIGLLM_REF_DIR"); }

// Threads a test may start: n, capped by ZIGLLM_TEST_MAX_THREADS when set. The aarch64 CI run sets
// it to 1: under this container's qemu-user (7.2) a started thread never runs, so a pool would hang.
inline int test_threads(int n) {
    const char* cap = std::getenv("ZIGLLM_TEST_MAX_THREADS");
    return cap && std::atoi(cap) >= 1 ? std::min(n, std::atoi(cap)) : n;
}

// Path of a reference file or folder; fails the current test when ZIGLLM_REF_DIR is set but the
// path does not exist.
inline std::filesystem::path ref_path(const std::string& rel) {
    const char* root = ref_root_env();
    BOOST_TEST_REQUIRE(root != nullptr, "ZIGLLM_REF_DIR is not set");
    std::filesystem::path p = std::filesystem::path(root) / rel;
    BOOST_TEST_REQUIRE(std::filesystem::exists(p), "reference data missing: " << p.string());
    return p;
}

// Precondition decorator: BOOST_AUTO_TEST_CASE(name, *zigllm::test::needs_ref())
struct needs_ref_t {
    boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
        if (ref_root_env()) return true;
        std::fprintf(stderr, "\n*** SKIPPED: ZIGLLM_REF_DIR is not set: reference-data tests do not run "
                             "(set it to .../shared/ref) ***\n");
        boost::test_tools::assertion_result r(false);
        r.message() << "ZIGLLM_REF_DIR not set: reference data absent, test skipped";
        return r;
    }
};
inline boost::unit_test::decorator::precondition needs_ref() {
    return boost::unit_test::decorator::precondition(needs_ref_t{});
}

inline std::vector<char> read_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    BOOST_TEST_REQUIRE(in.good(), "cannot open " << p.string());
    return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::vector<float> read_f32(const std::filesystem::path& p) {
    auto b = read_bytes(p);
    std::vector<float> v(b.size() / 4);
    std::memcpy(v.data(), b.data(), v.size() * 4);
    return v;
}

inline std::string read_text(const std::filesystem::path& p) {
    auto b = read_bytes(p);
    return std::string(b.begin(), b.end());
}

// The value of `key = value` in a reference dot.txt (quant/, quant-large/); fails the test when absent.
inline std::string dot_txt_value(const std::string& text, const std::string& key) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string k = line.substr(0, eq);
        while (!k.empty() && k.back() == ' ') k.pop_back();
        if (k == key) return line.substr(eq + 1);
    }
    BOOST_FAIL("dot.txt has no key " << key);
    return {};
}

}  // namespace zigllm::test
