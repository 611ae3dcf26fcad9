// `zigllm synth`: random-weight models of a registered family, for demos, tests and benchmarks.
// Weights are uniform random with per-tensor scales that keep activations near unit size and the
// logits' standard deviation at a few units; the tokenizer is a real SPM vocabulary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zigllm::tools {

struct SynthShape {
    const char* name;
    int n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab, n_ctx;
};

// tiny, 125m, tinyllama-1.1b; nullptr for an unknown name.
const SynthShape* find_synth_shape(std::string_view name);
std::string synth_shape_names();
// llama, gpt2.
std::string synth_arch_names();

struct SynthOptions {
    std::string arch = "llama";
    std::string shape = "tiny";
    std::string type = "F16";   // a quantization target as for `zigllm quantize` (Q4_K_M, Q8_0 ...)
    std::string out;
    uint64_t seed = 1;
    int threads = 0;            // 0: all hardware threads
};

// Writes the model to options.out (through a temporary file, renamed when complete). Throws
// zigllm::Error("-", "--arch"/"--shape"/"TYPE", ...) for unknown names, Error(out, ...) when the
// file cannot be written. Deterministic: the same options give the same bytes at any thread count.
void synth(const SynthOptions& options);

}  // namespace zigllm::tools
