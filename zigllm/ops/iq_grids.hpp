// Lookup tables of the i-quant formats (ggml-common.h, July 2025): the codebooks the IQ1/IQ2/IQ3 blocks
// index into, the 7-bit -> 8-bit sign table (the 8th sign is the parity of the other 7), and the
// non-linear 4-bit values of IQ4_NL / IQ4_XS.
#pragma once

#include <cstdint>

namespace zigllm::ops::iq {

// Each uint64_t grid entry holds 8 unsigned bytes (IQ2: values 8, 25, 43), each uint32_t entry 4 bytes
// (IQ3: odd values 4..62); iq1s_grid entries are 8 signed bytes in {-1, 0, 1}.
extern const uint8_t kmask_iq2xs[8];      // 1 << j
extern const uint8_t ksigns_iq2xs[128];   // 7 stored sign bits -> 8 sign bits with even parity
extern const uint64_t iq2xxs_grid[256];
extern const uint64_t iq2xs_grid[512];
extern const uint64_t iq2s_grid[1024];
extern const uint32_t iq3xxs_grid[256];
extern const uint32_t iq3s_grid[512];
extern const int8_t kvalues_iq4nl[16];
extern const uint64_t iq1s_grid[2048];

constexpr float kIq1sDelta = 0.125f;      // IQ1S_DELTA == IQ1M_DELTA

}  // namespace zigllm::ops::iq
