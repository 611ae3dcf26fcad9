// K-quant reference quantizers (Q2_K ... Q6_K) against ggml_quantize_chunk's bytes on the reference
// rows (../shared/ref/quant and quant-large), plus behaviour on rows the references don't cover:
// zero, constant, power-of-two rescaled, tiny and huge rows.
#define BOOST_TEST_MODULE kquant_quantize
#include <boost/test/unit_test.hpp>
#include <boost/test/data/test_case.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "zigllm/ops/blocks.hpp"
#include "zigllm/ops/kquant_quantize.hpp"
#include "zigllm_test.hpp"

namespace bdata = boost::unit_test::data;
using namespace zigllm::ops;
using namespace zigllm::test;

namespace {

struct KType {
    const char* name;
    size_t block_bytes;
    void (*quantize)(const float*, void*, int64_t);
};

const KType kTypes[] = {
    {"Q2_K", sizeof(BlockQ2_K), quantize_row_q2_K}, {"Q3_K", sizeof(BlockQ3_K), quantize_row_q3_K},
    {"Q4_K", sizeof(BlockQ4_K), quantize_row_q4_K}, {"Q5_K", sizeof(BlockQ5_K), quantize_row_q5_K},
    {"Q6_K", sizeof(BlockQ6_K), quantize_row_q6_K},
};
const char* const kSets[] = {"quant", "quant-large"};

std::ostream& operator<<(std::ostream& os, const KType& t) { return os << t.name; }

// Test-side decoders, written from ggml's dequantize_row_q*_K; checked bit-exact against the
// reference dequant.f32 below, so the round-trip checks rest on a verified decoder.
void decode_q2_K(const BlockQ2_K& b, float* y) {
    const float d = fp16_to_f32(b.d), dmin = fp16_to_f32(b.dmin);
    for (int k = 0; k < 256; ++k) {
        const int sub = k / 16, half = k / 128, shift = 2 * ((k % 128) / 32);
        const int q = (b.qs[32 * half + k % 32] >> shift) & 3;
        y[k] = d * (b.scales[sub] & 0xF) * q - dmin * (b.scales[sub] >> 4);
    }
}
void decode_q3_K(const BlockQ3_K& b, float* y) {
    int8_t sc[16];
    q3k_scales(b.scales, sc);
    const float d = fp16_to_f32(b.d);
    for (int k = 0; k < 256; ++k) {
        const int half = k / 128, shift = 2 * ((k % 128) / 32);
        const int lo = (b.qs[32 * half + k % 32] >> shift) & 3;
        const int q = lo - ((b.hmask[k % 32] >> (k / 32)) & 1 ? 0 : 4);
        y[k] = d * sc[k / 16] * q;
    }
}
void decode_q45_K(uint16_t dh, uint16_t dminh, const uint8_t* scales, const uint8_t* qs, const uint8_t* qh,
                  float* y) {
    const float d = fp16_to_f32(dh), dmin = fp16_to_f32(dminh);
    for (int k = 0; k < 256; ++k) {
        const int sub = k / 32;
        uint8_t sc, m;
        scale_min_k4(sub, scales, sc, m);
        int q = (qs[32 * (k / 64) + k % 32] >> (sub % 2 ? 4 : 0)) & 0xF;
        if (qh) q += ((qh[k % 32] >> sub) & 1) << 4;
        y[k] = d * sc * q - dmin * m;
    }
}
void decode_q6_K(const BlockQ6_K& b, float* y) {
    const float d = fp16_to_f32(b.d);
    for (int k = 0; k < 256; ++k) {
        const int half = k / 128, l = k % 32, quarter = (k % 128) / 32;
        const uint8_t lo_byte = b.ql[64 * half + l + (quarter % 2 ? 32 : 0)];
        const int lo = quarter < 2 ? lo_byte & 0xF : lo_byte >> 4;
        const int hi = (b.qh[32 * half + l] >> (2 * quarter)) & 3;
        y[k] = d * b.scales[k / 16] * static_cast<int8_t>((lo | (hi << 4)) - 32);
    }
}

std::vector<float> decode(const KType& t, const std::vector<uint8_t>& q) {
    const size_t nb = q.size() / t.block_bytes;
    std::vector<float> y(nb * 256);
    for (size_t i = 0; i < nb; ++i) {
        const uint8_t* p = q.data() + i * t.block_bytes;
        float* out = y.data() + i * 256;
        const std::string name = t.name;
        if (name == "Q2_K") {
            BlockQ2_K b; std::memcpy(&b, p, sizeof b); decode_q2_K(b, out);
        } else if (name == "Q3_K") {
            BlockQ3_K b; std::memcpy(&b, p, sizeof b); decode_q3_K(b, out);
        } else if (name == "Q4_K") {
            BlockQ4_K b; std::memcpy(&b, p, sizeof b); decode_q45_K(b.d, b.dmin, b.scales, b.qs, nullptr, out);
        } else if (name == "Q5_K") {
            BlockQ5_K b; std::memcpy(&b, p, sizeof b); decode_q45_K(b.d, b.dmin, b.scales, b.qs, b.qh, out);
        } else {
            BlockQ6_K b; std::memcpy(&b, p, sizeof b); decode_q6_K(b, out);
        }
    }
    return y;
}

// The fp16 super-block scales (d, and dmin where the type has one) of every block.
std::vector<float> block_scales(const KType& t, const std::vector<uint8_t>& q) {
    std::vector<float> s;
    for (size_t off = 0; off < q.size(); off += t.block_bytes) {
        const uint8_t* p = q.data() + off;
        auto half_at = [&](size_t pos) { uint16_t h; std::memcpy(&h, p + pos, 2); return fp16_to_f32(h); };
        const std::string name = t.name;
        if (name == "Q2_K") { s.push_back(half_at(offsetof(BlockQ2_K, d))); s.push_back(half_at(offsetof(BlockQ2_K, dmin))); }
        else if (name == "Q3_K") s.push_back(half_at(offsetof(BlockQ3_K, d)));
        else if (name == "Q6_K") s.push_back(half_at(offsetof(BlockQ6_K, d)));
        else { s.push_back(half_at(0)); s.push_back(half_at(2)); }  // Q4_K / Q5_K: d, dmin first
    }
    return s;
}

std::vector<uint8_t> quantize(const KType& t, const std::vector<float>& x) {
    std::vector<uint8_t> q(x.size() / 256 * t.block_bytes, 0xA5);  // poison: every byte must be written
    t.quantize(x.data(), q.data(), static_cast<int64_t>(x.size()));
    return q;
}

double rel_rmse(const std::vector<float>& a, const std::vector<float>& ref) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        num += (static_cast<double>(a[i]) - ref[i]) * (static_cast<double>(a[i]) - ref[i]);
        den += static_cast<double>(ref[i]) * ref[i];
    }
    return std::sqrt(num / den);
}


