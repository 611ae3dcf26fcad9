// x86 int8 kernels for Q4_0 / Q8_0 weights x Q8_0 activations, included twice by x86_legacy.cpp:
// once under target avx2 (maddubs + madd, as ggml's AVX2 path) and once with AVX-512 VNNI
// (vpdpbusd on 256-bit vectors: Zen 4 runs 512-bit ops as two halves, so 256 bits lose nothing).
// ZIGLLM_X86_NS names the namespace, ZIGLLM_X86_VNNI selects the dot instruction.
// No include guard: meant to be included once per instruction set.

namespace zigllm::ops::x86::ZIGLLM_X86_NS {

// Sum of 8 floats.
static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// 8 int32 lanes summing |w| * (a signed like w) = w * a over 32 int8 values.
static inline __m256i dot32(__m256i aw, __m256i qw, __m256i qa) {
    const __m256i sa = _mm256_sign_epi8(qa, qw);
#if ZIGLLM_X86_VNNI
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), aw, sa);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(aw, sa), _mm256_set1_epi16(1));
#endif
}

template <bool kQ4>
static inline __m256i load_weights(const uint8_t* block) {
    if constexpr (kQ4) {
        const auto* b = reinterpret_cast<const BlockQ4_0*>(block);
        const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b->qs));
        const __m256i both = _mm256_set_m128i(_mm_srli_epi16(lo, 4), lo);
        return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0F)), _mm256_set1_epi8(8));
    } else {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const BlockQ8_0*>(block)->qs));
    }
}

// kTile activation rows (from i0) times weight rows [c0, c1): each weight block is loaded and
// unpacked once for all kTile rows.
template <bool kQ4, int kTile>
static void tile(const uint8_t* W, size_t w_stride, int64_t c0, int64_t c1, const uint8_t* X, size_t x_stride,
                 int64_t i0, int64_t nb, const float* ad, float* Y, int64_t ldy) {
    constexpr size_t kBlockBytes = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
    const BlockQ8_0* a[kTile];
    const float* as[kTile];
    for (int j = 0; j < kTile; ++j) {
        a[j] = reinterpret_cast<const BlockQ8_0*>(X + (i0 + j) * x_stride);
        as[j] = ad + (i0 + j) * nb;
    }
    for (int64_t r = c0; r < c1; ++r) {
        const uint8_t* w = W + r * w_stride;
        __m256 acc[kTile];
        for (int j = 0; j < kTile; ++j) acc[j] = _mm256_setzero_ps();
        for (int64_t b = 0; b < nb; ++b) {
            const uint8_t* wb = w + b * kBlockBytes;
            const float dw = _cvtsh_ss(*reinterpret_cast<const uint16_t*>(wb));
            const __m256i qw = load_weights<kQ4>(wb);
            const __m256i aw = _mm256_sign_epi8(qw, qw);
            for (int j = 0; j < kTile; ++j) {
                const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[j][b].qs));
                acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot32(aw, qw, qa)), _mm256_set1_ps(dw * as[j][b]), acc[j]);
            }
        }
        for (int j = 0; j < kTile; ++j) Y[(i0 + j) * ldy + r] = hsum(acc[j]);
    }
}

// Y[i * ldy + r] for r in [r0, r1), i < nx; activation scales pre-widened in ad[i * nb + b].
template <bool kQ4>
static void band(const uint8_t* W, size_t w_stride, int64_t r0, int64_t r1, const uint8_t* X, size_t x_stride,
                 int64_t nx, int64_t nb, const float* ad, float* Y, int64_t ldy) {
    constexpr int64_t kChunkRows = 64;  // weight rows kept in L2 while every activation tile passes
    for (int64_t c0 = r0; c0 < r1; c0 += kChunkRows) {
        const int64_t c1 = std::min(c0 + kChunkRows, r1);
        int64_t i0 = 0;
        for (; i0 + 4 <= nx; i0 += 4) tile<kQ4, 4>(W, w_stride, c0, c1, X, x_stride, i0, nb, ad, Y, ldy);
        switch (nx - i0) {
            case 3: tile<kQ4, 3>(W, w_stride, c0, c1, X, x_stride, i0, nb, ad, Y, ldy); break;
            case 2: tile<kQ4, 2>(W, w_stride, c0, c1, X, x_stride, i0, nb, ad, Y, ldy); break;
            case 1: tile<kQ4, 1>(W, w_stride, c0, c1, X, x_stride, i0, nb, ad, Y, ldy); break;
            default: break;
        }
    }
}

static void widen_scales(const uint8_t* X, size_t x_stride, int64_t nx, int64_t nb, float* ad) {
    for (int64_t i = 0; i < nx; ++i) {
        const auto* a = reinterpret_cast<const BlockQ8_0*>(X + i * x_stride);
        for (int64_t b = 0; b < nb; ++b) ad[i * nb + b] = _cvtsh_ss(a[b].d);
    }
}

}  // namespace zigllm::ops::x86::ZIGLLM_X86_NS
