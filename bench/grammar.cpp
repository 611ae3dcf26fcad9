// bench_grammar: time to compute the allowed-token mask of a ~50k-token vocabulary per step, for a
// JSON grammar at several points of a document (llama.cpp: 2-12 ms per apply; target < 2 ms).
// Pieces: $ZIGLLM_REF_DIR/grammar/vocab-pieces-gpt-2.json (50257 GPT-2 pieces) when available,
// otherwise a synthetic 50k vocabulary (bytes, ASCII words with/without a leading space,
// punctuation runs, multi-byte UTF-8 words). For each point: "cold" = the first mask of a fresh
// matcher (grammar states built on the way), "warm" = median of repeated masks at that point.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "zigllm/decode/grammar.hpp"
#include "zigllm/decode/grammar_matcher.hpp"

using namespace zigllm::decode;

namespace {

// A JSON grammar in the style of llama.cpp's grammars/json.gbnf (objects, arrays, strings with
// escapes, numbers, literals, bounded optional whitespace).
const char* kJsonGrammar = R"(root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array  ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws
ws ::= | " " | "\n" [ \t]{0,20}
)";

std::vector<std::string> ref_pieces() {
    const char* root = std::getenv("ZIGLLM_REF_DIR");
    if (!root) return {};
    std::ifstream in(std::string(root) + "/grammar/vocab-pieces-gpt-2.json", std::ios::binary);
    if (!in) return {};
    std::stringstream ss;
    ss << in.rdbuf();
    auto doc = boost::json::parse(ss.str());
    std::vector<std::string> pieces;
    auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (const auto& h : doc.at("pieces_hex").as_array()) {
        std::string_view x = h.as_string();
        std::string p;
        for (size_t i = 0; i + 1 < x.size(); i += 2) p.push_back(static_cast<char>(nib(x[i]) * 16 + nib(x[i + 1])));
        pieces.push_back(std::move(p));
    }
    return pieces;
}

std::vector<std::string> synthetic_pieces(size_t n) {
    std::mt19937 rng(42);
    std::vector<std::string> p;
    for (int b = 0; b < 256; ++b) p.push_back(std::string(1, static_cast<char>(b)));
    const std::string letters = "etaoinshrdlcumwfgypbvkjxqz";
    const char* punct[] = {"\"", "\":", "\",", "{\"", "},", "[", "]", "\\n", ".", ",", "(", ")", "{", "}", "\n", "  "};
    const char* utf8[] = {"\xc3\xa9", "\xe6\x97\xa5", "\xe2\x80\x94", "\xf0\x9f\x98\x80", "\xd0\xb0"};
    while (p.size() < n) {
        std::string w;
        int kind = static_cast<int>(rng() % 10);
        if (kind < 6) {
            if (rng() % 2) w.push_back(' ');
            int len = 2 + static_cast<int>(rng() % 8);
            for (int i = 0; i < len; ++i) w.push_back(letters[std::min<size_t>(rng() % 26, rng() % 26)]);
            if (rng() % 8 == 0) w[w[0] == ' ' ? 1 : 0] = static_cast<char>(std::toupper(w[w[0] == ' ' ? 1 : 0]));
        } else if (kind < 8) {
            int len = 1 + static_cast<int>(rng() % 3);
            for (int i = 0; i < len; ++i) w += punct[rng() % 16];
        } else if (kind < 9) {
            w = std::to_string(rng() % 100000);
        } else {
            int len = 1 + static_cast<int>(rng() % 3);
            for (int i = 0; i < len; ++i) w += utf8[rng() % 5];
        }
        p.push_back(std::move(w));
    }
    p.push_back("<|endoftext|>");
    return p;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main() {
    auto pieces = ref_pieces();
    const bool synthetic = pieces.empty();
    if (synthetic) pieces = synthetic_pieces(50257);
    const Token eog = static_cast<Token>(pieces.size() - 1);
    auto t0 = std::chrono::steady_clock::now();
    auto trie = std::make_shared<const TokenTrie>(pieces, std::vector<Token>{eog});
    std::printf("vocab: %zu pieces (%s), trie %zu nodes, built in %.1f ms\n", pieces.size(),
                synthetic ? "synthetic" : "gpt-2 reference", trie->n_nodes(), ms_since(t0));
    auto grammar = Grammar::parse(kJsonGrammar);

    struct Point {
        const char* name;
        std::string prefix;
    };
    const Point points[] = {
        {"start", ""},
        {"after {", "{"},
        {"in key", "{\"na"},
        {"after key", "{\"name\""},
        {"in string", "{\"name\": \"Jo"},
        {"in number", "{\"a\": [1, 2.5e"},
        {"mid UTF-8", "{\"k\": \"\xe6\x97"},
        {"nested 8 deep", "{\"a\": [[[[[[[["},
        {"complete", "{\"a\": true}"},
    };
    std::printf("%-14s %8s %10s %10s %10s\n", "point", "allowed", "cold ms", "warm ms", "min ms");
    std::vector<uint8_t> mask;
    double worst_warm = 0;
    for (const auto& pt : points) {
        GrammarMatcher m(grammar, trie);
        if (!m.accept_bytes(pt.prefix) && !pt.prefix.empty()) {
            std::printf("%-14s prefix refused\n", pt.name);
            return 1;
        }
        auto c0 = std::chrono::steady_clock::now();
        m.fill_mask(mask);
        double cold = ms_since(c0);
        std::vector<double> t;
        for (int r = 0; r < 30; ++r) {
            auto r0 = std::chrono::steady_clock::now();
            m.fill_mask(mask);
            t.push_back(ms_since(r0));
        }
        std::sort(t.begin(), t.end());
        size_t n_allowed = static_cast<size_t>(std::count(mask.begin(), mask.end(), 1));
        std::printf("%-14s %8zu %10.3f %10.3f %10.3f\n", pt.name, n_allowed, cold, t[t.size() / 2], t[0]);
        worst_warm = std::max(worst_warm, t[t.size() / 2]);
    }
    // a generation-like sequence: one step per character of a document, fresh matcher, each step
    // masks the whole vocabulary (the cost a sampler pays per token, cache warming as it goes)
    const std::string doc = "{\"name\": \"Jo Smith\", \"age\": 42, \"tags\": [\"a\", \"b\"], \"ok\": true}";
    GrammarMatcher m(grammar, trie);
    std::vector<double> steps;
    for (char c : doc) {
        auto s0 = std::chrono::steady_clock::now();
        m.fill_mask(mask);
        steps.push_back(ms_since(s0));
        if (!m.accept_bytes(std::string(1, c))) {
            std::printf("document refused at '%c'\n", c);
            return 1;
        }
    }
    double total = 0;
    for (double s : steps) total += s;
    std::sort(steps.begin(), steps.end());
    std::printf("document of %zu steps: mean %.3f ms, median %.3f ms, max %.3f ms per mask\n", doc.size(),
                total / static_cast<double>(steps.size()), steps[steps.size() / 2], steps.back());
    std::printf("worst warm median: %.3f ms (target < 2 ms)\n", worst_warm);
    return 0;
}
