// GGUF files: a validating, zero-copy reader over an mmap, and a writer that llama.cpp reads.
//
// Every number in a file is untrusted: counts, lengths, types, dims and offsets are checked against
// the bytes actually present before anything is allocated or dereferenced. Every refusal is a
// zigllm::Error naming the file, the field (key or tensor name) or byte offset, and the reason.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zigllm/io/error.hpp"
#include "zigllm/io/ggml_type.hpp"

namespace zigllm::io {

enum class GgufType : uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
    STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};

std::string_view gguf_type_name(GgufType t);
size_t gguf_scalar_size(GgufType t);  // 0 for STRING and ARRAY

// One metadata value: a view into the mapped file (strings and arrays are not copied).
class GgufValue {
public:
    GgufType type() const { return type_; }
    bool is_array() const { return type_ == GgufType::ARRAY; }
    GgufType elem_type() const { return elem_; }     // arrays only
    uint64_t size() const { return n_; }             // arrays: element count

    // Scalars, converted where the conversion is exact; throw zigllm::Error otherwise.
    bool as_bool() const;
    int64_t as_int() const;       // any integer type (u64 above INT64_MAX refused)
    uint64_t as_uint() const;     // any integer type, negative refused
    double as_float() const;      // f32, f64 or any integer type
    std::string_view as_string() const;

    // Array elements (i < size()); element type conversions as above.
    int64_t int_at(uint64_t i) const;
    double float_at(uint64_t i) const;
    std::string_view string_at(uint64_t i) const;
    bool bool_at(uint64_t i) const;

    // Raw little-endian payload of a scalar, or of a numeric array's elements (n * scalar size).
    const uint8_t* raw() const { return data_; }

    // A short human-readable rendering (arrays abbreviated), for `zigllm info`.
    std::string to_string(size_t max_items = 8) const;

private:
    friend class GgufFile;
    GgufType type_ = GgufType::U8;
    GgufType elem_ = GgufType::U8;
    uint64_t n_ = 0;
    const uint8_t* data_ = nullptr;              // scalar / numeric array payload
    std::string_view str_;                       // STRING
    std::vector<std::string_view> strs_;         // ARRAY of STRING
    std::string_view key_;                       // for error messages
    const std::string* file_ = nullptr;
    [[noreturn]] void fail(const std::string& what) const;
    int64_t int_of(GgufType t, const uint8_t* p) const;
    double float_of(GgufType t, const uint8_t* p) const;
};

struct GgufKV {
    std::string_view key;
    GgufValue value;
};

struct TensorInfo {
    std::string_view name;
    GgmlType type;
    uint32_t n_dims;
    std::array<int64_t, 4> ne{1, 1, 1, 1};  // ggml order: ne[0] is the innermost (row length)
    uint64_t offset;                        // relative to the start of the data section
    uint64_t nbytes;
    const uint8_t* data;                    // zero-copy view into the mapping

    int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
    int64_t rows() const { return ne[1] * ne[2] * ne[3]; }
    std::span<const uint8_t> bytes() const { return {data, static_cast<size_t>(nbytes)}; }
    std::string shape_string() const;       // "[64, 512]"
};

class GgufFile {
public:
    // Maps and validates a file. Throws zigllm::Error.
    static GgufFile open(const std::string& path);
    // Validates a buffer already in memory (kept alive by the caller); `name` is used in errors.
    static GgufFile from_memory(std::span<const uint8_t> bytes, std::string name);

    GgufFile(GgufFile&&) noexcept;
    GgufFile& operator=(GgufFile&&) noexcept;
    ~GgufFile();

