// What the engine commands (run, logits, bench) share: thread count and KV-type options.
#pragma once

#include <string>
#include <thread>

#include "zigllm/io/error.hpp"
#include "zigllm/io/ggml_type.hpp"

namespace zigllm::cli {

inline int default_threads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

inline void check_threads(int t) {
    if (t < 1 || t > 1024) throw Error("-", "-t", "thread count must be in [1, 1024], got " + std::to_string(t));
}

}  // namespace zigllm::cli
