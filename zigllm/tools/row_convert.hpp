// Streams tensors into a GgufWriter row by row: float rows from any source are converted to the output
// type in parallel threads while the writer pulls chunks, so no whole tensor is ever held in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "zigllm/io/ggml_type.hpp"
#include "zigllm/io/gguf.hpp"

namespace zigllm::tools {

// Writes row `row` (ne[0] floats) into dst. Called concurrently from several threads.
using FloatRowSource = std::function<void(int64_t row, float* dst)>;

// Whether this build can produce the type from floats (zigllm::ops::quantize_row, or plain F32).
bool can_quantize_to(GgmlType t);

// Converts one f32 row of n values into `type` (F32 copied, everything else through
// zigllm::ops::quantize_row). dst holds row_bytes(type, n).
void convert_row(GgmlType type, const float* src, void* dst, int64_t n);

// Adds a streamed tensor whose rows come from `source` and are stored as `type`.
void add_converted_tensor(io::GgufWriter& w, std::string name, GgmlType type, std::vector<int64_t> ne,
                          FloatRowSource source, int threads);

// A worker count: `requested` when > 0, else the machine's hardware threads.
int resolve_threads(int requested);

}  // namespace zigllm::tools
