#include "zigllm/graph/weights.hpp"

#include "zigllm/ops/ops.hpp"

namespace zigllm {

namespace {

std::string shape_of(int64_t a, int64_t b, int64_t c) {
    std::string s = "[" + std::to_string(a);
    if (b > 1 || c > 1) s += ", " + std::to_string(b);
    if (c > 1) s += ", " + std::to_string(c);
    return s + "]";
}

}  // namespace

const io::TensorInfo& WeightLoader::require(const std::string& name) const {
    const io::TensorInfo* t = f_.find_tensor(name);
    if (!t) f_.fail(name, "missing tensor");
    return *t;
}

Matrix WeightLoader::matrix(const std::string& name, int64_t rows, int64_t cols, int64_t n_mats) const {
    const io::TensorInfo& t = require(name);
    const bool ok = t.ne[0] == cols && t.ne[1] == rows && t.ne[2] == n_mats && t.ne[3] == 1;
    if (!ok)
        f_.fail(name, "shape " + t.shape_string() + ", expected " + shape_of(cols, rows, n_mats));
    if (cols % static_cast<int64_t>(traits(t.type).block_size) != 0)
        f_.fail(name, "row length " + std::to_string(cols) + " is not a multiple of the " +
                          std::string(type_name(t.type)) + " block size");
    if (!ops::supported(t.type))
        f_.fail(name, "type " + std::string(type_name(t.type)) + " is not supported for matrices");
    Matrix m;
    m.type = t.type;
    m.data = t.data;
    m.rows = rows;
    m.cols = cols;
    m.n_mats = n_mats;
    return m;
}

Vector WeightLoader::vector(const std::string& name, int64_t n) const {
    const io::TensorInfo& t = require(name);
    if (t.n_dims != 1 || t.ne[0] != n)
        f_.fail(name, "shape " + t.shape_string() + ", expected [" + std::to_string(n) + "]");
    if (t.type != GgmlType::F32)
        f_.fail(name, "type " + std::string(type_name(t.type)) + ", expected F32");
    if (reinterpret_cast<uintptr_t>(t.data) % alignof(float) != 0) f_.fail(name, "data not 4-byte aligned");
    return Vector{reinterpret_cast<const float*>(t.data), n};
}

Matrix WeightLoader::optional_matrix(const std::string& name, int64_t rows, int64_t cols) const {
    return has(name) ? matrix(name, rows, cols) : Matrix{};
}

Vector WeightLoader::optional_vector(const std::string& name, int64_t n) const {
    return has(name) ? vector(name, n) : Vector{};
}

}  // namespace zigllm
