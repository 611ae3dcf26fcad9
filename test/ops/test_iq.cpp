// i-quant and ternary types against ggml's reference vectors (../shared/ref/quant and quant-large):
// dequantization bit-identical to dequant.f32, dot products within 5e-6 relative of ggml_vec_dot.
#define BOOST_TEST_MODULE iq
#include <boost/test/unit_test.hpp>
#include <boost/test/data/test_case.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>

#include "hwy/targets.h"
#include "zigllm/ops/iq_act.hpp"
#include "zigllm/ops/iq_blocks.hpp"
#include "zigllm/ops/iq_ops.hpp"
#include "zigllm/ops/ops.hpp"
#include "zigllm/ops/thread_pool.hpp"
#include "zigllm_test.hpp"

namespace bdata = boost::unit_test::data;
using zigllm::GgmlType;
using namespace zigllm::test;

namespace {

const char* const kTypes[] = {"IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS",
                              "IQ3_S", "IQ4_NL", "IQ4_XS", "TQ1_0", "TQ2_0"};
const char* const kSets[] = {"quant", "quant-large"};
const char* const kQuantizable[] = {"IQ4_NL", "IQ4_XS", "TQ1_0", "TQ2_0"};


struct RefCase {
    GgmlType type;
    int64_t n;
    std::vector<char> quantized, act_q;
    std::vector<float> dequant;
    float ggml_dot;
    double exact;  // sum of dequant(w) * dequant(act_q) in double: what the kernels approximate
};

RefCase load_case(const std::string& set, const std::string& name) {
    const auto dir = ref_path(set + "/" + name);
    RefCase c;
    c.type = *zigllm::ggml_type_from_name(name);
    c.quantized = read_bytes(dir / "quantized.bin");
    c.act_q = read_bytes(dir / "act_q.bin");
    c.dequant = read_f32(dir / "dequant.f32");
    c.n = static_cast<int64_t>(c.dequant.size());
    const std::string dot_txt = read_text(dir / "dot.txt");
    c.ggml_dot = std::stof(zigllm::test::dot_txt_value(dot_txt, "ggml_vec_dot"));
    c.exact = std::stod(zigllm::test::dot_txt_value(dot_txt, "exact_dot_dequant_act_q"));
    BOOST_TEST_REQUIRE(c.quantized.size() == zigllm::row_bytes(c.type, c.n));
    return c;
}

// Runs f once per Highway target this CPU has (and the build compiled), each forced in turn.
template <class F>
void for_each_target(F&& f) {
    (void)zigllm::ops::iq::dot_target();  // a first dispatch before querying targets (arm64 quirk)
    const auto targets = hwy::SupportedAndGeneratedTargets();
    BOOST_TEST_REQUIRE(!targets.empty());
    for (const int64_t target : targets) {
        hwy::SetSupportedTargetsForTest(target);
        BOOST_TEST_MESSAGE("target " << hwy::TargetName(target));
        BOOST_TEST_CONTEXT("target " << hwy::TargetName(target)) {
            BOOST_TEST(std::string(zigllm::ops::iq::dot_target()) == hwy::TargetName(target));
            f();
        }
    }
    hwy::SetSupportedTargetsForTest(0);
}

double rel_diff(double got, double want) { return std::fabs(got - want) / std::fabs(want); }

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

// The dispatched kernels on every target against ggml's dot and against the exact value (float
// summation order differs from ggml's; on 65,536 values that alone moves the result by ~1e-6).
BOOST_DATA_TEST_CASE(simd_dot_matches_ggml_on_every_target, bdata::make(kSets) * bdata::make(kTypes), set, name) {
    const RefCase c = load_case(set, name);
    for_each_target([&] {
        const float got = zigllm::ops::iq::dot_row(c.type, c.quantized.data(), c.act_q.data(), c.n);
        BOOST_TEST(rel_diff(got, c.ggml_dot) <= 5e-6, "dot " << got << " vs ggml " << c.ggml_dot);
        BOOST_TEST(rel_diff(got, c.exact) <= 3e-6, "dot " << got << " vs exact " << c.exact);
    });
}

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
    BOOST_TEST_REQUIRE(zigllm::ops::iq::can_quantize(type));
    zigllm::ops::iq::quantize_row(type, input.data(), got.data(), n);
    BOOST_TEST_REQUIRE(got.size() == expected.size());
    size_t diff = 0;
    for (size_t i = 0; i < got.size(); ++i) diff += got[i] != expected[i];
    BOOST_TEST(diff == 0u, diff << " of " << got.size() << " bytes differ");

