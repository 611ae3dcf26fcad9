// x86 int8 kernels for Q4_0 / Q8_0 weights x Q8_0 activations, included twice by x86_legacy.cpp:
// once under target avx2 (maddubs + madd, as ggml's AVX2 path) and once with AVX-512 VNNI
// (vpdpbusd on 256-bit vectors: Zen 4 runs 512-bit ops as two halves, so 256 bits lose nothing; the
// EVEX encoding also gives 32 vector registers for bigger tiles).
// ZIGLLM_X86_NS names the namespace, ZIGLLM_X86_VNNI selects the dot instruction.
//
// Summation order, which decides the last bits and so llama.cpp parity:
// - Q8_0 follows ggml_vec_dot_q8_0_q8_0 (and tinyBLAS, the same): 8 int32 lanes of 4 products per
//   block, accumulated in 8 float lanes over the blocks, then one horizontal sum.
// - Q4_0 follows ggml's repacked Q4_0 kernels (ggml_gemv/gemm_q4_0_8x8_q8_0: what llama.cpp runs for
//   Q4_0 on AVX2 machines): each row's whole-block integer sum, one float lane per row,
//   acc = fma(float(isum), d_w * d_a, acc) over the blocks. Unsigned nibbles are dotted with the
//   activations and -8 * sum(a) added, which gives the same integers as the signed nibbles.
// No include guard: meant to be included once per instruction set.

namespace zigllm::ops::x86::ZIGLLM_X86_NS {

// Sum of 8 floats.
static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Sum of 8 int32 lanes.
static inline int hsum_i32(__m256i v) {
    const __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    const __m128i s2 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
    return _mm_cvtsi128_si32(_mm_add_epi32(s2, _mm_shuffle_epi32(s2, 1)));
}

// acc + 8 int32 lanes, each the sum of 4 products of unsigned u and signed s bytes.
static inline __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
#if ZIGLLM_X86_VNNI
    return _mm256_dpbusd_epi32(acc, u, s);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

// 8 int32 lanes summing w * a over 32 int8 values (aw = |w|, a given w's sign).
static inline __m256i dot32(__m256i aw, __m256i qw, __m256i qa) {
    return dot_u8s8(_mm256_setzero_si256(), aw, _mm256_sign_epi8(qa, qw));
}

// The 32 values of a Q4_0 block as unsigned bytes 0..15, in element order.
static inline __m256i q4_nibbles(const uint8_t* block) {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + offsetof(BlockQ4_0, qs)));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(lo, 4), lo), _mm256_set1_epi8(0x0F));
}

// The fp16 scales of 8 blocks (at w[k] + offset) as 8 floats.
static inline __m256 scales8(const uint8_t* const* w, size_t offset) {
    __m128i h = _mm_setzero_si128();
    h = _mm_insert_epi16(h, *reinterpret_cast<const uint16_t*>(w[0] + offset), 0);
    h = _mm_insert_epi16(h, *reinterpret_cast<const uint16_t*>(w[1] + offset), 1);
    h = _mm_insert_epi16(h, *reinterpret_cast<const uint16_t*>(w[2] + offset), 2);
    h = _mm_insert_epi16(h, *reinterpret_cast<const uint16_t*>(w[3] + offset), 3);
    h = _mm_insert_epi16(h, *reinterpret_cast<const uint16_t*>(w[4] + offset), 4);
    h = _mm_insert_epi16(h, *reinterpret_cast<const uint16_t*>(w[5] + offset), 5);
    h = _mm_insert_epi16(h, *reinterpret_cast<const uint16_t*>(w[6] + offset), 6);
    h = _mm_insert_epi16(h, *reinterpret_cast<const uint16_t*>(w[7] + offset), 7);
    return _mm256_cvtph_ps(h);
}

