// Portable Highway kernels for the i-quant / ternary dots (SSE4/SSSE3, NEON, SVE, ...): each super-block
// is unpacked once into signed bytes and small integer scales (iq_decode.hpp; IQ4 nibbles and TQ2_0
// crumbs with SIMD table lookups and shifts), then multiplied with NX activation rows in 16-bit lanes and
// summed in 32-bit lanes: every integer sum is exact, as in ggml, and the float epilogue per block is
// ggml's.
//
// A fragment of iq_dot-inl.h: included inside its HWY_NAMESPACE (once per target), nowhere else.

// At most 16 lanes of int16 so that one vector never straddles two groups of 16 values (one scale each).
using D16 = hn::CappedTag<int16_t, 16>;
using D8 = hn::Rebind<int8_t, D16>;
using D32 = hn::Repartition<int32_t, D16>;
using DU8 = hn::CappedTag<uint8_t, 16>;

// sum_g ls[g] * sum_{j<16} w[16g+j] * q8[16g+j] over 256 values. |w * ls| <= 62 * 31 and
// |w * ls| <= 127 * 32 (IQ4_XS) fit int16; the 32-bit lane sums cannot overflow for 256 values.
HWY_INLINE int32_t ScaledDot256(const int8_t* HWY_RESTRICT w, const int8_t* HWY_RESTRICT q8, const Scales16& ls) {
    const D16 d16;
    const D8 d8;
    const D32 d32;
    const size_t N = hn::Lanes(d16);
    auto acc0 = hn::Zero(d32), acc1 = hn::Zero(d32);
    for (size_t g = 0; g < 16; ++g) {
        const auto s = hn::Set(d16, ls[g]);
        for (size_t i = 16 * g; i < 16 * g + 16; i += N) {
            const auto wv = hn::Mul(hn::PromoteTo(d16, hn::LoadU(d8, w + i)), s);
            const auto qv = hn::PromoteTo(d16, hn::LoadU(d8, q8 + i));
            acc0 = hn::ReorderWidenMulAccumulate(d32, wv, qv, acc0, acc1);
        }
    }
    return hn::GetLane(hn::SumOfLanes(d32, hn::Add(acc0, acc1)));
}

// sum_{j<n} w[j] * q8[j], n a multiple of 16.
HWY_INLINE int32_t Dot(const int8_t* HWY_RESTRICT w, const int8_t* HWY_RESTRICT q8, size_t n) {
    const D16 d16;
    const D8 d8;
    const D32 d32;
    const size_t N = hn::Lanes(d16);
    auto acc0 = hn::Zero(d32), acc1 = hn::Zero(d32);
    for (size_t i = 0; i < n; i += N) {
        const auto wv = hn::PromoteTo(d16, hn::LoadU(d8, w + i));
        const auto qv = hn::PromoteTo(d16, hn::LoadU(d8, q8 + i));
        acc0 = hn::ReorderWidenMulAccumulate(d32, wv, qv, acc0, acc1);
    }
    return hn::GetLane(hn::SumOfLanes(d32, hn::Add(acc0, acc1)));
}

// 16 bytes of IQ4 nibbles -> 32 kvalues: low nibbles are values 0..15, high nibbles 16..31.
HWY_INLINE void DecodeIq4Nibbles(const uint8_t* HWY_RESTRICT qs, int8_t* HWY_RESTRICT w) {
    const DU8 du8;
    if (hn::Lanes(du8) < 16) {  // a single-lane target: TableLookupBytes needs a whole 16-byte table
        for (int j = 0; j < 16; ++j) {
            w[j] = kvalues_iq4nl[qs[j] & 0xf];
            w[j + 16] = kvalues_iq4nl[qs[j] >> 4];
        }
        return;
    }
    const hn::RebindToSigned<DU8> di8;
    const auto table = hn::LoadU(du8, reinterpret_cast<const uint8_t*>(kvalues_iq4nl));
    const auto q = hn::LoadU(du8, qs);
    hn::StoreU(hn::BitCast(di8, hn::TableLookupBytes(table, hn::And(q, hn::Set(du8, 0x0f)))), di8, w);
    hn::StoreU(hn::BitCast(di8, hn::TableLookupBytes(table, hn::ShiftRight<4>(q))), di8, w + 16);
}

// TQ2_0: value 128j + 32l + m is bits 2l..2l+1 of byte 32j + m, minus 1.
template <int kShift>
HWY_INLINE void DecodeTq2Plane(const uint8_t* HWY_RESTRICT qs, int8_t* HWY_RESTRICT w) {
    const DU8 du8;
    const hn::RebindToSigned<DU8> di8;
    const size_t N = hn::Lanes(du8);
    for (size_t m = 0; m < 32; m += N) {
        const auto v = hn::And(hn::ShiftRight<kShift>(hn::LoadU(du8, qs + m)), hn::Set(du8, 3));
        hn::StoreU(hn::Sub(hn::BitCast(di8, v), hn::Set(di8, 1)), di8, w + m);
    }
}

