// What the i-quant kernels take from the rest of zigllm/ops: the activation blocks (BlockQ8K, BlockQ8_0)
// and the fp16 conversions of blocks.hpp, plus a whole-range fp16 -> f32 table.
#pragma once

#include "zigllm/ops/blocks.hpp"

namespace zigllm::ops {

// All 65,536 halves as floats (256 KiB, built on first use; thread-safe). For kernels that convert a
// scale per few values, where the scalar F16C conversion is slower than a (mostly cached) load.
const float* fp16_to_f32_table();

}  // namespace zigllm::ops