    // The criterion as well: round-trip RMSE no worse than 1.02x ggml's.
    std::vector<float> back(n);
    zigllm::ops::iq::dequantize_row(type, got.data(), back.data(), n);
    double err = 0, norm = 0;
    for (int64_t i = 0; i < n; ++i) {
        err += (double(back[i]) - input[i]) * (double(back[i]) - input[i]);
        norm += double(input[i]) * input[i];
    }
    const double ref_rmse = std::stod(zigllm::test::dot_txt_value(read_text(dir / "dot.txt"), "dequant_rel_rmse"));
    BOOST_TEST(std::sqrt(err / norm) <= 1.02 * ref_rmse);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------------
// Synthetic rows (no reference data): random blocks of every type, several rows per call, against the
// float64 dot of the dequantized row with the dequantized activation (the value the integer kernels
// compute exactly up to float rounding).

namespace {

using zigllm::ops::f32_to_fp16;

// Random bytes for a row of blocks with sane fp16 scales (random bits could be inf or NaN).
std::vector<uint8_t> random_weights(GgmlType t, int64_t n, std::mt19937& rng) {
    std::vector<uint8_t> row(zigllm::row_bytes(t, n));
    for (auto& b : row) b = static_cast<uint8_t>(rng());
    std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
    const size_t bytes = zigllm::traits(t).type_size;
    for (size_t off = 0; off < row.size(); off += bytes) {
        uint8_t* blk = row.data() + off;
        const uint16_t h = f32_to_fp16(scale(rng));
        switch (t) {
            case GgmlType::TQ1_0: std::memcpy(blk + offsetof(zigllm::ops::BlockTQ1_0, d), &h, 2); break;
            case GgmlType::TQ2_0: std::memcpy(blk + offsetof(zigllm::ops::BlockTQ2_0, d), &h, 2); break;
            case GgmlType::IQ1_M: {  // the fp16 scale lives in the top nibbles of the 4 scale words
                auto* sc = blk + offsetof(zigllm::ops::BlockIQ1_M, scales);
                for (int k = 0; k < 4; ++k) sc[2 * k + 1] = static_cast<uint8_t>((sc[2 * k + 1] & 0x0f) | (((h >> (4 * k)) & 0xf) << 4));
                break;
            }
            default: std::memcpy(blk, &h, 2); break;  // d first
        }
    }
    return row;
}

// A random activation row in the paired type and its dequantized values.
std::vector<uint8_t> random_act(GgmlType t, int64_t n, std::mt19937& rng, std::vector<double>& values) {
    std::uniform_int_distribution<int> q(-127, 127);
    values.assign(n, 0.0);
    if (t == GgmlType::IQ4_NL) {
        std::vector<zigllm::ops::BlockQ8_0> a(n / 32);
        for (int64_t b = 0; b < n / 32; ++b) {
            a[b].d = f32_to_fp16(0.001f * static_cast<float>(1 + rng() % 50));
            for (int j = 0; j < 32; ++j) {
                a[b].qs[j] = static_cast<int8_t>(q(rng));
                values[32 * b + j] = double(zigllm::ops::fp16_to_f32(a[b].d)) * a[b].qs[j];
            }
        }
        std::vector<uint8_t> bytes(a.size() * sizeof a[0]);
        std::memcpy(bytes.data(), a.data(), bytes.size());
        return bytes;
    }
    std::vector<zigllm::ops::BlockQ8K> a(n / 256);
    for (int64_t b = 0; b < n / 256; ++b) {
        a[b].d = 0.0007f * static_cast<float>(1 + rng() % 50);
        for (int g = 0; g < 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j) {
                a[b].qs[16 * g + j] = static_cast<int8_t>(q(rng));
                sum += a[b].qs[16 * g + j];
                values[256 * b + 16 * g + j] = double(a[b].d) * a[b].qs[16 * g + j];
            }
            a[b].bsums[g] = static_cast<int16_t>(sum);
        }
    }
    std::vector<uint8_t> bytes(a.size() * sizeof a[0]);
    std::memcpy(bytes.data(), a.data(), bytes.size());
    return bytes;
}

}  // namespace

