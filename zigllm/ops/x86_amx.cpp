// AMX tile kernels for Q8_0 / Q4_0 x Q8_0 and Q4_K / Q6_K x Q8_K (see x86_amx.hpp). Compiled with target pragmas like
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
// k: the bytes of one block (32; K-quant sub-blocks: 32 or 16). Tiles 3, 4, 5 repeat 0, 1, 2 for a
// second product in flight (the K-quant kernel pairs sub-blocks: a tile store waits for its product).
void configure_tiles(int k = 32) {
    TileConfig cfg;
    for (int t = 0; t < 6; t += 3) {
        cfg.rows[t] = 16, cfg.colsb[t] = 64;
        cfg.rows[t + 1] = 16, cfg.colsb[t + 1] = static_cast<uint16_t>(k);
        cfg.rows[t + 2] = static_cast<uint8_t>(k / 4), cfg.colsb[t + 2] = 64;
    }
    for (int t = 6; t < 8; ++t) cfg.rows[t] = 16, cfg.colsb[t] = 64;  // a second pair of C tiles (Q4_K)
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

// acc[m] lane n = the result of weight row r + m and activation 16g + n.
void store_tile(const __m512* acc, int64_t g, float* Y, int64_t ldy, int64_t r) {
    alignas(64) float out[kTile];
    for (int m = 0; m < kTile; ++m) {
        _mm512_store_ps(out, acc[m]);
        for (int n = 0; n < kTile; ++n) Y[(g * kTile + n) * ldy + r + m] = out[n];
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
    store_tile(acc, g, Y, ldy, r);
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

// ---- K-quants (Q4_K, Q6_K) x Q8_K ----
// Per super-block of 256: nsub sub-blocks of kSub values (Q4_K 8 x 32, Q6_K 16 x 16), each an exact
// int32 tile product times its integer sub-block scale, summed in int32 (exact, so in any order);
// then acc += float(isum) * d_w * d_a, and the offset term through Q8_K's sums. Q4_K: a total and
// dmin * d_a * (min x asum) per 64 values, the min terms summed apart and subtracted at the end (the
// float order of ggml's repacked Q4_K gemm, which llama.cpp runs Q4_K tensors through); Q6_K (values stored
// +32) subtracts d_w * d_a * 32 * sum_j(sc_j * asum_j) from the same accumulator: close to, not
// bit-identical with, ggml's Q6_K dot, whose 8 partial lanes a tile product does not keep.
template <bool Q6>
struct KQuant {
    static constexpr int kSub = Q6 ? 16 : 32;
    static constexpr int kNsub = 256 / kSub;
    static constexpr size_t kTileB = kSub / 4 * 64;  // bytes of one B tile
};

// Unpacked weight rows [c0, c1) of a chunk: values as bytes [row][sb][256] (Q4_K 0..15, Q6_K
// 0..63), sub-block scales and offset coefficients (Q4_K mins, Q6_K the scales) [row][sb][nsub]
// (Q6_K as int32 in sc, cc; Q4_K as floats, exact, in scf, mnf), d (and Q4_K's dmin) as floats [row][sb].
struct KChunk {
    uint8_t* q;
    int32_t* sc;
    int32_t* cc;
    float* scf;
    float* mnf;
    float* d;
    float* dmin;
};

void unpack_q4k(const BlockQ4_K& x, uint8_t* q, float* sc, float* mn) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int j = 0; j < 4; ++j) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs + 32 * j));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + 64 * j), _mm256_and_si256(v, m4));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + 64 * j + 32), _mm256_and_si256(_mm256_srli_epi16(v, 4), m4));
    }
    for (int j = 0; j < 8; ++j) {
        uint8_t s, m;
        scale_min_k4(j, x.scales, s, m);
        sc[j] = s;
        mn[j] = m;
    }
}

