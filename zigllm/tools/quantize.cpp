#include "zigllm/tools/quantize.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "zigllm/io/error.hpp"
#include "zigllm/io/gguf.hpp"
#include "zigllm/ops/ops.hpp"
#include "zigllm/tools/quant_rules.hpp"
#include "zigllm/tools/row_convert.hpp"

namespace zigllm::tools {
namespace {

// ggml_n_dims: llama.cpp writes tensor infos without trailing dimensions of size 1.
std::vector<int64_t> dims_of(const io::TensorInfo& t) {
    size_t n = t.n_dims ? t.n_dims : 1;
    while (n > 1 && t.ne[n - 1] == 1) --n;
    return std::vector<int64_t>(t.ne.begin(), t.ne.begin() + static_cast<std::ptrdiff_t>(n));
}

bool is_float_type(GgmlType t) { return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16; }

// Metadata as llama.cpp's quantizer writes it: every key copied in order, except that
// quantization_version and file_type are (re)set last and split keys are dropped.
void copy_metadata(const io::GgufFile& in, io::GgufWriter& w, uint32_t ftype) {
    for (const auto& kv : in.kv()) {
        if (kv.key == "general.quantization_version" || kv.key == "general.file_type" ||
            kv.key == "split.no" || kv.key == "split.count" || kv.key == "split.tensors.count")
            continue;
        w.set_value(std::string(kv.key), kv.value);
    }
    w.set_u32("general.quantization_version", 2);  // GGML_QNT_VERSION
    w.set_u32("general.file_type", ftype);
}

FloatRowSource rows_of(const io::TensorInfo& t) {
    const GgmlType type = t.type;
    const int64_t cols = t.ne[0];
    const size_t rb = row_bytes(type, cols);
    const uint8_t* base = t.data;
    if (type == GgmlType::F32)
        return [=](int64_t r, float* dst) { std::memcpy(dst, base + static_cast<size_t>(r) * rb, rb); };
    return [=](int64_t r, float* dst) { ops::dequantize_row(type, base + static_cast<size_t>(r) * rb, dst, cols); };
}

}  // namespace

void write_atomically(const io::GgufWriter& w, const std::string& path) {
    // A temporary file next to the target, renamed when complete: a failed or interrupted run never
    // leaves a truncated model under the requested name.
    const std::string tmp = path + ".zigllm-partial";
    try {
        w.write(tmp);
    } catch (const Error& e) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw Error(path, e.where(), e.reason());
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        const std::string why = ec.message();
        std::filesystem::remove(tmp, ec);
        throw Error(path, "-", "cannot create: " + why);
    }
}

QuantizeReport quantize_model(const QuantizeOptions& o) {
    const QuantTarget target = require_quant_target(o.type);
    std::error_code ec;
    if (std::filesystem::equivalent(o.input, o.output, ec))
        throw Error(o.output, "-", "the output file is the input file");

    io::GgufFile in = io::GgufFile::open(o.input);
    std::vector<TensorShape> shapes;
    for (const auto& t : in.tensors()) shapes.push_back({std::string(t.name), t.type, dims_of(t)});
    std::vector<TensorPlan> plan;
    try {
        plan = plan_quantization(hparams_from_gguf(in), shapes, target, {o.pure});
    } catch (const Error& e) {
        throw Error(o.input, e.where(), e.reason());
    }

    io::GgufWriter w(static_cast<uint32_t>(in.alignment()));
    copy_metadata(in, w, target.ftype);
    const int threads = resolve_threads(o.threads);
    QuantizeReport report;
    for (size_t i : llama_tensor_order(shapes)) {
        const io::TensorInfo& t = in.tensors()[i];
        const TensorShape& s = shapes[i];
        const GgmlType to = plan[i].type;
        if (!plan[i].convert) {
            w.add_tensor(s.name, t.type, s.ne, t.data);
        } else {
            if (!can_quantize_to(to))
                throw Error(o.input, s.name, "zigllm has no quantizer for " + std::string(type_name(to)) + " yet");
            if (!is_float_type(t.type) && !o.allow_requantize)
                throw Error(o.input, s.name, "tensor is already quantized (" + std::string(type_name(t.type)) +
                                                 "); requantizing needs --allow-requantize");
            add_converted_tensor(w, s.name, to, s.ne, rows_of(t), threads);
        }
        const uint64_t rows = static_cast<uint64_t>(t.rows());
        QuantizedTensor q{s.name, t.type, to, t.nbytes, row_bytes(to, s.ne[0]) * rows};
        report.bytes_in += q.bytes_in;
        report.bytes_out += q.bytes_out;
        report.tensors.push_back(std::move(q));
    }

    write_atomically(w, o.output);
    return report;
}

}  // namespace zigllm::tools
