// GGUF reader/writer: every reference file against its meta.json, and writer round trips.
#define BOOST_TEST_MODULE gguf
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>

#include "zigllm/io/gguf.hpp"
#include "zigllm_test.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace zigllm::io;
using zigllm::GgmlType;

namespace {

// meta.json writes 'ne' innermost first and the type in upper case ("Q4_K").
void check_against_meta(const GgufFile& f, const json::object& meta) {
    const auto& tensors = meta.at("tensors").as_array();
    BOOST_TEST(f.tensors().size() == tensors.size());
    for (const auto& tv : tensors) {
        const auto& t = tv.as_object();
        std::string name(t.at("name").as_string());
        const TensorInfo* ti = f.find_tensor(name);
        BOOST_TEST_REQUIRE(ti != nullptr, "tensor missing: " << name);
        const auto& ne = t.at("ne").as_array();
        BOOST_TEST(ti->n_dims == ne.size(), name);
        for (size_t d = 0; d < ne.size() && d < 4; ++d) BOOST_TEST(ti->ne[d] == ne[d].to_number<int64_t>(), name);
        auto type = zigllm::ggml_type_from_name(std::string(t.at("type").as_string()));
        BOOST_TEST_REQUIRE(type.has_value(), "unknown type in meta.json: " << t.at("type"));
        BOOST_TEST((ti->type == *type), name << " type");
        BOOST_TEST(ti->nbytes == zigllm::row_bytes(ti->type, ti->ne[0]) * static_cast<uint64_t>(ti->rows()));
    }
    // Scalars of gguf_kv must read back with the same value.
    for (const auto& [key, val] : meta.at("gguf_kv").as_object()) {
        const GgufValue* v = f.find(key);
        BOOST_TEST_REQUIRE(v != nullptr, "key missing: " << key);
        if (val.is_string()) {
            if (v->is_array()) continue;  // summarized as "[array of ...]"
            BOOST_TEST(v->as_string() == std::string_view(val.as_string()), key);
        } else if (val.is_bool()) {
            BOOST_TEST(v->as_bool() == val.as_bool(), key);
        } else if (val.is_int64() || val.is_uint64()) {
            BOOST_TEST(v->as_int() == val.to_number<int64_t>(), key);
        } else if (val.is_double()) {
            // meta.json prints floats with limited precision (1e-12 appears as 0.0)
            BOOST_TEST(std::abs(v->as_float() - val.as_double()) <= 1e-6 * std::abs(val.as_double()) + 1e-9, key);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_reference_gguf_reads, *zigllm::test::needs_ref()) {
    fs::path root = zigllm::test::ref_path("");
    int files = 0, with_meta = 0;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (e.path().extension() != ".gguf") continue;
        BOOST_TEST_CONTEXT(e.path().string()) {
            GgufFile f = GgufFile::open(e.path().string());
            ++files;
            BOOST_TEST((f.version() == 2 || f.version() == 3));
            for (const auto& t : f.tensors()) {
                BOOST_TEST(t.data >= f.base() + f.data_offset());
                BOOST_TEST(t.data + t.nbytes <= f.base() + f.file_size());
                BOOST_TEST(t.offset % f.alignment() == 0);
            }
            fs::path meta = e.path().parent_path() / "meta.json";
            if (fs::exists(meta) && e.path().filename() == "model.gguf" &&
                json::parse(zigllm::test::read_text(meta)).as_object().contains("tensors")) {
                check_against_meta(f, json::parse(zigllm::test::read_text(meta)).as_object());
                ++with_meta;
            }
        }
    }
    BOOST_TEST(files >= 50);
    BOOST_TEST(with_meta >= 40);
    BOOST_TEST_MESSAGE(files << " GGUF files read, " << with_meta << " checked against meta.json");
}

BOOST_AUTO_TEST_CASE(vocab_files_expose_string_arrays, *zigllm::test::needs_ref()) {
    GgufFile f = GgufFile::open(zigllm::test::ref_path("vocab/ggml-vocab-gpt-2.gguf").string());
    const GgufValue& toks = f.require("tokenizer.ggml.tokens");
    BOOST_TEST((toks.elem_type() == GgufType::STRING));
    BOOST_TEST(toks.size() == 50257u);
    BOOST_TEST(toks.string_at(0) == "!");
    BOOST_TEST(f.get_string("tokenizer.ggml.model", "") == "gpt2");
    BOOST_CHECK_THROW(toks.string_at(toks.size()), zigllm::Error);
    BOOST_CHECK_THROW(f.require("no.such.key"), zigllm::Error);
}

// A writer exercising every value type, tensors of several types, and a non-default alignment.
static GgufWriter sample_writer(std::vector<uint8_t>& data_a, std::vector<uint8_t>& data_b, uint32_t align) {
    GgufWriter w;
    if (align != 32) w.set_alignment(align);
    w.set_string("general.architecture", "llama");
    w.set_u8("t.u8", 250);
    w.set_i8("t.i8", -100);
    w.set_u16("t.u16", 65000);
    w.set_i16("t.i16", -32000);
    w.set_u32("t.u32", 4000000000u);
    w.set_i32("t.i32", -2000000000);
    w.set_u64("t.u64", 18000000000000000000ull);
    w.set_i64("t.i64", -9000000000000000000ll);
    w.set_f32("t.f32", 1.5f);
    w.set_f64("t.f64", -2.25);
    w.set_bool("t.bool", true);
    w.set_string("t.str", std::string("a\0b\n\xc3\xa9", 6));
    w.set_strings("t.strs", {"x", "", "zz"});
    std::vector<int32_t> ints{1, -2, 3};
    w.set_array("t.i32s", GgufType::I32, ints);
    std::vector<float> fl{0.5f, -1.0f};
    w.set_array("t.f32s", GgufType::F32, fl);
    std::vector<uint8_t> bools{1, 0, 1};
    w.set_array("t.bools", GgufType::BOOL, bools);
    data_a.resize(4 * 3 * 5);
    for (size_t i = 0; i < data_a.size(); ++i) data_a[i] = static_cast<uint8_t>(i * 7);
    w.add_tensor("a", GgmlType::F32, {3, 5}, data_a.data());
    data_b.resize(18 * 2 * 2);
    for (size_t i = 0; i < data_b.size(); ++i) data_b[i] = static_cast<uint8_t>(255 - i);
    w.add_tensor("blk.0.b", GgmlType::Q4_0, {64, 2}, data_b.data());
    return w;
}

BOOST_AUTO_TEST_CASE(writer_round_trip_every_type) {
    for (uint32_t align : {32u, 64u, 1u, 8u}) {
        std::vector<uint8_t> a, b;
        GgufWriter w = sample_writer(a, b, align);
        std::vector<uint8_t> bytes = w.to_bytes();
        GgufFile f = GgufFile::from_memory(bytes, "mem");
        BOOST_TEST(f.version() == 3u);
        BOOST_TEST(f.alignment() == align);
        BOOST_TEST(f.find("t.u8")->as_uint() == 250u);
        BOOST_TEST(f.find("t.i8")->as_int() == -100);
        BOOST_TEST(f.find("t.u16")->as_uint() == 65000u);
        BOOST_TEST(f.find("t.i16")->as_int() == -32000);
        BOOST_TEST(f.find("t.u32")->as_uint() == 4000000000u);
        BOOST_TEST(f.find("t.i32")->as_int() == -2000000000);
        BOOST_TEST(f.find("t.u64")->as_uint() == 18000000000000000000ull);
        BOOST_CHECK_THROW(f.find("t.u64")->as_int(), zigllm::Error);  // does not fit int64
        BOOST_TEST(f.find("t.i64")->as_int() == -9000000000000000000ll);
        BOOST_TEST(f.find("t.f32")->as_float() == 1.5);
        BOOST_TEST(f.find("t.f64")->as_float() == -2.25);
        BOOST_TEST(f.find("t.bool")->as_bool() == true);
        BOOST_TEST(f.find("t.str")->as_string() == std::string_view("a\0b\n\xc3\xa9", 6));
        BOOST_TEST(f.find("t.strs")->size() == 3u);
        BOOST_TEST(f.find("t.strs")->string_at(1) == "");
        BOOST_TEST(f.find("t.strs")->string_at(2) == "zz");
        BOOST_TEST(f.find("t.i32s")->int_at(1) == -2);
        BOOST_TEST(f.find("t.f32s")->float_at(1) == -1.0);
        BOOST_TEST(f.find("t.bools")->bool_at(2) == true);
        BOOST_CHECK_THROW(f.find("t.str")->as_int(), zigllm::Error);  // type mismatch is an error
        const TensorInfo* ta = f.find_tensor("a");
        BOOST_TEST_REQUIRE(ta != nullptr);
        BOOST_TEST(ta->ne[0] == 3);
        BOOST_TEST(ta->ne[1] == 5);
        BOOST_TEST(std::memcmp(ta->data, a.data(), a.size()) == 0);
        const TensorInfo* tb = f.find_tensor("blk.0.b");
        BOOST_TEST_REQUIRE(tb != nullptr);
        BOOST_TEST((tb->type == GgmlType::Q4_0));
        BOOST_TEST(tb->nbytes == b.size());
        BOOST_TEST(std::memcmp(tb->data, b.data(), b.size()) == 0);
        BOOST_TEST(tb->offset % align == 0);

        // Re-writing what was read (values copied with set_value) reproduces the bytes exactly.
        GgufWriter w2(align);
        for (const auto& kv : f.kv()) w2.set_value(std::string(kv.key), kv.value);
        for (const auto& t : f.tensors())
            w2.add_tensor(std::string(t.name), t.type, std::vector<int64_t>(t.ne.begin(), t.ne.begin() + t.n_dims), t.data);
        BOOST_TEST((w2.to_bytes() == bytes));
    }
}

BOOST_AUTO_TEST_CASE(writer_file_equals_bytes_and_reference_round_trip, *zigllm::test::needs_ref()) {
    // A real model read and written again is bit-identical (alignment, order, every value type).
    GgufFile f = GgufFile::open(zigllm::test::ref_path("stories260K/stories260K.gguf").string());
    GgufWriter w(static_cast<uint32_t>(f.alignment()));
    for (const auto& kv : f.kv()) w.set_value(std::string(kv.key), kv.value);
    for (const auto& t : f.tensors())
        w.add_tensor(std::string(t.name), t.type, std::vector<int64_t>(t.ne.begin(), t.ne.begin() + t.n_dims), t.data);
    fs::path out = fs::temp_directory_path() / "zigllm_test_roundtrip.gguf";
    w.write(out.string());
    auto written = zigllm::test::read_bytes(out);
    auto original = zigllm::test::read_bytes(f.path());
    BOOST_TEST(written.size() == original.size());
    BOOST_TEST((written == original));
    std::vector<uint8_t> mem = w.to_bytes();
    BOOST_TEST((std::vector<char>(mem.begin(), mem.end()) == written));
    fs::remove(out);
}

BOOST_AUTO_TEST_CASE(read_into_copies_tensor_bytes_and_refuses_outside) {
    // The engine reads embedding rows through read_into (pread on a file, memcpy from memory): the
    // same bytes as the mapping, and a range outside the file is an error naming it, not a read.
    std::vector<uint8_t> a, b;
    GgufWriter w = sample_writer(a, b, 32);
    fs::path out = fs::temp_directory_path() / "zigllm_test_read_into.gguf";
    w.write(out.string());
    std::vector<uint8_t> mem = w.to_bytes();
    for (int from_file = 0; from_file < 2; ++from_file) {
        GgufFile f = from_file ? GgufFile::open(out.string()) : GgufFile::from_memory(mem, "mem");
        const TensorInfo* tb = f.find_tensor("blk.0.b");
        BOOST_TEST_REQUIRE(tb != nullptr);
        std::vector<uint8_t> row(18);
        f.read_into(tb->data + 18, row.size(), row.data());  // second block of the first row
        BOOST_TEST((row == std::vector<uint8_t>(b.begin() + 18, b.begin() + 36)));
        const uint8_t* end = f.base() + f.file_size();
        BOOST_CHECK_THROW(f.read_into(end - 4, 8, row.data()), zigllm::Error);
        BOOST_CHECK_THROW(f.read_into(f.base() - 1, 1, row.data()), zigllm::Error);
    }
    fs::remove(out);
}
