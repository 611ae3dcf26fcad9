#include "zigllm/decode/tokenizer/unicode.hpp"

#include <utf8proc.h>

#include <array>

namespace zigllm::decode::tok {

namespace {

// Unicode White_Space (PropList.txt), the list llama.cpp's gen-unicode-data.py uses.
bool white_space(uint32_t c) {
    if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
    if (c < 0x85) return false;
    switch (c) {
        case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
            return true;
        default:
            return c >= 0x2000 && c <= 0x200A;
    }
}

uint8_t category_of(uint32_t c) {
    if (c > 0x10FFFF) return cat_undefined;
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
        case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
            return cat_letter;
        case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
            return cat_mark;
        case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
            return cat_number;
        case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
        case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
        case UTF8PROC_CATEGORY_PO:
            return cat_punctuation;
        case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC: case UTF8PROC_CATEGORY_SK:
        case UTF8PROC_CATEGORY_SO:
            return cat_symbol;
        case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
            return cat_separator;
        case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CS:
        case UTF8PROC_CATEGORY_CO:
            return cat_control;
        default:
            return cat_undefined;
    }
}

struct ByteMap {
    std::array<std::string, 256> utf8;   // byte -> UTF-8 of its printable code point
    std::array<uint16_t, 324> back{};    // code point (< 324) -> byte + 1, 0 when unmapped
    ByteMap() {
        std::array<int, 256> cp{};
        std::array<bool, 256> direct{};
        for (int b = 0x21; b <= 0x7E; ++b) direct[b] = true;
        for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
        for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
        int n = 0;
        for (int b = 0; b < 256; ++b) cp[b] = direct[b] ? b : 256 + n++;
        for (int b = 0; b < 256; ++b) {
            append_utf8(static_cast<uint32_t>(cp[b]), utf8[b]);
            back[cp[b]] = static_cast<uint16_t>(b + 1);
        }
    }
};

const ByteMap& byte_map() {
    static const ByteMap m;
    return m;
}

}  // namespace

bool cpt_is_whitespace(uint32_t cpt) { return white_space(cpt); }

CptInfo cpt_info(uint32_t cpt) {
    if (cpt < 0x80) {
        // ASCII fast path (same answers as utf8proc).
        static const std::array<CptInfo, 128> ascii = [] {
            std::array<CptInfo, 128> t{};
            for (uint32_t c = 0; c < 128; ++c) t[c] = {category_of(c), white_space(c)};
            return t;
        }();
        return ascii[cpt];
    }
    return {category_of(cpt), white_space(cpt)};
}

void utf8_to_cpts(std::string_view s, std::vector<uint32_t>& out) {
    out.clear();
    out.reserve(s.size());
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    auto cont = [&](size_t k) { return i + k < n && (p[i + k] & 0xC0) == 0x80; };
    while (i < n) {
        const unsigned c = p[i];
        if (c < 0x80) {
            out.push_back(c);
            i += 1;
        } else if ((c & 0xE0) == 0xC0 && cont(1)) {
            out.push_back(((c & 0x1F) << 6) | (p[i + 1] & 0x3F));
            i += 2;
        } else if ((c & 0xF0) == 0xE0 && cont(1) && cont(2)) {
            out.push_back(((c & 0x0F) << 12) | ((p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F));
            i += 3;
        } else if ((c & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
            uint32_t v = ((c & 0x07) << 18) | ((p[i + 1] & 0x3F) << 12) | ((p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
            if (v > 0x10FFFF) {
                out.push_back(0xFFFD);
                i += 1;
            } else {
                out.push_back(v);
                i += 4;
            }
        } else {
            out.push_back(0xFFFD);
            i += 1;
        }
    }
}

void append_utf8(uint32_t c, std::string& out) {
    if (c <= 0x7F) {
        out.push_back(static_cast<char>(c));
    } else if (c <= 0x7FF) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c <= 0xFFFF) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | ((c >> 18) & 0x07)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

std::string_view byte_to_unicode_utf8(uint8_t b) { return byte_map().utf8[b]; }

int unicode_to_byte(uint32_t cpt) {
    if (cpt >= byte_map().back.size()) return -1;
    return static_cast<int>(byte_map().back[cpt]) - 1;
}

uint32_t cpt_tolower(uint32_t cpt) {
    if (cpt > 0x10FFFF) return cpt;
    return static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cpt)));
}

uint32_t cpt_nfd_first(uint32_t cpt) {
    if (cpt < 0xC0 || cpt > 0x10FFFF) return cpt;  // nothing below U+00C0 decomposes
    utf8proc_int32_t buf[32];
    int boundclass = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cpt), buf, 32,
                                                 UTF8PROC_DECOMPOSE, &boundclass);
    return n > 0 ? static_cast<uint32_t>(buf[0]) : cpt;
}

}  // namespace zigllm::decode::tok