// Lane k of the result = the sum of the 8 lanes of p[k].
static inline __m256i reduce8(const __m256i* p) {
    const __m256i h0123 = _mm256_hadd_epi32(_mm256_hadd_epi32(p[0], p[1]), _mm256_hadd_epi32(p[2], p[3]));
    const __m256i h4567 = _mm256_hadd_epi32(_mm256_hadd_epi32(p[4], p[5]), _mm256_hadd_epi32(p[6], p[7]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(h0123, h4567, 0x20),
                            _mm256_permute2x128_si256(h0123, h4567, 0x31));
}

// 8x8 transpose of 32-bit elements: v[c] lane k = u[k] lane c.
static inline void transpose8(const __m256i* u, __m256i* v) {
    const __m256i t0 = _mm256_unpacklo_epi32(u[0], u[1]), t1 = _mm256_unpackhi_epi32(u[0], u[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(u[2], u[3]), t3 = _mm256_unpackhi_epi32(u[2], u[3]);
    const __m256i t4 = _mm256_unpacklo_epi32(u[4], u[5]), t5 = _mm256_unpackhi_epi32(u[4], u[5]);
    const __m256i t6 = _mm256_unpacklo_epi32(u[6], u[7]), t7 = _mm256_unpackhi_epi32(u[6], u[7]);
    const __m256i s0 = _mm256_unpacklo_epi64(t0, t2), s1 = _mm256_unpackhi_epi64(t0, t2);
    const __m256i s2 = _mm256_unpacklo_epi64(t1, t3), s3 = _mm256_unpackhi_epi64(t1, t3);
    const __m256i s4 = _mm256_unpacklo_epi64(t4, t6), s5 = _mm256_unpackhi_epi64(t4, t6);
    const __m256i s6 = _mm256_unpacklo_epi64(t5, t7), s7 = _mm256_unpackhi_epi64(t5, t7);
    v[0] = _mm256_permute2x128_si256(s0, s4, 0x20);
    v[1] = _mm256_permute2x128_si256(s1, s5, 0x20);
    v[2] = _mm256_permute2x128_si256(s2, s6, 0x20);
    v[3] = _mm256_permute2x128_si256(s3, s7, 0x20);
    v[4] = _mm256_permute2x128_si256(s0, s4, 0x31);
    v[5] = _mm256_permute2x128_si256(s1, s5, 0x31);
    v[6] = _mm256_permute2x128_si256(s2, s6, 0x31);
    v[7] = _mm256_permute2x128_si256(s3, s7, 0x31);
}

// Stores lanes 0..nv-1 of 8 row results at y[0..nv).
static inline void store_rows(float* y, __m256 v, int nv) {
    if (nv == 8) return _mm256_storeu_ps(y, v);
    alignas(32) float t[8];
    _mm256_store_ps(t, v);
    for (int k = 0; k < nv; ++k) y[k] = t[k];
}

// The activation rows of one call: Q8_0 blocks plus each block's scale as float and -8 * sum(qs).
struct Acts {
    const uint8_t* x;
    size_t stride;
    int64_t nb;
    const float* d;
    const int32_t* neg8sum;
    const BlockQ8_0* row(int64_t i) const { return reinterpret_cast<const BlockQ8_0*>(x + i * stride); }
};

static void prepare_acts(const uint8_t* X, size_t x_stride, int64_t nx, int64_t nb, float* d, int32_t* neg8sum) {
    const __m256i ones = _mm256_set1_epi8(1);
    for (int64_t i = 0; i < nx; ++i) {
        const auto* a = reinterpret_cast<const BlockQ8_0*>(X + i * x_stride);
        for (int64_t b = 0; b < nb; ++b) {
            d[i * nb + b] = _cvtsh_ss(a[b].d);
            const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[b].qs));
            neg8sum[i * nb + b] = -8 * hsum_i32(dot_u8s8(_mm256_setzero_si256(), ones, qa));
        }
    }
}

// ---- Q8_0: kR weight rows x kA activation rows, ggml_vec_dot's order for every pair ----
template <int kR, int kA>
static void q8_tile(const uint8_t* W, size_t w_stride, int64_t r, const Acts& A, int64_t i0, float* Y, int64_t ldy) {
    const uint8_t* w[kR];
    for (int k = 0; k < kR; ++k) w[k] = W + (r + k) * w_stride;
    __m256 acc[kR][kA];
    for (int k = 0; k < kR; ++k)
        for (int j = 0; j < kA; ++j) acc[k][j] = _mm256_setzero_ps();
    for (int64_t b = 0; b < A.nb; ++b) {
        if constexpr (kA == 1)  // matvec: fetch the rows two tiles ahead (as q4_group)
            for (int k = 0; k < kR; ++k)
                _mm_prefetch(reinterpret_cast<const char*>(w[k] + 2 * kR * w_stride + b * sizeof(BlockQ8_0)), _MM_HINT_T0);
        __m256i qa[kA];
        for (int j = 0; j < kA; ++j) qa[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(A.row(i0 + j)[b].qs));
        for (int k = 0; k < kR; ++k) {
            const auto* wb = reinterpret_cast<const BlockQ8_0*>(w[k]) + b;
            const float dw = _cvtsh_ss(wb->d);
            const __m256i qw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb->qs));
            const __m256i aw = _mm256_sign_epi8(qw, qw);
            for (int j = 0; j < kA; ++j)
                acc[k][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot32(aw, qw, qa[j])),
                                            _mm256_set1_ps(dw * A.d[(i0 + j) * A.nb + b]), acc[k][j]);
        }
    }
    for (int k = 0; k < kR; ++k)
        for (int j = 0; j < kA; ++j) Y[(i0 + j) * ldy + r + k] = hsum(acc[k][j]);
}

