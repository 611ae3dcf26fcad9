// x86 int8 kernels for Q4_K / Q5_K / Q6_K weights x Q8_K activations; included per instruction set by
// x86_legacy.cpp like x86_legacy-inl.h (ZIGLLM_X86_NS, ZIGLLM_X86_VNNI). Unsigned weight values
// times signed activations through maddubs (no saturation: 63 * 127 * 2 < 32767), the integer
// sub-block scales applied by madd / vpdpwssd, mins and Q6_K's -32 offset through Q8_K's bsums.
// No include guard: meant to be included once per instruction set.

namespace zigllm::ops::x86::ZIGLLM_X86_NS {

static inline __m256i scale_acc(__m256i acc, __m256i p16, __m256i scale16) {
#if ZIGLLM_X86_VNNI
    return _mm256_dpwssd_epi32(acc, p16, scale16);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p16, scale16));
#endif
}

// The 64 unsigned values lo (32 bytes) and hi (32 bytes) times the activations qa[0..63], scaled by
// their sub-blocks' integer scales slo / shi (16-bit lanes), added in ggml's int32 lanes to acc_lo
// and acc_hi: two dependency chains (one row is a serial chain of vpdpwssd otherwise, which set the
// pace of generation); the integer lanes are exact, so their sum is the same in any order.
static inline void scaled_dot64(__m256i& acc_lo, __m256i& acc_hi, __m256i lo, __m256i hi, __m256i slo, __m256i shi,
                                const int8_t* qa) {
    const __m256i alo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qa));
    const __m256i ahi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qa + 32));
    acc_lo = scale_acc(acc_lo, _mm256_maddubs_epi16(lo, alo), slo);
    acc_hi = scale_acc(acc_hi, _mm256_maddubs_epi16(hi, ahi), shi);
}

// The next row's super-block b, fetched one row ahead: rows are short streams (see q4_group).
template <class Block>
static inline void prefetch_next_row(const uint8_t* row, size_t w_stride, int64_t b) {
    const char* p = reinterpret_cast<const char*>(row + w_stride) + b * sizeof(Block);
    for (size_t o = 0; o < sizeof(Block); o += 64) _mm_prefetch(p + o, _MM_HINT_T0);
}

// The 8 6-bit scales and mins of a Q4_K super-block at once (ggml's kmask unpacking; the same
// values as scale_min_k4).
static inline void unpack_scales_mins(const uint8_t* q, uint8_t* sc, uint8_t* mn) {
    constexpr uint32_t kmask1 = 0x3f3f3f3f, kmask2 = 0x0f0f0f0f, kmask3 = 0x03030303;
    uint32_t u[3];
    std::memcpy(u, q, 12);
    const uint32_t s0 = u[0] & kmask1, s1 = (u[2] & kmask2) | (((u[0] >> 6) & kmask3) << 4);
    const uint32_t m0 = u[1] & kmask1, m1 = ((u[2] >> 4) & kmask2) | (((u[1] >> 6) & kmask3) << 4);
    std::memcpy(sc, &s0, 4);
    std::memcpy(sc + 4, &s1, 4);
    std::memcpy(mn, &m0, 4);
    std::memcpy(mn + 4, &m1, 4);
}

// Min j for bsums 2j and 2j+1, as 16 int16 lanes (for madd against Q8_K's bsums).
static inline __m256i mins_per_bsum(const uint8_t* mn) {
    int64_t m8;
    std::memcpy(&m8, mn, 8);
    const __m128i m = _mm_cvtsi64_si128(m8);
    return _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m, m));
}