void unpack_q6k(const BlockQ6_K& x, uint8_t* q, int32_t* sc, int32_t* cc) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03);
    auto low = [&](__m256i l, __m256i h, int shift) {
        return _mm256_or_si256(_mm256_and_si256(l, m4),
                               _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, shift), m2), 4));
    };
    for (int h = 0; h < 2; ++h) {  // ggml's layout: 128 values per half, in four runs of 32
        const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.ql + 64 * h));
        const __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.ql + 64 * h + 32));
        const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qh + 32 * h));
        const __m256i v[4] = {low(l0, qh, 0), low(l1, qh, 2), low(_mm256_srli_epi16(l0, 4), qh, 4),
                              low(_mm256_srli_epi16(l1, 4), qh, 6)};
        for (int g = 0; g < 4; ++g) _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + 128 * h + 32 * g), v[g]);
    }
    for (int j = 0; j < 16; ++j) sc[j] = cc[j] = x.scales[j];
}

template <bool Q6>
void unpack_kchunk(const uint8_t* W, size_t w_stride, int64_t c0, int64_t c1, int64_t nsb, const KChunk& C) {
    constexpr int kNsub = KQuant<Q6>::kNsub;
    for (int64_t r = c0; r < c1; ++r)
        for (int64_t sb = 0; sb < nsb; ++sb) {
            const int64_t at = (r - c0) * nsb + sb;
            if constexpr (Q6) {
                const auto& x = reinterpret_cast<const BlockQ6_K*>(W + r * w_stride)[sb];
                unpack_q6k(x, C.q + at * 256, C.sc + at * kNsub, C.cc + at * kNsub);
                C.d[at] = _cvtsh_ss(x.d);
            } else {
                const auto& x = reinterpret_cast<const BlockQ4_K*>(W + r * w_stride)[sb];
                unpack_q4k(x, C.q + at * 256, C.scf + at * kNsub, C.mnf + at * kNsub);
                C.d[at] = _cvtsh_ss(x.d);
                C.dmin[at] = _cvtsh_ss(x.dmin);
            }
        }
}

// Q8_K activations of one pass, packed: group g, super-block sb, sub-block j has its B tile at
// b + ((g * nsb + sb) * nsub + j) * kTileB and its 16 sums at s + ((g * nsb + sb) * nsub + j) * 16;
// the 16 scales of (g, sb) at d + (g * nsb + sb) * 16.
struct KActs {
    uint8_t* b;
    int32_t* s;
    float* d;
    int64_t nsb;
};

template <bool Q6>
void pack_kacts(const uint8_t* X, size_t x_stride, int64_t nx, const KActs& P) {
    constexpr int kSub = KQuant<Q6>::kSub, kNsub = KQuant<Q6>::kNsub;
    for (int64_t g = 0; g < nx / kTile; ++g)
        for (int64_t sb = 0; sb < P.nsb; ++sb)
            for (int64_t n = 0; n < kTile; ++n) {
                const auto& a = reinterpret_cast<const BlockQ8K*>(X + (g * kTile + n) * x_stride)[sb];
                P.d[(g * P.nsb + sb) * kTile + n] = a.d;
                for (int j = 0; j < kNsub; ++j) {
                    const int64_t at = (g * P.nsb + sb) * kNsub + j;
                    uint8_t* out = P.b + at * KQuant<Q6>::kTileB;
                    for (int k = 0; k < kSub / 4; ++k) std::memcpy(out + k * 64 + n * 4, a.qs + j * kSub + 4 * k, 4);
                    P.s[at * kTile + n] = Q6 ? a.bsums[j] : a.bsums[2 * j] + a.bsums[2 * j + 1];
                }
            }
}

// Q6_K, 16 weight rows (row rr of the chunk = weight row r) against activation group g: each
// sub-block's exact int32 product times its scale, summed in int32 per super-block, then scaled
// and corrected for the +32 offset. Pipelined as q4k_tile_product below: sub-block pair k runs on
// the AMX unit into C tiles {0, 3} or {6, 7} while the vector unit scales pair k - 1's.
#define ZIGLLM_K_ISSUE(C0, C1, a, a_stride, b, tile_b)  \
    do {                                                \
        _tile_zero(C0);                                 \
        _tile_zero(C1);                                 \
        _tile_loadd(1, (a), (a_stride));                \
        _tile_loadd(2, (b), 64);                        \
        _tile_loadd(4, (a) + (tile_b) / 16, (a_stride));\
        _tile_loadd(5, (b) + (tile_b), 64);             \
        _tile_dpbusd(C0, 1, 2);                         \
        _tile_dpbusd(C1, 4, 5);                         \
    } while (0)
