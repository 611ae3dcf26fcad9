// GBNF parser: llama.cpp's recursive descent (llama_grammar_parser), kept step for step so that the
// same texts are accepted and the same rules come out, with three differences:
//  * errors carry a byte offset (turned into line/column) instead of the rest of the text;
//  * work is bounded (nesting depth, total element count, repetition counts);
//  * left recursion is found with true nullability (llama.cpp's check misses recursion through a
//    rule that is nullable only indirectly and then overflows the stack); an undefined start rule
//    is an error (llama.cpp lets std::out_of_range escape).
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "zigllm/decode/grammar.hpp"
#include "zigllm/io/error.hpp"

namespace zigllm::decode {

namespace {

struct ParseFail {
    size_t offset;
    std::string what;
};

bool is_digit_char(char c) { return '0' <= c && c <= '9'; }
bool is_word_char(char c) {
    return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '-' || is_digit_char(c);
}

std::string line_column(std::string_view text, size_t offset) {
    offset = std::min(offset, text.size());
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < offset; ++i)
        if (text[i] == '\n') ++line, line_start = i + 1;
    return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

}  // namespace

class GrammarParser {
public:
    explicit GrammarParser(std::string_view text) : src_(text.substr(0, text.find('\0'))) {}

    // Parses the whole text into g (rules, names); throws ParseFail.
    void parse(Grammar& g, std::string_view root);

private:
    using Rule = std::vector<GrammarElement>;
    static constexpr uint64_t kMaxCount = 1u << 30;

    std::string_view src_;  // llama.cpp reads a C string: a NUL byte ends the grammar
    std::map<std::string, uint32_t, std::less<>> user_ids_;
    std::vector<std::string> names_;
    std::vector<Rule> rules_;
    std::vector<bool> defined_;
    std::vector<size_t> origin_;     // offset of the (last) definition, or of the group/quantifier
    std::vector<size_t> first_ref_;  // offset of the first reference (npos: none)
    size_t n_elements_ = 0;
    int depth_ = 0;

    char at(size_t i) const { return i < src_.size() ? src_[i] : '\0'; }
    [[noreturn]] static void fail(size_t off, std::string what) { throw ParseFail{off, std::move(what)}; }

    uint32_t new_symbol(std::string name, size_t origin) {
        uint32_t id = static_cast<uint32_t>(names_.size());
        names_.push_back(std::move(name));
        rules_.emplace_back();
        defined_.push_back(false);
        origin_.push_back(origin);
        first_ref_.push_back(std::string::npos);
        return id;
    }
    uint32_t symbol_id(std::string_view name, size_t at_offset) {
        auto it = user_ids_.find(name);
        if (it != user_ids_.end()) return it->second;
        uint32_t id = new_symbol(std::string(name), at_offset);
        user_ids_.emplace(std::string(name), id);
        return id;
    }
    uint32_t generate_symbol(const std::string& base, size_t origin) {
        return new_symbol(base + '_' + std::to_string(names_.size()), origin);
    }
    void add_rule(uint32_t id, Rule rule) {
        count(rule.size(), origin_[id]);
        rules_[id] = std::move(rule);
        defined_[id] = true;
    }
    void count(size_t n, size_t off) {
        n_elements_ += n;
        if (n_elements_ > Grammar::kMaxElements)
            fail(off, "grammar too large (more than " + std::to_string(Grammar::kMaxElements) + " elements)");
    }