    const std::string& path() const { return path_; }
    uint32_t version() const { return version_; }
    uint64_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }
    uint64_t file_size() const { return size_; }
    const uint8_t* base() const { return base_; }

    const std::vector<GgufKV>& kv() const { return kv_; }
    const GgufValue* find(std::string_view key) const;
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    const TensorInfo* find_tensor(std::string_view name) const;

    // Typed metadata access: `get_*` returns the fallback when absent, `require_*` throws.
    std::string_view architecture() const;   // general.architecture ("" when absent)
    uint64_t get_uint(std::string_view key, uint64_t fallback) const;
    int64_t get_int(std::string_view key, int64_t fallback) const;
    double get_float(std::string_view key, double fallback) const;
    bool get_bool(std::string_view key, bool fallback) const;
    std::string_view get_string(std::string_view key, std::string_view fallback) const;
    uint64_t require_uint(std::string_view key) const;
    double require_float(std::string_view key) const;
    const GgufValue& require(std::string_view key) const;

    // Throws Error(path, field, what); for users of the file (missing tensors, bad shapes ...).
    [[noreturn]] void fail(std::string_view field, const std::string& what) const;

    // Hands the whole pages inside [p, p + n) of the mapping back to the OS (madvise DONTNEED) once a
    // copy of them is all that is used: they leave the resident set, and a later read faults them
    // in again from the file. No-op for from_memory files.
    void release(const void* p, size_t n) const;
    // Copies [p, p + n) of the mapping to dst through read(2), not through the mapping: the bytes do not
    // join the resident set. For tensors read a row at a time (the token embedding): on kernels that
    // map the page cache's large folios whole, one mapped 1 KiB row costs up to 2 MiB of resident memory.
    void read_into(const void* p, size_t n, void* dst) const;

private:
    GgufFile() = default;
    void parse();
    std::string path_;
    const uint8_t* base_ = nullptr;
    uint64_t size_ = 0;
    void* map_ = nullptr;   // mmap'ed region (nullptr for from_memory)
    int fd_ = -1;           // the file, kept open for read_into (-1 for from_memory)
    uint32_t version_ = 0;
    uint64_t alignment_ = 32;
    uint64_t data_offset_ = 0;
    std::vector<GgufKV> kv_;
    std::vector<TensorInfo> tensors_;
};

// ---------------------------------------------------------------------------------------------
// Writer. Values are serialized on `set`; tensors are written in the order added, each aligned.

class GgufWriter {
public:
    explicit GgufWriter(uint32_t alignment = 32) : alignment_(alignment) {}

    void set_u8(std::string key, uint8_t v);
    void set_i8(std::string key, int8_t v);
    void set_u16(std::string key, uint16_t v);
    void set_i16(std::string key, int16_t v);
    void set_u32(std::string key, uint32_t v);
    void set_i32(std::string key, int32_t v);
    void set_u64(std::string key, uint64_t v);
    void set_i64(std::string key, int64_t v);
    void set_f32(std::string key, float v);
    void set_f64(std::string key, double v);
    void set_bool(std::string key, bool v);
    void set_string(std::string key, std::string_view v);
    void set_strings(std::string key, const std::vector<std::string>& v);
    // Numeric array: elem is the element type, raw holds n little-endian elements.
    void set_array(std::string key, GgufType elem, const void* raw, uint64_t n);
    template <class T>
    void set_array(std::string key, GgufType elem, const std::vector<T>& v) {
        set_array(std::move(key), elem, v.data(), v.size());
    }
    // Copies a value read from another file, type and all.
    void set_value(std::string key, const GgufValue& v);
    // general.alignment also changes how tensors are laid out.
    void set_alignment(uint32_t a);

    // ne in ggml order (ne[0] innermost); data must hold row_bytes(type, ne[0]) * rows bytes and
    // stays owned by the caller until write() returns.
    void add_tensor(std::string name, GgmlType type, std::vector<int64_t> ne, const void* data);
    // Streamed tensor (for files larger than memory): write() asks `fill` for consecutive row ranges
    // of at most ~32 MiB of data each, dst holding n_rows * row_bytes(type, ne[0]) bytes.
    using RowFill = std::function<void(int64_t first_row, int64_t n_rows, uint8_t* dst)>;
    void add_tensor(std::string name, GgmlType type, std::vector<int64_t> ne, RowFill fill);

    void write(const std::string& path) const;
    std::vector<uint8_t> to_bytes() const;

private:
    struct KV { std::string key; GgufType type; std::vector<uint8_t> payload; };
    struct Tensor { std::string name; GgmlType type; std::vector<int64_t> ne; const void* data; uint64_t nbytes;
                    RowFill fill = {}; };
    // Calls sink(bytes, n) with a tensor's data, in pieces when it is streamed.
    void emit_tensor(const Tensor& t, const std::function<void(const uint8_t*, size_t)>& sink) const;
    void put(std::string key, GgufType type, std::vector<uint8_t> payload);
    std::vector<uint8_t> header_bytes() const;  // everything before the first tensor's data
    uint32_t alignment_;
    std::vector<KV> kv_;
    std::vector<Tensor> tensors_;
};

}  // namespace zigllm::io
