// Every tokenizer against hashes of llama.cpp's own results (test/tokenizer/data/README.md): the 12
// reference vocabularies and the gpt-2 vocabulary under each of 36 pre-tokenizer names, on 206 texts,
// all four tokenize and four detokenize flag combinations each. The data folder is the argument.
#define BOOST_TEST_MODULE tokenizer_llama_cpp
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <sstream>

#include "tok_test_util.hpp"
#include "zigllm_test.hpp"

using zigllm::decode::Token;
using namespace zigllm::tok_test;

namespace {

std::string data_dir() {
    auto& mc = boost::unit_test::framework::master_test_suite();
    BOOST_TEST_REQUIRE(mc.argc >= 2, "usage: test_tokenizer_llama_cpp -- test/tokenizer/data");
    return mc.argv[mc.argc - 1];
}

std::vector<std::string> all_inputs() {
    std::vector<std::string> in = read_inputs("gpt-2");
    std::string bin = zigllm::test::read_text(data_dir() + "/llama_cpp_inputs.bin");
    for (size_t i = 0; i + 4 <= bin.size();) {
        uint32_t n;
        std::memcpy(&n, bin.data() + i, 4);
        BOOST_TEST_REQUIRE(i + 4 + n <= bin.size());
        in.push_back(bin.substr(i + 4, n));
        i += 4 + n;
    }
    return in;
}

std::string hash_of(const zigllm::decode::Vocab& v, const std::string& text) {
    uint64_t h = 1469598103934665603ull;
    auto feed = [&](std::string_view s) {
        for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    };
    for (int mode = 0; mode < 4; ++mode) {
        auto ids = v.encode(text, mode & 1, mode & 2);
        for (Token t : ids) feed(std::to_string(t) + " ");
        feed("|");
        for (int d = 0; d < 4; ++d) {
            feed(v.decode(ids, d & 1, d & 2));
            feed("|");
        }
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(h ^ (h >> 32)));
    return buf;
}

// The gpt-2 vocabulary with another tokenizer.ggml.pre, as an in-memory GGUF.
std::shared_ptr<const zigllm::decode::Vocab> gpt2_as(const std::string& pre, std::vector<uint8_t>& keep) {
    auto f = zigllm::io::GgufFile::open(zigllm::test::ref_path("vocab/ggml-vocab-gpt-2.gguf").string());
    zigllm::io::GgufWriter w;
    for (const auto& kv : f.kv())
        if (kv.key != "tokenizer.ggml.pre") w.set_value(std::string(kv.key), kv.value);
    w.set_string("tokenizer.ggml.pre", pre);
    keep = w.to_bytes();
    auto mem = zigllm::io::GgufFile::from_memory(keep, "gpt-2-as-" + pre + ".gguf");
    return zigllm::decode::Vocab::from_gguf(mem);
}

}  // namespace

BOOST_AUTO_TEST_CASE(identical_to_llama_cpp, *zigllm::test::needs_ref()) {
    const auto inputs = all_inputs();
    BOOST_TEST_REQUIRE(inputs.size() == 206u);
    std::istringstream lines(zigllm::test::read_text(data_dir() + "/llama_cpp_hashes.txt"));
    std::string line;
    size_t vocabs = 0, checked = 0;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        std::string kind, name;
        ls >> kind >> name;
        std::vector<uint8_t> keep;
        auto v = kind == "vocab" ? load_vocab(name) : gpt2_as(name, keep);
        ++vocabs;
        size_t bad = 0;
        std::string want;
        for (size_t i = 0; ls >> want; ++i) {
            BOOST_TEST_REQUIRE(i < inputs.size());
            if (want == "-") continue;
            ++checked;
            if (hash_of(*v, inputs[i]) != want && ++bad <= 3)
                BOOST_ERROR(kind << " " << name << ": input " << i << " " << quoted(inputs[i]) << " differs from llama.cpp");
        }
        BOOST_TEST(bad == 0u, kind << " " << name << ": " << bad << " inputs differ");
    }
    BOOST_TEST(vocabs == 48u);
    BOOST_TEST(checked == 48u * 206u);
}
