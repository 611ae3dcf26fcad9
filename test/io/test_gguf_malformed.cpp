// A malformed-file corpus generated here: each defect must give its specific error, never a crash
// (CI runs this under AddressSanitizer and UBSan too).
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <functional>

#include "zigllm/io/gguf.hpp"

using namespace zigllm::io;

namespace {

// Raw GGUF bytes built field by field, so any field can be given any value.
struct Raw {
    std::vector<uint8_t> b;
    template <class T>
    Raw& num(T v) {
        uint8_t x[sizeof(T)];
        std::memcpy(x, &v, sizeof(T));
        b.insert(b.end(), x, x + sizeof(T));
        return *this;
    }
    Raw& str(std::string_view s) {
        num<uint64_t>(s.size());
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    Raw& pad(size_t align) {
        while (b.size() % align) b.push_back(0);
        return *this;
    }
};

// Knobs for one file: a valid file unless a knob is changed.
struct Spec {
    uint32_t version = 3;
    uint64_t n_tensors = 2, n_kv = 3;
    uint32_t value_type = 4;        // type of kv "k.u32" (u32)
    uint64_t str_len = 5;           // length field of kv "k.str"'s value
    uint32_t arr_elem = 5;          // element type of "k.arr" (i32)
    uint64_t arr_len = 2;
    std::string key2 = "k.str";
    uint32_t n_dims0 = 2;
    uint64_t dim0 = 32, dim1 = 2;
    uint32_t type0 = 0;             // F32
    uint64_t offset0 = 0;
    std::string name1 = "t1";
    uint64_t offset1 = 256;
    bool extra_alignment_kv = false;
    uint32_t alignment = 32;
    uint32_t alignment_type = 4;
};

std::vector<uint8_t> build(const Spec& s) {
    Raw r;
    r.b = {'G', 'G', 'U', 'F'};
    r.num<uint32_t>(s.version).num<uint64_t>(s.n_tensors).num<uint64_t>(s.n_kv + (s.extra_alignment_kv ? 1 : 0));
    r.str("k.u32").num<uint32_t>(s.value_type).num<uint32_t>(7);
    r.str(s.key2).num<uint32_t>(8).num<uint64_t>(s.str_len);
    r.b.insert(r.b.end(), {'h', 'e', 'l', 'l', 'o'});
    r.str("k.arr").num<uint32_t>(9).num<uint32_t>(s.arr_elem).num<uint64_t>(s.arr_len).num<int32_t>(1).num<int32_t>(2);
    if (s.extra_alignment_kv) r.str("general.alignment").num<uint32_t>(s.alignment_type).num<uint32_t>(s.alignment);
    r.str("t0").num<uint32_t>(s.n_dims0);
    for (uint32_t d = 0; d < s.n_dims0 && d < 8; ++d) r.num<uint64_t>(d == 0 ? s.dim0 : s.dim1);
    r.num<uint32_t>(s.type0).num<uint64_t>(s.offset0);
    r.str(s.name1).num<uint32_t>(1).num<uint64_t>(16).num<uint32_t>(0).num<uint64_t>(s.offset1);
    r.pad(32);
    r.b.resize(r.b.size() + 256 + 64, 0x3f);  // t0: 32*2 f32 = 256 bytes; t1: 16 f32 = 64 bytes
    return r.b;
}

// Expects a zigllm::Error whose text contains `needle`.
void expect_error(const std::vector<uint8_t>& bytes, const std::string& needle) {
    try {
        GgufFile::from_memory(bytes, "bad.gguf");
        BOOST_ERROR("accepted a malformed file; expected an error containing '" << needle << "'");
    } catch (const zigllm::Error& e) {
        std::string what = e.what();
        BOOST_TEST(e.file() == "bad.gguf");
        BOOST_TEST(what.find(needle) != std::string::npos, "error '" << what << "' lacks '" << needle << "'");
    }
}

Spec with(std::function<void(Spec&)> f) {
    Spec s;
    f(s);
    return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(valid_base_file_reads) {
    const std::vector<uint8_t> bytes = build(Spec{});  // from_memory views the buffer: keep it alive
    GgufFile f = GgufFile::from_memory(bytes, "ok.gguf");
    BOOST_TEST(f.tensors().size() == 2u);
    BOOST_TEST(f.find("k.str")->as_string() == "hello");
    BOOST_TEST(f.find_tensor("t1")->offset == 256u);
}

BOOST_AUTO_TEST_CASE(truncation_at_every_offset) {
    std::vector<uint8_t> full = build(Spec{});
    for (size_t n = 0; n < full.size(); ++n) {
        std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<long>(n));
        try {
            GgufFile::from_memory(cut, "cut.gguf");
            BOOST_ERROR("truncated file of " << n << " bytes accepted");
        } catch (const zigllm::Error& e) {
            std::string w = e.what();
            bool specific = w.find("truncated") != std::string::npos || w.find("exceeds") != std::string::npos ||
                            w.find("outside") != std::string::npos || w.find("magic") != std::string::npos;
            BOOST_TEST(specific, "size " << n << ": " << w);
            BOOST_TEST(w.find("offset") != std::string::npos, "size " << n << ": no position in " << w);
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_header_fields) {
    auto bytes = build(Spec{});
    bytes[0] = 'X';
    expect_error(bytes, "bad magic");
    expect_error(build(with([](Spec& s) { s.version = 1; })), "version 1");
    expect_error(build(with([](Spec& s) { s.version = 4; })), "unsupported GGUF version 4");
    expect_error(build(with([](Spec& s) { s.n_kv = 1ull << 60; })), "metadata_kv_count");
    expect_error(build(with([](Spec& s) { s.n_tensors = ~0ull; })), "tensor_count");
    expect_error(build(with([](Spec& s) { s.n_kv = 40; })), "exceeds what the file could hold");
}

BOOST_AUTO_TEST_CASE(bad_values) {
    expect_error(build(with([](Spec& s) { s.value_type = 13; })), "invalid value type 13");
    expect_error(build(with([](Spec& s) { s.str_len = 1ull << 62; })), "string length");
    expect_error(build(with([](Spec& s) { s.arr_elem = 77; })), "invalid array element type 77");
    expect_error(build(with([](Spec& s) { s.arr_elem = 9; })), "nested arrays");
    expect_error(build(with([](Spec& s) { s.arr_len = 1ull << 61; })), "array length");
    expect_error(build(with([](Spec& s) { s.key2 = "k.u32"; })), "duplicate key");
    expect_error(build(with([](Spec& s) { s.key2 = ""; })), "empty key");
    expect_error(build(with([](Spec& s) { s.extra_alignment_kv = true; s.alignment = 48; })), "power of two");
    expect_error(build(with([](Spec& s) { s.extra_alignment_kv = true; s.alignment = 0; })), "power of two");
    expect_error(build(with([](Spec& s) { s.extra_alignment_kv = true; s.alignment_type = 5; })), "must be u32");
}

BOOST_AUTO_TEST_CASE(bad_tensor_infos) {
    expect_error(build(with([](Spec& s) { s.n_dims0 = 0; })), "n_dims 0");
    expect_error(build(with([](Spec& s) { s.n_dims0 = 5; })), "n_dims 5");
    expect_error(build(with([](Spec& s) { s.dim1 = 0; })), "must be >= 1");
    expect_error(build(with([](Spec& s) { s.dim0 = 1ull << 63; })), "must be >= 1");  // negative as int64
    expect_error(build(with([](Spec& s) { s.dim0 = 1ull << 40; s.dim1 = 1ull << 40; })), "overflows");
    expect_error(build(with([](Spec& s) { s.type0 = 4; })), "unknown ggml type id 4");    // removed Q4_2
    expect_error(build(with([](Spec& s) { s.type0 = 32; })), "unknown ggml type id 32");  // removed Q4_0_4_8
    expect_error(build(with([](Spec& s) { s.type0 = 39; })), "unknown ggml type id 39");
    expect_error(build(with([](Spec& s) { s.type0 = 2; s.dim0 = 48; })), "not a multiple");  // Q4_0 needs 32
    expect_error(build(with([](Spec& s) { s.offset0 = 3; })), "not a multiple of the alignment");
    expect_error(build(with([](Spec& s) { s.offset1 = 1ull << 40; })), "outside the file");
    expect_error(build(with([](Spec& s) { s.offset1 = 288; })), "outside the file");  // runs past the end by 32
    expect_error(build(with([](Spec& s) { s.name1 = "t0"; })), "duplicate tensor name");
    expect_error(build(with([](Spec& s) { s.name1 = std::string(64, 'n'); })), "name longer");
    expect_error(build(with([](Spec& s) { s.name1 = ""; })), "empty tensor name");
}

BOOST_AUTO_TEST_CASE(open_reports_missing_and_non_gguf_files) {
    BOOST_CHECK_THROW(GgufFile::open("/nonexistent/x.gguf"), zigllm::Error);
    BOOST_CHECK_THROW(GgufFile::open("/"), zigllm::Error);
    try {
        GgufFile::open("/etc/hostname");
        BOOST_ERROR("accepted a text file");
    } catch (const zigllm::Error& e) {
        BOOST_TEST(e.file() == "/etc/hostname");
    }
}