BOOST_DATA_TEST_CASE(random_rows_match_float64_on_every_target, bdata::make(kTypes), name) {
    const GgmlType t = *zigllm::ggml_type_from_name(name);
    std::mt19937 rng(1234u + static_cast<unsigned>(t));
    // IQ4_NL: an odd number of blocks (the kernels pair blocks); others: 3 super-blocks. Rows are
    // padded (stride > row bytes) to check the stride is honoured.
    const int64_t n = t == GgmlType::IQ4_NL ? 32 * 25 : 768;
    constexpr int rows = 5;
    std::vector<double> act_values;
    const auto act = random_act(t, n, rng, act_values);
    const size_t stride = zigllm::row_bytes(t, n) + 38;
    std::vector<uint8_t> W(stride * rows, 0xa5);
    for (int r = 0; r < rows; ++r) {
        const auto row = random_weights(t, n, rng);
        std::copy(row.begin(), row.end(), W.begin() + r * stride);
    }
    std::vector<double> want(rows), magnitude(rows);
    std::vector<float> deq(n);
    for (int r = 0; r < rows; ++r) {
        zigllm::ops::iq::dequantize_row_scalar(t, W.data() + r * stride, deq.data(), n);
        for (int64_t i = 0; i < n; ++i) {
            want[r] += double(deq[i]) * act_values[i];
            magnitude[r] += std::fabs(double(deq[i]) * act_values[i]);
        }
        const float scalar = zigllm::ops::iq::dot_row_scalar(t, W.data() + r * stride, act.data(), n);
        BOOST_TEST(std::fabs(scalar - want[r]) <= 1e-6 * magnitude[r], "scalar row " << r << ": " << scalar << " vs " << want[r]);
    }
    for_each_target([&] {
        std::vector<float> got(rows, std::nanf(""));
        zigllm::ops::iq::dot_rows(t, W.data(), stride, rows, act.data(), n, got.data());
        for (int r = 0; r < rows; ++r)
            BOOST_TEST(std::fabs(got[r] - want[r]) <= 1e-6 * magnitude[r], "row " << r << ": " << got[r] << " vs " << want[r]);
    });
}

// Degenerate rows: zeros, a constant, one huge outlier, tiny values: finite output, round trip sane.
BOOST_DATA_TEST_CASE(quantize_degenerate_rows, bdata::make(kQuantizable), name) {
    const GgmlType t = *zigllm::ggml_type_from_name(name);
    constexpr int64_t n = 512;
    std::vector<std::vector<float>> rows(4, std::vector<float>(n, 0.f));
    std::fill(rows[1].begin(), rows[1].end(), 0.75f);
    for (int64_t i = 0; i < n; ++i) rows[2][i] = (i == 7) ? 3e4f : std::sin(float(i));
    for (int64_t i = 0; i < n; ++i) rows[3][i] = 1e-20f * std::cos(float(i));
    for (size_t k = 0; k < rows.size(); ++k) {
        BOOST_TEST_CONTEXT("row kind " << k) {
            std::vector<uint8_t> q(zigllm::row_bytes(t, n));
            zigllm::ops::iq::quantize_row(t, rows[k].data(), q.data(), n);
            std::vector<float> back(n);
            zigllm::ops::iq::dequantize_row(t, q.data(), back.data(), n);
            double err = 0, norm = 0;
            bool finite = true;
            for (int64_t i = 0; i < n; ++i) {
                finite = finite && std::isfinite(back[i]);
                err += (double(back[i]) - rows[k][i]) * (double(back[i]) - rows[k][i]);
                norm += double(rows[k][i]) * rows[k][i];
            }
            BOOST_TEST(finite);
            if (k == 0) BOOST_TEST(err == 0.0);
            const bool ternary = t == GgmlType::TQ1_0 || t == GgmlType::TQ2_0;  // only a constant row is exact-ish
            if (k == 1) BOOST_TEST(std::sqrt(err / norm) <= 1e-3);
            if (k == 2 && !ternary) BOOST_TEST(std::sqrt(err / norm) <= 0.2);
        }
    }
}