// ggml's repacked Q4_K order (llama.cpp runs Q4_K tensors, rows a multiple of 8, through it): per
// output a float sum of integer totals times d * d8 and the min term in a second sum, subtracted
// last. Its gemm (activation rows in groups of 4) adds one total per 64 values, its gemv (the
// remaining nx % 4 rows, and generation) one per super-block: kquant_band's 4-row tiles are the
// former, its 1-3-row tail tile the latter.
template <int kTile>
static void q4k_tile(const uint8_t* W, size_t w_stride, int64_t c0, int64_t c1, const uint8_t* X, size_t x_stride,
                     int64_t i0, int64_t nsb, float* Y, int64_t ldy) {
    constexpr bool kGemm = kTile == 4;
    const BlockQ8K* a[kTile];
    for (int t = 0; t < kTile; ++t) a[t] = reinterpret_cast<const BlockQ8K*>(X + (i0 + t) * x_stride);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int64_t r = c0; r < c1; ++r) {
        const auto* x = reinterpret_cast<const BlockQ4_K*>(W + r * w_stride);
        float acc[kTile], acc_min[kTile];
        for (int t = 0; t < kTile; ++t) acc[t] = acc_min[t] = 0.0f;
        for (int64_t b = 0; b < nsb; ++b) {
            if constexpr (kTile == 1) prefetch_next_row<BlockQ4_K>(W + r * w_stride, w_stride, b);
            uint8_t sc[8], mn[8];
            unpack_scales_mins(x[b].scales, sc, mn);
            const float d = _cvtsh_ss(x[b].d), dmin = _cvtsh_ss(x[b].dmin);
            __m256i acci[kTile], acch[kTile];
            for (int t = 0; t < kTile; ++t) acci[t] = acch[t] = _mm256_setzero_si256();
            for (int j = 0; j < 4; ++j) {
                const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs + 32 * j));
                const __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
                const __m256i slo = _mm256_set1_epi16(sc[2 * j]), shi = _mm256_set1_epi16(sc[2 * j + 1]);
                for (int t = 0; t < kTile; ++t) {
                    scaled_dot64(acci[t], acch[t], lo, hi, slo, shi, a[t][b].qs + 64 * j);
                    if constexpr (kGemm) {  // these 64 values' total and min term
                        const int16_t* bs = a[t][b].bsums + 4 * j;
                        const int mins = mn[2 * j] * (bs[0] + bs[1]) + mn[2 * j + 1] * (bs[2] + bs[3]);
                        acc[t] = std::fma(static_cast<float>(hsum_i32(_mm256_add_epi32(acci[t], acch[t]))), d * a[t][b].d, acc[t]);
                        acc_min[t] = std::fma(static_cast<float>(mins), dmin * a[t][b].d, acc_min[t]);
                        acci[t] = acch[t] = _mm256_setzero_si256();
                    }
                }
            }
            if constexpr (!kGemm) {
                const __m256i mn16 = mins_per_bsum(mn);
                for (int t = 0; t < kTile; ++t) {
                    const int mins = hsum_i32(_mm256_madd_epi16(
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[t][b].bsums)), mn16));
                    acc[t] = std::fma(static_cast<float>(hsum_i32(_mm256_add_epi32(acci[t], acch[t]))), d * a[t][b].d, acc[t]);
                    acc_min[t] = std::fma(static_cast<float>(mins), dmin * a[t][b].d, acc_min[t]);
                }
            }
        }
        for (int t = 0; t < kTile; ++t) Y[(i0 + t) * ldy + r] = acc[t] - acc_min[t];
    }
}

template <int kTile>
static void q6k_tile(const uint8_t* W, size_t w_stride, int64_t c0, int64_t c1, const uint8_t* X, size_t x_stride,
                     int64_t i0, int64_t nsb, float* Y, int64_t ldy) {
    const BlockQ8K* a[kTile];
    for (int t = 0; t < kTile; ++t) a[t] = reinterpret_cast<const BlockQ8K*>(X + (i0 + t) * x_stride);
    const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03), m32 = _mm256_set1_epi8(32);
    for (int64_t r = c0; r < c1; ++r) {
        const auto* x = reinterpret_cast<const BlockQ6_K*>(W + r * w_stride);
        __m256 accf[kTile];
        for (int t = 0; t < kTile; ++t) accf[t] = _mm256_setzero_ps();
        for (int64_t b = 0; b < nsb; ++b) {
            if constexpr (kTile == 1) prefetch_next_row<BlockQ6_K>(W + r * w_stride, w_stride, b);
            const int8_t* sc = x[b].scales;
            __m256i acci[2][kTile];  // even and odd groups: two dependency chains (see scaled_dot64)
            for (int t = 0; t < kTile; ++t) acci[0][t] = acci[1][t] = _mm256_setzero_si256();
            for (int h = 0; h < 2; ++h) {
                const uint8_t* ql = x[b].ql + 64 * h;
                const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql));
                const __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32));
                const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qh + 32 * h));
                // the four 32-value groups of this half, unsigned 0..63
                const __m256i q[4] = {
                    _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(qh, m2), 4)),
                    _mm256_or_si256(_mm256_and_si256(l1, m4),
                                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), m2), 4)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), m2), 4)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), m2), 4)),
                };
                for (int g = 0; g < 4; ++g) {
                    // lanes 0..7 hold values 0..15 of the group (scale 2g), lanes 8..15 values 16..31
                    const __m256i s16 = _mm256_set_m128i(_mm_set1_epi16(sc[8 * h + 2 * g + 1]),
                                                         _mm_set1_epi16(sc[8 * h + 2 * g]));
                    for (int t = 0; t < kTile; ++t) {
                        const __m256i qa =
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[t][b].qs + 128 * h + 32 * g));
                        // (q - 32) a in int16 pairs, as ggml's Q6_K dot: the offset stays in the integer
                        // lanes, so the float order is exactly ggml's (one FMA per super-block)
                        const __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(q[g], qa), _mm256_maddubs_epi16(m32, qa));
                        acci[g & 1][t] = scale_acc(acci[g & 1][t], p16, s16);
                    }
                }
            }
            const float d = _cvtsh_ss(x[b].d);
            for (int t = 0; t < kTile; ++t)
                accf[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(acci[0][t], acci[1][t])),
                                          _mm256_set1_ps(a[t][b].d * d), accf[t]);
        }
        for (int t = 0; t < kTile; ++t) Y[(i0 + t) * ldy + r] = hsum(accf[t]);
    }
}

