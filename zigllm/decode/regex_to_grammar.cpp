// Regex -> GBNF by recursive descent over code points. GBNF has the same operators (groups,
// alternation, the same quantifiers, classes with ranges and negation), so each regex construct is
// spelled directly; literals are emitted one character at a time so a quantifier binds to the last
// character only, as in a regex.
#include "zigllm/decode/regex_to_grammar.hpp"

#include <cstdio>
#include <vector>

#include "zigllm/io/error.hpp"

namespace zigllm::decode {

std::string gbnf_escape_char(uint32_t cp, bool in_class) {
    const bool plain = (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                       (!in_class && cp == ' ') || (cp >= 0x80 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF));
    char buf[16];
    if (plain && cp < 0x80) {
        buf[0] = static_cast<char>(cp);
        buf[1] = 0;
    } else if (cp < 0x100) {
        std::snprintf(buf, sizeof buf, "\\x%02X", cp);
    } else if (cp < 0x10000) {
        std::snprintf(buf, sizeof buf, "\\u%04X", cp);
    } else {
        std::snprintf(buf, sizeof buf, "\\U%08X", cp);
    }
    return buf;
}

std::string gbnf_literal(std::string_view text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c >= 0x80) out.push_back(static_cast<char>(c));  // UTF-8 bytes pass through unchanged
        else out += gbnf_escape_char(c, false);
    }
    return out + "\"";
}

namespace {

class RegexParser {
public:
    RegexParser(std::string_view re, const std::string& file) : re_(re), file_(file) {}

    std::string parse() {
        if (peek() == '^') ++pos_;
        bool nullable = false;
        std::string e = alternation(0, nullable);
        if (pos_ < re_.size()) fail(pos_, re_[pos_] == ')' ? "unbalanced ')'" : "unexpected character");
        return e;
    }

private:
    std::string_view re_;
    const std::string& file_;
    size_t pos_ = 0;

    [[noreturn]] void fail(size_t at, const std::string& what) const {
        throw Error(file_, "offset " + std::to_string(at), "regex: " + what);
    }
    char peek(size_t k = 0) const { return pos_ + k < re_.size() ? re_[pos_ + k] : '\0'; }
    bool at_end() const { return pos_ >= re_.size(); }

    // One UTF-8 code point of the pattern.
    uint32_t next_cp() {
        const unsigned char c = static_cast<unsigned char>(re_[pos_]);
        int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (c >= 0x80 && c < 0xC0) fail(pos_, "invalid UTF-8");
        if (pos_ + static_cast<size_t>(len) > re_.size()) fail(pos_, "truncated UTF-8");
        uint32_t v = len == 1 ? c : c & (0x7F >> len);
        for (int i = 1; i < len; ++i) {
            unsigned char b = static_cast<unsigned char>(re_[pos_ + static_cast<size_t>(i)]);
            if ((b & 0xC0) != 0x80) fail(pos_, "invalid UTF-8");
            v = (v << 6) | (b & 0x3F);
        }
        pos_ += static_cast<size_t>(len);
        return v;
    }

    uint32_t hex(size_t n) {
        uint32_t v = 0;
        for (size_t i = 0; i < n; ++i) {
            char c = peek();
            int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
            if (d < 0) fail(pos_, "expecting " + std::to_string(n) + " hex digits");
            v = v * 16 + static_cast<uint32_t>(d);
            ++pos_;
        }
        return v;
    }

    // Class shorthands as ranges; negated ones are returned with negated = true.
    static const char* shorthand(char c, bool& negated) {
        negated = c == 'D' || c == 'W' || c == 'S';
        switch (c) {
            case 'd': case 'D': return "0-9";
            case 'w': case 'W': return "0-9A-Za-z_";
            case 's': case 'S': return " \t\n\r\x0B\x0C";
            default: return nullptr;
        }
    }
    static std::string class_of(const char* spec) {  // "0-9A-Z" style spec -> class body
        std::string out;
        for (const char* p = spec; *p; ++p) {
            if (p[1] == '-' && p[2]) {
                out += gbnf_escape_char(static_cast<unsigned char>(p[0]), true) + "-" +
                       gbnf_escape_char(static_cast<unsigned char>(p[2]), true);
                p += 2;
            } else {
                out += gbnf_escape_char(static_cast<unsigned char>(*p), true);
            }
        }
        return out;
    }