template <int kR, int kA>
static void q8_rows(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const Acts& A, int64_t i0, float* Y,
                    int64_t ldy) {
    int64_t r = r0;
    for (; r + kR <= r1; r += kR) q8_tile<kR, kA>(W, w_stride, r, A, i0, Y, ldy);
    for (; r < r1; ++r) q8_tile<1, kA>(W, w_stride, r, A, i0, Y, ldy);
}

#if ZIGLLM_X86_VNNI
constexpr int kQ8Rows = 4;  // 16 accumulators fit the 32 EVEX registers
#else
constexpr int kQ8Rows = 2;
#endif

static void q8_band(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const Acts& A, int64_t nx, float* Y,
                    int64_t ldy) {
    if (nx == 1) return q8_rows<4, 1>(W, w_stride, r0, r1, A, 0, Y, ldy);
    constexpr int64_t kChunkRows = 64;  // weight rows kept in L2 while every activation tile passes
    for (int64_t c0 = r0; c0 < r1; c0 += kChunkRows) {
        const int64_t c1 = std::min(c0 + kChunkRows, r1);
        int64_t i0 = 0;
        for (; i0 + 4 <= nx; i0 += 4) q8_rows<kQ8Rows, 4>(W, w_stride, c0, c1, A, i0, Y, ldy);
        switch (nx - i0) {
            case 3: q8_rows<kQ8Rows, 3>(W, w_stride, c0, c1, A, i0, Y, ldy); break;
            case 2: q8_rows<kQ8Rows, 2>(W, w_stride, c0, c1, A, i0, Y, ldy); break;
            case 1: q8_rows<4, 1>(W, w_stride, c0, c1, A, i0, Y, ldy); break;
            default: break;
        }
    }
}

