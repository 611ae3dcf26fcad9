#include "zigllm/decode/tokenizer/pretokenizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdexcept>

#include "zigllm/decode/tokenizer/unicode.hpp"

namespace zigllm::decode::tok {

namespace {

struct RegexGroup {
    std::string_view name;
    std::vector<const char*> exprs;
};

// The pre-tokenizer expressions of llama.cpp's llm_tokenizer_bpe (src/llama-vocab.cpp, July 2025),
// transcribed verbatim; the comment above each entry lists the llama.cpp pre-types that share it.
const std::vector<RegexGroup>& regex_groups() {
    static const std::vector<RegexGroup> groups = {
    // llama3
    {"llama3", {
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    }},
    // dbrx, smaug
    {"dbrx", {
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    }},
    // deepseek_llm
    {"deepseek_llm", {
        "[\r\n]",
        "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
        "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
        "\\s+$",
        "[一-龥ࠀ-一가-퟿]+",
        "\\p{N}+",
    }},
    // deepseek3_llm
    {"deepseek3_llm", {
        "\\p{N}{1,3}",
        "[一-龥぀-ゟ゠-ヿ]+",
        "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
    }},
    // deepseek_coder
    {"deepseek_coder", {
        "[\r\n]",
        "\\s?\\p{L}+",
        "\\s?\\p{P}+",
        "[一-龥ࠀ-一가-퟿]+",
        "\\p{N}",
    }},
    // falcon
    {"falcon", {
        "[\\p{P}\\$\\+<=>\\^~\\|`]+",
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
        "[0-9][0-9][0-9]",
    }},
    // starcoder, refact, command_r, smollm, codeshell, exaone, minerva
    {"starcoder", {
        "\\p{N}",
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
    }},
    // gpt2, mpt, olmo, jais, trillion
    {"gpt2", {
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
    }},
    // stablelm2, qwen2, hunyuan
    {"stablelm2", {
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    }},
    // poro, bloom, gpt3_finnish
    {"poro", {
        " ?[^(\\s|.,!?…。，、।۔،)]+",
    }},
    // chatglm4
    {"chatglm4", {
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    }},
    // viking
    {"viking", {
        " ?[^(\\s|.,!?…。，、।۔،)]+",
        "\\p{N}",
    }},
    // tekken
    {"tekken", {
        "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    }},
    // chameleon
    {"chameleon", {
        "<sentinel:[0-9]+>",
        "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
        "([\\t\\n]|    |  )",
        "\\p{N}",
        "[\\p{P}!-/:-@\\[-`{-~]",
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
    }},
    // gpt4o
    {"gpt4o", {
        "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    }},
        // superbpe
    {"superbpe", {
        "\\p{N}+",
        "(?=(\\d{3})+(?!\\d))",
    }},
    // bailingmoe
    {"bailingmoe", {
        "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+",
    }},
    // seed_coder
    {"seed_coder", {
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    }},
    // default
    {"default", {
        "[\\p{P}\\$\\+<=>\\^~\\|]+",
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
        "\\p{N}+",
        "[0-9][0-9][0-9]",
    }},
    // kimi-k2: llama.cpp matches this with a hand-written routine (unicode_regex_split_custom_kimi_k2)
    // whose rules are, as one expression (Han = llama.cpp's unicode_cpt_is_han ranges):
    {"kimi_k2", {
        "[\\x{3400}-\\x{4DBF}\\x{4E00}-\\x{9FFF}\\x{F900}-\\x{FAFF}\\x{20000}-\\x{2A6DF}\\x{2A700}-\\x{2EBEF}\\x{2F800}-\\x{2FA1F}]+"
        "|[^\\r\\n\\p{L}\\p{N}]?(?:(?![\\x{3400}-\\x{4DBF}\\x{4E00}-\\x{9FFF}\\x{F900}-\\x{FAFF}\\x{20000}-\\x{2A6DF}\\x{2A700}-\\x{2EBEF}\\x{2F800}-\\x{2FA1F}])\\p{L})+"
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?"
        "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    }},
    };
    return groups;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// tokenizer.ggml.pre -> regexes and flags (llama.cpp's llama_vocab::impl::load, July 2025)

bool bpe_pre_config(std::string_view pre, BpePreConfig& c) {
    c = BpePreConfig{};
    auto is = [&](std::initializer_list<std::string_view> names) {
        for (auto n : names)
            if (pre == n) return true;
        return false;
    };
    if (pre.empty() || pre == "default") {
        c.regex_group = "default";
    } else if (is({"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"})) {
        c.regex_group = "llama3"; c.ignore_merges = true; c.add_bos = true;
    } else if (pre == "deepseek-llm") {
        c.regex_group = "deepseek_llm"; c.clean_spaces = false;
    } else if (pre == "deepseek-coder") {
        c.regex_group = "deepseek_coder"; c.clean_spaces = false;
    } else if (pre == "deepseek-v3") {
        c.regex_group = "deepseek3_llm"; c.clean_spaces = false;
    } else if (pre == "falcon") {
        c.regex_group = "falcon";
    } else if (is({"mpt", "olmo", "jais"})) {
        c.regex_group = "gpt2";
    } else if (is({"starcoder", "refact", "codeshell", "exaone", "minerva-7b"})) {
        c.regex_group = "starcoder";
    } else if (is({"command-r", "smollm"})) {
        c.regex_group = "starcoder"; c.clean_spaces = false;
    } else if (is({"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "exaone4"})) {
        c.regex_group = "gpt2";
    } else if (is({"jina-v1-en", "jina-v2-code", "roberta-bpe"})) {
        c.regex_group = "gpt2"; c.add_sep = true;
    } else if (is({"qwen2", "deepseek-r1-qwen", "hunyuan"})) {
        c.regex_group = "stablelm2"; c.clean_spaces = false;
    } else if (is({"stablelm2", "megrez"})) {
        c.regex_group = "stablelm2";
    } else if (pre == "dbrx" || pre == "smaug-bpe") {
        c.regex_group = "dbrx";
    } else if (pre == "poro-chat") {
        c.regex_group = "poro"; c.clean_spaces = false;
    } else if (pre == "bloom" || pre == "gpt3-finnish") {
        c.regex_group = "poro";
    } else if (pre == "glm4" || pre == "chatglm-bpe") {
        c.regex_group = "chatglm4"; c.no_bos = true;
    } else if (pre == "viking") {
        c.regex_group = "viking"; c.clean_spaces = false;
    } else if (pre == "tekken") {
        c.regex_group = "tekken"; c.clean_spaces = false; c.ignore_merges = true; c.add_bos = true;
    } else if (pre == "chameleon") {
        c.regex_group = "chameleon"; c.add_bos = true; c.clean_spaces = false;
    } else if (pre == "gpt-4o" || pre == "llama4") {
        c.regex_group = "gpt4o"; c.clean_spaces = false;
    } else if (pre == "superbpe") {
        c.regex_group = "superbpe"; c.clean_spaces = false;
    } else if (pre == "trillion") {
        c.regex_group = "gpt2"; c.clean_spaces = false;
    } else if (pre == "bailingmoe") {
        c.regex_group = "bailingmoe"; c.clean_spaces = false;
    } else if (pre == "seed-coder") {
        c.regex_group = "seed_coder"; c.clean_spaces = false;
    } else if (pre == "kimi-k2") {
        c.regex_group = "kimi_k2"; c.clean_spaces = false;
    } else {
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Regexes

namespace {

// llama.cpp's \p{S} (collapsed-text emulation) has no '~': a class that names \p{S} but not '~'
// is rewritten so that '~' is outside it (or inside, for a negated class); a bare \p{S} likewise.
std::string without_tilde_symbol(std::string_view re) {
    if (re.find("\\p{S}") == std::string_view::npos) return std::string(re);
    std::string out;
    size_t i = 0;
    while (i < re.size()) {
        if (re[i] == '\\' && i + 1 < re.size()) {
            if (re.substr(i, 5) == "\\p{S}") {
                out += "(?:(?!~)\\p{S})";
                i += 5;
            } else {
                out.append(re.substr(i, 2));
                i += 2;
            }
            continue;
        }
        if (re[i] == '[') {
            size_t j = i + 1;
            if (j < re.size() && re[j] == '^') ++j;
            if (j < re.size() && re[j] == ']') ++j;  // leading ']' is a literal
            while (j < re.size() && re[j] != ']') j += (re[j] == '\\') ? 2 : 1;
            std::string_view cls = re.substr(i, std::min(j + 1, re.size()) - i);
            bool negated = cls.size() > 1 && cls[1] == '^';
            if (cls.find("\\p{S}") != std::string_view::npos && cls.find('~') == std::string_view::npos) {
                out += negated ? "(?:~|" : "(?:(?!~)";
                out.append(cls);
                out += ")";
            } else {
                out.append(cls);
            }
            i += cls.size();
            continue;
        }
        out.push_back(re[i++]);
    }
    return out;
}

struct MatchScratch {
    pcre2_match_data* md = nullptr;
    pcre2_match_context* mc = nullptr;
    pcre2_jit_stack* js = nullptr;
    MatchScratch() {
        md = pcre2_match_data_create(64, nullptr);
        mc = pcre2_match_context_create(nullptr);
        js = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
        if (mc && js) pcre2_jit_stack_assign(mc, nullptr, js);
    }
    ~MatchScratch() {
        pcre2_match_data_free(md);
        pcre2_match_context_free(mc);
        pcre2_jit_stack_free(js);
    }
};

MatchScratch& scratch() {
    thread_local MatchScratch s;
    return s;
}

}  // namespace

struct PreTokenizer::Regex {
    pcre2_code* code = nullptr;
    explicit Regex(std::string_view expr) {
        std::string pattern = without_tilde_symbol(expr);
        int err = 0;
        PCRE2_SIZE erroff = 0;
        code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                             PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &err, &erroff, nullptr);
        if (!code) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            throw std::runtime_error("pre-tokenizer regex does not compile at " + std::to_string(erroff) + ": " +
                                     reinterpret_cast<const char*>(msg));
        }
        pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is absent
    }
    ~Regex() { pcre2_code_free(code); }
};

std::vector<std::string> regex_list(std::string_view group) {
    for (const auto& g : regex_groups())
        if (g.name == group) return {g.exprs.begin(), g.exprs.end()};
    return {};
}

PreTokenizer::PreTokenizer(std::string_view group) {
    for (const auto& g : regex_groups()) {
        if (g.name != group) continue;
        for (const char* e : g.exprs) regexes_.push_back(std::make_unique<Regex>(e));
        return;
    }
    throw std::runtime_error("no pre-tokenizer regexes named " + std::string(group));
}

PreTokenizer::~PreTokenizer() = default;

void PreTokenizer::split(std::string_view text, std::string& clean,
                         std::vector<std::pair<uint32_t, uint32_t>>& words) const {
    thread_local std::vector<uint32_t> cpts;
    thread_local std::string subject;
    thread_local std::vector<uint32_t> clean_off, subj_off;
    thread_local std::vector<std::pair<uint32_t, uint32_t>> segs, next;  // code point ranges

    utf8_to_cpts(text, cpts);
    const uint32_t n = static_cast<uint32_t>(cpts.size());
    clean.clear();
    subject.clear();
    clean_off.resize(n + 1);
    subj_off.resize(n + 1);
    for (uint32_t i = 0; i < n; ++i) {
        uint32_t c = cpts[i];
        clean_off[i] = static_cast<uint32_t>(clean.size());
        subj_off[i] = static_cast<uint32_t>(subject.size());
        append_utf8(c, clean);
        if (c >= 0x80 && cpt_is_whitespace(c)) c = 0x0B;        // what the collapsed text holds
        else if (c >= 0xD800 && c <= 0xDFFF) c = 0xE000;          // same category (other), valid UTF-8
        append_utf8(c, subject);
    }
    clean_off[n] = static_cast<uint32_t>(clean.size());
    subj_off[n] = static_cast<uint32_t>(subject.size());

    segs.clear();
    if (n) segs.emplace_back(0, n);
    MatchScratch& ms = scratch();
    const auto* subj = reinterpret_cast<PCRE2_SPTR>(subject.data());

    for (const auto& re : regexes_) {
        next.clear();
        for (auto [cb, ce] : segs) {
            const PCRE2_SIZE base = subj_off[cb];
            const PCRE2_SIZE len = subj_off[ce] - base;
            uint32_t cp = cb;            // code point index at byte `cp_byte` (relative to base)
            PCRE2_SIZE cp_byte = 0;
            auto to_cp = [&](PCRE2_SIZE byte) {
                while (cp_byte < byte) {
                    cp_byte += utf8_len(subject[base + cp_byte]);
                    ++cp;
                }
                return cp;
            };
            uint32_t prev_end = cb;
            PCRE2_SIZE pos = 0;
            uint32_t opts = 0;
            while (pos <= len) {
                int rc = pcre2_match(re->code, subj + base, len, pos, opts | PCRE2_NO_UTF_CHECK, ms.md, ms.mc);
                if (rc == PCRE2_ERROR_NOMATCH) {
                    if (opts == 0) break;
                    // no non-empty match at an empty match's position: step one character on
                    if (pos >= len) break;
                    pos += utf8_len(subject[base + pos]);
                    opts = 0;
                    continue;
                }
                if (rc < 0) {
                    PCRE2_UCHAR msg[256];
                    pcre2_get_error_message(rc, msg, sizeof msg);
                    throw std::runtime_error(std::string("pre-tokenizer regex failed: ") +
                                             reinterpret_cast<const char*>(msg));
                }
                const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(ms.md);
                uint32_t m0 = to_cp(ov[0]);
                uint32_t m1 = to_cp(ov[1]);
                if (m0 > prev_end) next.emplace_back(prev_end, m0);
                if (m1 > m0) next.emplace_back(m0, m1);
                prev_end = m1;
                pos = ov[1];
                opts = (ov[1] == ov[0]) ? (PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED) : 0;
            }
            if (prev_end < ce) next.emplace_back(prev_end, ce);
        }
        segs.swap(next);
    }

    words.clear();
    words.reserve(segs.size());
    for (auto [cb, ce] : segs) words.emplace_back(clean_off[cb], clean_off[ce]);
}

}  // namespace zigllm::decode::tok
