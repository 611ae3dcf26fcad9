// Tensors of a model as the engine uses them: views into the mapped GGUF, checked once at load.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "zigllm/graph/hparams.hpp"
#include "zigllm/io/gguf.hpp"
#include "zigllm/ops/layout.hpp"

namespace zigllm {

// rows x cols weight matrix (ggml: ne[0] = cols, ne[1] = rows); n_mats > 1 for stacked experts.
// layout: ggml's rows as in the file, or a load-time repacked copy (ops/layout.hpp; then row() and
// mat() do not apply: only ops::matmul reads it, through ref()).
struct Matrix {
    GgmlType type = GgmlType::F32;
    const uint8_t* data = nullptr;
    int64_t rows = 0, cols = 0, n_mats = 1;
    ops::Layout layout = ops::Layout::rows;
    ops::WeightRef ref() const { return {type, data, layout}; }
    explicit operator bool() const { return data != nullptr; }
    size_t row_bytes() const { return zigllm::row_bytes(type, cols); }
    const uint8_t* row(int64_t r) const { return data + r * row_bytes(); }
    Matrix mat(int64_t e) const {   // one expert of a stack
        Matrix m = *this;
        m.n_mats = 1;
        m.data = data + e * rows * row_bytes();
        return m;
    }
};

struct Vector {
    const float* data = nullptr;
    int64_t n = 0;
    explicit operator bool() const { return data != nullptr; }
};

// Looks tensors up by GGUF name and checks shape and type; every refusal is Error(file, tensor, ...).
class WeightLoader {
public:
    explicit WeightLoader(const io::GgufFile& f) : f_(f) {}
    const io::GgufFile& file() const { return f_; }

    // A matrix [cols -> rows] (n_mats stacked when > 1), any type zigllm's matmul supports.
    Matrix matrix(const std::string& name, int64_t rows, int64_t cols, int64_t n_mats = 1) const;
    // An F32 vector of n values.
    Vector vector(const std::string& name, int64_t n) const;
    Matrix optional_matrix(const std::string& name, int64_t rows, int64_t cols) const;
    Vector optional_vector(const std::string& name, int64_t n) const;
    bool has(const std::string& name) const { return f_.find_tensor(name) != nullptr; }

private:
    const io::TensorInfo& require(const std::string& name) const;
    const io::GgufFile& f_;
};

// Everything one layer may use; an architecture's plan loads the ones it reads.
struct LayerWeights {
    Vector attn_norm, attn_norm_b;
    Matrix wq, wk, wv, wqkv;     // wqkv: fused rows [Q; K; V] (gpt2) instead of wq/wk/wv
    Vector bq, bk, bv, bqkv;
    Matrix wo;
    Vector bo;
    Vector ffn_norm, ffn_norm_b;
    Matrix w_gate, w_up, w_down;
    Vector b_up, b_down;
    Matrix router, gate_exps, up_exps, down_exps;   // MoE
};

struct ModelWeights {
    Matrix token_embd, position_embd, output;   // output: token_embd when tied
    Vector output_norm, output_norm_b;
    std::vector<LayerWeights> layers;
    Vector rope_freqs;
    // The copies repacked matrices point into: one anonymous mapping, on huge pages where the
    // kernel allows (a matvec streams it: 4 KiB pages cost a TLB miss every 4 KiB).
    struct Arena {
        void* p = nullptr;
        size_t n = 0;
        Arena() = default;
        Arena(const Arena&) = delete;
        Arena& operator=(const Arena&) = delete;
        ~Arena();
    };
    std::shared_ptr<Arena> repacked;
};

// Copies every matrix the matmuls read into one anonymous mapping on huge pages (token generation
// streams the weights: on the file mapping's 4 KiB pages every 4 KiB costs a TLB miss, which held
// Q4_0 generation at ~75% of the read bandwidth), in its preferred layout (ops::preferred_layout:
// Q4_0 repacked 16 rows to a group on x86), and hands each matrix's mapped pages back to the OS as
// its copy arrives, so memory stays at about the file size. The embedding (read row by row) stays
// mapped. ZIGLLM_NO_REPACK=1: no copies, every matrix read from the mapping as it is.
void repack_weights(ModelWeights& w, const io::GgufFile& f);

}  // namespace zigllm