// ---- Q4_0, few activation rows: 8 weight rows at a time straight from the mapping ----
// Each row's 8 partial lanes are reduced to one lane per row (reduce8), so the float arithmetic is
// the repacked kernels' exactly.
// next: the following group's rows, fetched one group ahead (8 short row streams start faster than
// the hardware prefetcher picks them up).
template <int kA>
static void q4_group(const uint8_t* const* w, const uint8_t* const* next, int nv, const Acts& A, int64_t i0, float* Y,
                     int64_t ldy, int64_t r) {
    __m256 acc[kA];
    for (int j = 0; j < kA; ++j) acc[j] = _mm256_setzero_ps();
    for (int64_t b = 0; b < A.nb; ++b) {
        const size_t off = static_cast<size_t>(b) * sizeof(BlockQ4_0);
        if (b % 3 == 0)  // every 54 bytes: each 64-byte line at least once
            for (int k = 0; k < 8; ++k) _mm_prefetch(reinterpret_cast<const char*>(next[k] + off), _MM_HINT_T0);
        __m256i u[8];
        for (int k = 0; k < 8; ++k) u[k] = q4_nibbles(w[k] + off);
        const __m256 dw = scales8(w, off);
        for (int j = 0; j < kA; ++j) {
            const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(A.row(i0 + j)[b].qs));
            __m256i p[8];
            for (int k = 0; k < 8; ++k) p[k] = dot_u8s8(_mm256_setzero_si256(), u[k], qa);
            const int64_t ab = (i0 + j) * A.nb + b;
            const __m256i isum = _mm256_add_epi32(reduce8(p), _mm256_set1_epi32(A.neg8sum[ab]));
            acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, _mm256_set1_ps(A.d[ab])), acc[j]);
        }
    }
    for (int j = 0; j < kA; ++j) store_rows(Y + (i0 + j) * ldy + r, acc[j], nv);
}

#if ZIGLLM_X86_VNNI
// q4_group<1> in 512-bit vectors, two rows per vector (Intel runs 512-bit ops at full width): the
// same integer block sums and float arithmetic, so the same results to the bit. Vector k holds
// rows 2k and 2k+1 as 128-bit lanes [2k values 0-15 | 2k+1 values 0-15 | 2k values 16-31 |
// 2k+1 values 16-31], the activations broadcast to match.
static void q4_group_pairs(const uint8_t* const* w, const uint8_t* const* next, int nv, const Acts& A, int64_t i0,
                           float* Y, int64_t ldy, int64_t r) {
    __m256 acc = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);  // [0,2,4,6,1,3,5,7] -> rows 0..7
    const BlockQ8_0* a = A.row(i0);
    for (int64_t b = 0; b < A.nb; ++b) {
        const size_t off = static_cast<size_t>(b) * sizeof(BlockQ4_0);
        if (b % 3 == 0)
            for (int k = 0; k < 8; ++k) _mm_prefetch(reinterpret_cast<const char*>(next[k] + off), _MM_HINT_T0);
        const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[b].qs));
        // [a 0-15 | a 0-15 | a 16-31 | a 16-31]
        const __m512i qa2 = _mm512_shuffle_i64x2(_mm512_castsi256_si512(qa), _mm512_castsi256_si512(qa), 0x50);
        __m512i p[4];
        for (int k = 0; k < 4; ++k) {
            const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[2 * k] + off + offsetof(BlockQ4_0, qs)));
            const __m128i x1 =
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[2 * k + 1] + off + offsetof(BlockQ4_0, qs)));
            const __m256i x = _mm256_set_m128i(x1, x0);
            const __m256i lo = _mm256_and_si256(x, m4), hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), m4);
            p[k] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), qa2);
        }
        // per 128-bit lane L: c lane L = [sum4 of p0 lane L, p1, p2, p3]
        const __m512i t0 = _mm512_add_epi32(_mm512_unpacklo_epi32(p[0], p[1]), _mm512_unpackhi_epi32(p[0], p[1]));
        const __m512i t1 = _mm512_add_epi32(_mm512_unpacklo_epi32(p[2], p[3]), _mm512_unpackhi_epi32(p[2], p[3]));
        const __m512i c = _mm512_add_epi32(_mm512_unpacklo_epi64(t0, t1), _mm512_unpackhi_epi64(t0, t1));
        // lanes 0 + 2: even rows, 1 + 3: odd rows
        const __m512i d = _mm512_add_epi32(c, _mm512_shuffle_i64x2(c, c, 0x4E));
        const __m256i rows = _mm256_permutevar8x32_epi32(_mm512_castsi512_si256(d), order);
        const __m256i isum = _mm256_add_epi32(rows, _mm256_set1_epi32(A.neg8sum[i0 * A.nb + b]));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(scales8(w, off), _mm256_set1_ps(A.d[i0 * A.nb + b])),
                              acc);
    }
    store_rows(Y + i0 * ldy + r, acc, nv);
}
#endif