// (GCC's tile intrinsics are macros that paste the tile number: it must be a literal.) The second
// sub-block's A tile starts kSub = tile_b / 16 bytes after the first.

// Stores pair k's two C tiles (set k & 1) to c[0 .. 511] and issues pair k + 1 (when there is one).
#define ZIGLLM_K_STEP(k, pairs, a_of, a_stride, b_of, tile_b, c)                                       \
    do {                                                                                               \
        if ((k) + 1 < (pairs)) {                                                                       \
            if ((k) & 1) ZIGLLM_K_ISSUE(0, 3, a_of((k) + 1), a_stride, b_of((k) + 1), tile_b);         \
            else ZIGLLM_K_ISSUE(6, 7, a_of((k) + 1), a_stride, b_of((k) + 1), tile_b);                 \
        }                                                                                              \
        if ((k) & 1) {                                                                                 \
            _tile_stored(6, (c), 64);                                                                  \
            _tile_stored(7, (c) + kTile * kTile, 64);                                                  \
        } else {                                                                                       \
            _tile_stored(0, (c), 64);                                                                  \
            _tile_stored(3, (c) + kTile * kTile, 64);                                                  \
        }                                                                                              \
    } while (0)

void q6k_tile_product(const KChunk& C, int64_t rr, const KActs& P, int64_t g, float* Y, int64_t ldy, int64_t r) {
    constexpr int kSub = KQuant<true>::kSub, kNsub = KQuant<true>::kNsub, kPairs = kNsub / 2;
    constexpr size_t kTileB = KQuant<true>::kTileB;
    const int64_t nsb = P.nsb, pairs = nsb * kPairs;
    const long a_stride = static_cast<long>(nsb * 256);
    auto a_of = [&](int64_t k) { return C.q + (rr * nsb + k / kPairs) * 256 + (k % kPairs) * 2 * kSub; };
    auto b_of = [&](int64_t k) { return P.b + ((g * nsb + k / kPairs) * kNsub + 2 * (k % kPairs)) * kTileB; };
    alignas(64) int32_t c[2 * kTile * kTile];
    __m512 acc[kTile];
    __m512i isum[kTile];
    for (auto& v : acc) v = _mm512_setzero_ps();
    ZIGLLM_K_ISSUE(0, 3, a_of(0), a_stride, b_of(0), kTileB);
    for (int64_t k = 0; k < pairs; ++k) {
        ZIGLLM_K_STEP(k, pairs, a_of, a_stride, b_of, kTileB, c);
        const int64_t sb = k / kPairs, j = 2 * (k % kPairs);
        if (j == 0)
            for (auto& v : isum) v = _mm512_setzero_si512();
        for (int m = 0; m < kTile; ++m) {
            const int32_t* scm = C.sc + ((rr + m) * nsb + sb) * kNsub + j;
            const __m512i p0 = _mm512_mullo_epi32(_mm512_load_si512(c + m * kTile), _mm512_set1_epi32(scm[0]));
            const __m512i p1 =
                _mm512_mullo_epi32(_mm512_load_si512(c + kTile * kTile + m * kTile), _mm512_set1_epi32(scm[1]));
            isum[m] = _mm512_add_epi32(isum[m], _mm512_add_epi32(p0, p1));
        }
        if (j + 2 < kNsub) continue;
        const int64_t gsb = (g * nsb + sb) * kNsub;
        const __m512 dav = _mm512_loadu_ps(P.d + (g * nsb + sb) * kTile);
        for (int m = 0; m < kTile; ++m) {  // the super-block is complete
            const int64_t wsb = (rr + m) * nsb + sb;
            __m512i corr = _mm512_setzero_si512();
            for (int jj = 0; jj < kNsub; ++jj)
                corr = _mm512_add_epi32(corr, _mm512_mullo_epi32(_mm512_loadu_si512(P.s + (gsb + jj) * kTile),
                                                                 _mm512_set1_epi32(C.cc[wsb * kNsub + jj])));
            const __m512 dd = _mm512_mul_ps(_mm512_set1_ps(C.d[wsb]), dav);
            acc[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[m]), dd, acc[m]);
            acc[m] = _mm512_fnmadd_ps(dd, _mm512_cvtepi32_ps(_mm512_slli_epi32(corr, 5)), acc[m]);
        }
    }
    store_tile(acc, g, Y, ldy, r);
}

