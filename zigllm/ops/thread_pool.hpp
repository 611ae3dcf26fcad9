// A small persistent thread pool for the matmuls: workers spin briefly, then sleep.
//
// Why our own and why spin-then-wait: a token step runs hundreds of matmuls of a few tens of
// microseconds each; waking sleeping threads through the kernel per matmul costs ~5-20 us each,
// a large part of a small model's step. So workers spin on a generation counter for a short while
// (covering the gap between consecutive matmuls) and only then block in std::atomic::wait, so an
// idle pool does not hold the cores (spinning workers make 2-thread runs collapse when anything
// else wants a core). The calling thread takes part as worker 0.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace zigllm::ops {

class ThreadPool {
public:
    // n_threads >= 1 in total, including the caller.
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // Runs fn(thread_index, n_threads) on every thread (the caller is index 0) and returns when
    // all have finished. Not reentrant: fn must not call run() on the same pool.
    void run(const std::function<void(int, int)>& fn);

private:
    void worker(int index);

    int n_threads_;
    std::vector<std::thread> threads_;
    const std::function<void(int, int)>* job_ = nullptr;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stop_{false};
};

// Splits [0, n) into parts of whole multiples of `align` (the last may be shorter), one per thread
// of the pool (or one part when pool is null) and calls fn(begin, end) for each non-empty part.
void parallel_rows(ThreadPool* pool, int64_t n, int64_t align, const std::function<void(int64_t, int64_t)>& fn);

// Calls fn(begin, end) over [0, n) in chunks of `chunk`, handed out one at a time to whichever
// thread is free: for work items of unequal cost (causal attention: token i attends to i + 1 positions).
void parallel_chunks(ThreadPool* pool, int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace zigllm::ops
