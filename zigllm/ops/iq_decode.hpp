// Unpacking of i-quant / ternary super-blocks into signed 8-bit weights plus small integer scales, the
// common form the SIMD dot (iq_dot-inl.h) consumes: for every type the block's dot with a Q8_K block is
//     block_factor(type) * d_w * d_act * (sum_g ls[g] * dot16(w[16g..], q8[16g..]))  (+ IQ1 delta terms)
// with all integer parts exact, as in ggml. Grid rows are copied 8 (or 4) bytes at a time and signs are
// applied to 8 bytes at once (SWAR: no grid byte is 0, so negating bytes never carries across them).
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

inline void decode(const BlockIQ2_XXS& b, int8_t* w, Scales16& ls) {
    for (int ib32 = 0; ib32 < 8; ++ib32) {
        uint32_t aux32[2];
        std::memcpy(aux32, b.qs + 4 * ib32, sizeof aux32);
        const auto* aux8 = reinterpret_cast<const uint8_t*>(aux32);
        for (int l = 0; l < 4; ++l)
            detail::put8(w + 32 * ib32 + 8 * l,
                         detail::apply_signs(iq2xxs_grid[aux8[l]], ksigns_iq2xs[(aux32[1] >> 7 * l) & 127]));
        detail::both_halves(ls, ib32, static_cast<int16_t>(2 * (aux32[1] >> 28) + 1));
    }
}

inline void decode(const BlockIQ2_XS& b, int8_t* w, Scales16& ls) {
    for (int k = 0; k < 32; ++k)
        detail::put8(w + 8 * k, detail::apply_signs(iq2xs_grid[b.qs[k] & 511], ksigns_iq2xs[b.qs[k] >> 9]));
    for (int ib32 = 0; ib32 < 8; ++ib32) {
        ls[2 * ib32] = static_cast<int16_t>(2 * (b.scales[ib32] & 0xf) + 1);
        ls[2 * ib32 + 1] = static_cast<int16_t>(2 * (b.scales[ib32] >> 4) + 1);
    }
}

inline void decode(const BlockIQ2_S& b, int8_t* w, Scales16& ls) {
    const uint8_t* signs = b.qs + kQK_K / 8;
    for (int ib32 = 0; ib32 < 8; ++ib32) {
        for (int l = 0; l < 4; ++l) {
            const uint32_t idx = b.qs[4 * ib32 + l] | ((b.qh[ib32] << (8 - 2 * l)) & 0x300);
            detail::put8(w + 32 * ib32 + 8 * l, detail::apply_signs(iq2s_grid[idx], signs[4 * ib32 + l]));
        }
        ls[2 * ib32] = static_cast<int16_t>(2 * (b.scales[ib32] & 0xf) + 1);
        ls[2 * ib32 + 1] = static_cast<int16_t>(2 * (b.scales[ib32] >> 4) + 1);
    }
}

inline void decode(const BlockIQ3_XXS& b, int8_t* w, Scales16& ls) {
    const uint8_t* q3 = b.qs;
    const uint8_t* gas = b.qs + kQK_K / 4;
    for (int ib32 = 0; ib32 < 8; ++ib32) {
        uint32_t aux32;
        std::memcpy(&aux32, gas + 4 * ib32, sizeof aux32);
        for (int l = 0; l < 4; ++l) {
            const uint64_t g = detail::two_grid4(iq3xxs_grid, q3[8 * ib32 + 2 * l], q3[8 * ib32 + 2 * l + 1]);
            detail::put8(w + 32 * ib32 + 8 * l, detail::apply_signs(g, ksigns_iq2xs[(aux32 >> 7 * l) & 127]));
        }
        detail::both_halves(ls, ib32, static_cast<int16_t>(2 * (aux32 >> 28) + 1));
    }
}

inline void decode(const BlockIQ3_S& b, int8_t* w, Scales16& ls) {
    for (int ib32 = 0; ib32 < 8; ++ib32) {
        const uint8_t* qs = b.qs + 8 * ib32;
        const uint32_t qh = b.qh[ib32];
        for (int l = 0; l < 4; ++l) {
            const uint64_t g = detail::two_grid4(iq3s_grid, qs[2 * l] | ((qh << (8 - 2 * l)) & 256),
                                                 qs[2 * l + 1] | ((qh << (7 - 2 * l)) & 256));
            detail::put8(w + 32 * ib32 + 8 * l, detail::apply_signs(g, b.signs[4 * ib32 + l]));
        }
        const uint8_t sc = b.scales[ib32 / 2];
        detail::both_halves(ls, ib32, static_cast<int16_t>(2 * ((ib32 % 2) ? (sc >> 4) : (sc & 0xf)) + 1));
    }
}

// IQ1_S: grid values in {-1, 0, 1}; the +-1/8 delta per 32 goes through the activation's bsums instead.
inline void decode(const BlockIQ1_S& b, int8_t* w, Scales16& ls) {
    for (int ib = 0; ib < 8; ++ib) {
        const uint16_t qh = b.qh[ib];
        for (int l = 0; l < 4; ++l)
            detail::put8(w + 32 * ib + 8 * l, iq1s_grid[b.qs[4 * ib + l] | (((qh >> 3 * l) & 7) << 8)]);
        detail::both_halves(ls, ib, static_cast<int16_t>(2 * ((qh >> 12) & 7) + 1));
    }
}

// IQ1_M: grid values to w, the delta sign of every group of 8 (+-1) to delta.
inline void decode(const BlockIQ1_M& b, int8_t* w, int8_t* delta, Scales16& ls) {
    uint16_t sc[4];
    std::memcpy(sc, b.scales, sizeof sc);
    for (int ib = 0; ib < 8; ++ib) {
        const uint8_t* qs = b.qs + 4 * ib;
        const uint8_t* qh = b.qh + 2 * ib;
        for (int l = 0; l < 4; ++l) {
            const uint32_t idx = qs[l] | ((static_cast<uint32_t>(qh[l / 2]) << (8 - 4 * (l % 2))) & 0x700);
            detail::put8(w + 32 * ib + 8 * l, iq1s_grid[idx]);
            const bool negative = qh[l / 2] & (l % 2 ? 0x80 : 0x08);
            detail::put8(delta + 32 * ib + 8 * l, negative ? ~0ull : 0x0101010101010101ull);  // -1 or +1 bytes
        }
        ls[2 * ib] = static_cast<int16_t>(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 0)) & 0x7) + 1);
        ls[2 * ib + 1] = static_cast<int16_t>(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
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
