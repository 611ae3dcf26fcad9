// GGUF reader: mmap + validation of every untrusted number before use.
//
// Layout (GGUF v2/v3): magic "GGUF", u32 version, u64 n_tensors, u64 n_kv, n_kv x (string key,
// u32 type, value), n_tensors x (string name, u32 n_dims, n_dims x u64 ne, u32 ggml type, u64 offset),
// padding to general.alignment, then the data section. Strings are u64 length + bytes.
#include "zigllm/io/gguf.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>

namespace zigllm::io {

namespace {

constexpr uint64_t kMaxNameLen = 64;  // GGML_MAX_NAME, including the terminating NUL in ggml
constexpr uint32_t kMaxDims = 4;

template <class T>
T load(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// A bounds-checked cursor over the file bytes; every failure names the field and byte offset.
class Cursor {
public:
    Cursor(const uint8_t* base, uint64_t size, const std::string& file) : base_(base), size_(size), file_(file) {}

    uint64_t pos() const { return pos_; }
    uint64_t left() const { return size_ - pos_; }

    [[noreturn]] void fail(const std::string& field, const std::string& what, uint64_t at) const {
        throw Error(file_, field + " at " + at_offset(at), what);
    }
    [[noreturn]] void fail(const std::string& field, const std::string& what) const { fail(field, what, pos_); }

    const uint8_t* take(uint64_t n, const std::string& field) {
        if (n > left())
            fail(field, "truncated: needs " + std::to_string(n) + " bytes, " + std::to_string(left()) + " left");
        const uint8_t* p = base_ + pos_;
        pos_ += n;
        return p;
    }
    template <class T>
    T read(const std::string& field) {
        return load<T>(take(sizeof(T), field));
    }
    std::string_view string(const std::string& field) {
        uint64_t at = pos_;
        uint64_t n = read<uint64_t>(field + " (string length)");
        if (n > left())
            fail(field, "string length " + std::to_string(n) + " exceeds the " + std::to_string(left()) +
                            " bytes left in the file", at);
        return {reinterpret_cast<const char*>(take(n, field)), static_cast<size_t>(n)};
    }

private:
    const uint8_t* base_;
    uint64_t size_;
    uint64_t pos_ = 0;
    const std::string& file_;
};

bool valid_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::F64); }

}  // namespace

std::string_view gguf_type_name(GgufType t) {
    switch (t) {
        case GgufType::U8: return "u8";
        case GgufType::I8: return "i8";
        case GgufType::U16: return "u16";
        case GgufType::I16: return "i16";
        case GgufType::U32: return "u32";
        case GgufType::I32: return "i32";
        case GgufType::F32: return "f32";
        case GgufType::BOOL: return "bool";
        case GgufType::STRING: return "string";
        case GgufType::ARRAY: return "array";
        case GgufType::U64: return "u64";
        case GgufType::I64: return "i64";
        case GgufType::F64: return "f64";
    }
    return "?";
}