std::vector<float> ref_input(const std::string& set) {
    return read_f32(ref_path(set == "quant" ? "quant/Q4_K/input.f32" : "quant-large/input.f32"));
}

std::vector<float> gaussian(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist;
    std::vector<float> v(n);
    for (auto& e : v) e = dist(rng);
    return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ref, *needs_ref())

BOOST_DATA_TEST_CASE(bytes_match_ggml, bdata::make(kTypes) * bdata::make(kSets), type, set) {
    BOOST_TEST_CONTEXT(type.name << " " << set) {
        const auto dir = ref_path(std::string(set) + "/" + type.name);
        const auto x = ref_input(set);
        const auto expect = read_bytes(dir / "quantized.bin");
        BOOST_TEST_REQUIRE(x.size() % 256 == 0u);
        const auto got = quantize(type, x);
        BOOST_TEST_REQUIRE(got.size() == expect.size());
        size_t first_diff = got.size(), n_diff = 0;
        for (size_t i = 0; i < got.size(); ++i) {
            if (got[i] != static_cast<uint8_t>(expect[i])) {
                if (first_diff == got.size()) first_diff = i;
                ++n_diff;
            }
        }
        BOOST_TEST(n_diff == 0u, n_diff << " bytes differ, first at " << first_diff << " (block "
                                        << first_diff / type.block_bytes << ")");

        // The test decoder is ggml's to_float bit for bit, and the round-trip error is ggml's figure.
        const auto dq = decode(type, got);
        const auto ref_dq = read_f32(dir / "dequant.f32");
        BOOST_TEST_REQUIRE(dq.size() == ref_dq.size());
        BOOST_TEST(std::memcmp(dq.data(), ref_dq.data(), dq.size() * 4) == 0);
        const double ref_rmse = std::stod(zigllm::test::dot_txt_value(read_text(dir / "dot.txt"), "dequant_rel_rmse"));
        BOOST_TEST(rel_rmse(dq, x) <= ref_rmse * (1 + 1e-6));
    }
}

