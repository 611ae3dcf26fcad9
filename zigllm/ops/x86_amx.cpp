// AMX tile kernel for Q8_0 x Q8_0 (see x86_amx.hpp). Compiled with target pragmas like
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

// Activations of group g (rows 16g..16g+15), block b: the B tile at packed + (g * nb + b) * kPackedB
// and the 16 scales at d + (g * nb + b) * 16.
void pack_acts(const uint8_t* X, size_t x_stride, int64_t nx, int64_t nb, uint8_t* packed, float* d) {
    for (int64_t g = 0; g < nx / kTile; ++g)
        for (int64_t b = 0; b < nb; ++b) {
            uint8_t* out = packed + (g * nb + b) * kPackedB;
            float* dd = d + (g * nb + b) * kTile;
            for (int64_t n = 0; n < kTile; ++n) {
                const auto& blk = reinterpret_cast<const BlockQ8_0*>(X + (g * kTile + n) * x_stride)[b];
                dd[n] = _cvtsh_ss(blk.d);
                for (int k = 0; k < 8; ++k) std::memcpy(out + k * 64 + n * 4, blk.qs + 4 * k, 4);
            }
        }
}

// 16 weight rows from r against activation group g, over all blocks.
void tile_product(const uint8_t* W, size_t w_stride, int64_t r, const float* dw, const uint8_t* packed,
                  const float* da, int64_t g, int64_t nb, float* Y, int64_t ldy) {
    alignas(64) int32_t c[kTile * kTile];
    __m512 acc[kTile];
    for (auto& a : acc) a = _mm512_setzero_ps();
    const uint8_t* w = W + r * w_stride + offsetof(BlockQ8_0, qs);
    for (int64_t b = 0; b < nb; ++b) {
        _tile_zero(0);
        _tile_loadd(1, w + b * sizeof(BlockQ8_0), static_cast<long>(w_stride));
        _tile_loadd(2, packed + (g * nb + b) * kPackedB, 64);
        _tile_dpbssd(0, 1, 2);
        _tile_stored(0, c, 64);
        const __m512 dav = _mm512_loadu_ps(da + (g * nb + b) * kTile);
        for (int m = 0; m < kTile; ++m) {
            const __m512 isum = _mm512_cvtepi32_ps(_mm512_load_si512(c + m * kTile));
            acc[m] = _mm512_fmadd_ps(isum, _mm512_mul_ps(_mm512_set1_ps(dw[m * nb + b]), dav), acc[m]);
        }
    }
    alignas(64) float out[kTile];
    for (int m = 0; m < kTile; ++m) {
        _mm512_store_ps(out, acc[m]);
        for (int n = 0; n < kTile; ++n) Y[(g * kTile + n) * ldy + r + m] = out[n];
    }
}

}  // namespace

void amx_q8_0_band(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X, size_t x_stride,
                   int64_t nx, int64_t nb, float* Y, int64_t ldy) {
    configure_tiles();
    struct alignas(64) Line { uint8_t bytes[64]; };
    thread_local std::vector<Line> packed;  // 64-byte aligned storage
    thread_local std::vector<float> da, dw;
    packed.resize(static_cast<size_t>(nx / kTile * nb) * kPackedB / sizeof(Line));
    da.resize(static_cast<size_t>(nx * nb));
    pack_acts(X, x_stride, nx, nb, reinterpret_cast<uint8_t*>(packed.data()), da.data());
    constexpr int64_t kChunkRows = 64;  // weight rows kept in L2 while every activation group passes
    dw.resize(static_cast<size_t>(kChunkRows * nb));
    for (int64_t c0 = r0; c0 < r1; c0 += kChunkRows) {
        const int64_t c1 = std::min(c0 + kChunkRows, r1);
        for (int64_t r = c0; r < c1; ++r)
            for (int64_t b = 0; b < nb; ++b)
                dw[(r - c0) * nb + b] = _cvtsh_ss(reinterpret_cast<const BlockQ8_0*>(W + r * w_stride)[b].d);
        for (int64_t g = 0; g < nx / kTile; ++g)
            for (int64_t r = c0; r < c1; r += kTile)
                tile_product(W, w_stride, r, dw.data() + (r - c0) * nb, reinterpret_cast<const uint8_t*>(packed.data()),
                             da.data(), g, nb, Y, ldy);
    }
    _tile_release();
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
}  // namespace zigllm::ops::x86

#endif
