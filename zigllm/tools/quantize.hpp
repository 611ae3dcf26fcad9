// `zigllm quantize`: a GGUF model rewritten with its weights in another type, tensor by tensor as
// llama.cpp's llama_model_quantize() does it (same per-tensor types, same metadata, same order).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zigllm/io/ggml_type.hpp"
#include "zigllm/io/gguf.hpp"

namespace zigllm::tools {

struct QuantizeOptions {
    std::string input;
    std::string output;
    std::string type;               // Q4_0, Q8_0, Q4_K_M, IQ4_NL, F16 ... (see quant_rules.hpp)
    bool pure = false;              // every quantized tensor in the default type (llama-quantize --pure)
    bool allow_requantize = false;  // accept already-quantized input tensors (dequantized first)
    int threads = 0;                // 0: all hardware threads
};

struct QuantizedTensor {
    std::string name;
    GgmlType from, to;
    uint64_t bytes_in = 0, bytes_out = 0;
};

struct QuantizeReport {
    std::vector<QuantizedTensor> tensors;   // in the order written
    uint64_t bytes_in = 0, bytes_out = 0;   // tensor data only
};

// Reads options.input, writes options.output. Throws zigllm::Error for an unknown type, an input that
// is no valid GGUF, a tensor the type cannot hold, or an output that cannot be written (no partial
// output file is left behind).
QuantizeReport quantize_model(const QuantizeOptions& options);

// Writes a complete file to `path` through a temporary next to it; errors name `path`.
void write_atomically(const io::GgufWriter& w, const std::string& path);

}  // namespace zigllm::tools