HWY_INLINE void DecodeTq2(const BlockTQ2_0& b, int8_t* HWY_RESTRICT w) {
    for (int j = 0; j < 2; ++j) {
        DecodeTq2Plane<0>(b.qs + 32 * j, w + 128 * j + 0);
        DecodeTq2Plane<2>(b.qs + 32 * j, w + 128 * j + 32);
        DecodeTq2Plane<4>(b.qs + 32 * j, w + 128 * j + 64);
        DecodeTq2Plane<6>(b.qs + 32 * j, w + 128 * j + 96);
    }
}

// ---------------------------------------------------------------- tiles: one weight row x NX act rows

// IQ2 / IQ3: sumf += d * sum(ls * dot); result = factor * sumf.
template <int NX, class Block>
HWY_INLINE void GridTile(const Block* HWY_RESTRICT x, const BlockQ8K* const* y, int64_t nb, float factor, float* out) {
    alignas(64) int8_t w[kQK_K];
    Scales16 ls;
    float sumf[NX] = {};
    for (int64_t i = 0; i < nb; ++i) {
        decode(x[i], w, ls);
        const float dw = fp16_to_f32(x[i].d);
        for (int j = 0; j < NX; ++j) sumf[j] += dw * y[j][i].d * ScaledDot256(w, y[j][i].qs, ls);
    }
    for (int j = 0; j < NX; ++j) out[j] = factor * sumf[j];
}

// IQ1: d * (sum ls * grid . q8 + 1/8 * sum ls * delta . q8).
template <int NX, class Block>
HWY_INLINE void Iq1Tile(const Block* HWY_RESTRICT x, const BlockQ8K* const* y, int64_t nb, float* out) {
    alignas(64) int8_t w[kQK_K];
    alignas(64) int8_t delta[kQK_K];
    Scales16 ls;
    float sumf[NX] = {};
    for (int64_t i = 0; i < nb; ++i) {
        decode_iq1(x[i], w, delta, ls);
        const float dw = Iq1Scale(x[i]);
        for (int j = 0; j < NX; ++j) {
            const int32_t sumi1 = ScaledDot256(w, y[j][i].qs, ls);
            const int32_t sumi2 = ScaledDot256(delta, y[j][i].qs, ls);
            sumf[j] += dw * y[j][i].d * (sumi1 + kIq1sDelta * sumi2);
        }
    }
    for (int j = 0; j < NX; ++j) out[j] = sumf[j];
}

template <int NX>
HWY_INLINE void Iq4XsTile(const BlockIQ4_XS* HWY_RESTRICT x, const BlockQ8K* const* y, int64_t nb, float* out) {
    alignas(64) int8_t w[kQK_K];
    Scales16 ls;
    float sumf[NX] = {};
    for (int64_t i = 0; i < nb; ++i) {
        for (int ib = 0; ib < 8; ++ib) DecodeIq4Nibbles(x[i].qs + 16 * ib, w + 32 * ib);
        iq4_xs_scales(x[i], ls);
        const float dw = fp16_to_f32(x[i].d);
        for (int j = 0; j < NX; ++j) sumf[j] += dw * y[j][i].d * ScaledDot256(w, y[j][i].qs, ls);
    }
    for (int j = 0; j < NX; ++j) out[j] = sumf[j];
}

template <int NX>
HWY_INLINE void Iq4NlTile(const BlockIQ4_NL* HWY_RESTRICT x, const BlockQ8_0* const* y, int64_t nb, float* out) {
    alignas(64) int8_t w[kQK4_NL];
    const float* half = fp16_to_f32_table();  // two scale conversions per 32 values
    float sumf[NX] = {};
    for (int64_t i = 0; i < nb; ++i) {
        DecodeIq4Nibbles(x[i].qs, w);
        const float dw = half[x[i].d];
        for (int j = 0; j < NX; ++j) sumf[j] += half[y[j][i].d] * dw * Dot(w, y[j][i].qs, kQK4_NL);
    }
    for (int j = 0; j < NX; ++j) out[j] = sumf[j];
}

// TQ1_0 / TQ2_0: one integer sum per block times d_w * d_act.
template <int NX, class Block, class Decode>
HWY_INLINE void TernaryTile(const Block* HWY_RESTRICT x, const BlockQ8K* const* y, int64_t nb, float* out,
                            Decode decode_block) {
    alignas(64) int8_t w[kQK_K];
    float sumf[NX] = {};
    for (int64_t i = 0; i < nb; ++i) {
        decode_block(x[i], w);
        const float dw = fp16_to_f32(x[i].d);
        for (int j = 0; j < NX; ++j) sumf[j] += static_cast<float>(Dot(w, y[j][i].qs, kQK_K)) * (dw * y[j][i].d);
    }
    for (int j = 0; j < NX; ++j) out[j] = sumf[j];
}

template <int NX>
HWY_INLINE void Tq1Tile(const BlockTQ1_0* x, const BlockQ8K* const* y, int64_t nb, float* out) {
    TernaryTile<NX>(x, y, nb, out, [](const BlockTQ1_0& b, int8_t* w) { decode(b, w); });
}
template <int NX>
HWY_INLINE void Tq2Tile(const BlockTQ2_0* x, const BlockQ8K* const* y, int64_t nb, float* out) {
    TernaryTile<NX>(x, y, nb, out, [](const BlockTQ2_0& b, int8_t* w) { DecodeTq2(b, w); });
}
