// libFuzzer target for the GGUF reader: any bytes must parse or raise zigllm::Error, and every view
// the reader hands out must lie inside the input.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "zigllm/io/gguf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto f = zigllm::io::GgufFile::from_memory(std::span<const uint8_t>(data, size), "fuzz.gguf");
        // Touch everything that a user of the file would: values, array elements, tensor bytes.
        volatile uint64_t sink = 0;
        for (const auto& kv : f.kv()) {
            sink += kv.key.size() + kv.value.to_string(4).size();
            if (kv.value.is_array() && kv.value.size() > 0) {
                try {
                    sink += kv.value.to_string(1).size();
                } catch (const zigllm::Error&) {}
            }
        }
        for (const auto& t : f.tensors()) {
            if (t.data < data || t.data + t.nbytes > data + size) std::abort();
            if (t.nbytes) sink += t.data[0] + t.data[t.nbytes - 1];
        }
        (void)sink;
    } catch (const zigllm::Error&) {
    }
    return 0;
}
