// The session's worker threads (ops' ThreadPool); one thread means no pool at all.
#pragma once

#include <memory>

#include "zigllm/ops/thread_pool.hpp"

namespace zigllm::engine {

class Threads {
public:
    explicit Threads(int n) {
        if (n > 1) pool_ = std::make_unique<ops::ThreadPool>(n);
    }
    ops::ThreadPool* get() const { return pool_.get(); }

private:
    std::unique_ptr<ops::ThreadPool> pool_;
};

}  // namespace zigllm::engine
