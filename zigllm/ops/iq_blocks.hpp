// Block layouts of the i-quant and ternary weight types, byte for byte as in ggml-common.h (July 2025).
// Half-precision fields are kept as raw IEEE binary16 bits (uint16_t) so the structs are plain bytes
// on every target; all of them are 2-byte aligned at most, as in ggml.
#pragma once

#include <cstdint>

namespace zigllm::ops {

constexpr int kQK_K = 256;   // values per super-block
constexpr int kQK4_NL = 32;  // values per IQ4_NL block

struct BlockIQ1_S {          // 1.5625 bpw
    uint16_t d;
    uint8_t qs[kQK_K / 8];   // grid index, low 8 bits
    uint16_t qh[kQK_K / 32]; // per 32: 4 x 3 high index bits, 3-bit scale (bits 12..14), delta sign (15)
};
struct BlockIQ1_M {          // 1.75 bpw; the fp16 super-block scale is spread over scales' top nibbles
    uint8_t qs[kQK_K / 8];
    uint8_t qh[kQK_K / 16];  // per 8+8 values: 3 high index bits + delta sign bit each
    uint8_t scales[kQK_K / 32];
};
struct BlockIQ2_XXS {        // 2.0625 bpw
    uint16_t d;
    uint16_t qs[kQK_K / 8];  // per 32: 4 grid bytes, then 4 x 7 sign bits + 4-bit scale
};
struct BlockIQ2_XS {         // 2.3125 bpw
    uint16_t d;
    uint16_t qs[kQK_K / 8];  // 9-bit grid index + 7 sign bits
    uint8_t scales[kQK_K / 32];
};
struct BlockIQ2_S {          // 2.5625 bpw
    uint16_t d;
    uint8_t qs[kQK_K / 4];   // 32 grid index low bytes, then 32 sign bytes
    uint8_t qh[kQK_K / 32];
    uint8_t scales[kQK_K / 32];
};
struct BlockIQ3_XXS {        // 3.0625 bpw
    uint16_t d;
    uint8_t qs[3 * kQK_K / 8];  // 64 grid bytes, then per 32: 4 x 7 sign bits + 4-bit scale
};
struct BlockIQ3_S {          // 3.4375 bpw
    uint16_t d;
    uint8_t qs[kQK_K / 4];
    uint8_t qh[kQK_K / 32];
    uint8_t signs[kQK_K / 8];
    uint8_t scales[kQK_K / 64];
};
struct BlockIQ4_NL {         // 4.5 bpw, 32 values
    uint16_t d;
    uint8_t qs[kQK4_NL / 2];
};
struct BlockIQ4_XS {         // 4.25 bpw
    uint16_t d;
    uint16_t scales_h;
    uint8_t scales_l[kQK_K / 64];
    uint8_t qs[kQK_K / 2];
};
struct BlockTQ1_0 {          // 1.6875 bpw: 5 trits per byte (base-3 fixed point), 4 per qh byte
    uint8_t qs[(kQK_K - 4 * kQK_K / 64) / 5];
    uint8_t qh[kQK_K / 64];
    uint16_t d;
};
struct BlockTQ2_0 {          // 2.0625 bpw: 2 bits per value, q - 1 in {-1, 0, 1}
    uint8_t qs[kQK_K / 4];
    uint16_t d;
};

static_assert(sizeof(BlockIQ1_S) == 50);
static_assert(sizeof(BlockIQ1_M) == 56);
static_assert(sizeof(BlockIQ2_XXS) == 66);
static_assert(sizeof(BlockIQ2_XS) == 74);
static_assert(sizeof(BlockIQ2_S) == 82);
static_assert(sizeof(BlockIQ3_XXS) == 98);
static_assert(sizeof(BlockIQ3_S) == 110);
static_assert(sizeof(BlockIQ4_NL) == 18);
static_assert(sizeof(BlockIQ4_XS) == 136);
static_assert(sizeof(BlockTQ1_0) == 54);
static_assert(sizeof(BlockTQ2_0) == 66);

}  // namespace zigllm::ops
