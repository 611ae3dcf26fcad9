// i-quant and ternary types against ggml's reference vectors (../shared/ref/quant and quant-large):
// dequantization bit-identical to dequant.f32, dot products within 5e-6 relative of ggml_vec_dot.
#define BOOST_TEST_MODULE iq
#include <boost/test/unit_test.hpp>
#include <boost/test/data/test_case.hpp>

#include <cmath>
#include <cstring>
#include <sstream>
#include <string>

#include "zigllm/ops/iq_quantize.hpp"
#include "zigllm/ops/iq_scalar.hpp"
#include "zigllm_test.hpp"

namespace bdata = boost::unit_test::data;
using zigllm::GgmlType;
using namespace zigllm::test;

namespace {

const char* const kTypes[] = {"IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS",
                              "IQ3_S", "IQ4_NL", "IQ4_XS", "TQ1_0", "TQ2_0"};
const char* const kSets[] = {"quant", "quant-large"};

// The `key = value` lines of dot.txt.
std::string dot_value(const std::string& text, const std::string& key) {
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

struct RefCase {
    GgmlType type;
    int64_t n;
    std::vector<char> quantized, act_q;
    std::vector<float> dequant;
    float ggml_dot;
};

RefCase load_case(const std::string& set, const std::string& name) {
    const auto dir = ref_path(set + "/" + name);
    RefCase c;
    c.type = *zigllm::ggml_type_from_name(name);
    c.quantized = read_bytes(dir / "quantized.bin");
    c.act_q = read_bytes(dir / "act_q.bin");
    c.dequant = read_f32(dir / "dequant.f32");
    c.n = static_cast<int64_t>(c.dequant.size());
    c.ggml_dot = std::stof(dot_value(read_text(dir / "dot.txt"), "ggml_vec_dot"));
    BOOST_TEST_REQUIRE(c.quantized.size() == zigllm::row_bytes(c.type, c.n));
    return c;
}

}  // namespace

// Reference-data cases, skipped as a whole without ZIGLLM_REF_DIR.
BOOST_AUTO_TEST_SUITE(ref, *needs_ref())

BOOST_DATA_TEST_CASE(scalar_dequant_bit_exact, bdata::make(kSets) * bdata::make(kTypes), set, name) {
    const RefCase c = load_case(set, name);
    std::vector<float> out(c.n, std::nanf(""));
    zigllm::ops::iq::dequantize_row_scalar(c.type, c.quantized.data(), out.data(), c.n);
    int64_t mismatches = 0, first = -1;
    for (int64_t i = 0; i < c.n; ++i)
        if (std::memcmp(&out[i], &c.dequant[i], 4) != 0 && mismatches++ == 0) first = i;
    BOOST_TEST(mismatches == 0, mismatches << " values differ, first at " << first);
}

BOOST_DATA_TEST_CASE(scalar_dot_matches_ggml, bdata::make(kSets) * bdata::make(kTypes), set, name) {
    const RefCase c = load_case(set, name);
    const float got = zigllm::ops::iq::dot_row_scalar(c.type, c.quantized.data(), c.act_q.data(), c.n);
    const double rel = std::fabs(double(got) - c.ggml_dot) / std::fabs(double(c.ggml_dot));
    BOOST_TEST(rel <= 5e-6, "dot " << got << " vs ggml " << c.ggml_dot << " rel " << rel);
}

const char* const kQuantizable[] = {"IQ4_NL", "IQ4_XS"};

// ggml_quantize_chunk with no imatrix: the bytes must be ggml's.
BOOST_DATA_TEST_CASE(quantize_bytes_match_ggml, bdata::make(kSets) * bdata::make(kQuantizable), set, name) {
    const auto dir = ref_path(std::string(set) + "/" + name);
    // quant/ keeps input.f32 in every type folder, quant-large/ once for all types.
    const auto input = read_f32(std::filesystem::exists(dir / "input.f32") ? dir / "input.f32"
                                                                            : ref_path(std::string(set) + "/input.f32"));
    const auto expected = read_bytes(dir / "quantized.bin");
    const auto type = *zigllm::ggml_type_from_name(name);
    const auto n = static_cast<int64_t>(input.size());
    std::vector<char> got(zigllm::row_bytes(type, n));
    if (type == GgmlType::IQ4_NL) zigllm::ops::iq::quantize_row_iq4_nl(input.data(), got.data(), n);
    else zigllm::ops::iq::quantize_row_iq4_xs(input.data(), got.data(), n);
    BOOST_TEST_REQUIRE(got.size() == expected.size());
    size_t diff = 0;
    for (size_t i = 0; i < got.size(); ++i) diff += got[i] != expected[i];
    BOOST_TEST(diff == 0u, diff << " of " << got.size() << " bytes differ");
}

BOOST_AUTO_TEST_SUITE_END()
