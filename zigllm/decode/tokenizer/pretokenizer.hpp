// Byte-level BPE pre-tokenization: llama.cpp's regex split (unicode_regex_split) on PCRE2.
//
// llama.cpp applies a list of regexes in turn; each one splits every piece left by the previous
// ones into its matches and the gaps between them. It runs the GPT-2 and LLaMA-3 expressions through
// hand-written matchers and the others through std::regex on a "collapsed" text (each non-ASCII code
// point replaced by one byte standing for its category, non-ASCII white space by \v). We run every
// expression on PCRE2 (UTF mode, Unicode properties) and reproduce what that emulation does:
//   * non-ASCII white space is matched as \v (so it is \s, and nothing else: e.g. U+3000 does not
//     fall into deepseek-llm's literal range U+3000-U+3002);
//   * its ASCII table for \p{S} lacks '~' (U+007E), so in the regexes that use \p{S} '~' is no symbol;
//   * \s and \d are ASCII only (PCRE2 without UCP), like std::regex in the C locale; `$` is the
//     very end (PCRE2_DOLLAR_ENDONLY), as in ECMAScript.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zigllm::decode::tok {

// What a tokenizer.ggml.pre value means (llama.cpp's llama_vocab::impl::load).
struct BpePreConfig {
    std::string_view regex_group;  // key into the regex table
    bool clean_spaces = true;
    bool ignore_merges = false;
    bool add_bos = false;           // llama.cpp forces add_bos for a few types (the GGUF key overrides)
    bool add_sep = false;
    bool no_bos = false;            // chatglm: no BOS token by default
};
// Returns false for an unknown name.
bool bpe_pre_config(std::string_view pre, BpePreConfig& out);

// The expressions of a regex group as llama.cpp lists them (before our PCRE2 rewrites); empty if unknown.
std::vector<std::string> regex_list(std::string_view regex_group);

class PreTokenizer {
public:
    explicit PreTokenizer(std::string_view regex_group);   // throws std::runtime_error if unknown
    ~PreTokenizer();
    PreTokenizer(const PreTokenizer&) = delete;
    PreTokenizer& operator=(const PreTokenizer&) = delete;

    // Splits `text` into words. `clean` receives the UTF-8 re-encoding of the text's code points
    // (equal to `text` when it is valid UTF-8; each invalid byte becomes U+FFFD, as in llama.cpp);
    // `words` receives [begin, end) byte ranges of `clean`, in order, covering it.
    void split(std::string_view text, std::string& clean, std::vector<std::pair<uint32_t, uint32_t>>& words) const;

private:
    struct Regex;
    std::vector<std::unique_ptr<Regex>> regexes_;
};

}  // namespace zigllm::decode::tok