// Q5_K as ggml's x86 dot: Q4_K's nibbles plus one high bit per value (bit 2j of qh for the low
// nibbles of 64-group j, bit 2j + 1 for the high ones), unsigned 0..31; per super-block one FMA of
// the integer lanes into 8 float lanes, and the min term as one integer total into a float sum
// (ggml's contracted summs += dmin * total); the sum of the lanes plus summs at the end.
template <int kTile>
static void q5k_tile(const uint8_t* W, size_t w_stride, int64_t c0, int64_t c1, const uint8_t* X, size_t x_stride,
                     int64_t i0, int64_t nsb, float* Y, int64_t ldy) {
    const BlockQ8K* a[kTile];
    for (int t = 0; t < kTile; ++t) a[t] = reinterpret_cast<const BlockQ8K*>(X + (i0 + t) * x_stride);
    const __m256i m4 = _mm256_set1_epi8(0x0F), m16 = _mm256_set1_epi8(0x10);
    for (int64_t r = c0; r < c1; ++r) {
        const auto* x = reinterpret_cast<const BlockQ5_K*>(W + r * w_stride);
        __m256 accf[kTile];
        float summs[kTile];
        for (int t = 0; t < kTile; ++t) accf[t] = _mm256_setzero_ps(), summs[t] = 0.0f;
        for (int64_t b = 0; b < nsb; ++b) {
            if constexpr (kTile == 1) prefetch_next_row<BlockQ5_K>(W + r * w_stride, w_stride, b);
            uint8_t sc[8], mn[8];
            unpack_scales_mins(x[b].scales, sc, mn);
            const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qh));
            __m256i acci[kTile], acch[kTile];
            for (int t = 0; t < kTile; ++t) acci[t] = acch[t] = _mm256_setzero_si256();
            for (int j = 0; j < 4; ++j) {
                const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs + 32 * j));
                // bits 2j and 2j + 1 of each qh byte moved to bit 4 (a 16-bit shift right by 2j <= 6 keeps
                // the low byte's bits 0 and 1 its own)
                const __m256i qhj = _mm256_srli_epi16(qh, 2 * j);
                const __m256i hl = _mm256_and_si256(_mm256_slli_epi16(qhj, 4), m16);
                const __m256i hh = _mm256_and_si256(_mm256_slli_epi16(qhj, 3), m16);
                const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, m4), hl);
                const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), hh);
                const __m256i slo = _mm256_set1_epi16(sc[2 * j]), shi = _mm256_set1_epi16(sc[2 * j + 1]);
                for (int t = 0; t < kTile; ++t) scaled_dot64(acci[t], acch[t], lo, hi, slo, shi, a[t][b].qs + 64 * j);
            }
            const __m256i mn16 = mins_per_bsum(mn);
            const float dw = _cvtsh_ss(x[b].d), dminw = _cvtsh_ss(x[b].dmin);
            for (int t = 0; t < kTile; ++t) {
                const int total = hsum_i32(_mm256_madd_epi16(
                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[t][b].bsums)), mn16));
                const float d = a[t][b].d * dw, dmin = -a[t][b].d * dminw;
                summs[t] = std::fma(dmin, static_cast<float>(total), summs[t]);
                accf[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(acci[t], acch[t])), _mm256_set1_ps(d), accf[t]);
            }
        }
        for (int t = 0; t < kTile; ++t) Y[(i0 + t) * ldy + r] = hsum(accf[t]) + summs[t];
    }
}

enum class KType { q4, q5, q6 };

template <KType kT>
static void kquant_band(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X,
                        size_t x_stride, int64_t nx, int64_t nsb, float* Y, int64_t ldy) {
    constexpr int64_t kChunkRows = 32;
    for (int64_t c0 = r0; c0 < r1; c0 += kChunkRows) {
        const int64_t c1 = std::min(c0 + kChunkRows, r1);
        int64_t i0 = 0;
#define ZIGLLM_KQ_TILE(T)                                                                       \
    if constexpr (kT == KType::q6) q6k_tile<T>(W, w_stride, c0, c1, X, x_stride, i0, nsb, Y, ldy);      \
    else if constexpr (kT == KType::q5) q5k_tile<T>(W, w_stride, c0, c1, X, x_stride, i0, nsb, Y, ldy); \
    else q4k_tile<T>(W, w_stride, c0, c1, X, x_stride, i0, nsb, Y, ldy)
        for (; i0 + 4 <= nx; i0 += 4) { ZIGLLM_KQ_TILE(4); }
        switch (nx - i0) {
            case 3: ZIGLLM_KQ_TILE(3); break;
            case 2: ZIGLLM_KQ_TILE(2); break;
            case 1: ZIGLLM_KQ_TILE(1); break;
            default: break;
        }
#undef ZIGLLM_KQ_TILE
    }
}

}  // namespace zigllm::ops::x86::ZIGLLM_X86_NS