// Q4_K, 16 weight rows against activation group g, pipelined as q6k_tile_product: per 64 values
// (a sub-block pair) a total and dmin * d_a * (min x asum), the min terms summed apart and
// subtracted at the end (the float order of ggml's repacked Q4_K gemm, which llama.cpp runs Q4_K
// tensors through).
void q4k_tile_product(const KChunk& C, int64_t rr, const KActs& P, int64_t g, float* Y, int64_t ldy, int64_t r) {
    constexpr int kNsub = KQuant<false>::kNsub;
    constexpr size_t kTileB = KQuant<false>::kTileB;
    const int64_t nsb = P.nsb, pairs = nsb * kNsub / 2;
    const long a_stride = static_cast<long>(nsb * 256);
    auto a_of = [&](int64_t k) { return C.q + (rr * nsb + k / 4) * 256 + (k % 4) * 64; };
    auto b_of = [&](int64_t k) { return P.b + ((g * nsb + k / 4) * kNsub + 2 * (k % 4)) * kTileB; };
    alignas(64) int32_t c[2 * kTile * kTile];
    __m512 acc[kTile], acc_min[kTile];  // the min term in its own sum, as ggml's repacked kernel
    for (auto& v : acc) v = _mm512_setzero_ps();
    for (auto& v : acc_min) v = _mm512_setzero_ps();
    ZIGLLM_K_ISSUE(0, 3, a_of(0), a_stride, b_of(0), kTileB);
    for (int64_t k = 0; k < pairs; ++k) {
        ZIGLLM_K_STEP(k, pairs, a_of, a_stride, b_of, kTileB, c);
        // The total and the min term are integers below 2^24 (|dot| <= 32 * 15 * 127, scales and
        // mins <= 63, bsum pairs <= 32 * 127), so float products and sums are exact: the same
        // values as int32 arithmetic, without the slow vpmulld.
        const int64_t sb = k / 4, j = 2 * (k % 4), gsb = (g * nsb + sb) * kNsub;
        const __m512 dav = _mm512_loadu_ps(P.d + (g * nsb + sb) * kTile);
        const __m512 s0 = _mm512_cvtepi32_ps(_mm512_loadu_si512(P.s + (gsb + j) * kTile));
        const __m512 s1 = _mm512_cvtepi32_ps(_mm512_loadu_si512(P.s + (gsb + j + 1) * kTile));
        for (int m = 0; m < kTile; ++m) {
            const int64_t wsb = (rr + m) * nsb + sb;
            const float* scm = C.scf + wsb * kNsub + j;
            const float* mnm = C.mnf + wsb * kNsub + j;
            const __m512 dot = _mm512_fmadd_ps(
                _mm512_cvtepi32_ps(_mm512_load_si512(c + m * kTile)), _mm512_set1_ps(scm[0]),
                _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_load_si512(c + kTile * kTile + m * kTile)), _mm512_set1_ps(scm[1])));
            const __m512 mins = _mm512_fmadd_ps(s0, _mm512_set1_ps(mnm[0]), _mm512_mul_ps(s1, _mm512_set1_ps(mnm[1])));
            acc[m] = _mm512_fmadd_ps(dot, _mm512_mul_ps(_mm512_set1_ps(C.d[wsb]), dav), acc[m]);
            acc_min[m] = _mm512_fmadd_ps(mins, _mm512_mul_ps(_mm512_set1_ps(C.dmin[wsb]), dav), acc_min[m]);
        }
    }
    for (int m = 0; m < kTile; ++m) acc[m] = _mm512_sub_ps(acc[m], acc_min[m]);
    store_tile(acc, g, Y, ldy, r);
}
#undef ZIGLLM_K_STEP
#undef ZIGLLM_K_ISSUE

