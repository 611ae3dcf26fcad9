// ggml tensor type ids, names and block geometry (ids and sizes from ggml.h / ggml.c, July 2025).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace zigllm {

enum class GgmlType : uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3,
    // 4, 5: Q4_2, Q4_3 (removed from ggml)
    Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22,
    IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
    // 31..33: Q4_0_4_4, Q4_0_4_8, Q4_0_8_8 (removed)
    TQ1_0 = 34, TQ2_0 = 35,
    // 36..38: IQ4_NL_4_4, IQ4_NL_4_8, IQ4_NL_8_8 (removed)
};

struct GgmlTypeTraits {
    std::string_view name;   // ggml_type_name()
    uint32_t block_size;     // values per block
    uint32_t type_size;      // bytes per block
};

// Traits of a defined type id, or nullopt for an id ggml does not define (including removed ones).
std::optional<GgmlTypeTraits> ggml_type_traits(uint32_t id);

// Traits of a valid type (precondition: defined).
const GgmlTypeTraits& traits(GgmlType t);

inline std::string_view type_name(GgmlType t) { return traits(t).name; }

// The type id whose ggml name is `name` (case-sensitive, e.g. "Q4_K", "F16").
std::optional<GgmlType> ggml_type_from_name(std::string_view name);

// Bytes of one row of n values; n must be a multiple of the block size.
inline size_t row_bytes(GgmlType t, int64_t n) {
    const auto& tr = traits(t);
    return static_cast<size_t>(n / tr.block_size) * tr.type_size;
}

// Ids 0..max_type_id() cover every defined type.
constexpr uint32_t max_type_id() { return 38; }

}  // namespace zigllm
