// Unpacking of i-quant / ternary super-blocks into signed 8-bit weights plus small integer scales, the
// common form the SIMD kernels (iq_dot_*-inl.h) consume: for every type the block's dot with a Q8_K block is
//     block_factor(type) * d_w * d_act * (sum_g ls[g] * dot16(w[16g..], q8[16g..]))  (+ IQ1 delta terms)
// with all integer parts exact, as in ggml. group() yields one group of 32 values as 4 grid words and
// their signs (the x86 kernels apply the signs to the activation in registers); decode() writes a whole
// block of signed bytes for the portable kernels, applying signs to 8 bytes at once (SWAR: no grid byte
// is 0, so negating bytes never carries across them).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "zigllm/ops/iq_blocks.hpp"
#include "zigllm/ops/iq_grids.hpp"

namespace zigllm::ops::iq {

// Per value group of 16: 16 scales for 256 values.
using Scales16 = std::array<int16_t, 16>;

namespace detail {

// 0xff in byte j where bit j of the sign byte is set.
constexpr std::array<uint64_t, 256> make_sign_masks() {
    std::array<uint64_t, 256> m{};
    for (int s = 0; s < 256; ++s)
        for (int j = 0; j < 8; ++j)
            if (s & (1 << j)) m[s] |= uint64_t{0xff} << (8 * j);
    return m;
}
inline constexpr std::array<uint64_t, 256> kSignMask = make_sign_masks();
// +1 (0x01) or -1 (0xff) per byte: a multiplier for byte-sign instructions.
constexpr std::array<uint64_t, 256> make_sign_multipliers() {
    std::array<uint64_t, 256> m = make_sign_masks();
    for (auto& v : m) v |= 0x0101010101010101ull;
    return m;
}
inline constexpr std::array<uint64_t, 256> kSignMultiplier = make_sign_multipliers();

// Bytes of `grid` (each in 1..127) negated where the sign byte has a bit set.
inline uint64_t apply_signs(uint64_t grid, uint8_t signs) {
    const uint64_t m = kSignMask[signs];
    return (grid ^ m) + (m & 0x0101010101010101ull);
}
inline void put8(int8_t* w, uint64_t bytes) { std::memcpy(w, &bytes, 8); }
inline uint64_t two_grid4(const uint32_t* grid, uint32_t lo, uint32_t hi) {
    return uint64_t{grid[lo]} | (uint64_t{grid[hi]} << 32);
}
inline void both_halves(Scales16& ls, int ib32, int16_t v) { ls[2 * ib32] = ls[2 * ib32 + 1] = v; }

}  // namespace detail

// One group of 32 values of an IQ2 / IQ3 block: 4 x 8 unsigned grid bytes and their 4 sign bytes (bit j
// set: value j of the 8 is negative); group() also stores the group's two scales (per 16) into ls.
struct Group32 {
    uint64_t grid[4];
    uint8_t signs[4];
};

inline void group(const BlockIQ2_XXS& b, int ib32, Group32& g, Scales16& ls) {
    uint32_t aux32[2];
    std::memcpy(aux32, b.qs + 4 * ib32, sizeof aux32);
    const auto* aux8 = reinterpret_cast<const uint8_t*>(aux32);
    for (int l = 0; l < 4; ++l) {
        g.grid[l] = iq2xxs_grid[aux8[l]];
        g.signs[l] = ksigns_iq2xs[(aux32[1] >> 7 * l) & 127];
    }
    detail::both_halves(ls, ib32, static_cast<int16_t>(2 * (aux32[1] >> 28) + 1));
}

inline void group(const BlockIQ2_XS& b, int ib32, Group32& g, Scales16& ls) {
    for (int l = 0; l < 4; ++l) {
        const uint16_t q = b.qs[4 * ib32 + l];
        g.grid[l] = iq2xs_grid[q & 511];
        g.signs[l] = ksigns_iq2xs[q >> 9];
    }
    ls[2 * ib32] = static_cast<int16_t>(2 * (b.scales[ib32] & 0xf) + 1);
    ls[2 * ib32 + 1] = static_cast<int16_t>(2 * (b.scales[ib32] >> 4) + 1);
}

inline void group(const BlockIQ2_S& b, int ib32, Group32& g, Scales16& ls) {
    const uint8_t* signs = b.qs + kQK_K / 8;
    for (int l = 0; l < 4; ++l) {
        g.grid[l] = iq2s_grid[b.qs[4 * ib32 + l] | ((b.qh[ib32] << (8 - 2 * l)) & 0x300)];
        g.signs[l] = signs[4 * ib32 + l];
    }
    ls[2 * ib32] = static_cast<int16_t>(2 * (b.scales[ib32] & 0xf) + 1);
    ls[2 * ib32 + 1] = static_cast<int16_t>(2 * (b.scales[ib32] >> 4) + 1);
}

inline void group(const BlockIQ3_XXS& b, int ib32, Group32& g, Scales16& ls) {
    const uint8_t* q3 = b.qs + 8 * ib32;
    uint32_t aux32;
    std::memcpy(&aux32, b.qs + kQK_K / 4 + 4 * ib32, sizeof aux32);
    for (int l = 0; l < 4; ++l) {
        g.grid[l] = detail::two_grid4(iq3xxs_grid, q3[2 * l], q3[2 * l + 1]);
        g.signs[l] = ksigns_iq2xs[(aux32 >> 7 * l) & 127];
    }
    detail::both_halves(ls, ib32, static_cast<int16_t>(2 * (aux32 >> 28) + 1));
}

inline void group(const BlockIQ3_S& b, int ib32, Group32& g, Scales16& ls) {
    const uint8_t* qs = b.qs + 8 * ib32;
    const uint32_t qh = b.qh[ib32];
    for (int l = 0; l < 4; ++l) {
        g.grid[l] = detail::two_grid4(iq3s_grid, qs[2 * l] | ((qh << (8 - 2 * l)) & 256),
                                      qs[2 * l + 1] | ((qh << (7 - 2 * l)) & 256));
        g.signs[l] = b.signs[4 * ib32 + l];
    }
    const uint8_t sc = b.scales[ib32 / 2];
    detail::both_halves(ls, ib32, static_cast<int16_t>(2 * ((ib32 % 2) ? (sc >> 4) : (sc & 0xf)) + 1));
}

// The whole block as signed bytes (for targets without a byte-sign instruction).
template <class Block>
inline void decode(const Block& b, int8_t* w, Scales16& ls) {
    for (int ib32 = 0; ib32 < 8; ++ib32) {
        Group32 g;
        group(b, ib32, g, ls);
        for (int l = 0; l < 4; ++l) detail::put8(w + 32 * ib32 + 8 * l, detail::apply_signs(g.grid[l], g.signs[l]));
    }
}

// One group of 32 values of an IQ1 block: 4 x 8 signed grid bytes in {-1, 0, 1} and, per 8 values, the
// sign of the +-1/8 delta (as +-1 bytes); group() also stores the two scales (per 16) into ls.
struct Iq1Group32 {
    uint64_t grid[4];
    uint64_t delta[4];
};
// +1 bytes, or -1 bytes when `negative` (without a branch: delta signs are data, a branch mispredicts).
inline uint64_t delta_bytes(bool negative) { return 0x0101010101010101ull | (0 - static_cast<uint64_t>(negative)); }

inline void group(const BlockIQ1_S& b, int ib, Iq1Group32& g, Scales16& ls) {
    const uint16_t qh = b.qh[ib];
    for (int l = 0; l < 4; ++l) {
        g.grid[l] = iq1s_grid[b.qs[4 * ib + l] | (((qh >> 3 * l) & 7) << 8)];
        g.delta[l] = delta_bytes(qh & 0x8000);
    }
    detail::both_halves(ls, ib, static_cast<int16_t>(2 * ((qh >> 12) & 7) + 1));
}

inline void group(const BlockIQ1_M& b, int ib, Iq1Group32& g, Scales16& ls) {
    uint16_t sc[4];
    std::memcpy(sc, b.scales, sizeof sc);
    const uint8_t* qs = b.qs + 4 * ib;
    const uint8_t* qh = b.qh + 2 * ib;
    for (int l = 0; l < 4; ++l) {
        g.grid[l] = iq1s_grid[qs[l] | ((static_cast<uint32_t>(qh[l / 2]) << (8 - 4 * (l % 2))) & 0x700)];
        g.delta[l] = delta_bytes(qh[l / 2] & (l % 2 ? 0x80 : 0x08));
    }
    ls[2 * ib] = static_cast<int16_t>(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 0)) & 0x7) + 1);
    ls[2 * ib + 1] = static_cast<int16_t>(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
}