size_t gguf_scalar_size(GgufType t) {
    switch (t) {
        case GgufType::U8: case GgufType::I8: case GgufType::BOOL: return 1;
        case GgufType::U16: case GgufType::I16: return 2;
        case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
        case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
        case GgufType::STRING: case GgufType::ARRAY: return 0;
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------
// GgufValue

void GgufValue::fail(const std::string& what) const {
    throw Error(file_ ? *file_ : std::string("-"), std::string(key_), what);
}

static bool is_integer(GgufType t) {
    switch (t) {
        case GgufType::U8: case GgufType::I8: case GgufType::U16: case GgufType::I16:
        case GgufType::U32: case GgufType::I32: case GgufType::U64: case GgufType::I64: return true;
        default: return false;
    }
}

int64_t GgufValue::int_of(GgufType t, const uint8_t* p) const {
    switch (t) {
        case GgufType::U8: return load<uint8_t>(p);
        case GgufType::I8: return load<int8_t>(p);
        case GgufType::U16: return load<uint16_t>(p);
        case GgufType::I16: return load<int16_t>(p);
        case GgufType::U32: return load<uint32_t>(p);
        case GgufType::I32: return load<int32_t>(p);
        case GgufType::I64: return load<int64_t>(p);
        case GgufType::U64: {
            uint64_t v = load<uint64_t>(p);
            if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) fail("u64 value too large");
            return static_cast<int64_t>(v);
        }
        case GgufType::BOOL: return load<uint8_t>(p) != 0;
        default: fail(std::string("expected an integer, found ") + std::string(gguf_type_name(t)));
    }
}

double GgufValue::float_of(GgufType t, const uint8_t* p) const {
    if (t == GgufType::F32) return load<float>(p);
    if (t == GgufType::F64) return load<double>(p);
    if (is_integer(t)) return static_cast<double>(int_of(t, p));
    fail(std::string("expected a number, found ") + std::string(gguf_type_name(t)));
}

bool GgufValue::as_bool() const {
    if (type_ != GgufType::BOOL) fail(std::string("expected bool, found ") + std::string(gguf_type_name(type_)));
    return *data_ != 0;
}
int64_t GgufValue::as_int() const {
    if (!is_integer(type_) && type_ != GgufType::BOOL)
        fail(std::string("expected an integer, found ") + std::string(gguf_type_name(type_)));
    return int_of(type_, data_);
}
uint64_t GgufValue::as_uint() const {
    if (type_ == GgufType::U64) return load<uint64_t>(data_);
    int64_t v = as_int();
    if (v < 0) fail("expected a non-negative integer, found " + std::to_string(v));
    return static_cast<uint64_t>(v);
}
double GgufValue::as_float() const {
    if (is_array() || type_ == GgufType::STRING)
        fail(std::string("expected a number, found ") + std::string(gguf_type_name(type_)));
    return float_of(type_, data_);
}
std::string_view GgufValue::as_string() const {
    if (type_ != GgufType::STRING) fail(std::string("expected string, found ") + std::string(gguf_type_name(type_)));
    return str_;
}

int64_t GgufValue::int_at(uint64_t i) const {
    if (!is_array()) fail("expected an array");
    if (i >= n_) fail("array index " + std::to_string(i) + " out of range");
    if (!is_integer(elem_) && elem_ != GgufType::BOOL)
        fail(std::string("expected an integer array, found array of ") + std::string(gguf_type_name(elem_)));
    return int_of(elem_, data_ + i * gguf_scalar_size(elem_));
}
double GgufValue::float_at(uint64_t i) const {
    if (!is_array()) fail("expected an array");
    if (i >= n_) fail("array index " + std::to_string(i) + " out of range");
    if (elem_ == GgufType::STRING || elem_ == GgufType::ARRAY)
        fail(std::string("expected a numeric array, found array of ") + std::string(gguf_type_name(elem_)));
    return float_of(elem_, data_ + i * gguf_scalar_size(elem_));
}
bool GgufValue::bool_at(uint64_t i) const {
    if (!is_array() || elem_ != GgufType::BOOL) fail("expected an array of bool");
    if (i >= n_) fail("array index " + std::to_string(i) + " out of range");
    return data_[i] != 0;
}
std::string_view GgufValue::string_at(uint64_t i) const {
    if (!is_array() || elem_ != GgufType::STRING) fail("expected an array of strings");
    if (i >= n_) fail("array index " + std::to_string(i) + " out of range");
    return strs_[i];
}

static std::string quote(std::string_view s, size_t max = 60) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size() && i < max; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '"') out += "\\\"";
        else if (c < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\x%02x", c); out += b; }
        else out += static_cast<char>(c);
    }
    if (s.size() > max) out += "...";
    return out + "\"";
}

static std::string number_string(GgufType t, const GgufValue& v, int64_t idx) {
    char buf[64];
    if (t == GgufType::F32 || t == GgufType::F64) {
        double d = idx < 0 ? v.as_float() : v.float_at(static_cast<uint64_t>(idx));
        std::snprintf(buf, sizeof buf, "%g", d);
        return buf;
    }
    if (t == GgufType::BOOL) return (idx < 0 ? v.as_bool() : v.bool_at(static_cast<uint64_t>(idx))) ? "true" : "false";
    if (t == GgufType::U64) {
        uint64_t u = 0;
        std::memcpy(&u, v.raw() + (idx < 0 ? 0 : idx * 8), 8);
        return std::to_string(u);
    }
    return std::to_string(idx < 0 ? v.as_int() : v.int_at(static_cast<uint64_t>(idx)));
}

std::string GgufValue::to_string(size_t max_items) const {
    if (type_ == GgufType::STRING) return quote(str_);
    if (!is_array()) return number_string(type_, *this, -1);
    std::string out = "[" + std::string(gguf_type_name(elem_)) + " x " + std::to_string(n_) + "] [";
    for (uint64_t i = 0; i < n_ && i < max_items; ++i) {
        if (i) out += ", ";
        out += elem_ == GgufType::STRING ? quote(strs_[i], 24) : number_string(elem_, *this, static_cast<int64_t>(i));
    }
    if (n_ > max_items) out += ", ...";
    return out + "]";
}

