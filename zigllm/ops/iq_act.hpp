// The activation blocks the i-quant dots consume (Q8_K, Q8_0) and fp16 -> f32.
// TEMPORARY: stands in until ops-core's zigllm/ops/blocks.hpp lands; then this header only forwards.
#pragma once

#include <cstdint>
#include <cstring>

namespace zigllm::ops {

struct BlockQ8K {
    float d;
    int8_t qs[256];
    int16_t bsums[16];
};
static_assert(sizeof(BlockQ8K) == 292);

struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[32];
};
static_assert(sizeof(BlockQ8_0) == 34);

// IEEE binary16 bits -> float, exact (every half is a float).
inline float fp16_to_f32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {  // subnormal half: normalize
        int e = -1;
        do { ++e; mant <<= 1; } while ((mant & 0x400) == 0);
        bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mant & 0x3ff) << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

}  // namespace zigllm::ops
