// Float, legacy and K-quant types against ggml's reference vectors (../shared/ref/quant, quant-large):
// to_float bit-identical, ggml's quantizers byte-identical, activation quantization byte-identical
// to ggml_mul_mat's, and dots within 5e-6 relative of ggml_vec_dot on every Highway target (equal
// to the bit on AVX2 / AVX-512 for the types whose dot llama.cpp runs as vec_dot).
#define BOOST_TEST_MODULE ops_ref
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "ops_test_util.hpp"
#include "zigllm/io/error.hpp"
#include "zigllm/ops/blocks.hpp"
#include "zigllm/ops/ops.hpp"
#include "zigllm/ops/quant_ref.hpp"

namespace bdata = boost::unit_test::data;
using zigllm::GgmlType;
using namespace zigllm::test;
using namespace zigllm::ops::test;
namespace ops = zigllm::ops;

namespace {

const char* const kWeightTypes[] = {"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                                    "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"};
const char* const kAllTypes[] = {"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                                 "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"};
const char* const kSets[] = {"quant", "quant-large"};

struct Case {
    GgmlType type;
    std::vector<float> input, act, dequant;
    std::vector<char> quantized, act_q;
    std::string dot_txt;
    int64_t n() const { return static_cast<int64_t>(input.size()); }
};

Case load(const std::string& set, const std::string& name) {
    const auto dir = ref_path(set + "/" + name);
    Case c;
    c.type = *zigllm::ggml_type_from_name(name);
    // quant/ keeps the inputs in every type folder, quant-large/ once at its top
    const bool shared_inputs = !std::filesystem::exists(dir / "input.f32");
    const auto in_dir = shared_inputs ? dir.parent_path() : dir;
    c.input = read_f32(in_dir / "input.f32");
    c.act = read_f32(in_dir / "act.f32");
    c.dequant = read_f32(dir / "dequant.f32");
    c.quantized = read_bytes(dir / "quantized.bin");
    if (c.type != GgmlType::Q8_K) c.act_q = read_bytes(dir / "act_q.bin");
    c.dot_txt = read_text(dir / "dot.txt");
    return c;
}

double rel_rmse(const std::vector<float>& a, const std::vector<float>& ref) {
    double e = 0, s = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        e += (double(a[i]) - ref[i]) * (double(a[i]) - ref[i]);
        s += double(ref[i]) * ref[i];
    }
    return std::sqrt(e / s);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ref, *needs_ref())

BOOST_DATA_TEST_CASE(dequantize_is_bit_identical, bdata::make(kSets) * bdata::make(kAllTypes), set, name) {
    const Case c = load(set, name);
    std::vector<float> out(c.n());
    ops::dequantize_row(c.type, c.quantized.data(), out.data(), c.n());
    BOOST_TEST(std::memcmp(out.data(), c.dequant.data(), out.size() * 4) == 0);
    int shown = 0;
    for (int64_t i = 0; i < c.n() && shown < 5; ++i)
        if (std::memcmp(&out[i], &c.dequant[i], 4) != 0) {
            BOOST_TEST_MESSAGE(name << " [" << i << "] " << out[i] << " vs " << c.dequant[i]);
            ++shown;
        }
}

BOOST_DATA_TEST_CASE(quantize_matches_ggml, bdata::make(kSets) * bdata::make(kAllTypes), set, name) {
    const Case c = load(set, name);
    std::vector<char> out(zigllm::row_bytes(c.type, c.n()));
    BOOST_TEST_REQUIRE(out.size() == c.quantized.size());
    ops::quantize_row(c.type, c.input.data(), out.data(), c.n());
    // ggml's reference quantizers are deterministic float code: we reproduce them byte for byte
    // (the floor for the K-quants is RMSE <= 1.02x ggml's; bytes equal implies it).
    BOOST_TEST(std::memcmp(out.data(), c.quantized.data(), out.size()) == 0);
    std::vector<float> mine(c.n());
    ops::dequantize_row(c.type, out.data(), mine.data(), c.n());
    BOOST_TEST(rel_rmse(mine, c.input) <= 1.02 * rel_rmse(c.dequant, c.input) + 1e-12);
}

BOOST_DATA_TEST_CASE(activation_quantization_is_byte_identical, bdata::make(kSets) * bdata::make(kWeightTypes), set,
                     name) {
    const Case c = load(set, name);
    const GgmlType at = ops::activation_type(c.type);
    std::vector<char> out(zigllm::row_bytes(at, c.n()));
    BOOST_TEST_REQUIRE(out.size() == c.act_q.size());
    for_each_target([&] {
        std::fill(out.begin(), out.end(), 0);
        ops::quantize_act_row(at, c.act.data(), out.data(), c.n());
        BOOST_TEST(std::memcmp(out.data(), c.act_q.data(), out.size()) == 0);
        // and through quantize_acts (the matmul path), as one row
        ops::QuantizedActs q;
        ops::quantize_acts(c.type, c.act.data(), 1, c.n(), q);
        BOOST_TEST((q.type == at));
        BOOST_TEST(std::memcmp(q.row(0), c.act_q.data(), out.size()) == 0);
    });
}

// The vectorized activation quantizers against the scalar ones, on rows made of the cases that decide
// a byte: ties of largest magnitude (Q8_K takes the first one's sign), zero blocks, products that land
// on halves (round to even), tiny, subnormal and huge values, f16 midpoints, a NaN.
BOOST_AUTO_TEST_CASE(activation_quantizers_equal_the_scalar_ones_on_every_target) {
    const int64_t cols = 1024, rows = 6;
    std::mt19937 gen(7);
    std::normal_distribution<float> nd(0, 1);
    std::vector<float> X(static_cast<size_t>(rows * cols));
    for (auto& v : X) v = nd(gen);
    float* r1 = X.data() + cols;
    std::fill(r1, r1 + 256, 0.0f);  // an all-zero block of every type
    r1[300] = 3.0f, r1[301] = -3.0f, r1[520] = -5.0f, r1[700] = 5.0f, r1[33] = -4.0f, r1[40] = 4.0f;
    float* r2 = X.data() + 2 * cols;  // the scale is exactly 1 (or -1): x * id is a half
    for (int64_t i = 0; i < cols; ++i) r2[i] = i % 32 == 0 ? 127.0f : static_cast<float>(i % 200 - 100) + 0.5f;
    float* r3 = X.data() + 3 * cols;
    for (int64_t i = 0; i < cols; ++i) r3[i] = std::ldexp(nd(gen), static_cast<int>(i % 80) - 40);
    float* r4 = X.data() + 4 * cols;  // halfway between two halves (and past the largest: infinity)
    for (int64_t i = 0; i < cols; ++i) {
        const auto h = static_cast<uint16_t>((i * 37) & 0x7bff);
        r4[i] = (i % 2 ? -0.5f : 0.5f) * (ops::fp16_to_f32(h) + ops::fp16_to_f32(static_cast<uint16_t>(h + 1)));
    }
    X[5 * cols + 10] = NAN;
    for (GgmlType at : {GgmlType::Q8_0, GgmlType::Q8_1, GgmlType::Q8_K, GgmlType::F16, GgmlType::BF16}) {
        const size_t rb = zigllm::row_bytes(at, cols);
        std::vector<uint8_t> want(rb * rows), got(rb * rows);
        for (int64_t r = 0; r < rows; ++r) ops::ref::quantize_act_row(at, X.data() + r * cols, want.data() + r * rb, cols);
        for_each_target([&] {
            std::fill(got.begin(), got.end(), 0xAA);
            for (int64_t r = 0; r < rows; ++r) ops::quantize_act_row(at, X.data() + r * cols, got.data() + r * rb, cols);
            for (int64_t r = 0; r < rows; ++r)
                BOOST_TEST(std::memcmp(got.data() + r * rb, want.data() + r * rb, rb) == 0,
                           zigllm::type_name(at) << " row " << r << " differs from the scalar quantizer");
        });
    }
}

bool vec_dot_order(const std::string& name) {
    for (const char* t : {"Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q5_K", "Q6_K"})
        if (name == t) return true;
    return false;
}
bool fma_x86_target() {
    const std::string t = ops::current_target();
    return t == "AVX2" || t == "AVX3" || t == "AVX3_DL" || t == "AVX3_ZEN4" || t == "AVX3_SPR";
}

BOOST_DATA_TEST_CASE(dot_matches_ggml_on_every_target, bdata::make(kSets) * bdata::make(kWeightTypes), set, name) {
    const Case c = load(set, name);
    const double ggml = std::stod(zigllm::test::dot_txt_value(c.dot_txt, "ggml_vec_dot"));
    for_each_target([&] {
        const float d = ops::dot_row(c.type, c.quantized.data(), c.act_q.data(), c.n());
        BOOST_TEST(std::fabs(d - ggml) <= 5e-6 * std::fabs(ggml), name << ": " << d << " vs ggml " << ggml);
        // On AVX2 and AVX-512 the dots keep ggml's own x86 summation order: the same float, bit for
        // bit. (Q4_0 and Q4_K follow ggml's repacked kernels instead, which llama.cpp runs those
        // tensors through; F16/BF16 its batched tinyBLAS order; SSE4 has no FMA to round alike.)
        if (vec_dot_order(name) && fma_x86_target())
            BOOST_TEST(d == static_cast<float>(ggml), name << ": " << d << " is not ggml's value to the bit");
        // the 1-row matmul path gives the same value
        ops::QuantizedActs q;
        q.type = ops::activation_type(c.type);
        q.n_rows = 1;
        q.cols = c.n();
        q.row_stride = c.act_q.size();
        q.storage.assign(c.act_q.begin(), c.act_q.end());
        float y = 0;
        ops::matmul(c.type, c.quantized.data(), 1, q, &y, nullptr);
        BOOST_TEST(y == d);
    });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(bad_input_is_refused) {
    std::vector<float> x(48, 1.0f), y(48);
    std::vector<char> q(1024);
    BOOST_CHECK_THROW(ops::quantize_row(GgmlType::Q4_K, x.data(), q.data(), 48), zigllm::Error);
    BOOST_CHECK_THROW(ops::dequantize_row(GgmlType::Q4_0, q.data(), y.data(), 48), zigllm::Error);
    BOOST_CHECK_THROW(ops::dot_row(GgmlType::I32, q.data(), q.data(), 32), zigllm::Error);
    BOOST_TEST(!ops::supported(GgmlType::I8));
    ops::QuantizedActs a;
    ops::quantize_acts(GgmlType::Q8_0, x.data(), 1, 32, a);
    float out[4];
    BOOST_CHECK_THROW(ops::matmul(GgmlType::Q4_K, q.data(), 1, a, out, nullptr), zigllm::Error);
}
