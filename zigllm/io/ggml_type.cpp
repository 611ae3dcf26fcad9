#include "zigllm/io/ggml_type.hpp"

#include <array>
#include <stdexcept>

namespace zigllm {
namespace {

// Indexed by type id; an empty name marks an id ggml does not define.
constexpr std::array<GgmlTypeTraits, max_type_id() + 1> kTraits = {{
    {"f32", 1, 4},        {"f16", 1, 2},       {"q4_0", 32, 18},     {"q4_1", 32, 20},
    {"", 0, 0},           {"", 0, 0},          {"q5_0", 32, 22},     {"q5_1", 32, 24},
    {"q8_0", 32, 34},     {"q8_1", 32, 36},    {"q2_K", 256, 84},    {"q3_K", 256, 110},
    {"q4_K", 256, 144},   {"q5_K", 256, 176},  {"q6_K", 256, 210},   {"q8_K", 256, 292},
    {"iq2_xxs", 256, 66}, {"iq2_xs", 256, 74}, {"iq3_xxs", 256, 98}, {"iq1_s", 256, 50},
    {"iq4_nl", 32, 18},   {"iq3_s", 256, 110}, {"iq2_s", 256, 82},   {"iq4_xs", 256, 136},
    {"i8", 1, 1},         {"i16", 1, 2},       {"i32", 1, 4},        {"i64", 1, 8},
    {"f64", 1, 8},        {"iq1_m", 256, 56},  {"bf16", 1, 2},       {"", 0, 0},
    {"", 0, 0},           {"", 0, 0},          {"tq1_0", 256, 54},   {"tq2_0", 256, 66},
    {"", 0, 0},           {"", 0, 0},          {"", 0, 0},
}};

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

std::optional<GgmlTypeTraits> ggml_type_traits(uint32_t id) {
    if (id >= kTraits.size() || kTraits[id].block_size == 0) return std::nullopt;
    return kTraits[id];
}

const GgmlTypeTraits& traits(GgmlType t) {
    auto id = static_cast<uint32_t>(t);
    if (id >= kTraits.size() || kTraits[id].block_size == 0)
        throw std::logic_error("traits(): undefined ggml type id " + std::to_string(id));
    return kTraits[id];
}

std::optional<GgmlType> ggml_type_from_name(std::string_view name) {
    for (uint32_t id = 0; id < kTraits.size(); ++id) {
        std::string_view n = kTraits[id].name;
        if (n.empty() || n.size() != name.size()) continue;
        bool eq = true;
        for (size_t i = 0; i < n.size() && eq; ++i) eq = upper(n[i]) == upper(name[i]);
        if (eq) return static_cast<GgmlType>(id);
    }
    return std::nullopt;
}

}  // namespace zigllm