// Several activation rows at once (prompt processing): 1, 2, 3, 5 and 17 rows (tiles of 4 plus
// remainders), 19 weight rows (a band of 16 plus a remainder), padded strides and output rows.
BOOST_DATA_TEST_CASE(matmul_many_rows_on_every_target, bdata::make(kTypes), name) {
    const GgmlType t = *zigllm::ggml_type_from_name(name);
    std::mt19937 rng(777u + static_cast<unsigned>(t));
    const int64_t n = t == GgmlType::IQ4_NL ? 32 * 9 : 512;
    constexpr int64_t rows = 19, max_x = 17;
    const size_t w_stride = zigllm::row_bytes(t, n) + 6;
    std::vector<uint8_t> W(w_stride * rows);
    for (int64_t r = 0; r < rows; ++r) {
        const auto row = random_weights(t, n, rng);
        std::copy(row.begin(), row.end(), W.begin() + r * w_stride);
    }
    const GgmlType act_type = t == GgmlType::IQ4_NL ? GgmlType::Q8_0 : GgmlType::Q8_K;
    const size_t x_stride = zigllm::row_bytes(act_type, n) + 4;
    std::vector<uint8_t> X(x_stride * max_x);
    std::vector<std::vector<double>> x_values(max_x);
    for (int64_t j = 0; j < max_x; ++j) {
        const auto row = random_act(t, n, rng, x_values[j]);
        std::copy(row.begin(), row.end(), X.begin() + j * x_stride);
    }
    std::vector<float> deq(n);
    std::vector<std::vector<double>> want(max_x, std::vector<double>(rows)), mag = want;
    for (int64_t r = 0; r < rows; ++r) {
        zigllm::ops::iq::dequantize_row(t, W.data() + r * w_stride, deq.data(), n);
        for (int64_t j = 0; j < max_x; ++j)
            for (int64_t i = 0; i < n; ++i) {
                want[j][r] += double(deq[i]) * x_values[j][i];
                mag[j][r] += std::fabs(double(deq[i]) * x_values[j][i]);
            }
    }
    for_each_target([&] {
        for (const int64_t n_x : {1, 2, 3, 5, 17}) {
            const size_t ldy = rows + 3;
            std::vector<float> Y(ldy * n_x, std::nanf(""));
            zigllm::ops::iq::matmul(t, W.data(), w_stride, rows, X.data(), x_stride, n_x, n, Y.data(), ldy);
            int bad = 0;
            for (int64_t j = 0; j < n_x; ++j)
                for (int64_t r = 0; r < rows; ++r)
                    if (!(std::fabs(Y[j * ldy + r] - want[j][r]) <= 1e-6 * mag[j][r])) ++bad;
            BOOST_TEST(bad == 0, bad << " of " << n_x * rows << " outputs off for n_x = " << n_x);
            int differ = 0;  // a tile computes each activation row exactly as a single-row call does
            for (int64_t j = 0; j < n_x; ++j)
                for (int64_t r = 0; r < rows; ++r) {
                    const float single = zigllm::ops::iq::dot_row(t, W.data() + r * w_stride, X.data() + j * x_stride, n);
                    differ += std::memcmp(&single, &Y[j * ldy + r], 4) != 0;
                }
            BOOST_TEST(differ == 0, differ << " outputs differ from the single-row kernel for n_x = " << n_x);
            for (int64_t j = 0; j < n_x; ++j)  // the padding of each output row is left alone
                for (size_t r = rows; r < ldy; ++r) BOOST_TEST(std::isnan(Y[j * ldy + r]));
        }
    });
}

// ---------------------------------------------------------------------------------------------------
// Through the public ops API (ops.hpp), which routes these types to iq_ops.hpp: activation
// quantization byte-identical to ggml's act_q.bin, dequantization, dots, and the threaded matmul.

BOOST_AUTO_TEST_SUITE(public_api, *needs_ref())

