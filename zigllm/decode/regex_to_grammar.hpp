// Regular expression -> GBNF: a grammar whose root matches exactly the strings the whole regex
// matches (as std::regex_match / Python re.fullmatch would).
//
// Syntax and meaning are ECMAScript's (JSON schema patterns are ECMA-262): `[]` matches nothing,
// `[^]` any character, a `{` that does not start a quantifier is a literal.
// Supported: literals (UTF-8), escapes (\n \t \r \f \v \0 \xHH \uHHHH and escaped punctuation),
// classes with ranges and negation, `.` (any character but \n and \r, as llama.cpp's converter),
// \d \w \s and \D \W \S (also inside classes, the negated ones only alone in a class), groups
// `( )` and `(?: )`, alternation, `* + ? {m} {m,} {m,n}` (a trailing lazy `?` is accepted: same
// language), `^` at the start and `$` at the end. Anything else (backreferences, lookaround,
// anchors or \b inside the pattern) is refused with zigllm::Error(file, "offset N", what).
#pragma once

#include <string>
#include <string_view>

namespace zigllm::decode {

// The GBNF expression (no rule name) matching the regex; usable inside other rules.
std::string regex_to_gbnf_expr(std::string_view regex, const std::string& file = "-");
// A whole grammar: `root ::= <expr>`.
std::string regex_to_gbnf(std::string_view regex, const std::string& file = "-");

// GBNF literal / character-class spelling of one code point (escapes everything special).
std::string gbnf_escape_char(uint32_t cp, bool in_class);
// A GBNF string literal (with quotes) for the given UTF-8 bytes.
std::string gbnf_literal(std::string_view text);

}  // namespace zigllm::decode
