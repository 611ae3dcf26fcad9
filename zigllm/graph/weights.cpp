#include "zigllm/graph/weights.hpp"

#include "zigllm/ops/ops.hpp"

#include <sys/mman.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

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

ModelWeights::Arena::~Arena() {
    if (p) ::munmap(p, n);
}

void repack_weights(ModelWeights& w, const io::GgufFile& f) {
    if (ops::repacking_disabled()) return;
    std::vector<std::pair<Matrix*, ops::Layout>> todo;
    size_t total = 0;
    auto consider = [&](Matrix& m) {
        if (!m || m.layout != ops::Layout::rows || m.data == w.token_embd.data) return;
        const ops::Layout l = m.n_mats == 1 ? ops::preferred_layout(m.type, m.rows, m.cols) : ops::Layout::rows;
        todo.emplace_back(&m, l);
        total += (m.row_bytes() * static_cast<size_t>(m.rows * m.n_mats) + 63) / 64 * 64;
    };
    for (auto& L : w.layers)
        for (Matrix* m : {&L.wq, &L.wk, &L.wv, &L.wqkv, &L.wo, &L.w_gate, &L.w_up, &L.w_down, &L.router, &L.gate_exps,
                          &L.up_exps, &L.down_exps})
            consider(*m);
    consider(w.output);
    // The norms and biases come along: each sits between two matrices, and reading it from the
    // mapping would fault in the page cache's large folio around it (2 MiB per vector on this
    // kernel's ext4, 88 MiB over tinyllama's layers), pages the copies above had just handed back.
    std::vector<Vector*> vectors;
    auto consider_vector = [&](Vector& v) {
        if (!v) return;
        vectors.push_back(&v);
        total += (static_cast<size_t>(v.n) * sizeof(float) + 63) / 64 * 64;
    };
    for (auto& L : w.layers)
        for (Vector* v : {&L.attn_norm, &L.attn_norm_b, &L.bq, &L.bk, &L.bv, &L.bqkv, &L.bo, &L.ffn_norm, &L.ffn_norm_b,
                          &L.b_up, &L.b_down})
            consider_vector(*v);
    for (Vector* v : {&w.output_norm, &w.output_norm_b, &w.rope_freqs}) consider_vector(*v);
    if (todo.empty()) return;
    auto arena = std::make_shared<ModelWeights::Arena>();
    void* p = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) f.fail("weights", "cannot allocate " + std::to_string(total) + " bytes for the repacked matrices");
    arena->p = p;
    arena->n = total;
    ::madvise(p, total, MADV_HUGEPAGE);  // advisory: no error if the kernel declines
    auto* out = static_cast<uint8_t*>(p);
    for (auto [m, l] : todo) {  // one matrix at a time: its mapped pages leave as its copy arrives
        const size_t bytes = m->row_bytes() * static_cast<size_t>(m->rows * m->n_mats);
        ops::repack(m->type, l, m->data, out, m->rows * m->n_mats, m->cols);
        f.release(m->data, bytes);
        m->data = out;
        m->layout = l;
        out += (bytes + 63) / 64 * 64;
    }
    for (Vector* v : vectors) {
        const size_t bytes = static_cast<size_t>(v->n) * sizeof(float);
        std::memcpy(out, v->data, bytes);
        f.release(v->data, bytes);
        v->data = reinterpret_cast<const float*>(out);
        out += (bytes + 63) / 64 * 64;
    }
    w.repacked = std::move(arena);
}

}  // namespace zigllm