template <bool Q6>
void kband(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X, size_t x_stride, int64_t nx,
           int64_t nsb, float* Y, int64_t ldy) {
    constexpr int kNsub = KQuant<Q6>::kNsub;
    configure_tiles(KQuant<Q6>::kSub);
    constexpr int64_t kPassActs = 128, kKChunk = 32;
    thread_local std::vector<Line> qbuf, bbuf;  // 64-byte aligned storage
    thread_local std::vector<int32_t> sc, cc, s;
    thread_local std::vector<float> d, dmin, da, scf, mnf;
    const int64_t pass = std::min(nx, kPassActs);
    qbuf.resize(static_cast<size_t>(kKChunk * nsb) * 256 / sizeof(Line));
    const auto n_scales = static_cast<size_t>(kKChunk * nsb * kNsub);  // Q6_K's as int32, Q4_K's as floats
    sc.resize(Q6 ? n_scales : 0);
    cc.resize(sc.size());
    scf.resize(Q6 ? 0 : n_scales);
    mnf.resize(scf.size());
    d.resize(static_cast<size_t>(kKChunk * nsb));
    dmin.resize(d.size());
    bbuf.resize(static_cast<size_t>(pass * nsb) * 256 / sizeof(Line));
    s.resize(static_cast<size_t>(pass * nsb * kNsub));
    da.resize(static_cast<size_t>(pass * nsb));
    const KChunk C{qbuf.data()->bytes, sc.data(), cc.data(), scf.data(), mnf.data(), d.data(), dmin.data()};
    const KActs P{bbuf.data()->bytes, s.data(), da.data(), nsb};
    for (int64_t i0 = 0; i0 < nx; i0 += pass) {
        const int64_t ni = std::min(pass, nx - i0);
        pack_kacts<Q6>(X + i0 * x_stride, x_stride, ni, P);
        for (int64_t c0 = r0; c0 < r1; c0 += kKChunk) {
            const int64_t c1 = std::min(c0 + kKChunk, r1);
            unpack_kchunk<Q6>(W, w_stride, c0, c1, nsb, C);
            for (int64_t g = 0; g < ni / kTile; ++g)
                for (int64_t r = c0; r < c1; r += kTile) {
                    if constexpr (Q6) q6k_tile_product(C, r - c0, P, g, Y + i0 * ldy, ldy, r);
                    else q4k_tile_product(C, r - c0, P, g, Y + i0 * ldy, ldy, r);
                }
        }
    }
    _tile_release();
}

}  // namespace

bool amx_band(GgmlType t, const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X,
              size_t x_stride, int64_t nx, int64_t n, float* Y, int64_t ldy) {
    switch (t) {
        case GgmlType::Q8_0: band<false>(W, w_stride, r0, r1, X, x_stride, nx, n / 32, Y, ldy); return true;
        case GgmlType::Q4_0: band<true>(W, w_stride, r0, r1, X, x_stride, nx, n / 32, Y, ldy); return true;
        case GgmlType::Q4_K: kband<false>(W, w_stride, r0, r1, X, x_stride, nx, n / 256, Y, ldy); return true;
        case GgmlType::Q6_K: kband<true>(W, w_stride, r0, r1, X, x_stride, nx, n / 256, Y, ldy); return true;
        default: return false;
    }
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
bool amx_band(GgmlType, const uint8_t*, size_t, int64_t, int64_t, const uint8_t*, size_t, int64_t, int64_t, float*,
              int64_t) {
    return false;
}
}  // namespace zigllm::ops::x86

#endif