// The whole IQ1 block: grid values to w, delta signs (+-1) to delta.
template <class Block>
inline void decode_iq1(const Block& b, int8_t* w, int8_t* delta, Scales16& ls) {
    for (int ib = 0; ib < 8; ++ib) {
        Iq1Group32 g;
        group(b, ib, g, ls);
        for (int l = 0; l < 4; ++l) {
            detail::put8(w + 32 * ib + 8 * l, g.grid[l]);
            detail::put8(delta + 32 * ib + 8 * l, g.delta[l]);
        }
    }
}

inline uint16_t iq1m_scale_bits(const BlockIQ1_M& b) {
    uint16_t sc[4];
    std::memcpy(sc, b.scales, sizeof sc);
    return (sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000);
}

inline void iq4_xs_scales(const BlockIQ4_XS& b, Scales16& ls) {
    for (int ib = 0; ib < 8; ++ib)
        detail::both_halves(ls, ib, static_cast<int16_t>((((b.scales_l[ib / 2] >> 4 * (ib % 2)) & 0xf) |
                                                          (((b.scales_h >> 2 * ib) & 3) << 4)) - 32));
}

// A TQ1_0 byte holds 5 trits as a base-3 fraction: multiplying by 3^n brings trit n to the top.
inline int tq1_trit(uint8_t byte, int n) {
    static constexpr uint8_t kPow3[5] = {1, 3, 9, 27, 81};
    const uint8_t q = static_cast<uint8_t>(byte * kPow3[n]);
    return ((static_cast<uint16_t>(q) * 3) >> 8) - 1;
}