// Row pointers of the group of 8 rows from r (rows past r1 repeat the last one; their lanes are dropped).
static inline int group_rows(const uint8_t* W, size_t w_stride, int64_t r, int64_t r1, const uint8_t** w) {
    const int nv = static_cast<int>(std::min<int64_t>(8, r1 - r));
    for (int k = 0; k < 8; ++k) w[k] = W + (r + std::min(k, nv - 1)) * w_stride;
    return nv;
}

// ---- Q4_0, many activation rows: 64-row chunks repacked so each vector lane is one weight row ----
// Packed group of 8 rows, per block: v[c] (c < 8) lane k = values 4c..4c+3 of row k (unsigned bytes),
// then the 8 row scales as floats. Built once per chunk, read by every activation row.
constexpr size_t kPackedBlock = 8 * 32 + 8 * 4;

static void pack_group(const uint8_t* const* w, int64_t nb, uint8_t* out) {
    for (int64_t b = 0; b < nb; ++b) {
        const size_t off = static_cast<size_t>(b) * sizeof(BlockQ4_0);
        __m256i u[8], v[8];
        for (int k = 0; k < 8; ++k) u[k] = q4_nibbles(w[k] + off);
        transpose8(u, v);
        uint8_t* o = out + b * kPackedBlock;
        for (int c = 0; c < 8; ++c) _mm256_store_si256(reinterpret_cast<__m256i*>(o + 32 * c), v[c]);
        _mm256_store_ps(reinterpret_cast<float*>(o + 256), scales8(w, off));
    }
}

template <int kA>
static void q4_packed(const uint8_t* g, int nv, const Acts& A, int64_t i0, float* Y, int64_t ldy, int64_t r) {
    __m256 acc[kA];
    for (int j = 0; j < kA; ++j) acc[j] = _mm256_setzero_ps();
    const BlockQ8_0* a[kA];
    for (int j = 0; j < kA; ++j) a[j] = A.row(i0 + j);
    for (int64_t b = 0; b < A.nb; ++b) {
        const uint8_t* o = g + b * kPackedBlock;
        __m256i isum[kA];
        for (int j = 0; j < kA; ++j) isum[j] = _mm256_set1_epi32(A.neg8sum[(i0 + j) * A.nb + b]);
        for (int c = 0; c < 8; ++c) {
            const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(o + 32 * c));
            for (int j = 0; j < kA; ++j) {
                int32_t a4;
                std::memcpy(&a4, a[j][b].qs + 4 * c, 4);
                isum[j] = dot_u8s8(isum[j], v, _mm256_set1_epi32(a4));
            }
        }
        const __m256 dw = _mm256_load_ps(reinterpret_cast<const float*>(o + 256));
        for (int j = 0; j < kA; ++j)
            acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[j]),
                                     _mm256_mul_ps(dw, _mm256_set1_ps(A.d[(i0 + j) * A.nb + b])), acc[j]);
    }
    for (int j = 0; j < kA; ++j) store_rows(Y + (i0 + j) * ldy + r, acc[j], nv);
}

template <int kA>
static void q4_groups(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const Acts& A, int64_t i0, float* Y,
                      int64_t ldy) {
    const uint8_t* w[8];
    int nv = group_rows(W, w_stride, r0, r1, w);
    for (int64_t r = r0; r < r1; r += 8) {
        const uint8_t* next[8];
        const int nv_next = r + 8 < r1 ? group_rows(W, w_stride, r + 8, r1, next) : group_rows(W, w_stride, r, r1, next);
#if ZIGLLM_X86_VNNI
        if constexpr (kA == 1) q4_group_pairs(w, next, nv, A, i0, Y, ldy, r);
        else q4_group<kA>(w, next, nv, A, i0, Y, ldy, r);
#else
        q4_group<kA>(w, next, nv, A, i0, Y, ldy, r);
#endif
        std::copy(next, next + 8, w);
        nv = nv_next;
    }
}

