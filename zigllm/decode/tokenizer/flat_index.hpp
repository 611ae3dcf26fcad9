// A compact open-addressing hash index from byte strings (stored by the caller in one arena) to
// int32 values, for the tokenizers' hot lookups (token text -> id, merge pair -> rank): one probe
// sequence over a flat array, no per-entry allocation, no std::string built to look something up.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace zigllm::decode::tok {

inline uint64_t hash_bytes(std::string_view s, uint64_t seed) {
    // 8 bytes at a time, multiply-xorshift mixing (in the spirit of wyhash / murmur).
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    size_t n = s.size();
    uint64_t h = seed ^ (n * 0x9E3779B97F4A7C15ull);
    while (n >= 8) {
        uint64_t k;
        std::memcpy(&k, p, 8);
        h = (h ^ (k * 0xBF58476D1CE4E5B9ull)) * 0x94D049BB133111EBull;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    uint64_t k = 0;
    for (size_t i = 0; i < n; ++i) k |= static_cast<uint64_t>(p[i]) << (8 * i);
    h = (h ^ (k * 0xBF58476D1CE4E5B9ull)) * 0x94D049BB133111EBull;
    h ^= h >> 31;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 32);
}

class FlatIndex {
public:
    // Entries are (arena offset, length, extra) -> value; `extra` is part of the key.
    void reserve(size_t n) {
        size_t cap = 16;
        while (cap < n * 2) cap <<= 1;
        slots_.assign(cap, Slot{});
        mask_ = cap - 1;
    }
    // Keeps the first value for a key; returns the existing value if the key was present, else -1.
    int32_t insert(const std::string& arena, uint32_t off, uint32_t len, uint32_t extra, int32_t value) {
        std::string_view key(arena.data() + off, len);
        const uint64_t h = hash_bytes(key, extra);
        for (size_t i = h & mask_;; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (s.value < 0) {
                s = Slot{static_cast<uint32_t>(h >> 32), off, len, extra, value};
                return -1;
            }
            if (s.tag == static_cast<uint32_t>(h >> 32) && s.len == len && s.extra == extra &&
                std::memcmp(arena.data() + s.off, key.data(), len) == 0)
                return s.value;
        }
    }
    int32_t find(const std::string& arena, std::string_view key, uint32_t extra = 0) const {
        if (slots_.empty()) return -1;
        const uint64_t h = hash_bytes(key, extra);
        const uint32_t tag = static_cast<uint32_t>(h >> 32);
        for (size_t i = h & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.value < 0) return -1;
            if (s.tag == tag && s.len == key.size() && s.extra == extra &&
                std::memcmp(arena.data() + s.off, key.data(), key.size()) == 0)
                return s.value;
        }
    }

private:
    struct Slot {
        uint32_t tag = 0, off = 0, len = 0, extra = 0;
        int32_t value = -1;
    };
    std::vector<Slot> slots_;
    size_t mask_ = 0;
};

}  // namespace zigllm::decode::tok
