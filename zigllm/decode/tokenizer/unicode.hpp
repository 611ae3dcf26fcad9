// Unicode helpers for the tokenizers, with llama.cpp's exact conventions.
//
// Library choice: character categories, case mapping and decomposition come from utf8proc; the
// pre-tokenizer regexes run on PCRE2 (see pretokenizer.cpp). What is kept here by hand is only what
// llama.cpp defines itself: its lenient UTF-8 decoder, its White_Space list, the GPT-2 byte<->unicode
// map and the "first code point of the NFD decomposition" normalization of its WordPiece tokenizer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zigllm::decode::tok {

// Category flags as llama.cpp's unicode_cpt_flags (one category bit per code point).
enum CptCategory : uint8_t {
    cat_undefined = 0x01, cat_number = 0x02, cat_letter = 0x04, cat_separator = 0x08,
    cat_mark = 0x10, cat_punctuation = 0x20, cat_symbol = 0x40, cat_control = 0x80,
};

struct CptInfo {
    uint8_t category;   // one of CptCategory
    bool whitespace;    // llama.cpp's \s (Unicode White_Space)
};

CptInfo cpt_info(uint32_t cpt);
bool cpt_is_whitespace(uint32_t cpt);

// Byte length of a UTF-8 sequence from its lead byte, as llama.cpp's unicode_len_utf8 (no validation).
inline size_t utf8_len(unsigned char lead) {
    static constexpr uint8_t lookup[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return lookup[lead >> 4];
}

// Decodes like llama.cpp's unicode_cpts_from_utf8: each byte that does not start a well-formed
// sequence becomes U+FFFD and decoding resumes at the next byte. Like llama.cpp it accepts overlong
// forms and surrogates; unlike it, values above U+10FFFF are invalid too (llama.cpp throws later).
void utf8_to_cpts(std::string_view text, std::vector<uint32_t>& out);
void append_utf8(uint32_t cpt, std::string& out);

// GPT-2's reversible byte <-> printable code point map (bytes_to_unicode).
std::string_view byte_to_unicode_utf8(uint8_t byte);
// -1 when the code point is not one of the 256 mapped ones.
int unicode_to_byte(uint32_t cpt);

uint32_t cpt_tolower(uint32_t cpt);
// llama.cpp's unicode_cpts_normalize_nfd: the first code point of the canonical decomposition.
uint32_t cpt_nfd_first(uint32_t cpt);

}  // namespace zigllm::decode::tok