std::string TensorInfo::shape_string() const {
    std::string s = "[";
    for (uint32_t i = 0; i < n_dims; ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

// ---------------------------------------------------------------------------------------------
// GgufFile

GgufFile GgufFile::open(const std::string& path) {
    GgufFile f;
    f.path_ = path;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path, "-", std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(path, "-", "not a regular file");
    }
    f.size_ = static_cast<uint64_t>(st.st_size);
    if (f.size_ == 0) {
        ::close(fd);
        throw Error(path, "magic at offset 0", "empty file, not a GGUF file");
    }
    void* m = ::mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    int err = errno;
    if (m == MAP_FAILED) {
        ::close(fd);
        throw Error(path, "-", std::string("mmap failed: ") + std::strerror(err));
    }
    f.fd_ = fd;
    f.map_ = m;
    f.base_ = static_cast<const uint8_t*>(m);
    f.parse();  // on throw, f's destructor unmaps
    return f;
}

GgufFile GgufFile::from_memory(std::span<const uint8_t> bytes, std::string name) {
    GgufFile f;
    f.path_ = std::move(name);
    f.base_ = bytes.data();
    f.size_ = bytes.size();
    f.parse();
    return f;
}

GgufFile::GgufFile(GgufFile&& o) noexcept { *this = std::move(o); }

GgufFile& GgufFile::operator=(GgufFile&& o) noexcept {
    if (this == &o) return *this;
    if (map_) ::munmap(map_, size_);
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    base_ = o.base_;
    size_ = o.size_;
    map_ = o.map_;
    version_ = o.version_;
    alignment_ = o.alignment_;
    data_offset_ = o.data_offset_;
    kv_ = std::move(o.kv_);
    tensors_ = std::move(o.tensors_);
    fd_ = o.fd_;
    o.fd_ = -1;
    o.map_ = nullptr;
    o.base_ = nullptr;
    o.size_ = 0;
    // Values keep a pointer to the file name for their errors: repoint them at ours.
    for (auto& kv : kv_) kv.value.file_ = &path_;
    return *this;
}

GgufFile::~GgufFile() {
    if (map_) ::munmap(map_, size_);
    if (fd_ >= 0) ::close(fd_);
}

void GgufFile::parse() {
    Cursor c(base_, size_, path_);
    if (size_ < 4 || std::memcmp(base_, "GGUF", 4) != 0) c.fail("magic", "not a GGUF file (bad magic)", 0);
    c.take(4, "magic");
    version_ = c.read<uint32_t>("version");
    if (version_ == 1) c.fail("version", "GGUF version 1 is not supported (only 2 and 3)", 4);
    if (version_ != 2 && version_ != 3)
        c.fail("version", "unsupported GGUF version " + std::to_string(version_) + " (only 2 and 3)", 4);
    uint64_t n_tensors = c.read<uint64_t>("tensor_count");
    uint64_t n_kv = c.read<uint64_t>("metadata_kv_count");
    // The smallest kv is 8 (key len) + 4 (type) + 1 (u8 value) bytes; the smallest tensor info is
    // 8 + 4 + 8 + 4 + 8 = 32 bytes. Counts beyond that cannot be honest: refuse before allocating.
    if (n_kv > c.left() / 13)
        c.fail("metadata_kv_count", "count " + std::to_string(n_kv) + " exceeds what the file could hold", 16);
    if (n_tensors > c.left() / 32)
        c.fail("tensor_count", "count " + std::to_string(n_tensors) + " exceeds what the file could hold", 8);

    kv_.reserve(n_kv);
    std::unordered_set<std::string_view> keys;
    for (uint64_t i = 0; i < n_kv; ++i) {
        uint64_t at = c.pos();
        std::string_view key = c.string("metadata key #" + std::to_string(i));
        std::string field(key);
        if (key.empty()) c.fail("metadata key #" + std::to_string(i), "empty key", at);
        if (!keys.insert(key).second) c.fail(field, "duplicate key", at);
        GgufValue v;
        v.key_ = key;
        v.file_ = &path_;
        uint64_t type_at = c.pos();
        uint32_t t = c.read<uint32_t>(field + " (type)");
        if (!valid_type(t)) c.fail(field, "invalid value type " + std::to_string(t), type_at);
        v.type_ = static_cast<GgufType>(t);
        if (v.type_ == GgufType::STRING) {
            v.str_ = c.string(field);
        } else if (v.type_ == GgufType::ARRAY) {
            uint64_t et_at = c.pos();
            uint32_t et = c.read<uint32_t>(field + " (array element type)");
            if (!valid_type(et)) c.fail(field, "invalid array element type " + std::to_string(et), et_at);
            v.elem_ = static_cast<GgufType>(et);
            if (v.elem_ == GgufType::ARRAY) c.fail(field, "nested arrays are not supported", et_at);
            uint64_t n_at = c.pos();
            v.n_ = c.read<uint64_t>(field + " (array length)");
            if (v.elem_ == GgufType::STRING) {
                if (v.n_ > c.left() / 8)
                    c.fail(field, "array length " + std::to_string(v.n_) + " exceeds the bytes left", n_at);
                v.strs_.reserve(v.n_);
                for (uint64_t j = 0; j < v.n_; ++j) v.strs_.push_back(c.string(field + "[" + std::to_string(j) + "]"));
            } else {
                size_t es = gguf_scalar_size(v.elem_);
                if (v.n_ > c.left() / es)
                    c.fail(field, "array length " + std::to_string(v.n_) + " exceeds the bytes left", n_at);
                v.data_ = c.take(v.n_ * es, field);
                if (v.elem_ == GgufType::BOOL)
                    for (uint64_t j = 0; j < v.n_; ++j)
                        if (v.data_[j] > 1) c.fail(field, "bool element is neither 0 nor 1", c.pos() - v.n_ + j);
            }
        } else {
            uint64_t val_at = c.pos();
            v.data_ = c.take(gguf_scalar_size(v.type_), field);
            if (v.type_ == GgufType::BOOL && *v.data_ > 1) c.fail(field, "bool value is neither 0 nor 1", val_at);
        }
        kv_.push_back({key, std::move(v)});
    }

    if (const GgufValue* a = find("general.alignment")) {
        if (a->type() != GgufType::U32) fail("general.alignment", "must be u32");
        uint64_t al = a->as_uint();
        if (al == 0 || (al & (al - 1)) != 0) fail("general.alignment", "must be a power of two, is " + std::to_string(al));
        alignment_ = al;
    }

    tensors_.reserve(n_tensors);
    std::unordered_set<std::string_view> names;
    for (uint64_t i = 0; i < n_tensors; ++i) {
        uint64_t at = c.pos();
        TensorInfo ti{};
        ti.name = c.string("tensor #" + std::to_string(i) + " name");
        std::string field = "tensor '" + std::string(ti.name) + "'";
        if (ti.name.empty()) c.fail("tensor #" + std::to_string(i), "empty tensor name", at);
        if (ti.name.size() >= kMaxNameLen)
            c.fail(field, "name longer than " + std::to_string(kMaxNameLen - 1) + " bytes", at);
        if (!names.insert(ti.name).second) c.fail(field, "duplicate tensor name", at);
        uint64_t dims_at = c.pos();
        ti.n_dims = c.read<uint32_t>(field + " n_dims");
        if (ti.n_dims < 1 || ti.n_dims > kMaxDims)
            c.fail(field, "n_dims " + std::to_string(ti.n_dims) + " not in 1..4", dims_at);
        int64_t n_el = 1;
        for (uint32_t d = 0; d < ti.n_dims; ++d) {
            uint64_t d_at = c.pos();
            uint64_t ne = c.read<uint64_t>(field + " ne[" + std::to_string(d) + "]");
            if (ne < 1 || ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
                c.fail(field, "dimension " + std::to_string(d) + " is " + std::to_string(static_cast<int64_t>(ne)) +
                                  " (must be >= 1)", d_at);
            if (static_cast<int64_t>(ne) > std::numeric_limits<int64_t>::max() / n_el)
                c.fail(field, "element count overflows", d_at);
            ti.ne[d] = static_cast<int64_t>(ne);
            n_el *= ti.ne[d];
        }
        uint64_t type_at = c.pos();
        uint32_t type_id = c.read<uint32_t>(field + " type");
        auto tr = ggml_type_traits(type_id);
        if (!tr) c.fail(field, "unknown ggml type id " + std::to_string(type_id), type_at);
        ti.type = static_cast<GgmlType>(type_id);
        if (ti.ne[0] % tr->block_size != 0)
            c.fail(field, "row length " + std::to_string(ti.ne[0]) + " is not a multiple of the " +
                              std::string(tr->name) + " block size " + std::to_string(tr->block_size), dims_at);
        uint64_t blocks_per_row = static_cast<uint64_t>(ti.ne[0]) / tr->block_size;
        uint64_t rows = static_cast<uint64_t>(n_el / ti.ne[0]);
        uint64_t row_b = blocks_per_row * tr->type_size;  // ne[0] < 2^63, type_size <= 292: may overflow
        if (blocks_per_row != 0 && row_b / blocks_per_row != tr->type_size) c.fail(field, "byte size overflows", dims_at);
        if (rows != 0 && row_b > std::numeric_limits<uint64_t>::max() / rows) c.fail(field, "byte size overflows", dims_at);
        ti.nbytes = row_b * rows;
        uint64_t off_at = c.pos();
        ti.offset = c.read<uint64_t>(field + " offset");
        if (ti.offset % alignment_ != 0)
            c.fail(field, "data offset " + std::to_string(ti.offset) + " is not a multiple of the alignment " +
                              std::to_string(alignment_), off_at);
        tensors_.push_back(ti);
    }

    // The data section starts at the first aligned offset after the header.
    uint64_t header_end = c.pos();
    data_offset_ = (header_end + alignment_ - 1) / alignment_ * alignment_;
    if (data_offset_ < header_end) c.fail("data section", "offset overflows", header_end);  // wrap-around
    for (auto& ti : tensors_) {
        std::string field = "tensor '" + std::string(ti.name) + "'";
        uint64_t avail = size_ > data_offset_ ? size_ - data_offset_ : 0;
        if (ti.offset > avail || ti.nbytes > avail - ti.offset)
            throw Error(path_, field + " data at " + at_offset(data_offset_ + ti.offset), "data [" + std::to_string(ti.offset) + ", +" + std::to_string(ti.nbytes) +
                                          ") lies outside the file's data section (" + std::to_string(avail) + " bytes)");
        ti.data = base_ + data_offset_ + ti.offset;
    }
}

const GgufValue* GgufFile::find(std::string_view key) const {
    for (const auto& kv : kv_)
        if (kv.key == key) return &kv.value;
    return nullptr;
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
    for (const auto& t : tensors_)
        if (t.name == name) return &t;
    return nullptr;
}

void GgufFile::fail(std::string_view field, const std::string& what) const {
    throw Error(path_, std::string(field), what);
}

std::string_view GgufFile::architecture() const {
    const GgufValue* v = find("general.architecture");
    return v && v->type() == GgufType::STRING ? v->as_string() : std::string_view{};
}

uint64_t GgufFile::get_uint(std::string_view key, uint64_t fallback) const {
    const GgufValue* v = find(key);
    return v ? v->as_uint() : fallback;
}
int64_t GgufFile::get_int(std::string_view key, int64_t fallback) const {
    const GgufValue* v = find(key);
    return v ? v->as_int() : fallback;
}
double GgufFile::get_float(std::string_view key, double fallback) const {
    const GgufValue* v = find(key);
    return v ? v->as_float() : fallback;
}
bool GgufFile::get_bool(std::string_view key, bool fallback) const {
    const GgufValue* v = find(key);
    return v ? v->as_bool() : fallback;
}
std::string_view GgufFile::get_string(std::string_view key, std::string_view fallback) const {
    const GgufValue* v = find(key);
    return v ? v->as_string() : fallback;
}
const GgufValue& GgufFile::require(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) fail(key, "required key is missing");
    return *v;
}
uint64_t GgufFile::require_uint(std::string_view key) const { return require(key).as_uint(); }
double GgufFile::require_float(std::string_view key) const { return require(key).as_float(); }

void GgufFile::release(const void* p, size_t n) const {
    if (!map_ || n == 0) return;
    const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto lo = reinterpret_cast<uintptr_t>(p), hi = lo + n;
    const uintptr_t first = (lo + page - 1) / page * page, last = hi / page * page;
    const auto map_lo = reinterpret_cast<uintptr_t>(map_), map_hi = map_lo + size_;
    if (first >= last || first < map_lo || last > map_hi) return;
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

void GgufFile::read_into(const void* p, size_t n, void* dst) const {
    const auto* b = static_cast<const uint8_t*>(p);
    if (b < base_ || n > size_ || static_cast<uint64_t>(b - base_) > size_ - n)
        fail("-", "read of " + std::to_string(n) + " bytes outside the file");
    if (fd_ < 0) {
        std::memcpy(dst, b, n);
        return;
    }
    auto* out = static_cast<uint8_t*>(dst);
    auto off = static_cast<off_t>(b - base_);
    while (n > 0) {
        const ssize_t got = ::pread(fd_, out, n, off);
        if (got <= 0) {  // the mapping reads the same bytes: fall back rather than fail a cached file
            std::memcpy(out, base_ + off, n);
            return;
        }
        out += got;
        off += got;
        n -= static_cast<size_t>(got);
    }
}

}  // namespace zigllm::io
