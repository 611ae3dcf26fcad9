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

// All 65,536 halves as floats (256 KiB, built on first use; thread-safe). For kernels that convert a
// scale per few values, where the scalar F16C conversion is slower than a (mostly cached) load.
const float* fp16_to_f32_table();

// float -> IEEE binary16 bits, round to nearest even (ggml's GGML_FP32_TO_FP16).
inline uint16_t f32_to_fp16(float f) {
    uint32_t x;
    std::memcpy(&x, &f, sizeof x);
    const uint32_t sign = (x >> 16) & 0x8000;
    const uint32_t abs = x & 0x7fffffffu;
    if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00);     // NaN
    if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00);    // rounds to infinity
    if (abs < 0x38800000u) {                                                // subnormal or zero half
        if (abs < 0x33000000u) return static_cast<uint16_t>(sign);          // below half the smallest
        const uint32_t e = abs >> 23, m = (abs & 0x7fffff) | 0x800000;
        const uint32_t shift = 126 - e;                                     // 14 + (113 - e)
        uint32_t h = m >> shift;
        const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1))) ++h;
        return static_cast<uint16_t>(sign | h);
    }
    uint32_t h = ((abs >> 13) - (112u << 10));
    const uint32_t rem = abs & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;                    // carry may reach the exponent
    return static_cast<uint16_t>(sign | h);
}

}  // namespace zigllm::ops
