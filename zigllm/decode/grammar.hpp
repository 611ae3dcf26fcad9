// A parsed GBNF grammar (llama.cpp's dialect, src/llama-grammar.cpp of July 2025).
//
// The element encoding is llama.cpp's: every rule is a sequence of elements; alternatives are
// separated by `alt` and the rule ends with `end`. A character class is a `chr`/`chr_not`/`chr_any`
// element followed by `chr_alt` and `chr_rng_upper` elements. Repetitions and groups are rewritten
// into generated helper rules exactly as llama.cpp does, so the language (and the left-recursion
// verdicts) are the same.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zigllm::decode {

enum class GrammarOp : uint8_t {
    end,            // end of a rule
    alt,            // start of another alternative
    rule_ref,       // value = rule id
    chr,            // value = code point; starts a (positive) character set
    chr_not,        // value = code point; starts a negated character set
    chr_rng_upper,  // value = inclusive upper bound of the range begun by the previous element
    chr_alt,        // value = another code point of the current set
    chr_any,        // `.`: any code point
};

struct GrammarElement {
    GrammarOp op;
    uint32_t value;
};

class Grammar {
public:
    // Parses GBNF text. `root` names the start rule; llama.cpp also requires a rule named "root"
    // in every grammar, and so do we. The empty text is the unconstrained grammar (llama.cpp's
    // no-op sampler). Refusals: zigllm::Error(file, "line L, column C", what), 1-based, columns
    // in bytes. Work is bounded (nesting depth, total size), so hostile input fails fast.
    static std::shared_ptr<const Grammar> parse(std::string_view text, std::string_view root = "root",
                                                const std::string& file = "-");

    bool unconstrained() const { return unconstrained_; }
    uint32_t start_rule() const { return start_; }
    size_t n_rules() const { return rule_begin_.size(); }
    // All rules, each ending with `end`, concatenated; positions into this array are the stack
    // entries of the matcher.
    const std::vector<GrammarElement>& elements() const { return elems_; }
    uint32_t rule_begin(uint32_t rule) const { return rule_begin_[rule]; }
    const std::string& rule_name(uint32_t rule) const { return names_[rule]; }
    // Human-readable GBNF of the parsed rules (generated rules included), for debugging.
    std::string to_string() const;

    // Limits on the parsed form (llama.cpp has none and hangs or dies on such input).
    static constexpr size_t kMaxElements = 4u << 20;
    static constexpr int kMaxNesting = 1000;  // ~3000 overflow an 8 MB stack under ASan

private:
    friend class GrammarParser;
    bool unconstrained_ = false;
    uint32_t start_ = 0;
    std::vector<GrammarElement> elems_;
    std::vector<uint32_t> rule_begin_;
    std::vector<std::string> names_;
};

// True for elements that begin a character set (the only thing a matcher stack may point at).
inline bool is_char_start(GrammarOp op) {
    return op == GrammarOp::chr || op == GrammarOp::chr_not || op == GrammarOp::chr_any;
}
inline bool is_end_of_sequence(GrammarOp op) { return op == GrammarOp::end || op == GrammarOp::alt; }

}  // namespace zigllm::decode
