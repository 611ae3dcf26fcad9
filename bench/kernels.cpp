// bench_kernels: per weight type, matvec weight bandwidth (cold: enough distinct copies of the
// matrix to exceed 256 MiB, so every pass streams from DRAM; hot: one matrix, cache-resident when
// it fits) and matmul GFLOP/s with 512 activation rows, at 1 and 2 threads, next to a read
// bandwidth measured here. Prints a markdown table (llama-bench style).
//
//   bench_kernels [--types Q4_0,Q8_0,...] [--threads 1,2] [--seconds 0.5] [--no-matmul]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <sys/mman.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "zigllm/io/ggml_type.hpp"
#include "zigllm/ops/ops.hpp"
#include "zigllm/ops/thread_pool.hpp"

namespace ops = zigllm::ops;
using zigllm::GgmlType;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ',')) out.push_back(item);
    return out;
}

// n bytes of anonymous memory on huge pages where the kernel allows (THP is often madvise-only), as
// the engine's weight arena: the bandwidth buffer and the cold matrix copies, so that neither pays a
// TLB miss per 4 KiB that the engine does not.
class HugeBytes {
public:
    explicit HugeBytes(size_t n) : n_(n) {
        void* p = ::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        ::madvise(p, n, MADV_HUGEPAGE);
        p_ = static_cast<uint8_t*>(p);
    }
    ~HugeBytes() { ::munmap(p_, n_); }
    HugeBytes(const HugeBytes&) = delete;
    HugeBytes& operator=(const HugeBytes&) = delete;
    uint8_t* data() const { return p_; }

private:
    uint8_t* p_;
    size_t n_;
};

#if defined(__x86_64__)
__attribute__((target("avx512f"))) uint64_t sum_bytes_avx512(const uint64_t* p, size_t n) {
    __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a = _mm512_add_epi64(a, _mm512_loadu_si512(p + i));
        b = _mm512_add_epi64(b, _mm512_loadu_si512(p + i + 8));
        c = _mm512_add_epi64(c, _mm512_loadu_si512(p + i + 16));
        d = _mm512_add_epi64(d, _mm512_loadu_si512(p + i + 24));
    }
    uint64_t r = static_cast<uint64_t>(_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(c, d))));
    for (; i < n; ++i) r += p[i];
    return r;
}
__attribute__((target("avx2"))) uint64_t sum_bytes_avx2(const uint64_t* p, size_t n) {
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i + 4 <= n; i += 4) { a += p[i]; b += p[i + 1]; c += p[i + 2]; d += p[i + 3]; }
    return a ^ b ^ c ^ d;
}
#endif
uint64_t sum_words(const uint64_t* p, size_t n) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return sum_bytes_avx512(p, n);
    if (__builtin_cpu_supports("avx2")) return sum_bytes_avx2(p, n);
#endif
    uint64_t a = 0, b = 0;
    for (size_t i = 0; i + 2 <= n; i += 2) { a += p[i]; b += p[i + 1]; }
    return a ^ b;
}

// Read bandwidth in GB/s over a 512 MiB buffer on huge pages, split over the pool's threads (best
// of 3 passes; widest loads the CPU has).
double read_bandwidth(ops::ThreadPool* pool) {
    const size_t words = (512u << 20) / 8;
    static HugeBytes bytes(words * 8);
    static const uint64_t* buf = [] {
        auto* w = reinterpret_cast<uint64_t*>(bytes.data());
        std::fill(w, w + words, uint64_t{1});
        return w;
    }();
    double best = 0;
    volatile uint64_t sink = 0;
    for (int pass = 0; pass < 3; ++pass) {
        const auto t0 = Clock::now();
        ops::parallel_rows(pool, static_cast<int64_t>(words), 4096, [&](int64_t b, int64_t e) {
            sink = sink + sum_words(buf + b, static_cast<size_t>(e - b));
        });
        best = std::max(best, words * 8.0 / seconds_since(t0) / 1e9);
    }
    return best;
}

struct Shape {
    int64_t rows, cols;
};

struct Result {
    double cold_gbs = 0, hot_gbs = 0, mm_gflops = 0;
};

// One weight matrix (quantized once) with its cold copies and activations, timed per pool.
struct Setup {
    GgmlType t;
    ops::Layout layout;  // as the engine loads it (ops::preferred_layout): the repacked kernels are timed
    Shape s;
    size_t mbytes = 0, copies = 0;
    std::vector<uint8_t> W;
    std::unique_ptr<HugeBytes> cold;
    std::vector<float> x, y;
};