static void q4_band(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const Acts& A, int64_t nx, float* Y,
                    int64_t ldy) {
    constexpr int64_t kPackFrom = 8;  // activation rows from which repacking a chunk pays
    if (nx < kPackFrom) {
        int64_t i0 = 0;
        for (; i0 + 2 <= nx; i0 += 2) q4_groups<2>(W, w_stride, r0, r1, A, i0, Y, ldy);
        if (i0 < nx) q4_groups<1>(W, w_stride, r0, r1, A, i0, Y, ldy);
        return;
    }
    constexpr int64_t kChunkRows = 64;
    struct alignas(32) Line { uint8_t bytes[32]; };
    thread_local std::vector<Line> packed;  // 32-byte aligned storage
    const size_t group_bytes = static_cast<size_t>(A.nb) * kPackedBlock;
    packed.resize(kChunkRows / 8 * group_bytes / sizeof(Line));
    auto* base = reinterpret_cast<uint8_t*>(packed.data());
    for (int64_t c0 = r0; c0 < r1; c0 += kChunkRows) {
        const int64_t c1 = std::min(c0 + kChunkRows, r1);
        const int64_t groups = (c1 - c0 + 7) / 8;
        for (int64_t g = 0; g < groups; ++g) {
            const uint8_t* w[8];
            group_rows(W, w_stride, c0 + 8 * g, c1, w);
            pack_group(w, A.nb, base + g * group_bytes);
        }
        const auto rows_of = [&](int64_t g) { return static_cast<int>(std::min<int64_t>(8, c1 - c0 - 8 * g)); };
        int64_t i0 = 0;
        for (; i0 + 4 <= nx; i0 += 4)
            for (int64_t g = 0; g < groups; ++g) q4_packed<4>(base + g * group_bytes, rows_of(g), A, i0, Y, ldy, c0 + 8 * g);
        for (; i0 < nx; ++i0)
            for (int64_t g = 0; g < groups; ++g) q4_packed<1>(base + g * group_bytes, rows_of(g), A, i0, Y, ldy, c0 + 8 * g);
    }
}

// ---- Q4_0 in the q4_0_x16 layout (ops/layout.hpp): one vector lane per row, no reductions ----
// Per block: the 16 rows' scales, and for c = 0..3 one load of dword c of every row; the low
// nibbles are values 4c..4c+3 and the high ones 16+4c..16+4c+3 of row k in lane k, dotted with the
// matching 4 activation bytes broadcast. The integers and the float order per row are the row
// layout's (q4_group): acc = fma(float(block sum - 8 sum(a)), d_w * d_a, acc), block by block.
constexpr size_t kX16Block = 16 * sizeof(BlockQ4_0);

// Row-lane vectors: 16 rows in a 512-bit vector with VNNI, 8 in a 256-bit one (two per group).
#if ZIGLLM_X86_VNNI
using RowsI = __m512i;
using RowsF = __m512;
constexpr int kRowsPerVec = 16;
static inline RowsF rows_scales(const uint8_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
static inline RowsI rows_load(const uint8_t* p) { return _mm512_loadu_si512(p); }
static inline RowsI rows_low4(RowsI v) { return _mm512_and_si512(v, _mm512_set1_epi8(0x0F)); }
static inline RowsI rows_high4(RowsI v) { return rows_low4(_mm512_srli_epi16(v, 4)); }
static inline RowsI rows_set1(int32_t v) { return _mm512_set1_epi32(v); }
static inline RowsI rows_dot(RowsI acc, RowsI u, int32_t a4) { return _mm512_dpbusd_epi32(acc, u, rows_set1(a4)); }
static inline RowsF rows_fma(RowsI isum, RowsF dw, float da, RowsF acc) {
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(dw, _mm512_set1_ps(da)), acc);
}
static inline RowsF rows_zero() { return _mm512_setzero_ps(); }
static inline void rows_store(float* y, RowsF v) { _mm512_storeu_ps(y, v); }
#else
using RowsI = __m256i;
using RowsF = __m256;
constexpr int kRowsPerVec = 8;
static inline RowsF rows_scales(const uint8_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
static inline RowsI rows_load(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
static inline RowsI rows_low4(RowsI v) { return _mm256_and_si256(v, _mm256_set1_epi8(0x0F)); }
static inline RowsI rows_high4(RowsI v) { return rows_low4(_mm256_srli_epi16(v, 4)); }
static inline RowsI rows_set1(int32_t v) { return _mm256_set1_epi32(v); }
static inline RowsI rows_dot(RowsI acc, RowsI u, int32_t a4) { return dot_u8s8(acc, u, rows_set1(a4)); }
static inline RowsF rows_fma(RowsI isum, RowsF dw, float da, RowsF acc) {
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, _mm256_set1_ps(da)), acc);
}
static inline RowsF rows_zero() { return _mm256_setzero_ps(); }
static inline void rows_store(float* y, RowsF v) { _mm256_storeu_ps(y, v); }
#endif