    size_t parse_space(size_t pos, bool newline_ok) const {
        for (;;) {
            char c = at(pos);
            if (c == '#') {
                while (at(pos) && at(pos) != '\r' && at(pos) != '\n') ++pos;
            } else if (c == ' ' || c == '\t' || (newline_ok && (c == '\r' || c == '\n'))) {
                ++pos;
            } else {
                return pos;
            }
        }
    }
    size_t parse_name(size_t pos) const {
        size_t p = pos;
        while (is_word_char(at(p))) ++p;
        if (p == pos) fail(pos, at(pos) ? "expecting a rule name" : "expecting a rule name, got end of input");
        return p;
    }
    // llama.cpp's integer: decimal digits (the caller checked the first one).
    std::pair<uint64_t, size_t> parse_int(size_t pos) const {
        uint64_t v = 0;
        size_t p = pos;
        while (is_digit_char(at(p))) {
            v = v * 10 + static_cast<uint64_t>(at(p) - '0');
            if (v > kMaxCount) fail(pos, "repetition count too large (at most " + std::to_string(kMaxCount) + ")");
            ++p;
        }
        return {v, p};
    }
    std::pair<uint32_t, size_t> parse_hex(size_t pos, int size) const {
        uint32_t v = 0;
        size_t p = pos;
        for (; p < pos + size && at(p); ++p) {
            char c = at(p);
            int d;
            if ('a' <= c && c <= 'f') d = c - 'a' + 10;
            else if ('A' <= c && c <= 'F') d = c - 'A' + 10;
            else if ('0' <= c && c <= '9') d = c - '0';
            else break;
            v = (v << 4) + static_cast<uint32_t>(d);
        }
        if (p != pos + size) fail(pos, "expecting " + std::to_string(size) + " hex digits");
        return {v, p};
    }
    // One code point of the source, decoded as llama.cpp's lenient decode_utf8 does (a lead byte
    // gives the length; following bytes are taken without checking them).
    std::pair<uint32_t, size_t> decode_source_char(size_t pos) const {
        static const int lookup[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
        uint8_t first = static_cast<uint8_t>(at(pos));
        int len = lookup[first >> 4];
        uint32_t value = first & ((1u << (8 - len)) - 1);
        size_t p = pos + 1;
        for (; p < pos + len && at(p); ++p) value = (value << 6) + (static_cast<uint8_t>(at(p)) & 0x3F);
        return {value, p};
    }
    std::pair<uint32_t, size_t> parse_char(size_t pos) const {
        if (at(pos) == '\\') {
            switch (at(pos + 1)) {
                case 'x': return parse_hex(pos + 2, 2);
                case 'u': return parse_hex(pos + 2, 4);
                case 'U': return parse_hex(pos + 2, 8);
                case 't': return {'\t', pos + 2};
                case 'r': return {'\r', pos + 2};
                case 'n': return {'\n', pos + 2};
                case '\\': case '"': case '[': case ']': return {static_cast<uint8_t>(at(pos + 1)), pos + 2};
                default:
                    if (!at(pos + 1)) fail(pos + 1, "unexpected end of input after '\\'");
                    fail(pos, "unknown escape '\\" + std::string(1, at(pos + 1)) + "'");
            }
        }
        if (at(pos)) return decode_source_char(pos);
        fail(pos, "unexpected end of input");
    }

    size_t parse_alternates(size_t pos, const std::string& name, uint32_t rule_id, bool nested);
    size_t parse_sequence(size_t pos, const std::string& name, Rule& rule, bool nested);
    size_t parse_rule(size_t pos);
    void check_left_recursion() const;
};

size_t GrammarParser::parse_alternates(size_t pos, const std::string& name, uint32_t rule_id, bool nested) {
    if (++depth_ > Grammar::kMaxNesting)
        fail(pos, "groups nested too deeply (more than " + std::to_string(Grammar::kMaxNesting) + ")");
    Rule rule;
    pos = parse_sequence(pos, name, rule, nested);
    while (at(pos) == '|') {
        rule.push_back({GrammarOp::alt, 0});
        pos = parse_space(pos + 1, true);
        pos = parse_sequence(pos, name, rule, nested);
    }
    rule.push_back({GrammarOp::end, 0});
    add_rule(rule_id, std::move(rule));
    --depth_;
    return pos;
}

size_t GrammarParser::parse_sequence(size_t pos, const std::string& name, Rule& rule, bool nested) {
    size_t last_sym_start = rule.size();

    // llama.cpp's rewrite: S{m,n} -> S..S (m times) S'(n-m), S'(x) ::= S S'(x-1) | ; S{m,} -> S..S S',
    // S' ::= S S' | . (`*` = {0,}, `+` = {1,}, `?` = {0,1}.)
    auto repeat = [&](uint64_t min_times, int64_t max_times, size_t at_off) {
        if (last_sym_start == rule.size()) fail(at_off, "expecting an item before */+/?/{");
        Rule prev(rule.begin() + static_cast<ptrdiff_t>(last_sym_start), rule.end());
        const int64_t n_opt = max_times < 0 ? 1 : max_times - static_cast<int64_t>(min_times);
        // bound the expansion before doing it
        uint64_t grow = (min_times > 0 ? (min_times - 1) : 0) * prev.size() +
                        static_cast<uint64_t>(std::max<int64_t>(n_opt, 0)) * (prev.size() + 3);
        if (grow > Grammar::kMaxElements) fail(at_off, "repetition too large");
        count(grow, at_off);
        if (min_times == 0) {
            rule.resize(last_sym_start);
        } else {
            for (uint64_t i = 1; i < min_times; ++i) rule.insert(rule.end(), prev.begin(), prev.end());
        }
        uint32_t last_rec = 0;
        for (int64_t i = 0; i < n_opt; ++i) {
            Rule rec(prev);
            uint32_t rec_id = generate_symbol(name, at_off);
            if (i > 0 || max_times < 0) rec.push_back({GrammarOp::rule_ref, max_times < 0 ? rec_id : last_rec});
            rec.push_back({GrammarOp::alt, 0});
            rec.push_back({GrammarOp::end, 0});
            n_elements_ -= rec.size();  // counted above
            add_rule(rec_id, std::move(rec));
            last_rec = rec_id;
        }
        if (n_opt > 0) rule.push_back({GrammarOp::rule_ref, last_rec});
    };

    while (at(pos)) {
        const char c = at(pos);
        if (c == '"') {  // literal
            ++pos;
            last_sym_start = rule.size();
            while (at(pos) != '"') {
                if (!at(pos)) fail(pos, "unexpected end of input in a string literal");
                auto [cp, next] = parse_char(pos);
                pos = next;
                rule.push_back({GrammarOp::chr, cp});
            }
            pos = parse_space(pos + 1, nested);
        } else if (c == '[') {  // character class
            ++pos;
            GrammarOp start = GrammarOp::chr;
            if (at(pos) == '^') ++pos, start = GrammarOp::chr_not;
            last_sym_start = rule.size();
            while (at(pos) != ']') {
                if (!at(pos)) fail(pos, "unexpected end of input in a character class");
                auto [cp, next] = parse_char(pos);
                pos = next;
                rule.push_back({last_sym_start < rule.size() ? GrammarOp::chr_alt : start, cp});
                if (at(pos) == '-' && at(pos + 1) != ']') {
                    if (!at(pos + 1)) fail(pos + 1, "unexpected end of input in a character class");
                    auto [hi, after] = parse_char(pos + 1);
                    pos = after;
                    rule.push_back({GrammarOp::chr_rng_upper, hi});
                }
            }
            pos = parse_space(pos + 1, nested);
        } else if (is_word_char(c)) {  // rule reference
            size_t name_end = parse_name(pos);
            uint32_t id = symbol_id(src_.substr(pos, name_end - pos), pos);
            if (first_ref_[id] == std::string::npos) first_ref_[id] = pos;
            pos = parse_space(name_end, nested);
            last_sym_start = rule.size();
            rule.push_back({GrammarOp::rule_ref, id});
        } else if (c == '(') {  // group -> generated rule
            size_t open = pos;
            pos = parse_space(pos + 1, true);
            uint32_t sub = generate_symbol(name, open);
            pos = parse_alternates(pos, name, sub, true);
            last_sym_start = rule.size();
            rule.push_back({GrammarOp::rule_ref, sub});
            if (at(pos) != ')') fail(pos, at(pos) ? "expecting ')'" : "expecting ')', got end of input");
            pos = parse_space(pos + 1, nested);
        } else if (c == '.') {
            last_sym_start = rule.size();
            rule.push_back({GrammarOp::chr_any, 0});
            pos = parse_space(pos + 1, nested);
        } else if (c == '*' || c == '+' || c == '?') {
            size_t q = pos;
            pos = parse_space(pos + 1, nested);
            if (c == '*') repeat(0, -1, q);
            else if (c == '+') repeat(1, -1, q);
            else repeat(0, 1, q);
        } else if (c == '{') {
            size_t q = pos;
            pos = parse_space(pos + 1, nested);
            if (!is_digit_char(at(pos))) fail(pos, "expecting an integer after '{'");
            auto [min_times, int_end] = parse_int(pos);
            pos = parse_space(int_end, nested);
            int64_t max_times = -1;
            if (at(pos) == '}') {
                max_times = static_cast<int64_t>(min_times);
                pos = parse_space(pos + 1, nested);
            } else if (at(pos) == ',') {
                pos = parse_space(pos + 1, nested);
                if (is_digit_char(at(pos))) {
                    auto [mx, mx_end] = parse_int(pos);
                    max_times = static_cast<int64_t>(mx);
                    pos = parse_space(mx_end, nested);
                }
                if (at(pos) != '}') fail(pos, at(pos) ? "expecting '}'" : "expecting '}', got end of input");
                pos = parse_space(pos + 1, nested);
            } else {
                fail(pos, at(pos) ? "expecting ',' or '}'" : "expecting ',' or '}', got end of input");
            }
            repeat(min_times, max_times, q);
        } else {
            break;
        }
    }
    return pos;
}

size_t GrammarParser::parse_rule(size_t start) {
    size_t name_end = parse_name(start);
    size_t pos = parse_space(name_end, false);
    std::string name(src_.substr(start, name_end - start));
    uint32_t id = symbol_id(name, start);
    origin_[id] = start;
    if (!(at(pos) == ':' && at(pos + 1) == ':' && at(pos + 2) == '='))
        fail(pos, "expecting '::='");
    pos = parse_space(pos + 3, true);
    pos = parse_alternates(pos, name, id, false);
    if (at(pos) == '\r') pos += at(pos + 1) == '\n' ? 2 : 1;
    else if (at(pos) == '\n') ++pos;
    else if (at(pos)) fail(pos, "expecting newline or end of input");
    return parse_space(pos, true);
}

// Left recursion: a rule that can reach itself through leftmost positions, where everything before
// the reference may match the empty string. Nullability is computed to its fixpoint (worklist).
void GrammarParser::check_left_recursion() const {
    const size_t n = rules_.size();
    struct Alt { uint32_t rule; uint32_t pending; };
    std::vector<Alt> alts;
    std::vector<std::vector<uint32_t>> users(n);  // rule -> alternatives that reference it
    std::vector<bool> nullable(n, false);
    std::vector<uint32_t> queue;
    for (uint32_t r = 0; r < n; ++r) {
        const Rule& rule = rules_[r];
        size_t i = 0;
        while (i < rule.size()) {
            uint32_t alt_id = static_cast<uint32_t>(alts.size());
            alts.push_back({r, 0});
            bool has_char = false;
            for (; !is_end_of_sequence(rule[i].op); ++i) {
                if (rule[i].op == GrammarOp::rule_ref) {
                    ++alts[alt_id].pending;
                    users[rule[i].value].push_back(alt_id);
                } else {
                    has_char = true;
                }
            }
            if (has_char) alts[alt_id].pending = UINT32_MAX;
            else if (alts[alt_id].pending == 0 && !nullable[r]) nullable[r] = true, queue.push_back(r);
            if (rule[i].op == GrammarOp::end) break;
            ++i;
        }
    }
    while (!queue.empty()) {
        uint32_t x = queue.back();
        queue.pop_back();
        for (uint32_t a : users[x]) {
            Alt& alt = alts[a];
            if (alt.pending == UINT32_MAX || alt.pending == 0) continue;
            if (--alt.pending == 0 && !nullable[alt.rule]) nullable[alt.rule] = true, queue.push_back(alt.rule);
        }
    }
    // leftmost edges, then an iterative depth-first search for a cycle
    std::vector<std::vector<uint32_t>> left(n);
    for (uint32_t r = 0; r < n; ++r) {
        bool at_left = true;
        for (const auto& e : rules_[r]) {
            if (is_end_of_sequence(e.op)) {
                at_left = true;
            } else if (!at_left) {
                continue;
            } else if (e.op == GrammarOp::rule_ref) {
                left[r].push_back(e.value);
                at_left = nullable[e.value];
            } else if (e.op != GrammarOp::chr_alt && e.op != GrammarOp::chr_rng_upper) {
                at_left = false;
            }
        }
    }
    std::vector<uint8_t> color(n, 0);  // 0 new, 1 on the path, 2 done
    std::vector<std::pair<uint32_t, size_t>> path;
    for (uint32_t s = 0; s < n; ++s) {
        if (color[s]) continue;
        path.push_back({s, 0});
        color[s] = 1;
        while (!path.empty()) {
            auto& [r, next] = path.back();
            if (next == left[r].size()) {
                color[r] = 2;
                path.pop_back();
                continue;
            }
            uint32_t t = left[r][next++];
            if (color[t] == 1) {
                // report the user-visible rule of the cycle closest to the top of the text
                const std::string& nm = names_[t];
                fail(origin_[t], "left recursion: rule '" + nm.substr(0, nm.find('_')) +
                                     "' can reach itself without consuming input");
            }
            if (color[t] == 0) color[t] = 1, path.push_back({t, 0});
        }
    }
}

void GrammarParser::parse(Grammar& g, std::string_view root) {
    size_t pos = parse_space(0, true);
    while (at(pos)) pos = parse_rule(pos);

    // Undefined rules, as llama.cpp decides it: its rule table ends at the highest defined id;
    // an undefined id inside the table, or a reference from any rule (even one orphaned by a
    // redefinition) to an undefined id, is an error; a reference dropped by redefining the rule that
    // held it is not. Report the offender referenced first in the text.
    size_t table = 0;
    for (uint32_t id = 0; id < names_.size(); ++id)
        if (defined_[id]) table = id + 1;
    std::vector<bool> offends(names_.size(), false);
    for (uint32_t id = 0; id < table; ++id) {
        if (!defined_[id]) offends[id] = true;
        for (const auto& e : rules_[id])
            if (e.op == GrammarOp::rule_ref && !defined_[e.value]) offends[e.value] = true;
    }
    size_t bad = std::string::npos;
    uint32_t bad_id = 0;
    bool any = false;
    for (uint32_t id = 0; id < names_.size(); ++id)
        if (offends[id] && (!any || first_ref_[id] < bad)) any = true, bad = first_ref_[id], bad_id = id;
    if (any) fail(bad == std::string::npos ? 0 : bad, "undefined rule '" + names_[bad_id] + "'");
    // symbols left undefined and unreferenced (dropped with a redefinition): empty rules
    for (uint32_t id = 0; id < names_.size(); ++id)
        if (!defined_[id]) rules_[id] = {{GrammarOp::end, 0}};
    if (rules_.empty()) fail(src_.size(), "the grammar defines no rules");
    if (!user_ids_.count("root")) fail(0, "the grammar has no rule named 'root'");
    auto start = user_ids_.find(root);
    if (start == user_ids_.end()) fail(0, "the start rule '" + std::string(root) + "' is not defined");
    check_left_recursion();

    g.start_ = start->second;
    g.names_ = std::move(names_);
    g.rule_begin_.reserve(rules_.size());
    size_t total = 0;
    for (const auto& r : rules_) total += r.size();
    g.elems_.reserve(total);
    for (auto& r : rules_) {
        g.rule_begin_.push_back(static_cast<uint32_t>(g.elems_.size()));
        g.elems_.insert(g.elems_.end(), r.begin(), r.end());
        Rule().swap(r);
    }
}

std::shared_ptr<const Grammar> Grammar::parse(std::string_view text, std::string_view root, const std::string& file) {
    auto g = std::make_shared<Grammar>();
    if (text.empty()) {  // llama_sampler_init_grammar: no grammar, every token allowed
        g->unconstrained_ = true;
        return g;
    }
    try {
        GrammarParser p(text);
        p.parse(*g, root);
    } catch (const ParseFail& f) {
        throw Error(file, line_column(text, f.offset), f.what);
    } catch (const std::bad_alloc&) {
        throw Error(file, line_column(text, 0), "out of memory while parsing the grammar");
    }
    return g;
}

}  // namespace zigllm::decode

namespace zigllm::decode {

namespace {
void print_char(std::string& out, uint32_t c) {
    if (0x20 <= c && c < 0x7f && c != '"' && c != '\\' && c != ']' && c != '[' && c != '-' && c != '^') {
        out.push_back(static_cast<char>(c));
    } else {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\U%08X", c);
        out += buf;
    }
}
}  // namespace

std::string Grammar::to_string() const {
    std::string out;
    for (uint32_t r = 0; r < rule_begin_.size(); ++r) {
        out += names_[r] + " ::=";
        for (uint32_t i = rule_begin_[r]; elems_[i].op != GrammarOp::end; ++i) {
            const auto& e = elems_[i];
            switch (e.op) {
                case GrammarOp::alt: out += " |"; break;
                case GrammarOp::rule_ref: out += " " + names_[e.value]; break;
                case GrammarOp::chr: out += " ["; print_char(out, e.value); break;
                case GrammarOp::chr_not: out += " [^"; print_char(out, e.value); break;
                case GrammarOp::chr_alt: print_char(out, e.value); break;
                case GrammarOp::chr_rng_upper: out += "-"; print_char(out, e.value); break;
                case GrammarOp::chr_any: out += " ."; break;
                case GrammarOp::end: break;
            }
            if (e.op != GrammarOp::chr_any && e.op != GrammarOp::alt && e.op != GrammarOp::rule_ref) {
                GrammarOp next = elems_[i + 1].op;
                if (next != GrammarOp::chr_alt && next != GrammarOp::chr_rng_upper) out += "]";
            }
        }
        out += "\n";
    }
    return out;
}

}  // namespace zigllm::decode