// Calls f(value_index, trit) for the 256 values of a TQ1_0 block in ggml's order.
template <class F>
void for_each_tq1_trit(const BlockTQ1_0& b, F&& f) {
    constexpr int kMain = sizeof(b.qs) - sizeof(b.qs) % 32;  // 32 bytes: the first 160 values
    for (int n = 0; n < 5; ++n)
        for (int m = 0; m < 32; ++m) f(n * 32 + m, tq1_trit(b.qs[m], n));
    for (int n = 0; n < 5; ++n)
        for (int m = 0; m < 16; ++m) f(kMain * 5 + n * 16 + m, tq1_trit(b.qs[kMain + m], n));
    for (int n = 0; n < 4; ++n)
        for (int j = 0; j < 4; ++j) f(int(sizeof(b.qs)) * 5 + n * 4 + j, tq1_trit(b.qh[j], n));
}

// Plain loops (no callback) so that the SIMD targets can vectorize them where this is inlined.
inline void decode(const BlockTQ1_0& b, int8_t* w) {
    static constexpr uint8_t kPow3[5] = {1, 3, 9, 27, 81};
    const auto trit = [](unsigned byte, unsigned pow3) {
        return static_cast<int8_t>(((static_cast<uint8_t>(byte * pow3) * 3u) >> 8) - 1);
    };
    for (int n = 0; n < 5; ++n)
        for (int m = 0; m < 32; ++m) w[n * 32 + m] = trit(b.qs[m], kPow3[n]);
    for (int n = 0; n < 5; ++n)
        for (int m = 0; m < 16; ++m) w[160 + n * 16 + m] = trit(b.qs[32 + m], kPow3[n]);
    for (int n = 0; n < 4; ++n)
        for (int j = 0; j < 4; ++j) w[240 + n * 4 + j] = trit(b.qh[j], kPow3[n]);
}

}  // namespace zigllm::ops::iq
