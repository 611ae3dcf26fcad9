// Weight layouts other than ggml's row-by-row blocks, made at load time where a kernel streams them
// faster (the repacked copy replaces the mapping it came from). ops::matmul takes a WeightRef and
// reads either layout; rows of any other layout are restored to ggml's on the fly for the paths
// that have no kernel of their own.
#pragma once

#include <cstddef>
#include <cstdint>

#include "zigllm/io/ggml_type.hpp"

namespace zigllm::ops {

enum class Layout : uint8_t {
    rows,      // ggml: row r at W + r * row_bytes(type, cols)
    q4_0_x16,  // Q4_0, 16 rows to a group: per (group, block) 288 bytes: the 16 rows' fp16 scales,
               // then for c = 0..3 the 16 rows' quant dword c (bytes 4c..4c+3): 16 x 4 bytes.
               // A 512-bit load of dword c holds row k's values 4c..4c+3 (low nibbles) and
               // 16+4c..16+4c+3 (high) in lane k, so one VNNI op dots 16 rows at once.
};

// A weight matrix as ops::matmul reads it.
struct WeightRef {
    GgmlType type;
    const void* data;
    Layout layout = Layout::rows;
};

// The layout the matmul kernels of this machine stream fastest for a rows x cols matrix of type t
// (q4_0_x16 for Q4_0 with rows % 16 == 0 on x86 with AVX2 or better, unless repacking_disabled()).
Layout preferred_layout(GgmlType t, int64_t rows, int64_t cols);
// ZIGLLM_NO_REPACK=1 (not 0): the engine reads every matrix from the file mapping as it is.
bool repacking_disabled();
// dst (row_bytes(t, cols) * rows bytes, the same size as src) = src's rows in layout l.
void repack(GgmlType t, Layout l, const void* src, void* dst, int64_t rows, int64_t cols);
// dst = rows [r0, r1) of a matrix stored in layout l, in ggml's row layout (r0, r1 multiples of 16).
void restore_rows(GgmlType t, Layout l, const void* src, int64_t r0, int64_t r1, int64_t cols, void* dst);

}  // namespace zigllm::ops
