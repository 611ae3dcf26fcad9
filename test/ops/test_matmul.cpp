// matmul / matmul_gated / the fused output step and the thread pool, for every float, legacy and
// K-quant type on every Highway target, against a float64 reference of dequant(W) . dequant(Xq) on
// awkward shapes (rows not a multiple of any tile or thread split; 1, 2, 3 and 17 activation rows).
#define BOOST_TEST_MODULE ops_matmul
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cmath>
#include <random>

#include "ops_test_util.hpp"
#include "zigllm/ops/x86_amx.hpp"
#include "zigllm/ops/ops.hpp"
#include "zigllm/ops/thread_pool.hpp"

namespace bdata = boost::unit_test::data;
using zigllm::GgmlType;
using namespace zigllm::ops::test;
namespace ops = zigllm::ops;

namespace {

const char* const kTypes[] = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
                              "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"};

struct Problem {
    GgmlType type;
    int64_t rows, cols, n;
    std::vector<uint8_t> W;
    std::vector<float> X;
    ops::QuantizedActs xq;
    std::vector<double> ref;  // [n][rows], float64 over dequantized operands
    std::vector<double> bound;  // per output: sum |w||x| (scales the float32 summation error)
};

std::vector<float> gaussian(size_t n, uint32_t seed) {
    std::mt19937 gen(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(gen);
    return v;
}

Problem make(GgmlType t, int64_t rows, int64_t cols, int64_t n, uint32_t seed) {
    Problem p{t, rows, cols, n, {}, {}, {}, {}, {}};
    const auto wf = gaussian(static_cast<size_t>(rows * cols), seed);
    p.X = gaussian(static_cast<size_t>(n * cols), seed + 1);
    const size_t rb = zigllm::row_bytes(t, cols);
    p.W.resize(rb * rows);
    for (int64_t r = 0; r < rows; ++r) ops::quantize_row(t, wf.data() + r * cols, p.W.data() + r * rb, cols);
    ops::quantize_acts(t, p.X.data(), n, cols, p.xq);
    std::vector<float> wd(static_cast<size_t>(rows * cols)), xd(cols);
    for (int64_t r = 0; r < rows; ++r) ops::dequantize_row(t, p.W.data() + r * rb, wd.data() + r * cols, cols);
    p.ref.assign(static_cast<size_t>(n * rows), 0.0);
    p.bound.assign(static_cast<size_t>(n * rows), 0.0);
    for (int64_t i = 0; i < n; ++i) {
        ops::dequantize_row(p.xq.type, p.xq.row(i), xd.data(), cols);
        for (int64_t r = 0; r < rows; ++r) {
            const float* w = wd.data() + r * cols;
            double s = 0, b = 0;
            for (int64_t c = 0; c < cols; ++c) {
                s += double(w[c]) * xd[c];
                b += std::fabs(double(w[c]) * xd[c]);
            }
            p.ref[i * rows + r] = s;
            p.bound[i * rows + r] = b;
        }
    }
    return p;
}

// The kernels add exact integer block sums in float32: the error is a few float32 roundings of
// partial sums, bounded by cols-scaled epsilon times sum |w x| (plus fp16 rounding of Q8_1's s).
double tolerance(const Problem& p, size_t k) {
    const double eps = 6e-8 * std::sqrt(double(p.cols)) * 4;
    const double q81 = (p.xq.type == GgmlType::Q8_1) ? 1e-3 : 0.0;  // s = d*sum(q) rounded to fp16
    return (eps + q81) * p.bound[k] + 1e-6;
}

void check(const Problem& p, const std::vector<float>& Y, int64_t ldy) {
    int bad = 0;
    for (int64_t i = 0; i < p.n; ++i)
        for (int64_t r = 0; r < p.rows; ++r) {
            const size_t k = static_cast<size_t>(i * p.rows + r);
            const double d = std::fabs(Y[i * ldy + r] - p.ref[k]);
            if (d > tolerance(p, k) && bad++ < 5)
                BOOST_ERROR("Y[" << i << "][" << r << "] = " << Y[i * ldy + r] << ", want " << p.ref[k]);
        }
    BOOST_TEST(bad == 0);
}

}  // namespace

