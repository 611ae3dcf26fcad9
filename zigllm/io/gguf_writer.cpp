// GGUF writer (version 3): metadata in insertion order, tensor infos, aligned data section.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <future>
#include <memory>

#include "zigllm/io/gguf.hpp"

namespace zigllm::io {

namespace {

template <class T>
void append(std::vector<uint8_t>& out, T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
}

void append_string(std::vector<uint8_t>& out, std::string_view s) {
    append<uint64_t>(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

template <class T>
std::vector<uint8_t> scalar(T v) {
    std::vector<uint8_t> out;
    append(out, v);
    return out;
}

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

void GgufWriter::put(std::string key, GgufType type, std::vector<uint8_t> payload) {
    for (auto& kv : kv_) {
        if (kv.key == key) {  // setting a key twice replaces it (a file never holds duplicates)
            kv.type = type;
            kv.payload = std::move(payload);
            return;
        }
    }
    kv_.push_back({std::move(key), type, std::move(payload)});
}

void GgufWriter::set_u8(std::string k, uint8_t v) { put(std::move(k), GgufType::U8, scalar(v)); }
void GgufWriter::set_i8(std::string k, int8_t v) { put(std::move(k), GgufType::I8, scalar(v)); }
void GgufWriter::set_u16(std::string k, uint16_t v) { put(std::move(k), GgufType::U16, scalar(v)); }
void GgufWriter::set_i16(std::string k, int16_t v) { put(std::move(k), GgufType::I16, scalar(v)); }
void GgufWriter::set_u32(std::string k, uint32_t v) { put(std::move(k), GgufType::U32, scalar(v)); }
void GgufWriter::set_i32(std::string k, int32_t v) { put(std::move(k), GgufType::I32, scalar(v)); }
void GgufWriter::set_u64(std::string k, uint64_t v) { put(std::move(k), GgufType::U64, scalar(v)); }
void GgufWriter::set_i64(std::string k, int64_t v) { put(std::move(k), GgufType::I64, scalar(v)); }
void GgufWriter::set_f32(std::string k, float v) { put(std::move(k), GgufType::F32, scalar(v)); }
void GgufWriter::set_f64(std::string k, double v) { put(std::move(k), GgufType::F64, scalar(v)); }
void GgufWriter::set_bool(std::string k, bool v) { put(std::move(k), GgufType::BOOL, scalar<uint8_t>(v ? 1 : 0)); }

void GgufWriter::set_string(std::string k, std::string_view v) {
    std::vector<uint8_t> p;
    append_string(p, v);
    put(std::move(k), GgufType::STRING, std::move(p));
}

void GgufWriter::set_strings(std::string k, const std::vector<std::string>& v) {
    std::vector<uint8_t> p;
    append<uint32_t>(p, static_cast<uint32_t>(GgufType::STRING));
    append<uint64_t>(p, v.size());
    for (const auto& s : v) append_string(p, s);
    put(std::move(k), GgufType::ARRAY, std::move(p));
}

void GgufWriter::set_array(std::string k, GgufType elem, const void* raw, uint64_t n) {
    size_t es = gguf_scalar_size(elem);
    if (es == 0) throw Error("-", k, "set_array: element type must be numeric or bool");
    std::vector<uint8_t> p;
    append<uint32_t>(p, static_cast<uint32_t>(elem));
    append<uint64_t>(p, n);
    const auto* b = static_cast<const uint8_t*>(raw);
    p.insert(p.end(), b, b + n * es);
    put(std::move(k), GgufType::ARRAY, std::move(p));
}

void GgufWriter::set_value(std::string k, const GgufValue& v) {
    if (v.type() == GgufType::STRING) return set_string(std::move(k), v.as_string());
    if (!v.is_array()) {
        size_t es = gguf_scalar_size(v.type());
        put(std::move(k), v.type(), std::vector<uint8_t>(v.raw(), v.raw() + es));
        return;
    }
    if (v.elem_type() == GgufType::STRING) {
        std::vector<uint8_t> p;
        append<uint32_t>(p, static_cast<uint32_t>(GgufType::STRING));
        append<uint64_t>(p, v.size());
        for (uint64_t i = 0; i < v.size(); ++i) append_string(p, v.string_at(i));
        put(std::move(k), GgufType::ARRAY, std::move(p));
        return;
    }
    set_array(std::move(k), v.elem_type(), v.raw(), v.size());
}

void GgufWriter::set_alignment(uint32_t a) {
    if (a == 0 || (a & (a - 1)) != 0) throw Error("-", "general.alignment", "must be a power of two");
    alignment_ = a;
    set_u32("general.alignment", a);
}

void GgufWriter::add_tensor(std::string name, GgmlType type, std::vector<int64_t> ne, const void* data) {
    if (ne.empty() || ne.size() > 4) throw Error("-", name, "tensor must have 1..4 dimensions");
    const auto& tr = traits(type);
    if (ne[0] % tr.block_size != 0) throw Error("-", name, "row length is not a multiple of the block size");
    uint64_t rows = 1;
    for (size_t i = 1; i < ne.size(); ++i) rows *= static_cast<uint64_t>(ne[i]);
    uint64_t nbytes = row_bytes(type, ne[0]) * rows;
    for (const auto& t : tensors_)
        if (t.name == name) throw Error("-", name, "duplicate tensor name");
    tensors_.push_back({std::move(name), type, std::move(ne), data, nbytes});
}

void GgufWriter::add_tensor(std::string name, GgmlType type, std::vector<int64_t> ne, RowFill fill) {
    add_tensor(std::move(name), type, std::move(ne), static_cast<const void*>(nullptr));
    tensors_.back().fill = std::move(fill);
}

void GgufWriter::emit_tensor(const Tensor& t, const std::function<void(const uint8_t*, size_t)>& sink) const {
    if (!t.fill) return sink(static_cast<const uint8_t*>(t.data), t.nbytes);
    const uint64_t row = row_bytes(t.type, t.ne[0]);
    if (row == 0) return;
    const int64_t rows = static_cast<int64_t>(t.nbytes / row);
    const int64_t chunk = std::max<int64_t>(1, static_cast<int64_t>((uint64_t{32} << 20) / row));
    // Two buffers: the next chunk is produced while the current one is written, so a slow disk and
    // the producer's threads overlap.
    std::vector<uint8_t> buf[2];
    for (auto& b : buf) b.resize(static_cast<size_t>(std::min(rows, chunk) * row));
    auto produce = [&](int64_t r, int k) { t.fill(r, std::min(chunk, rows - r), buf[k].data()); };
    produce(0, 0);
    for (int64_t r = 0, k = 0; r < rows; r += chunk, k ^= 1) {
        std::future<void> next;
        if (r + chunk < rows) next = std::async(std::launch::async, produce, r + chunk, static_cast<int>(k ^ 1));
        try {
            sink(buf[k].data(), static_cast<size_t>(std::min(chunk, rows - r) * row));
        } catch (...) {
            if (next.valid()) next.wait();  // the producer uses buf: let it finish first
            throw;
        }
        if (next.valid()) next.get();
    }
}

std::vector<uint8_t> GgufWriter::header_bytes() const {
    std::vector<uint8_t> out;
    out.insert(out.end(), {'G', 'G', 'U', 'F'});
    append<uint32_t>(out, 3);
    append<uint64_t>(out, tensors_.size());
    append<uint64_t>(out, kv_.size());
    for (const auto& kv : kv_) {
        append_string(out, kv.key);
        append<uint32_t>(out, static_cast<uint32_t>(kv.type));
        out.insert(out.end(), kv.payload.begin(), kv.payload.end());
    }
    uint64_t offset = 0;
    for (const auto& t : tensors_) {
        append_string(out, t.name);
        append<uint32_t>(out, static_cast<uint32_t>(t.ne.size()));
        for (int64_t d : t.ne) append<uint64_t>(out, static_cast<uint64_t>(d));
        append<uint32_t>(out, static_cast<uint32_t>(t.type));
        append<uint64_t>(out, offset);
        offset = align_up(offset + t.nbytes, alignment_);
    }
    if (!tensors_.empty()) out.resize(align_up(out.size(), alignment_), 0);
    return out;
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
    std::vector<uint8_t> out = header_bytes();
    for (const auto& t : tensors_) {
        emit_tensor(t, [&](const uint8_t* b, size_t n) { out.insert(out.end(), b, b + n); });
        out.resize(align_up(out.size(), alignment_), 0);
    }
    return out;
}

void GgufWriter::write(const std::string& path) const {
    // The header is small; tensor data is streamed straight from the caller's buffers.
    std::vector<uint8_t> head = header_bytes();
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!f) throw Error(path, "-", std::string("cannot create: ") + std::strerror(errno));
    auto put_bytes = [&](const void* p, size_t n) {
        if (n && std::fwrite(p, 1, n, f.get()) != n) throw Error(path, "-", std::string("write failed: ") + std::strerror(errno));
    };
    put_bytes(head.data(), head.size());
    static const uint8_t zeros[256] = {};
    uint64_t pos = head.size();
    for (const auto& t : tensors_) {
        emit_tensor(t, put_bytes);
        pos += t.nbytes;
        uint64_t pad = align_up(pos, alignment_) - pos;
        while (pad) {
            size_t n = pad < sizeof zeros ? pad : sizeof zeros;
            put_bytes(zeros, n);
            pad -= n;
            pos += n;
        }
    }
    if (std::fflush(f.get()) != 0) throw Error(path, "-", std::string("write failed: ") + std::strerror(errno));
}

}  // namespace zigllm::io
