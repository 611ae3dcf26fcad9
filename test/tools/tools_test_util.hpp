// Helpers shared by the tools tests: a scratch directory, GgmlType printing, tensor values as floats.
#pragma once

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "zigllm/io/gguf.hpp"
#include "zigllm/ops/ops.hpp"

namespace zigllm {
inline std::ostream& operator<<(std::ostream& os, GgmlType t) { return os << type_name(t); }
}  // namespace zigllm

namespace zigllm::test {

// A fresh directory under the system temp dir, removed with everything in it.
struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& tag)
        : path(std::filesystem::temp_directory_path() / ("zigllm-test-" + tag + "-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

// Every value of a tensor, dequantized exactly (F32 copied).
inline std::vector<float> tensor_values(const io::TensorInfo& t) {
    std::vector<float> out(static_cast<size_t>(t.n_elements()));
    if (t.type == GgmlType::F32) {
        std::memcpy(out.data(), t.data, out.size() * sizeof(float));
        return out;
    }
    const size_t rb = row_bytes(t.type, t.ne[0]);
    for (int64_t r = 0; r < t.rows(); ++r)
        ops::dequantize_row(t.type, t.data + r * rb, out.data() + r * t.ne[0], t.ne[0]);
    return out;
}

}  // namespace zigllm::test
