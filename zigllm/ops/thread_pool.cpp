#include "zigllm/ops/thread_pool.hpp"

#include <algorithm>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define ZIGLLM_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define ZIGLLM_PAUSE() asm volatile("yield")
#else
#define ZIGLLM_PAUSE() ((void)0)
#endif

namespace zigllm::ops {
namespace {
// ~50 us of pause-spinning (longer than the gap between the matmuls of one step), then a few
// yields (on an oversubscribed machine the thread we wait for may need our core), then sleep.
constexpr int kPauseSpins = 4000;
constexpr int kSpinIterations = kPauseSpins + 64;

inline void backoff(int spin) {
    if (spin < kPauseSpins) ZIGLLM_PAUSE();
    else std::this_thread::yield();
}
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
    threads_.reserve(static_cast<size_t>(n_threads_ - 1));
    for (int i = 1; i < n_threads_; ++i) threads_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    for (auto& t : threads_) t.join();
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
    if (n_threads_ == 1) {
        fn(0, 1);
        return;
    }
    job_ = &fn;
    pending_.store(n_threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    fn(0, n_threads_);
    for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
        if (spin < kSpinIterations) {
            backoff(spin);
        } else {
            const int p = pending_.load(std::memory_order_acquire);
            if (p != 0) pending_.wait(p, std::memory_order_acquire);
        }
    }
    job_ = nullptr;
}

void ThreadPool::worker(int index) {
    uint64_t seen = 0;
    for (;;) {
        uint64_t g = generation_.load(std::memory_order_acquire);
        for (int spin = 0; g == seen; ++spin) {
            if (spin < kSpinIterations) {
                backoff(spin);
            } else {
                generation_.wait(seen, std::memory_order_acquire);
            }
            g = generation_.load(std::memory_order_acquire);
        }
        seen = g;
        if (stop_.load(std::memory_order_acquire)) return;
        (*job_)(index, n_threads_);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
        pending_.notify_one();  // every decrement: the caller may be waiting on any value
    }
}

void parallel_rows(ThreadPool* pool, int64_t n, int64_t align, const std::function<void(int64_t, int64_t)>& fn) {
    const int nt = pool ? pool->size() : 1;
    if (nt == 1 || n <= align) {
        if (n > 0) fn(0, n);
        return;
    }
    const int64_t units = (n + align - 1) / align;
    pool->run([&](int t, int count) {
        const int64_t u0 = units * t / count, u1 = units * (t + 1) / count;
        const int64_t b = std::min(n, u0 * align), e = std::min(n, u1 * align);
        if (b < e) fn(b, e);
    });
}

void parallel_chunks(ThreadPool* pool, int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn) {
    chunk = std::max<int64_t>(chunk, 1);
    const int nt = pool ? pool->size() : 1;
    if (nt == 1 || n <= chunk) {
        for (int64_t b = 0; b < n; b += chunk) fn(b, std::min(n, b + chunk));
        return;
    }
    std::atomic<int64_t> next{0};
    pool->run([&](int, int) {
        for (int64_t b; (b = next.fetch_add(chunk, std::memory_order_relaxed)) < n;) fn(b, std::min(n, b + chunk));
    });
}

}  // namespace zigllm::ops
