// The PCRE2 pre-tokenizer against an oracle that follows llama.cpp's own route (unicode_regex_split):
// std::regex over the "collapsed" text (one byte per code point standing for its category) for
// expressions with \p{..}, std::wregex over code points otherwise, non-ASCII white space as \v.
// Every regex group except kimi-k2 (\p{Han}, a hand-written matcher in llama.cpp) is compared on
// the reference inputs and on random strings mixing the characters the expressions care about.
#define BOOST_TEST_MODULE tokenizer_pretokenizer
#include <boost/test/unit_test.hpp>

#include <random>
#include <regex>

#include "zigllm/decode/tokenizer/pretokenizer.hpp"
#include "zigllm/decode/tokenizer/unicode.hpp"

using namespace zigllm::decode::tok;

namespace {

// The regex lists as llama.cpp has them (one representative pre name per group).
const char* const pre_names[] = {"default", "llama3", "dbrx", "deepseek-llm", "deepseek-v3", "deepseek-coder",
                                 "falcon", "starcoder", "gpt-2", "qwen2", "bloom", "chatglm-bpe", "viking",
                                 "tekken", "chameleon", "gpt-4o", "superbpe", "bailingmoe", "seed-coder"};

char collapsed_byte(uint32_t c) {
    if (c < 128) return static_cast<char>(c);
    CptInfo info = cpt_info(c);
    if (info.whitespace) return 0x0B;
    switch (info.category) {
        case cat_number: return static_cast<char>(0xD1);
        case cat_letter: return static_cast<char>(0xD2);
        case cat_punctuation: return static_cast<char>(0xD3);
        case cat_mark: return static_cast<char>(0xD4);
        case cat_symbol: return static_cast<char>(0xD5);
        default: return static_cast<char>(0xD0);
    }
}

bool uses_category(const std::string& re) {
    for (const char* c : {"\\p{N}", "\\p{L}", "\\p{P}", "\\p{M}", "\\p{S}"})
        if (re.find(c) != std::string::npos) return true;
    return false;
}

// \p{X} -> the collapsed byte plus its ASCII members (llama.cpp's k_ucat_map)
std::string collapse_regex(const std::string& re) {
    static const std::pair<const char*, std::string> map[] = {
        {"\\p{N}", "\xD1\x30-\x39"},
        {"\\p{L}", "\xD2\x41-\x5A\x61-\x7A"},
        {"\\p{P}", "\xD3\x21-\x23\x25-\x2A\x2C-\x2F\x3A-\x3B\x3F-\x40\\\x5B-\\\x5D\x5F\\\x7B\\\x7D"},
        {"\\p{M}", "\xD4"},
        {"\\p{S}", "\xD5\\\x24\\\x2B\x3C-\x3E\x5E\x60\\\x7C"},
    };
    std::string out;
    bool inside = false;
    for (size_t i = 0; i < re.size(); ++i) {
        if (re[i] == '[' && (i == 0 || re[i - 1] != '\\')) {
            out += '[';
            inside = true;
            continue;
        }
        if (inside && re[i] == ']' && re[i - 1] != '\\') {
            out += ']';
            inside = false;
            continue;
        }
        bool done = false;
        for (const auto& [pat, cls] : map) {
            if (re.compare(i, 5, pat) == 0) {
                out += inside ? cls : "[" + cls + "]";
                i += 4;
                done = true;
                break;
            }
        }
        if (!done) out += re[i];
    }
    return out;
}

std::vector<std::string> oracle_split(const std::string& text, const std::vector<std::string>& exprs) {
    std::vector<uint32_t> cpts;
    utf8_to_cpts(text, cpts);
    std::string collapsed;
    std::wstring wide;
    for (uint32_t c : cpts) {
        collapsed += collapsed_byte(c);
        wide += static_cast<wchar_t>(c >= 0x80 && cpt_is_whitespace(c) ? 0x0B : c);
    }
    std::vector<size_t> offsets = {cpts.size()};
    for (const auto& re : exprs) {
        std::vector<size_t> next;
        size_t start = 0;
        auto run = [&](auto begin_ptr, const auto& expr, size_t len) {
            using It = decltype(begin_ptr);
            std::regex_iterator<It> it(begin_ptr, begin_ptr + len, expr), end;
            size_t last = 0;
            for (; it != end; ++it) {
                size_t pos = static_cast<size_t>(it->position());
                if (pos > last) next.push_back(pos - last);
                next.push_back(static_cast<size_t>(it->length()));
                last = pos + static_cast<size_t>(it->length());
            }
            if (last < len) next.push_back(len - last);
        };
        if (uses_category(re)) {
            std::regex expr(collapse_regex(re));
            for (size_t len : offsets) {
                run(collapsed.data() + start, expr, len);
                start += len;
            }
        } else {
            std::vector<uint32_t> rc;
            utf8_to_cpts(re, rc);
            std::wregex expr(std::wstring(rc.begin(), rc.end()));
            for (size_t len : offsets) {
                run(wide.data() + start, expr, len);
                start += len;
            }
        }
        offsets.swap(next);
    }
    std::vector<std::string> words;
    size_t start = 0;
    for (size_t len : offsets) {
        if (len == 0) continue;
        std::string w;
        for (size_t i = start; i < start + len; ++i) append_utf8(cpts[i], w);
        words.push_back(std::move(w));
        start += len;
    }
    return words;
}

std::vector<std::string> our_split(const PreTokenizer& p, const std::string& text) {
    std::string clean;
    std::vector<std::pair<uint32_t, uint32_t>> spans;
    p.split(text, clean, spans);
    std::vector<std::string> words;
    for (auto [b, e] : spans) words.push_back(clean.substr(b, e - b));
    return words;
}

std::string random_text(std::mt19937& rng) {
    static const char* const atoms[] = {
        "a", "Z", "q", "0", "7", "123", " ", " ", "  ", "\n", "\r\n", "\t", "'", "'s", "'T", "'re", "'LL", "'d", "'m",
        "!", "?", ".", ",", "~", "$", "+", "<", "=", "`", "|", "^", "(", ")", "[", "\\", "-", "_", "{", "@", "#",
        "é", "Ж", "ß", "中", "文", "ア", "ひ", "한", "ก", "ี", "\u0301", "٣", "½", "²", "€", "✅", "🦙", "😁",
        "\u00A0", "\u3000", "\u2028", "\u0085", "、", "。", "，", "！", "～", "‘", "…", "।", "\xff", "\xc3",
        "Hello", " world", "IMGIMGABZ", "<sentinel:12>", "    ", "\xe2\x80\x8d", "ǅ", "ʰ", "Ⅻ", "𝟘"};
    std::uniform_int_distribution<size_t> pick(0, std::size(atoms) - 1), len(1, 14);
    std::string s;
    for (size_t i = 0, n = len(rng); i < n; ++i) s += atoms[pick(rng)];
    return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(pcre2_split_equals_llama_cpp_route) {
    std::mt19937 rng(1234);
    std::vector<std::string> texts = {"", "Hello world", " Hello World!", "3333333", "w048 7tuijk dsdfhu",
                                      "\n =", "I've been 'told he's there, 'RE you sure? We'Ve a'lL",
                                      "Hello, y'all! How are you 😁 ?我想在apple工作1314151天～",
                                      "   \n\n  x", "------=======", "1234567890", "\u3000、x\u3000"};
    for (int i = 0; i < 600; ++i) texts.push_back(random_text(rng));
    for (const char* pre : pre_names) {
        BpePreConfig cfg;
        BOOST_TEST_REQUIRE(bpe_pre_config(pre, cfg));
        PreTokenizer ours(cfg.regex_group);
        std::vector<std::string> exprs = regex_list(cfg.regex_group);
        size_t mismatches = 0;
        for (const auto& t : texts) {
            auto want = oracle_split(t, exprs);
            auto got = our_split(ours, t);
            if (got != want && ++mismatches <= 3) {
                std::string g, w;
                for (auto& x : got) g += "[" + x + "]";
                for (auto& x : want) w += "[" + x + "]";
                BOOST_ERROR(pre << ": " << t << "\n  ours   " << g << "\n  oracle " << w);
            }
        }
        BOOST_TEST(mismatches == 0u, pre << ": " << mismatches << " of " << texts.size() << " texts differ");
    }
}

BOOST_AUTO_TEST_CASE(kimi_k2_splits) {
    PreTokenizer k("kimi_k2");
    auto w = our_split(k, "我想在apple工作 Hello's world123456");
    std::vector<std::string> want = {"我想在", "apple", "工作", " Hello's", " world", "123", "456"};
    BOOST_TEST(w == want, [&] { std::string s; for (auto& x : w) s += "[" + x + "]"; return s; }());
}

BOOST_AUTO_TEST_CASE(invalid_utf8_becomes_replacement_characters) {
    PreTokenizer p("gpt2");
    auto w = our_split(p, std::string("a\xff\xc3 b"));
    std::vector<std::string> want = {"a", "\xef\xbf\xbd\xef\xbf\xbd", " b"};
    BOOST_TEST(w == want);
}

BOOST_AUTO_TEST_CASE(unknown_pre_type_is_refused) {
    BpePreConfig cfg;
    BOOST_TEST(!bpe_pre_config("no-such-pre", cfg));
    BOOST_TEST(bpe_pre_config("", cfg));
    BOOST_TEST(cfg.regex_group == "default");
}
