// AMX tile kernels for Q8_0 / Q4_0 x Q8_0 (see x86_amx.hpp). Compiled with target pragmas like
// x86_legacy.cpp; only ever called after amx_usable() said yes.
#include "zigllm/ops/x86_amx.hpp"

#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "zigllm/ops/blocks.hpp"

namespace zigllm::ops::x86 {

bool amx_usable() {
    static const bool usable = [] {
        if (const char* off = std::getenv("ZIGLLM_NO_AMX"); off && *off && std::strcmp(off, "0") != 0) return false;
        unsigned a = 0, b = 0, c = 0, d = 0;
        if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
        const bool tile = (d >> 24) & 1, int8 = (d >> 25) & 1;
        const bool avx512 = ((b >> 16) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1);  // F, BW, VL
        if (!tile || !int8 || !avx512) return false;
        constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
        return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
    }();
    return usable;
}

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,amx-tile,amx-int8"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,amx-tile,amx-int8")
#endif

namespace {

// The LDTILECFG operand (palette 1).
struct alignas(64) TileConfig {
    uint8_t palette = 1;
    uint8_t start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

// Tiles: 0 = C (16 weight rows x 16 activations, int32), 1 = A (16 weight rows x one block's 32
// int8), 2 = B (one block of 16 activations in the VNNI layout: row k = bytes 4k..4k+3 of each).
void configure_tiles() {
    TileConfig cfg;
    cfg.rows[0] = 16, cfg.colsb[0] = 64;
    cfg.rows[1] = 16, cfg.colsb[1] = 32;
    cfg.rows[2] = 8, cfg.colsb[2] = 64;
    _tile_loadconfig(&cfg);
}

constexpr int64_t kTile = 16;
constexpr size_t kPackedB = 8 * 64;  // bytes of one B tile
constexpr int64_t kChunkRows = 64;   // weight rows kept in L2 while every activation group passes

// The activations of one call, packed: group g (rows 16g..16g+15), block b has its B tile at
// b_tiles + (g * nb + b) * kPackedB, its 16 scales at d + (g * nb + b) * 16 and (for Q4_0's
// unsigned nibbles) -8 * sum(qs) of each activation at neg8sum + (g * nb + b) * 16.
struct PackedActs {
    const uint8_t* b_tiles;
    const float* d;
    const int32_t* neg8sum;
    int64_t nb;
};

void pack_acts(const uint8_t* X, size_t x_stride, int64_t nx, int64_t nb, uint8_t* packed, float* d, int32_t* neg8sum) {
    for (int64_t g = 0; g < nx / kTile; ++g)
        for (int64_t b = 0; b < nb; ++b) {
            uint8_t* out = packed + (g * nb + b) * kPackedB;
            const int64_t at = (g * nb + b) * kTile;
            for (int64_t n = 0; n < kTile; ++n) {
                const auto& blk = reinterpret_cast<const BlockQ8_0*>(X + (g * kTile + n) * x_stride)[b];
                d[at + n] = _cvtsh_ss(blk.d);
                int32_t sum = 0;
                for (int8_t q : blk.qs) sum += q;
                neg8sum[at + n] = -8 * sum;
                for (int k = 0; k < 8; ++k) std::memcpy(out + k * 64 + n * 4, blk.qs + 4 * k, 4);
            }
        }
}

// 16 weight rows against activation group g over all blocks. Block b's A tile is at
// a + b * a_step with row stride a_stride; dw: the rows' scales, row m block b at dw[m * nb + b].
// Q4: A holds unsigned nibbles (tdpbusd) and -8 * sum(a) restores the signed products.
template <bool Q4>
void tile_product(const uint8_t* a, size_t a_step, size_t a_stride, const float* dw, const PackedActs& P, int64_t g,
                  float* Y, int64_t ldy, int64_t r) {
    const int64_t nb = P.nb;
    alignas(64) int32_t c[kTile * kTile];
    __m512 acc[kTile];
    for (auto& v : acc) v = _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        const int64_t at = (g * nb + b) * kTile;
        _tile_zero(0);
        _tile_loadd(1, a + b * a_step, static_cast<long>(a_stride));
        _tile_loadd(2, P.b_tiles + (g * nb + b) * kPackedB, 64);
        if constexpr (Q4) _tile_dpbusd(0, 1, 2);
        else _tile_dpbssd(0, 1, 2);
        _tile_stored(0, c, 64);
        const __m512 dav = _mm512_loadu_ps(P.d + at);
        const __m512i corr = Q4 ? _mm512_loadu_si512(P.neg8sum + at) : _mm512_setzero_si512();
        for (int m = 0; m < kTile; ++m) {
            __m512i isum = _mm512_load_si512(c + m * kTile);
            if constexpr (Q4) isum = _mm512_add_epi32(isum, corr);
            acc[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(_mm512_set1_ps(dw[m * nb + b]), dav),
                                     acc[m]);
        }
    }
    alignas(64) float out[kTile];
    for (int m = 0; m < kTile; ++m) {
        _mm512_store_ps(out, acc[m]);
        for (int n = 0; n < kTile; ++n) Y[(g * kTile + n) * ldy + r + m] = out[n];
    }
}

// Q4_0 rows [c0, c1) as unsigned bytes 0..15 in element order, row-major ([row][block][32]).
void unpack_q4(const uint8_t* W, size_t w_stride, int64_t c0, int64_t c1, int64_t nb, uint8_t* out) {
    for (int64_t r = c0; r < c1; ++r)
        for (int64_t b = 0; b < nb; ++b) {
            const auto& blk = reinterpret_cast<const BlockQ4_0*>(W + r * w_stride)[b];
            uint8_t* o = out + ((r - c0) * nb + b) * 32;
            const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk.qs));
            const __m128i lo = _mm_and_si128(q, _mm_set1_epi8(15));
            const __m128i hi = _mm_and_si128(_mm_srli_epi16(q, 4), _mm_set1_epi8(15));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(o), lo);
            _mm_storeu_si128(reinterpret_cast<__m128i*>(o + 16), hi);
        }
}

