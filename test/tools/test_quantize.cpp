// zigllm::tools::quantize_model against llama.cpp's quantizer: ../shared/ref/quantized/F32/model.gguf
// quantized to every type of ../shared/ref/quantized/<TYPE>/ that zigllm can produce. Checked: the
// output loads through GgufFile; tensor names, order, shapes and types equal the reference file's;
// metadata equals it (general.file_type updated); for Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 F16 BF16 the tensor bytes
// (and the whole file) are identical; for the K-quants and IQ4 the round-trip error of every tensor is
// within 1.02x of the reference's. Then the refusals: unknown type, non-GGUF input, unwritable output.
#define BOOST_TEST_MODULE tools_quantize
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "zigllm/io/error.hpp"
#include "zigllm/io/gguf.hpp"
#include "zigllm/ops/ops.hpp"
#include "zigllm/tools/quant_rules.hpp"
#include "zigllm/tools/quantize.hpp"
#include "zigllm/tools/row_convert.hpp"
#include "tools_test_util.hpp"
#include "zigllm_test.hpp"

namespace fs = std::filesystem;
using zigllm::GgmlType;
using zigllm::io::GgufFile;
using zigllm::tools::QuantizeOptions;
using zigllm::tools::quantize_model;

namespace {

double rmse(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    return std::sqrt(s / static_cast<double>(a.size()));
}

bool same_value(const zigllm::io::GgufValue& a, const zigllm::io::GgufValue& b) {
    return a.type() == b.type() && a.to_string(1u << 20) == b.to_string(1u << 20);
}

bool byte_exact_type(const std::string& name) {
    for (const char* t : {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "F16", "BF16"})
        if (name == t) return true;
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(against_llama_cpp, *zigllm::test::needs_ref()) {
    const fs::path root = zigllm::test::ref_path("quantized");
    const std::string input = (root / "F32" / "model.gguf").string();
    auto source = GgufFile::open(input);
    zigllm::test::TempDir tmp{"quantize"};
    int checked = 0;
    for (const auto& entry : fs::directory_iterator(root)) {
        const std::string name = entry.path().filename().string();
        const fs::path ref_model = entry.path() / "model.gguf";
        if (name == "F32" || !fs::exists(ref_model)) continue;
        const auto target = zigllm::tools::require_quant_target(name);
        const std::string meta = zigllm::test::read_text(entry.path() / "meta.json");
        const bool pure = meta.find("pure=true") != std::string::npos;
        auto ref = GgufFile::open(ref_model.string());
        bool producible = true;
        for (const auto& t : ref.tensors()) producible = producible && zigllm::tools::can_quantize_to(t.type);
        const std::string out = (tmp.path / (name + ".gguf")).string();
        BOOST_TEST_CONTEXT("type " << name) {
            if (!producible) {  // e.g. IQ3_S, TQ1_0: refused cleanly, naming a tensor
                BOOST_CHECK_THROW(quantize_model({input, out, name, pure}), zigllm::Error);
                BOOST_TEST(!fs::exists(out));
                continue;
            }
            auto report = quantize_model({input, out, name, pure, false, 2});
            auto got = GgufFile::open(out);
            BOOST_TEST(got.get_uint("general.file_type", 9999) == target.ftype);
            // Metadata: same keys, order, types and values as llama.cpp's file.
            BOOST_TEST_REQUIRE(got.kv().size() == ref.kv().size());
            for (size_t i = 0; i < ref.kv().size(); ++i) {
                BOOST_TEST(got.kv()[i].key == ref.kv()[i].key);
                BOOST_TEST(same_value(got.kv()[i].value, ref.kv()[i].value), "value of " << ref.kv()[i].key);
            }
            BOOST_TEST_REQUIRE(got.tensors().size() == ref.tensors().size());
            BOOST_TEST(report.tensors.size() == ref.tensors().size());
            for (size_t i = 0; i < ref.tensors().size(); ++i) {
                const auto& g = got.tensors()[i];
                const auto& r = ref.tensors()[i];
                BOOST_TEST_CONTEXT("tensor " << r.name) {
                    BOOST_TEST(g.name == r.name);
                    BOOST_TEST(g.type == r.type);
                    BOOST_TEST(g.n_dims == r.n_dims);
                    BOOST_TEST((g.ne == r.ne));
                    BOOST_TEST_REQUIRE(g.nbytes == r.nbytes);
                    const bool identical = std::memcmp(g.data, r.data, g.nbytes) == 0;
                    if (byte_exact_type(name) || r.type == GgmlType::F32) {
                        BOOST_TEST(identical);
                    } else if (!identical) {
                        // Same type, other bytes: no worse a quantization than llama.cpp's.
                        const auto* orig = source.find_tensor(r.name);
                        BOOST_TEST_REQUIRE(orig != nullptr);
                        std::vector<float> x(reinterpret_cast<const float*>(orig->data),
                                             reinterpret_cast<const float*>(orig->data) + orig->n_elements());
                        const double e_got = rmse(x, zigllm::test::tensor_values(g)), e_ref = rmse(x, zigllm::test::tensor_values(r));
                        BOOST_TEST(e_got <= 1.02 * e_ref, "rmse " << e_got << " vs llama.cpp " << e_ref);
                    }
                }
            }
            if (byte_exact_type(name)) {  // the whole file, header and padding included
                BOOST_TEST(got.file_size() == ref.file_size());
                BOOST_TEST((got.file_size() == ref.file_size() &&
                            std::memcmp(got.base(), ref.base(), ref.file_size()) == 0));
            }
            ++checked;
        }
    }
    BOOST_TEST(checked >= 14);
}

BOOST_AUTO_TEST_CASE(requantize_and_pure, *zigllm::test::needs_ref()) {
    zigllm::test::TempDir tmp{"quantize"};
    const std::string q8 = zigllm::test::ref_path("quantized/Q8_0/model.gguf").string();
    const std::string out = (tmp.path / "q4.gguf").string();
    // Already-quantized input: refused unless asked for, as llama.cpp does.
    BOOST_CHECK_THROW(quantize_model({q8, out, "Q4_0"}), zigllm::Error);
    BOOST_TEST(!fs::exists(out));
    QuantizeOptions o{q8, out, "Q4_0", false, true, 1};
    auto report = quantize_model(o);
    auto got = GgufFile::open(out);
    BOOST_TEST(got.find_tensor("blk.0.attn_q.weight")->type == GgmlType::Q4_0);
    BOOST_TEST(got.find_tensor("output.weight")->type == GgmlType::Q6_K);
    BOOST_TEST(got.find_tensor("output_norm.weight")->type == GgmlType::F32);
    BOOST_TEST(report.bytes_out < report.bytes_in);

    const std::string f32 = zigllm::test::ref_path("quantized/F32/model.gguf").string();
    const std::string pure = (tmp.path / "pure.gguf").string();
    quantize_model({f32, pure, "Q4_K_M", true});
    auto p = GgufFile::open(pure);
    for (const auto& t : p.tensors())
        BOOST_TEST(t.type == (t.n_dims == 1 ? GgmlType::F32 : GgmlType::Q4_K), t.name);
}

BOOST_AUTO_TEST_CASE(refusals, *zigllm::test::needs_ref()) {
    zigllm::test::TempDir tmp{"quantize"};
    const std::string f32 = zigllm::test::ref_path("quantized/F32/model.gguf").string();
    const std::string out = (tmp.path / "out.gguf").string();
    auto expect_error = [&](const QuantizeOptions& o, const std::string& file, const std::string& where) {
        try {
            quantize_model(o);
            BOOST_FAIL("no error for " << o.input << " -> " << o.output << " " << o.type);
        } catch (const zigllm::Error& e) {
            BOOST_TEST(e.file() == file);
            if (!where.empty()) BOOST_TEST(e.where() == where);
            BOOST_TEST(!e.reason().empty());
        }
    };
    expect_error({f32, out, "Q4_X"}, "-", "TYPE");
    expect_error({f32, out, "Q8_K"}, "-", "TYPE");
    const std::string junk = (tmp.path / "junk.gguf").string();
    std::ofstream(junk) << "this is not a GGUF file";
    expect_error({junk, out, "Q4_0"}, junk, "");
    expect_error({(tmp.path / "missing.gguf").string(), out, "Q4_0"}, (tmp.path / "missing.gguf").string(), "");
    const std::string unwritable = (tmp.path / "no-such-dir" / "out.gguf").string();
    expect_error({f32, unwritable, "Q4_0"}, unwritable, "");
    expect_error({f32, f32, "Q4_0"}, f32, "");
    BOOST_TEST(!fs::exists(out));
    BOOST_TEST(GgufFile::open(f32).tensors().size() == 21u);  // the input is untouched
}
