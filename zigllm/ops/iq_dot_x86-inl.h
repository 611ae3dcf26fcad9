// x86 (AVX2 and up) kernels for the i-quant / ternary dots. Highway 1.0.3 has no u8 x i8 pairwise multiply,
// so these use maddubs on 256-bit registers directly (Zen 4 runs 512-bit integer ops as two halves, so
// AVX-512 would not be faster here). Weights are unpacked into registers once per 32 values and reused
// for NX activation rows. Integer sums are exact; the per-block float epilogues are ggml's.
//
// A fragment of iq_dot-inl.h: included inside its HWY_NAMESPACE (once per x86 target), nowhere else.

// w * q for signed bytes through maddubs: |w| unsigned times q with w's sign. A pair sum stays within
// int16 because |w|, |q| <= 127 (ggml's Q8_0 / Q8_K never hold -128).
HWY_INLINE __m256i SignedBytePairs(__m256i w, __m256i q) {
    return _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(q, w));
}

HWY_INLINE int32_t HorizontalSum(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

HWY_INLINE float HorizontalSum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

HWY_INLINE __m256i LoadAct(const int8_t* q8) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8)); }

HWY_INLINE __m256i FromU64(const uint64_t (&v)[4]) {
    return _mm256_set_epi64x(static_cast<int64_t>(v[3]), static_cast<int64_t>(v[2]), static_cast<int64_t>(v[1]),
                             static_cast<int64_t>(v[0]));
}

// The two scales of a group of 32 as int16 lanes: pair lanes 0..7 hold values 0..15, 8..15 values 16..31.
HWY_INLINE __m256i GroupScales(const Scales16& ls, int ib32) {
    return _mm256_set_m128i(_mm_set1_epi16(ls[2 * ib32 + 1]), _mm_set1_epi16(ls[2 * ib32]));
}

// 16 bytes of IQ4 nibbles -> the 32 kvalues in one register (low nibbles first).
HWY_INLINE __m256i Iq4Values(const uint8_t* qs, __m128i table) {
    const __m128i m4 = _mm_set1_epi8(0x0f);
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(q, m4));
    const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(q, 4), m4));
    return _mm256_set_m128i(hi, lo);
}

HWY_INLINE __m128i Iq4Table() { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(kvalues_iq4nl)); }

// TQ1_0 trits of 32 bytes at once: byte * 3^n (mod 256) then (q * 3) >> 8, in 16-bit lanes for the even
// and the odd bytes separately (there is no byte multiply); pow3 holds 3^n per byte. Result: 0..2.
HWY_INLINE __m256i Trits32(__m256i bytes, __m256i pow3) {
    const __m256i lo = _mm256_set1_epi16(0x00ff), three = _mm256_set1_epi16(3);
    const __m256i qe = _mm256_and_si256(_mm256_mullo_epi16(_mm256_and_si256(bytes, lo), _mm256_and_si256(pow3, lo)), lo);
    const __m256i qo = _mm256_and_si256(_mm256_mullo_epi16(_mm256_srli_epi16(bytes, 8), _mm256_srli_epi16(pow3, 8)), lo);
    const __m256i te = _mm256_srli_epi16(_mm256_mullo_epi16(qe, three), 8);
    const __m256i to = _mm256_srli_epi16(_mm256_mullo_epi16(qo, three), 8);
    return _mm256_or_si256(te, _mm256_slli_epi16(to, 8));
}

// ---------------------------------------------------------------- tiles: one weight row x NX act rows

// IQ2 / IQ3: unsigned grid bytes (<= 62) times the activation bytes with the grid's signs applied;
// sumf += d * sum(ls * dot); result = factor * sumf.
template <int NX, class Block>
HWY_INLINE void GridTile(const Block* HWY_RESTRICT x, const BlockQ8K* const* y, int64_t nb, float factor, float* out) {
    Scales16 ls;
    float sumf[NX] = {};
    for (int64_t i = 0; i < nb; ++i) {
        __m256i acc[NX];
        for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_si256();
        for (int ib32 = 0; ib32 < 8; ++ib32) {
            Group32 g;
            group(x[i], ib32, g, ls);
            const auto& mul = detail::kSignMultiplier;
            const uint64_t sign_words[4] = {mul[g.signs[0]], mul[g.signs[1]], mul[g.signs[2]], mul[g.signs[3]]};
            const __m256i grid = FromU64(g.grid), sign = FromU64(sign_words), sc = GroupScales(ls, ib32);
            for (int j = 0; j < NX; ++j) {
                const __m256i pairs = _mm256_maddubs_epi16(grid, _mm256_sign_epi8(LoadAct(y[j][i].qs + 32 * ib32), sign));
                acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(pairs, sc));
            }
        }
        const float dw = _cvtsh_ss(x[i].d);
        for (int j = 0; j < NX; ++j) sumf[j] += dw * y[j][i].d * HorizontalSum(acc[j]);
    }
    for (int j = 0; j < NX; ++j) out[j] = factor * sumf[j];
}