    // An escaped single character (after the backslash), as a code point.
    uint32_t escaped_char(size_t at) {
        if (at_end()) fail(at, "pattern ends with '\\'");
        char c = peek();
        switch (c) {
            case 'n': ++pos_; return '\n';
            case 't': ++pos_; return '\t';
            case 'r': ++pos_; return '\r';
            case 'f': ++pos_; return '\f';
            case 'v': ++pos_; return '\v';
            case '0': ++pos_; return 0;
            case 'x': ++pos_; return hex(2);
            case 'u': ++pos_; return hex(4);
            default: break;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            fail(at, std::string("unsupported escape '\\") + c + "'");
        return next_cp();
    }

    // `nullable`: the expression can match the empty string (GBNF cannot repeat such a thing
    // without bound: its helper rule would be left-recursive).
    std::string alternation(int depth, bool& nullable) {
        if (depth > 256) fail(pos_, "groups nested too deeply");
        std::string out = sequence(depth, nullable);
        while (peek() == '|') {
            ++pos_;
            bool n2 = false;
            out += " | " + sequence(depth, n2);
            nullable = nullable || n2;
        }
        return out;
    }

    std::string sequence(int depth, bool& nullable) {
        std::vector<std::string> items;
        nullable = true;
        bool last_nullable = true;
        while (!at_end() && peek() != '|' && peek() != ')') {
            size_t at = pos_;
            char c = peek();
            if (c == '$' && pos_ + 1 == re_.size()) {
                ++pos_;
                break;
            }
            if (c == '*' || c == '+' || c == '?' || (c == '{' && quantifier_ahead())) {
                if (items.empty()) fail(at, "nothing to repeat");
                bool unbounded = false, optional = false;
                items.back() += quantifier(unbounded, optional);
                if (unbounded && last_nullable) fail(at, "unbounded repetition of something that can match the empty string");
                if (optional) last_nullable = true;
                continue;
            }
            nullable = nullable && last_nullable;
            items.push_back(atom(depth, last_nullable));
        }
        if (!items.empty()) nullable = nullable && last_nullable;
        std::string out;
        for (const auto& it : items) out += (out.empty() ? "" : " ") + it;
        return out.empty() ? "\"\"" : out;
    }

    bool quantifier_ahead() const {  // `{m}`, `{m,}` or `{m,n}` at pos_
        size_t p = pos_ + 1;
        size_t d = p;
        while (d < re_.size() && re_[d] >= '0' && re_[d] <= '9') ++d;
        if (d == p) return false;
        if (d < re_.size() && re_[d] == '}') return true;
        if (d >= re_.size() || re_[d] != ',') return false;
        ++d;
        while (d < re_.size() && re_[d] >= '0' && re_[d] <= '9') ++d;
        return d < re_.size() && re_[d] == '}';
    }

    std::string quantifier(bool& unbounded, bool& optional) {
        std::string q;
        char c = peek();
        unbounded = c == '*' || c == '+';
        optional = c == '*' || c == '?';
        if (c == '{') {
            size_t close = re_.find('}', pos_);
            q = std::string(re_.substr(pos_, close + 1 - pos_));
            unbounded = q.back() == '}' && q[q.size() - 2] == ',';
            optional = q[1] == '0' && q.find_first_not_of('0', 1) == q.find_first_of(",}", 1);
            pos_ = close + 1;
        } else {
            q = std::string(1, c);
            ++pos_;
        }
        if (peek() == '?') ++pos_;  // lazy: the same language
        else if (peek() == '+') fail(pos_, "possessive quantifiers are not supported");
        return q;
    }

    std::string atom(int depth, bool& nullable) {
        const size_t at = pos_;
        const char c = peek();
        nullable = false;
        if (c == '(') {
            ++pos_;
            if (peek() == '?') {
                if (peek(1) != ':') fail(at, "only (?: ) groups are supported (no lookaround or named groups)");
                pos_ += 2;
            }
            std::string inner = alternation(depth + 1, nullable);
            if (peek() != ')') fail(at, "unbalanced '('");
            ++pos_;
            return "(" + inner + ")";
        }
        if (c == '[') return char_class();
        if (c == '.') {
            ++pos_;
            return "[^\\x0A\\x0D]";
        }
        if (c == '^' || c == '$') fail(at, "anchors are only supported at the start and end");
        if (c == '\\') {
            ++pos_;
            bool neg;
            if (const char* spec = shorthand(peek(), neg)) {
                ++pos_;
                return std::string(neg ? "[^" : "[") + class_of(spec) + "]";
            }
            if (peek() == 'b' || peek() == 'B') fail(at, "word boundaries are not supported");
            return "\"" + gbnf_escape_char(escaped_char(at), false) + "\"";
        }
        if (c == ')') fail(at, "unbalanced ')'");
        return "\"" + gbnf_escape_char(next_cp(), false) + "\"";
    }

    std::string char_class() {
        const size_t open = pos_;
        ++pos_;
        bool negated = false;
        if (peek() == '^') negated = true, ++pos_;
        std::string body;
        if (peek() == ']') {  // ECMAScript (JSON schema patterns): [] matches nothing, [^] anything
            ++pos_;
            return negated ? "." : "[^\\x00-\\UFFFFFFFF]";
        }
        for (;;) {
            if (at_end()) fail(open, "unterminated character class");
            if (peek() == ']') {
                ++pos_;
                break;
            }
            const size_t at = pos_;
            uint32_t lo;
            if (peek() == '\\') {
                ++pos_;
                bool neg;
                if (const char* spec = shorthand(peek(), neg)) {
                    ++pos_;
                    if (neg) {
                        // [\D] alone is expressible; mixed with other members it is not, in GBNF
                        if (negated || !body.empty() || peek() != ']') fail(at, "negated shorthand inside a larger class");
                        ++pos_;
                        return "[^" + class_of(spec) + "]";
                    }
                    body += class_of(spec);
                    continue;
                }
                lo = peek() == 'b' ? (++pos_, 0x08u) : escaped_char(at);
            } else {
                lo = next_cp();
            }
            if (peek() == '-' && peek(1) != ']' && peek(1) != '\0') {
                ++pos_;
                uint32_t hi;
                if (peek() == '\\') {
                    size_t hat = pos_;
                    ++pos_;
                    bool neg;
                    if (shorthand(peek(), neg)) fail(hat, "a range cannot end in a class shorthand");
                    hi = escaped_char(hat);
                } else {
                    hi = next_cp();
                }
                if (hi < lo) fail(at, "range out of order");
                body += gbnf_escape_char(lo, true) + "-" + gbnf_escape_char(hi, true);
            } else {
                body += gbnf_escape_char(lo, true);
            }
        }
        return std::string(negated ? "[^" : "[") + body + "]";
    }
};

}  // namespace

std::string regex_to_gbnf_expr(std::string_view regex, const std::string& file) {
    return RegexParser(regex, file).parse();
}

std::string regex_to_gbnf(std::string_view regex, const std::string& file) {
    return "root ::= " + regex_to_gbnf_expr(regex, file) + "\n";
}

}  // namespace zigllm::decode
