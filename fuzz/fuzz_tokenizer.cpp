// libFuzzer target for the tokenizers: arbitrary bytes through encode and decode of the vocabulary
// named by $ZIGLLM_FUZZ_VOCAB (a GGUF with a tokenizer). Byte 0 picks the flags; the rest is the
// text. Every id must be in range, decode must accept its own output, and ids read from the input
// (some out of range) must decode or raise zigllm::Error, never crash.
// With ZIGLLM_FUZZ_VOCAB=load the input is a whole GGUF file instead: loading its tokenizer must
// succeed or raise zigllm::Error, and a loaded one must then encode and decode a fixed text.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
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

bool load_mode() {
    static const bool on = [] {
        const char* p = std::getenv("ZIGLLM_FUZZ_VOCAB");
        return p && std::string_view(p) == "load";
    }();
    return on;
}

void check(const zigllm::decode::Vocab& v, std::string_view text, uint8_t flags);

int fuzz_load(const uint8_t* data, size_t size) {
    try {
        auto f = zigllm::io::GgufFile::from_memory(std::span<const uint8_t>(data, size), "fuzz.gguf");
        auto v = zigllm::decode::Vocab::from_gguf(f);
        check(*v, "Hello world <s> \xe4\xb8\xad 123 \xff!", 3);
    } catch (const zigllm::Error&) {
    }
    return 0;
}

void check(const zigllm::decode::Vocab& v, std::string_view text, uint8_t flags) {
    auto ids = v.encode(text, flags & 1, flags & 2);
    for (auto id : ids)
        if (id < 0 || static_cast<size_t>(id) >= v.size()) std::abort();
    (void)v.decode(ids, flags & 4, flags & 8);
    for (auto id : ids) (void)v.token_to_piece(id, flags & 16);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (load_mode()) return fuzz_load(data, size);
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