// IQ1: d * (sum ls * grid . q8 + 1/8 * sum ls * delta . q8), grid and delta bytes signed.
template <int NX, class Block>
HWY_INLINE void Iq1Tile(const Block* HWY_RESTRICT x, const BlockQ8K* const* y, int64_t nb, float* out) {
    Scales16 ls;
    float sumf[NX] = {};
    for (int64_t i = 0; i < nb; ++i) {
        __m256i acc_grid[NX], acc_delta[NX];
        for (int j = 0; j < NX; ++j) acc_grid[j] = acc_delta[j] = _mm256_setzero_si256();
        for (int ib = 0; ib < 8; ++ib) {
            Iq1Group32 g;
            group(x[i], ib, g, ls);
            const __m256i grid = FromU64(g.grid), delta = FromU64(g.delta), sc = GroupScales(ls, ib);
            for (int j = 0; j < NX; ++j) {
                const __m256i q = LoadAct(y[j][i].qs + 32 * ib);
                acc_grid[j] = _mm256_add_epi32(acc_grid[j], _mm256_madd_epi16(SignedBytePairs(grid, q), sc));
                acc_delta[j] = _mm256_add_epi32(acc_delta[j], _mm256_madd_epi16(SignedBytePairs(delta, q), sc));
            }
        }
        const float dw = Iq1Scale(x[i]);
        for (int j = 0; j < NX; ++j)
            sumf[j] += dw * y[j][i].d * (HorizontalSum(acc_grid[j]) + kIq1sDelta * HorizontalSum(acc_delta[j]));
    }
    for (int j = 0; j < NX; ++j) out[j] = sumf[j];
}

// IQ4_XS: block sums go to float lanes (one FMA per block) and are reduced once per row.
template <int NX>
HWY_INLINE void Iq4XsTile(const BlockIQ4_XS* HWY_RESTRICT x, const BlockQ8K* const* y, int64_t nb, float* out) {
    const __m128i table = Iq4Table();
    Scales16 ls;
    __m256 acc[NX];
    for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        iq4_xs_scales(x[i], ls);
        __m256i sumi[NX];
        for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
        for (int ib = 0; ib < 8; ++ib) {
            const __m256i w = Iq4Values(x[i].qs + 16 * ib, table), sc = _mm256_set1_epi16(ls[2 * ib]);
            for (int j = 0; j < NX; ++j)
                sumi[j] = _mm256_add_epi32(sumi[j], _mm256_madd_epi16(SignedBytePairs(w, LoadAct(y[j][i].qs + 32 * ib)), sc));
        }
        const float dw = _cvtsh_ss(x[i].d);
        for (int j = 0; j < NX; ++j) acc[j] = _mm256_fmadd_ps(_mm256_set1_ps(dw * y[j][i].d), _mm256_cvtepi32_ps(sumi[j]), acc[j]);
    }
    for (int j = 0; j < NX; ++j) out[j] = HorizontalSum(acc[j]);
}

// The fp16 block scales come from a 65,536-entry table (as in ggml's CPU backend): a scalar F16C
// conversion (vpinsrw + vcvtph2ps) costs IQ4_NL, with two per 32 values, a third of its speed on Zen 4.
template <int NX>
HWY_INLINE void Iq4NlBlock(const BlockIQ4_NL& x, const BlockQ8_0* const* y, int64_t i, __m128i table,
                           const float* half, __m256* acc) {
    const __m256i w = Iq4Values(x.qs, table);
    const float dw = half[x.d];
    for (int j = 0; j < NX; ++j) {
        const __m256i sumi = _mm256_madd_epi16(SignedBytePairs(w, LoadAct(y[j][i].qs)), _mm256_set1_epi16(1));
        acc[j] = _mm256_fmadd_ps(_mm256_set1_ps(half[y[j][i].d] * dw), _mm256_cvtepi32_ps(sumi), acc[j]);
    }
}

// IQ4_NL: blocks in pairs, each with its own accumulator per activation row (hides the FMA latency;
// indexing the accumulators by block parity at run time would keep them in memory).
template <int NX>
HWY_INLINE void Iq4NlTile(const BlockIQ4_NL* HWY_RESTRICT x, const BlockQ8_0* const* y, int64_t nb, float* out) {
    const __m128i table = Iq4Table();
    const float* half = fp16_to_f32_table();
    __m256 even[NX], odd[NX];
    for (int j = 0; j < NX; ++j) even[j] = odd[j] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        Iq4NlBlock<NX>(x[i], y, i, table, half, even);
        Iq4NlBlock<NX>(x[i + 1], y, i + 1, table, half, odd);
    }
    if (i < nb) Iq4NlBlock<NX>(x[i], y, i, table, half, even);
    for (int j = 0; j < NX; ++j) out[j] = HorizontalSum(_mm256_add_ps(even[j], odd[j]));
}

