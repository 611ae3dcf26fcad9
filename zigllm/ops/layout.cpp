#include "zigllm/ops/layout.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

#include "zigllm/io/error.hpp"
#include "zigllm/ops/blocks.hpp"
#include "zigllm/ops/matmul_band.hpp"

namespace zigllm::ops {
namespace {

constexpr int64_t kGroup = 16;
constexpr size_t kGroupBlock = kGroup * sizeof(BlockQ4_0);  // 288

// Byte offsets of row k's scale and quant dword c inside a (group, block) of q4_0_x16.
constexpr size_t scale_at(int64_t k) { return 2 * k; }
constexpr size_t dword_at(int64_t k, int c) { return 2 * kGroup + 4 * kGroup * c + 4 * k; }

// Row k's block b moves between ggml's row (its blocks at row) and its group (blocks at group).
void to_group(const uint8_t* row, uint8_t* group, int64_t k, int64_t b) {
    const uint8_t* blk = row + b * sizeof(BlockQ4_0);
    uint8_t* g = group + b * kGroupBlock;
    std::memcpy(g + scale_at(k), blk, 2);
    for (int c = 0; c < 4; ++c) std::memcpy(g + dword_at(k, c), blk + 2 + 4 * c, 4);
}
void to_row(const uint8_t* group, uint8_t* row, int64_t k, int64_t b) {
    const uint8_t* g = group + b * kGroupBlock;
    uint8_t* blk = row + b * sizeof(BlockQ4_0);
    std::memcpy(blk, g + scale_at(k), 2);
    for (int c = 0; c < 4; ++c) std::memcpy(blk + 2 + 4 * c, g + dword_at(k, c), 4);
}

}  // namespace

bool repacking_disabled() {
    const char* off = std::getenv("ZIGLLM_NO_REPACK");
    return off && *off && std::strcmp(off, "0") != 0;
}

Layout preferred_layout(GgmlType t, int64_t rows, int64_t cols) {
    if (t != GgmlType::Q4_0 || rows % kGroup != 0 || cols % 32 != 0 || !band::has_x86_kernels()) return Layout::rows;
    return repacking_disabled() ? Layout::rows : Layout::q4_0_x16;
}

void repack(GgmlType t, Layout l, const void* src, void* dst, int64_t rows, int64_t cols) {
    const size_t rb = row_bytes(t, cols);
    if (l == Layout::rows) return static_cast<void>(std::memcpy(dst, src, rb * rows));
    if (t != GgmlType::Q4_0 || rows % kGroup != 0) throw Error("", std::string(type_name(t)), "no such layout for this matrix");
    const int64_t nb = cols / 32;
    const auto* s = static_cast<const uint8_t*>(src);
    auto* d = static_cast<uint8_t*>(dst);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t b = 0; b < nb; ++b) to_group(s + r * rb, d + (r / kGroup) * nb * kGroupBlock, r % kGroup, b);
}

void restore_rows(GgmlType t, Layout l, const void* src, int64_t r0, int64_t r1, int64_t cols, void* dst) {
    const size_t rb = row_bytes(t, cols);
    const auto* s = static_cast<const uint8_t*>(src);
    auto* d = static_cast<uint8_t*>(dst);
    if (l == Layout::rows) return static_cast<void>(std::memcpy(d, s + r0 * rb, rb * (r1 - r0)));
    const int64_t nb = cols / 32;
    for (int64_t r = r0; r < r1; ++r)
        for (int64_t b = 0; b < nb; ++b) to_row(s + (r / kGroup) * nb * kGroupBlock, d + (r - r0) * rb, r % kGroup, b);
}

}  // namespace zigllm::ops