BOOST_DATA_TEST_CASE(ops_api_matches_ggml, bdata::make(kSets) * bdata::make(kTypes), set, name) {
    namespace ops = zigllm::ops;
    const RefCase c = load_case(set, name);
    const auto dir = ref_path(std::string(set) + "/" + name);
    const auto act = read_f32(std::filesystem::exists(dir / "act.f32") ? dir / "act.f32"
                                                                         : ref_path(std::string(set) + "/act.f32"));
    BOOST_TEST_REQUIRE(ops::supported(c.type));
    BOOST_TEST((ops::activation_type(c.type) == zigllm::ops::iq::activation_type(c.type)));
    ops::QuantizedActs xq;
    ops::quantize_acts(c.type, act.data(), 1, c.n, xq);
    BOOST_TEST_REQUIRE(xq.row_stride == c.act_q.size());
    BOOST_TEST(std::memcmp(xq.row(0), c.act_q.data(), c.act_q.size()) == 0, "activation bytes differ from act_q.bin");
    std::vector<float> deq(c.n);
    ops::dequantize_row(c.type, c.quantized.data(), deq.data(), c.n);
    BOOST_TEST(std::memcmp(deq.data(), c.dequant.data(), 4 * c.n) == 0);
    const float dot = ops::dot_row(c.type, c.quantized.data(), c.act_q.data(), c.n);
    BOOST_TEST(rel_diff(dot, c.ggml_dot) <= 5e-6);
    float y = 0;
    ops::matmul(c.type, c.quantized.data(), 1, xq, &y, nullptr);
    BOOST_TEST(rel_diff(y, c.ggml_dot) <= 5e-6);
}

BOOST_AUTO_TEST_SUITE_END()

// ops::matmul on 37 rows x {1, 2, 3, 17} activation rows, 1-3 threads, every target, against float64.
BOOST_DATA_TEST_CASE(ops_matmul_threads_on_every_target, bdata::make(kTypes), name) {
    namespace ops = zigllm::ops;
    const GgmlType t = *zigllm::ggml_type_from_name(name);
    std::mt19937 rng(4242u + static_cast<unsigned>(t));
    const int64_t cols = t == GgmlType::IQ4_NL ? 96 : 512, rows = 37;
    const size_t rb = zigllm::row_bytes(t, cols);
    std::vector<uint8_t> W(rb * rows);
    std::normal_distribution<float> gauss(0.f, 1.f);
    for (int64_t r = 0; r < rows; ++r) {
        if (zigllm::ops::iq::can_quantize(t)) {
            std::vector<float> wf(cols);
            for (auto& v : wf) v = gauss(rng);
            ops::quantize_row(t, wf.data(), W.data() + r * rb, cols);
        } else {
            const auto row = random_weights(t, cols, rng);
            std::copy(row.begin(), row.end(), W.begin() + r * rb);
        }
    }
    ops::ThreadPool pool2(2), pool3(3);
    for (const int64_t n : {1, 2, 3, 17}) {
        std::vector<float> X(n * cols);
        for (auto& v : X) v = gauss(rng);
        ops::QuantizedActs xq;
        ops::quantize_acts(t, X.data(), n, cols, xq);
        std::vector<double> want(n * rows), mag(n * rows);
        std::vector<float> wd(cols), xd(cols);
        for (int64_t i = 0; i < n; ++i) {
            ops::dequantize_row(xq.type, xq.row(i), xd.data(), cols);
            for (int64_t r = 0; r < rows; ++r) {
                ops::dequantize_row(t, W.data() + r * rb, wd.data(), cols);
                for (int64_t k = 0; k < cols; ++k) {
                    want[i * rows + r] += double(wd[k]) * xd[k];
                    mag[i * rows + r] += std::fabs(double(wd[k]) * xd[k]);
                }
            }
        }
        for_each_target([&] {
            for (ops::ThreadPool* pool : {static_cast<ops::ThreadPool*>(nullptr), &pool2, &pool3}) {
                std::vector<float> Y(n * rows, std::nanf(""));
                ops::matmul(t, W.data(), rows, xq, Y.data(), pool);
                int bad = 0;
                for (int64_t k = 0; k < n * rows; ++k) bad += !(std::fabs(Y[k] - want[k]) <= 1e-6 * mag[k] + 1e-6);
                BOOST_TEST(bad == 0, bad << " outputs off, n = " << n << ", threads " << (pool ? pool->size() : 1));
            }
        });
    }
}