// TQ2_0 straight from the packed bytes: 32 values per shift of one 32-byte load.
template <int NX>
HWY_INLINE void Tq2Tile(const BlockTQ2_0* HWY_RESTRICT x, const BlockQ8K* const* y, int64_t nb, float* out) {
    const __m256i m3 = _mm256_set1_epi8(3), one8 = _mm256_set1_epi8(1), ones = _mm256_set1_epi16(1);
    __m256 acc[NX];
    for (int j = 0; j < NX; ++j) acc[j] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        __m256i sumi[NX];
        for (int j = 0; j < NX; ++j) sumi[j] = _mm256_setzero_si256();
        for (int half = 0; half < 2; ++half) {
            const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs + 32 * half));
            const __m256i crumbs[4] = {v, _mm256_srli_epi16(v, 2), _mm256_srli_epi16(v, 4), _mm256_srli_epi16(v, 6)};
            for (int l = 0; l < 4; ++l) {
                const __m256i w = _mm256_sub_epi8(_mm256_and_si256(crumbs[l], m3), one8);
                for (int j = 0; j < NX; ++j) {
                    const __m256i q = LoadAct(y[j][i].qs + 128 * half + 32 * l);
                    sumi[j] = _mm256_add_epi32(sumi[j], _mm256_madd_epi16(SignedBytePairs(w, q), ones));
                }
            }
        }
        const float dw = _cvtsh_ss(x[i].d);
        for (int j = 0; j < NX; ++j) acc[j] = _mm256_fmadd_ps(_mm256_set1_ps(y[j][i].d * dw), _mm256_cvtepi32_ps(sumi[j]), acc[j]);
    }
    for (int j = 0; j < NX; ++j) out[j] = HorizontalSum(acc[j]);
}

// TQ1_0: sum (t - 1) * q8 = sum t * q8 - sum q8 (the latter from the activation's bsums), t in 0..2.
template <int NX>
HWY_INLINE void Tq1Tile(const BlockTQ1_0* HWY_RESTRICT x, const BlockQ8K* const* y, int64_t nb, float* out) {
    static constexpr uint8_t kPow3[5] = {1, 3, 9, 27, 81};
    const __m128i qh_spread = _mm_setr_epi8(0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3);
    const __m128i qh_pow3 = _mm_setr_epi8(1, 1, 1, 1, 3, 3, 3, 3, 9, 9, 9, 9, 27, 27, 27, 27);
    const __m256i ones = _mm256_set1_epi16(1);
    float sumf[NX] = {};
    for (int64_t i = 0; i < nb; ++i) {
        const BlockTQ1_0& b = x[i];
        // The 8 groups of 32 trits: values 0..159 are trit n of qs[0..31]; 160..223 trits n, n+1 of
        // qs[32..47] two at a time; 224..239 trit 4 of qs[32..47] with 240..255 = trit n of qh[j] at 240+4n+j.
        __m256i trits[8];
        const __m256i main = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs));
        for (int n = 0; n < 5; ++n) trits[n] = Trits32(main, _mm256_set1_epi8(static_cast<char>(kPow3[n])));
        const __m128i tail = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs + 32));
        const __m256i tail2 = _mm256_set_m128i(tail, tail);
        for (int n = 0; n < 4; n += 2)
            trits[5 + n / 2] = Trits32(tail2, _mm256_set_m128i(_mm_set1_epi8(static_cast<char>(kPow3[n + 1])),
                                                               _mm_set1_epi8(static_cast<char>(kPow3[n]))));
        uint32_t qh;
        std::memcpy(&qh, b.qh, sizeof qh);
        const __m128i qh_bytes = _mm_shuffle_epi8(_mm_cvtsi32_si128(static_cast<int>(qh)), qh_spread);
        trits[7] = Trits32(_mm256_set_m128i(qh_bytes, tail),
                           _mm256_set_m128i(qh_pow3, _mm_set1_epi8(static_cast<char>(kPow3[4]))));
        const float dw = _cvtsh_ss(b.d);
        for (int j = 0; j < NX; ++j) {
            __m256i sumi = _mm256_setzero_si256();
            for (int k = 0; k < 8; ++k)
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(trits[k], LoadAct(y[j][i].qs + 32 * k)), ones));
            int32_t sum_q8 = 0;
            for (int g = 0; g < 16; ++g) sum_q8 += y[j][i].bsums[g];
            sumf[j] += static_cast<float>(HorizontalSum(sumi) - sum_q8) * (dw * y[j][i].d);
        }
    }
    for (int j = 0; j < NX; ++j) out[j] = sumf[j];
}