template <int kA>
static void q4x16_group(const uint8_t* g, const Acts& A, int64_t i0, float* Y, int64_t ldy, int64_t r) {
    constexpr int kParts = 16 / kRowsPerVec;
    RowsF acc[kA][kParts];
    for (int j = 0; j < kA; ++j)
        for (int h = 0; h < kParts; ++h) acc[j][h] = rows_zero();
    for (int64_t b = 0; b < A.nb; ++b) {
        const uint8_t* blk = g + b * kX16Block;
        // the stream 8 blocks (2.3 KiB) ahead: measured 5% of generation over the hardware prefetcher
        for (size_t o = 0; o < kX16Block; o += 64) _mm_prefetch(reinterpret_cast<const char*>(blk + 8 * kX16Block + o), _MM_HINT_T0);
        for (int h = 0; h < kParts; ++h) {  // rows kRowsPerVec h .. kRowsPerVec (h + 1) - 1
            const RowsF dw = rows_scales(blk + 2 * kRowsPerVec * h);
            RowsI lo[4], hi[4];
            for (int c = 0; c < 4; ++c) {
                const RowsI w = rows_load(blk + 32 + 64 * c + 4 * kRowsPerVec * h);
                lo[c] = rows_low4(w);
                hi[c] = rows_high4(w);
            }
            for (int j = 0; j < kA; ++j) {
                const BlockQ8_0& a = A.row(i0 + j)[b];
                const int64_t ab = (i0 + j) * A.nb + b;
                RowsI isum = rows_set1(A.neg8sum[ab]);
                for (int c = 0; c < 4; ++c) {
                    int32_t a_lo, a_hi;
                    std::memcpy(&a_lo, a.qs + 4 * c, 4);
                    std::memcpy(&a_hi, a.qs + 16 + 4 * c, 4);
                    isum = rows_dot(rows_dot(isum, lo[c], a_lo), hi[c], a_hi);
                }
                acc[j][h] = rows_fma(isum, dw, A.d[ab], acc[j][h]);
            }
        }
    }
    for (int j = 0; j < kA; ++j)
        for (int h = 0; h < kParts; ++h) rows_store(Y + (i0 + j) * ldy + r + kRowsPerVec * h, acc[j][h]);
}

// Rows [r0, r1) (multiples of 16) of a q4_0_x16 matrix against nx activation rows.
static void q4x16_band(const uint8_t* W, int64_t r0, int64_t r1, const Acts& A, int64_t nx, float* Y, int64_t ldy) {
    for (int64_t r = r0; r < r1; r += 16) {
        const uint8_t* g = W + (r / 16) * A.nb * kX16Block;
        int64_t i0 = 0;
        for (; i0 + 2 <= nx; i0 += 2) q4x16_group<2>(g, A, i0, Y, ldy, r);
        if (i0 < nx) q4x16_group<1>(g, A, i0, Y, ldy, r);
    }
}

}  // namespace zigllm::ops::x86::ZIGLLM_X86_NS