BOOST_DATA_TEST_CASE(matmul_matches_float64_on_every_target, bdata::make(kTypes), name) {
    const GgmlType t = *zigllm::ggml_type_from_name(name);
    // Q8_0 with 17 activation rows also runs the AMX tiles (16 x 16 plus both tails) where the CPU has them
    if (t == GgmlType::Q8_0) BOOST_TEST_MESSAGE("AMX tiles " << (ops::x86::amx_usable() ? "used" : "not available"));
    const uint32_t bs = zigllm::traits(t).block_size;  // float types: an odd width (vector tails)
    const int64_t cols = bs == 256 ? 512 : bs == 32 ? 96 : 97;
    ops::ThreadPool pool2(2), pool3(3);
    for (const int64_t n : {1, 2, 3, 17}) {
        // 133 rows: more than two 64-row chunks of the blocked kernels, with a tail
        const Problem p = make(t, n == 17 ? 133 : 37, cols, n, 100 + static_cast<uint32_t>(n));
        for_each_target([&] {
            for (ops::ThreadPool* pool : {static_cast<ops::ThreadPool*>(nullptr), &pool2, &pool3}) {
                BOOST_TEST_CONTEXT("n " << n << ", threads " << (pool ? pool->size() : 1)) {
                    std::vector<float> Y(static_cast<size_t>(n * p.rows), -1.0f);
                    ops::matmul(t, p.W.data(), p.rows, p.xq, Y.data(), pool);
                    check(p, Y, p.rows);
                }
            }
        });
    }
}

BOOST_DATA_TEST_CASE(output_step_and_gated, bdata::make(kTypes), name) {
    const GgmlType t = *zigllm::ggml_type_from_name(name);
    const uint32_t bs = zigllm::traits(t).block_size;
    const int64_t cols = bs == 256 ? 256 : bs == 32 ? 64 : 67;
    const Problem p = make(t, 45, cols, 3, 7);
    ops::ThreadPool pool(2);
    const auto bias = gaussian(p.rows, 9);
    const int64_t ldy = p.rows + 5;  // a wider output (as a fused qkv buffer)
    std::vector<float> res = gaussian(static_cast<size_t>(p.n * ldy), 11);
    std::vector<float> Y(res);  // residual aliases Y, as the engine does
    ops::matmul(t, p.W.data(), p.rows, p.xq, Y.data(), &pool, {.bias = bias.data(), .residual = Y.data(),
                                                                    .act = ops::Activation::relu}, ldy);
    int bad = 0;
    for (int64_t i = 0; i < p.n; ++i) {
        for (int64_t r = 0; r < p.rows; ++r) {
            const size_t k = static_cast<size_t>(i * p.rows + r);
            const double want = std::max(0.0, p.ref[k] + bias[r]) + res[i * ldy + r];
            if (std::fabs(Y[i * ldy + r] - want) > tolerance(p, k) + 1e-6 && bad++ < 5)
                BOOST_ERROR("step Y[" << i << "][" << r << "] = " << Y[i * ldy + r] << ", want " << want);
        }
        for (int64_t r = p.rows; r < ldy; ++r) BOOST_TEST(Y[i * ldy + r] == res[i * ldy + r]);  // untouched
    }
    BOOST_TEST(bad == 0);

    // gated: Y = silu(Wg x) * (Wu x), with Wu = Wg here so the reference is silu(v) * v
    std::vector<float> G(static_cast<size_t>(p.n * p.rows));
    ops::matmul_gated(t, p.W.data(), p.W.data(), p.rows, p.xq, G.data(), &pool, ops::Activation::silu);
    bad = 0;
    for (size_t k = 0; k < G.size(); ++k) {
        const double v = p.ref[k], want = v / (1 + std::exp(-v)) * v;
        if (std::fabs(G[k] - want) > 1e-3 * std::max(1.0, std::fabs(want)) + 2 * tolerance(p, k) * (std::fabs(v) + 1) &&
            bad++ < 5)
            BOOST_ERROR("gated [" << k << "] = " << G[k] << ", want " << want);
    }
    BOOST_TEST(bad == 0);
}

BOOST_AUTO_TEST_CASE(thread_pool_runs_every_index_and_survives_many_calls) {
    for (int n : {1, 2, 3, 5}) {
        ops::ThreadPool pool(n);
        BOOST_TEST(pool.size() == n);
        std::atomic<int64_t> sum{0};
        for (int call = 0; call < 200; ++call)
            pool.run([&](int t, int count) {
                BOOST_REQUIRE(count == n);
                sum += t + 1;
            });
        BOOST_TEST(sum.load() == 200LL * n * (n + 1) / 2);
        // parallel_rows covers [0, rows) exactly once, in aligned parts
        std::vector<std::atomic<int>> hits(1001);
        ops::parallel_rows(&pool, 1001, 16, [&](int64_t b, int64_t e) {
            BOOST_REQUIRE(b % 16 == 0);
            for (int64_t i = b; i < e; ++i) hits[i]++;
        });
        for (auto& h : hits) BOOST_REQUIRE(h.load() == 1);
        // parallel_chunks too, in chunks of 7 (the last shorter), whichever thread takes them
        std::vector<std::atomic<int>> chunk_hits(1001);
        ops::parallel_chunks(&pool, 1001, 7, [&](int64_t b, int64_t e) {
            BOOST_REQUIRE(b % 7 == 0);
            BOOST_REQUIRE(e - b == std::min<int64_t>(7, 1001 - b));
            for (int64_t i = b; i < e; ++i) chunk_hits[i]++;
        });
        for (auto& h : chunk_hits) BOOST_REQUIRE(h.load() == 1);
    }
}
