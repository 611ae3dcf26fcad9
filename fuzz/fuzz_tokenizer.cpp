// libFuzzer target for the tokenizers: arbitrary bytes through encode and decode of the vocabulary
// named by $ZIGLLM_FUZZ_VOCAB (a GGUF with a tokenizer). Byte 0 picks the flags; the rest is the
// text. Every id must be in range, decode must accept its own output, and ids read from the input
// (some out of range) must decode or raise zigllm::Error, never crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zigllm/decode/vocab.hpp"
#include "zigllm/io/error.hpp"
#include "zigllm/io/gguf.hpp"

namespace {

const zigllm::decode::Vocab& vocab() {
    static std::shared_ptr<const zigllm::decode::Vocab> v = [] {
        const char* path = std::getenv("ZIGLLM_FUZZ_VOCAB");
        if (!path) {
            std::fprintf(stderr, "fuzz_tokenizer: set ZIGLLM_FUZZ_VOCAB to a GGUF with a tokenizer\n");
            std::abort();
        }
        static auto file = zigllm::io::GgufFile::open(path);
        return zigllm::decode::Vocab::from_gguf(file);
    }();
    return *v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto& v = vocab();
    if (size == 0) return 0;
    const uint8_t flags = data[0];
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    auto ids = v.encode(text, flags & 1, flags & 2);
    for (auto id : ids)
        if (id < 0 || static_cast<size_t>(id) >= v.size()) std::abort();
    std::string back = v.decode(ids, flags & 4, flags & 8);
    (void)back;
    for (auto id : ids) (void)v.token_to_piece(id, flags & 16);

    // the same bytes as token ids (4 bytes each), some out of range
    std::vector<zigllm::decode::Token> raw;
    for (size_t i = 1; i + 4 <= size; i += 4) {
        uint32_t x = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (static_cast<uint32_t>(data[i + 3]) << 24);
        raw.push_back(static_cast<zigllm::decode::Token>((flags & 32) ? x : x % (v.size() + 2)));
    }
    try {
        (void)v.decode(raw, flags & 4, flags & 8);
    } catch (const zigllm::Error&) {
    }
    return 0;
}