Setup prepare(GgmlType t, Shape s) {
    Setup u{t, ops::preferred_layout(t, s.rows, s.cols), s, 0, 0, {}, {}, {}, {}};
    const size_t rb = zigllm::row_bytes(t, s.cols), mbytes = rb * s.rows;
    u.mbytes = mbytes;
    std::vector<uint8_t> W(mbytes);
    {
        std::mt19937 gen(1);
        std::normal_distribution<float> dist(0, 1);
        std::vector<float> row(s.cols);
        for (int64_t r = 0; r < s.rows; ++r) {
            for (auto& v : row) v = dist(gen);
            ops::quantize_row(t, row.data(), W.data() + r * rb, s.cols);
        }
    }
    if (u.layout != ops::Layout::rows) {
        std::vector<uint8_t> packed(mbytes);
        ops::repack(t, u.layout, W.data(), packed.data(), s.rows, s.cols);
        W = std::move(packed);
    }
    u.copies = (256u << 20) / mbytes + 2;
    u.cold = std::make_unique<HugeBytes>(mbytes * u.copies);
    for (size_t c = 0; c < u.copies; ++c) std::memcpy(u.cold->data() + c * mbytes, W.data(), mbytes);
    u.W = std::move(W);
    u.x.resize(static_cast<size_t>(512 * s.cols));
    std::mt19937 gen(2);
    std::normal_distribution<float> dist(0, 1);
    for (auto& v : u.x) v = dist(gen);
    u.y.resize(static_cast<size_t>(512 * s.rows));
    return u;
}

Result bench(Setup& u, ops::ThreadPool* pool, double budget, bool do_matmul) {
    const GgmlType t = u.t;
    const auto w = [&](const uint8_t* p) { return ops::WeightRef{t, p, u.layout}; };
    const Shape s = u.s;
    const size_t mbytes = u.mbytes, copies = u.copies;
    auto& W = u.W;
    uint8_t* cold = u.cold->data();
    auto& x = u.x;
    auto& y = u.y;
    ops::QuantizedActs x1, x512;
    ops::quantize_acts(t, x.data(), 1, s.cols, x1, pool);

    Result r;
    auto timed = [&](auto&& step) {  // calls per second over the budget (at least 3 calls)
        step(0);
        int calls = 0;
        const auto t0 = Clock::now();
        while (calls < 3 || seconds_since(t0) < budget) step(++calls);
        return calls / seconds_since(t0);
    };
    r.cold_gbs = timed([&](int i) {
                     ops::matmul(w(cold + (i % copies) * mbytes), s.rows, x1, y.data(), pool);
                 }) * mbytes / 1e9;
    r.hot_gbs = timed([&](int) { ops::matmul(w(W.data()), s.rows, x1, y.data(), pool); }) * mbytes / 1e9;
    if (do_matmul) {
        ops::quantize_acts(t, x.data(), 512, s.cols, x512, pool);
        const double per_s = timed([&](int) { ops::matmul(w(W.data()), s.rows, x512, y.data(), pool); });
        r.mm_gflops = per_s * 2.0 * s.rows * s.cols * 512 / 1e9;
    }
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> types = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                                      "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"};
    std::vector<std::string> threads = {"1", "2"};
    double budget = 0.5;
    bool do_matmul = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--types" && i + 1 < argc) types = split(argv[++i]);
        else if (a == "--threads" && i + 1 < argc) threads = split(argv[++i]);
        else if (a == "--seconds" && i + 1 < argc) budget = std::stod(argv[++i]);
        else if (a == "--no-matmul") do_matmul = false;
        else {
            std::fprintf(stderr, "usage: bench_kernels [--types A,B] [--threads 1,2] [--seconds S] [--no-matmul]\n");
            return 2;
        }
    }
    std::printf("target: %s\n\n", ops::current_target());
    std::printf("| type | threads | read GB/s | shape | matvec cold GB/s | cold %% of read | matvec hot GB/s | matmul n=512 GFLOP/s |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    const Shape shapes[] = {{4096, 4096}, {2048, 5632}};
    std::vector<std::unique_ptr<ops::ThreadPool>> pools;
    for (const auto& th : threads) pools.push_back(std::make_unique<ops::ThreadPool>(std::stoi(th)));
    for (const auto& name : types) {
        const auto t = zigllm::ggml_type_from_name(name);
        if (!t || !ops::supported(*t)) {
            std::fprintf(stderr, "skipping %s: not supported\n", name.c_str());
            continue;
        }
        for (const Shape& s : shapes) {
            if (s.cols % zigllm::traits(*t).block_size) continue;
            Setup u = prepare(*t, s);
            for (size_t p = 0; p < pools.size(); ++p) {
                // The bandwidth next to each row is measured just before it: this host's drifts by
                // 10-20% over minutes, and only figures taken together compare.
                const double bw = read_bandwidth(pools[p].get());
                const Result r = bench(u, pools[p].get(), budget, do_matmul);
                const std::string label = name + (u.layout == ops::Layout::rows ? "" : " (repacked x16)");
                std::printf("| %s | %d | %.1f | %lldx%lld | %.1f | %.0f%% | %.1f | %.1f |\n", label.c_str(),
                            pools[p]->size(), bw, static_cast<long long>(s.rows), static_cast<long long>(s.cols),
                            r.cold_gbs, 100 * r.cold_gbs / bw, r.hot_gbs, r.mm_gflops);
                std::fflush(stdout);
            }
        }
    }
    return 0;
}