template <typename Block>
void chunk_scales(const uint8_t* W, size_t w_stride, int64_t c0, int64_t c1, int64_t nb, float* dw) {
    for (int64_t r = c0; r < c1; ++r)
        for (int64_t b = 0; b < nb; ++b) dw[(r - c0) * nb + b] = _cvtsh_ss(reinterpret_cast<const Block*>(W + r * w_stride)[b].d);
}

struct alignas(64) Line { uint8_t bytes[64]; };

template <bool Q4>
void band(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X, size_t x_stride, int64_t nx,
          int64_t nb, float* Y, int64_t ldy) {
    configure_tiles();
    // Activations are packed kPassActs at a time (the packed copy stays small: memory is bounded by
    // file + KV + 64 MiB); each pass reads the band's weights once more.
    constexpr int64_t kPassActs = 128;
    thread_local std::vector<Line> packed, unpacked;  // 64-byte aligned storage
    thread_local std::vector<float> da, dw;
    thread_local std::vector<int32_t> neg8sum;
    const int64_t pass = std::min(nx, kPassActs);
    packed.resize(static_cast<size_t>(pass / kTile * nb) * kPackedB / sizeof(Line));
    da.resize(static_cast<size_t>(pass * nb));
    neg8sum.resize(static_cast<size_t>(pass * nb));
    dw.resize(static_cast<size_t>(kChunkRows * nb));
    if (Q4) unpacked.resize(static_cast<size_t>(kChunkRows * nb) * 32 / sizeof(Line) + 1);
    for (int64_t i0 = 0; i0 < nx; i0 += pass) {
        const int64_t ni = std::min(pass, nx - i0);
        pack_acts(X + i0 * x_stride, x_stride, ni, nb, packed.data()->bytes, da.data(), neg8sum.data());
        const PackedActs P{packed.data()->bytes, da.data(), neg8sum.data(), nb};
        float* Yi = Y + i0 * ldy;
        for (int64_t c0 = r0; c0 < r1; c0 += kChunkRows) {
            const int64_t c1 = std::min(c0 + kChunkRows, r1);
            if constexpr (Q4) {
                chunk_scales<BlockQ4_0>(W, w_stride, c0, c1, nb, dw.data());
                unpack_q4(W, w_stride, c0, c1, nb, unpacked.data()->bytes);
            } else {
                chunk_scales<BlockQ8_0>(W, w_stride, c0, c1, nb, dw.data());
            }
            for (int64_t g = 0; g < ni / kTile; ++g)
                for (int64_t r = c0; r < c1; r += kTile) {
                    const float* dwr = dw.data() + (r - c0) * nb;
                    if constexpr (Q4)
                        tile_product<true>(unpacked.data()->bytes + (r - c0) * nb * 32, 32, static_cast<size_t>(nb) * 32,
                                           dwr, P, g, Yi, ldy, r);
                    else
                        tile_product<false>(W + r * w_stride + offsetof(BlockQ8_0, qs), sizeof(BlockQ8_0), w_stride, dwr,
                                            P, g, Yi, ldy, r);
                }
        }
    }
    _tile_release();
}

}  // namespace

void amx_q8_0_band(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X, size_t x_stride,
                   int64_t nx, int64_t nb, float* Y, int64_t ldy) {
    band<false>(W, w_stride, r0, r1, X, x_stride, nx, nb, Y, ldy);
}

void amx_q4_0_band(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X, size_t x_stride,
                   int64_t nx, int64_t nb, float* Y, int64_t ldy) {
    band<true>(W, w_stride, r0, r1, X, x_stride, nx, nb, Y, ldy);
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

}  // namespace zigllm::ops::x86

#else

namespace zigllm::ops::x86 {
bool amx_usable() { return false; }
void amx_q8_0_band(const uint8_t*, size_t, int64_t, int64_t, const uint8_t*, size_t, int64_t, int64_t, float*, int64_t) {}
void amx_q4_0_band(const uint8_t*, size_t, int64_t, int64_t, const uint8_t*, size_t, int64_t, int64_t, float*, int64_t) {}
}  // namespace zigllm::ops::x86

#endif