// Scaling a row by a power of two scales every float step exactly (while fp16 scales stay normal),
// so the decoded row must be the reference decoding scaled by the same power.
BOOST_DATA_TEST_CASE(power_of_two_rescale_is_exact, bdata::make(kTypes), type) {
    const auto x = ref_input("quant");
    const auto base = decode(type, quantize(type, x));
    for (const float s : {0.25f, 1024.f}) {
        std::vector<float> xs(x);
        for (auto& v : xs) v *= s;
        const auto dq = decode(type, quantize(type, xs));
        size_t bad = 0;
        for (size_t i = 0; i < dq.size(); ++i) bad += dq[i] != base[i] * s;
        BOOST_TEST(bad == 0u, type.name << " scale " << s << ": " << bad << " values differ");
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_DATA_TEST_CASE(zero_row_decodes_to_zero, bdata::make(kTypes), type) {
    const std::vector<float> x(512, 0.f);
    const auto dq = decode(type, quantize(type, x));
    for (float v : dq) BOOST_TEST_REQUIRE(v == 0.f);
}

// Constant rows (positive, negative, in a single block or next to a normal block) come back close.
BOOST_DATA_TEST_CASE(constant_rows, bdata::make(kTypes), type) {
    for (const float c : {1.f, -1.f, 0.37f, -1234.5f}) {
        std::vector<float> x(512, c);
        const auto noise = gaussian(256, 7);
        std::copy(noise.begin(), noise.end(), x.begin() + 256);
        const auto dq = decode(type, quantize(type, x));
        for (int i = 0; i < 256; ++i) {
            BOOST_TEST_REQUIRE(std::isfinite(dq[i]));
            // fp16 super-block scales times 4- or 6-bit sub-scales: a few per cent at worst.
            BOOST_TEST_REQUIRE(std::fabs(dq[i] - c) <= 0.05f * std::fabs(c), type.name << " c=" << c << " got " << dq[i]);
        }
    }
}

// Tiny and huge magnitudes: no crash, no NaN scale; within the fp16 range the decoded row is finite
// and as accurate as on unit-scale data.
BOOST_DATA_TEST_CASE(extreme_magnitudes, bdata::make(kTypes), type) {
    const auto g = gaussian(1024, 99);
    const double unit_rmse = rel_rmse(decode(type, quantize(type, g)), g);
    for (const float s : {1e-30f, 1e-12f, 1e-6f, 1e-3f, 0.1f, 1e3f, 1e4f, 1e10f, 1e20f, 1e30f, 3e38f}) {
        std::vector<float> x(g);
        for (auto& v : x) v *= s;
        x[5] = 0.f;  // a zero inside a non-zero block
        const auto q = quantize(type, x);
        for (float d : block_scales(type, q)) BOOST_TEST_REQUIRE(!std::isnan(d), type.name << " scale " << s);
        if (s >= 1e-6f && s <= 1e4f) {  // super-block scales within the fp16 range
            const auto dq = decode(type, q);
            for (float v : dq) BOOST_TEST_REQUIRE(std::isfinite(v));
            // Where the fp16 scales are also normal (Q6_K's d ~ 1e-3 * s turns subnormal below
            // s ~ 0.07, as in ggml), the accuracy is that of unit-scale data.
            if (s >= 0.1f) BOOST_TEST(rel_rmse(dq, x) <= unit_rmse * 1.05, type.name << " scale " << s);
        }
    }
    // One outlier far beyond the rest, and an isolated non-zero value in a zero block.
    std::vector<float> x(g);
    x[300] = 1e25f;
    x[600] = -1e-20f;
    for (int i = 512; i < 768; ++i) if (i != 600) x[i] = 0.f;
    for (float d : block_scales(type, quantize(type, x))) BOOST_TEST_REQUIRE(!std::isnan(d), type.name);
}
