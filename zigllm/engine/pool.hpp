// The session's worker threads: ops' ThreadPool once zigllm/ops provides it; until then the
// matmuls run on the calling thread (get() is null, which ops accepts).
#pragma once

#include <memory>

#include "zigllm/ops/ops.hpp"
#if __has_include("zigllm/ops/thread_pool.hpp")
#include "zigllm/ops/thread_pool.hpp"
#define ZIGLLM_HAVE_THREAD_POOL 1
#endif

namespace zigllm::engine {

class Threads {
public:
    explicit Threads(int n) {
#ifdef ZIGLLM_HAVE_THREAD_POOL
        if (n > 1) pool_ = std::make_unique<ops::ThreadPool>(n);
#else
        (void)n;
#endif
    }
    ops::ThreadPool* get() const {
#ifdef ZIGLLM_HAVE_THREAD_POOL
        return pool_.get();
#else
        return nullptr;
#endif
    }

private:
#ifdef ZIGLLM_HAVE_THREAD_POOL
    std::unique_ptr<ops::ThreadPool> pool_;
#endif
};

}  // namespace zigllm::engine
