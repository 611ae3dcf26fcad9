// Grammar parser and matcher on synthetic input: error positions, llama.cpp's odd corners, bounded
// work on hostile grammars, partial UTF-8 and EOG rules on a small vocabulary, the sampler step.
#define BOOST_TEST_MODULE grammar_unit
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cmath>

#include "grammar_test_util.hpp"
#include "zigllm/decode/grammar_sampler.hpp"
#include "zigllm/io/error.hpp"

using namespace zigllm;
using namespace zigllm::decode;

namespace {

// "line L, column C: what" of the refusal, or "" when the grammar is accepted.
std::string refusal(std::string_view g, std::string_view root = "root") {
    try {
        Grammar::parse(g, root);
    } catch (const Error& e) {
        return e.where() + ": " + e.reason();
    }
    return "";
}

std::shared_ptr<const TokenTrie> small_vocab() {
    // 0 "a", 1 "b", 2 "ab", 3 C3, 4 A9, 5 C3 A9 (é), 6 "", 7 NUL "x", 8 "<eos>" (EOG), 9 "a" again,
    // 10 E2 82 (2 of 3 bytes of €), 11 AC (the last byte of €), 12 "é!", 13 "a" NUL "zzz"
    std::vector<std::string> p = {"a", "b", "ab", "\xc3", "\xa9", "\xc3\xa9", "", std::string("\0x", 2), "<eos>", "a",
                                  "\xe2\x82", "\xac", "\xc3\xa9!", std::string("a\0zzz", 5)};
    return std::make_shared<const TokenTrie>(p, std::vector<Token>{8});
}

std::vector<Token> allowed(GrammarMatcher& m) { return m.allowed_tokens(); }

double seconds(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

BOOST_AUTO_TEST_CASE(error_positions) {
    const std::pair<const char*, const char*> cases[] = {
        {"root ::= \"abc", "line 1, column 14: unexpected end of input in a string literal"},
        {"root ::= foo", "line 1, column 10: undefined rule 'foo'"},
        {"root ::= \"a\"\n\nx ::= (\"b\" | zed)", "line 3, column 14: undefined rule 'zed'"},
        {"root ::= (\"a\"\n", "line 2, column 1: expecting ')', got end of input"},
        {"root := \"a\"", "line 1, column 6: expecting '::='"},
        {"root ::= \"\\q\"", "line 1, column 11: unknown escape '\\q'"},
        {"root ::= [\\x4]", "line 1, column 13: expecting 2 hex digits"},
        {"root ::= \"a\"{,3}", "line 1, column 14: expecting an integer after '{'"},
        {"root ::= * \"a\"", "line 1, column 10: expecting an item before */+/?/{"},
        {"root ::= a_b", "line 1, column 11: expecting newline or end of input"},
        {"rot ::= \"a\"", "line 1, column 1: the grammar has no rule named 'root'"},
        {"# only a comment\n", "line 2, column 1: the grammar defines no rules"},
        {" ", "line 1, column 2: the grammar defines no rules"},
        {"root ::= \"a\"\nx ::= x \"b\"", "line 2, column 1: left recursion: rule 'x' can reach itself without consuming input"},
        {"root ::= \"a\"\n  | \"b\"", "line 2, column 3: expecting a rule name"},
        {"root ::= \"é\" é", "line 1, column 15: expecting newline or end of input"},
    };
    for (auto [g, want] : cases) BOOST_TEST(refusal(g) == want, "grammar: " << g);
    BOOST_TEST(refusal("root ::= \"a\"", "start") == "line 1, column 1: the start rule 'start' is not defined");
    BOOST_TEST(refusal("start ::= \"a\"", "start") == "line 1, column 1: the grammar has no rule named 'root'");
}

BOOST_AUTO_TEST_CASE(accepted_corners) {
    const char* ok[] = {
        "", "root ::= \"a\"\r\nb ::= \"c\"\r\n", "root ::= (\n  \"a\"\n  | \"b\"\n)", "root ::= \"a\" # c\n# d\n",
        "root ::= [^]", "root ::= \"\"", "root ::= (\"a\"){0}", "root ::= \"a\"{3,2}", "root ::= [\\]\\[\\\\-]",
        "root ::= \"\\U0001F600\\u00e9\\x41\"", "root ::= s\ns ::= \"(\" s \")\" | ", "root ::= [a-]",
        "root ::= \"a\"\0garbage ::= ", "start ::= \"x\"\nroot ::= start",
    };
    for (const char* g : ok) BOOST_TEST(refusal(std::string_view(g, g[0] ? std::strlen(g) + (std::strstr(g, "garbage") ? 18 : 0) : 0)) == "", g);
    BOOST_TEST(refusal("start ::= \"x\"\nroot ::= start", "start") == "");
    // llama.cpp's undefined-rule check: a reference dropped by redefining its rule is forgotten,
    // unless the dropped symbol's id lies below a defined one, or an orphaned group refers to it
    BOOST_TEST(refusal("root ::= foo\nroot ::= \"a\"") == "");
    BOOST_TEST(refusal("root ::= foo\nroot ::= \"a\"\nbar ::= \"b\"") == "line 1, column 10: undefined rule 'foo'");
    BOOST_TEST(refusal("root ::= (foo)\nroot ::= \"a\"") == "line 1, column 11: undefined rule 'foo'");
    // llama.cpp's check misses left recursion through an indirectly nullable rule (and then
    // overflows the stack); ours refuses it
    BOOST_TEST(refusal("root ::= a root \"x\" | \"y\"\na ::= b\nb ::= ").find("left recursion") != std::string::npos);
    BOOST_TEST(refusal("root ::= \"a\"*+").find("left recursion") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hostile_grammars_are_bounded) {
    auto t0 = std::chrono::steady_clock::now();
    BOOST_TEST(refusal("root ::= " + std::string(100000, '(')).find("nested too deeply") != std::string::npos);
    BOOST_TEST(refusal("root ::= " + std::string(999, '(') + "\"a\"" + std::string(999, ')')) == "");
    BOOST_TEST(refusal("root ::= \"a\"{1000000000}").find("too large") != std::string::npos);
    BOOST_TEST(refusal("root ::= \"a\"{99999999999999999999}").find("too large") != std::string::npos);
    BOOST_TEST(refusal("root ::= \"abcd\"{2000000}").find("too large") != std::string::npos);
    BOOST_TEST(refusal("root ::= \"a\"{0,100000}") == "");
    // a chain of 100000 rules: no recursion depth problem anywhere
    std::string chain = "root ::= r0\n";
    for (int i = 0; i < 100000; ++i) chain += "r" + std::to_string(i) + " ::= r" + std::to_string(i + 1) + "\n";
    chain += "r100000 ::= \"z\"\n";
    auto g = Grammar::parse(chain);
    GrammarMatcher m(g, small_vocab());
    BOOST_TEST(allowed(m).empty());
    BOOST_TEST(m.accept_bytes("z"));
    BOOST_TEST(m.can_end());
    // exponentially many derivations of the same stacks (llama.cpp re-walks every one)
    auto amb = Grammar::parse("root ::= x{40} \"a\"\nx ::= \"\" | \"\" | (\"\")");
    GrammarMatcher ma(amb, small_vocab());
    BOOST_TEST((allowed(ma) == std::vector<Token>{0, 9, 13}));
    BOOST_TEST(seconds(t0) < 10.0);
}

BOOST_AUTO_TEST_CASE(large_repetition_matches_exactly) {
    auto g = Grammar::parse("root ::= \"a\"{3000} \"b\"{0,2000}");
    GrammarMatcher m(g, small_vocab());
    BOOST_TEST(m.accept_bytes(std::string(2999, 'a')));
    BOOST_TEST(!m.can_end());
    BOOST_TEST(m.accept_bytes("a"));
    BOOST_TEST(m.can_end());
    BOOST_TEST(m.accept_bytes(std::string(2000, 'b')));
    BOOST_TEST(!m.accept_bytes("b"));
    BOOST_TEST(m.can_end());
}

BOOST_AUTO_TEST_CASE(pieces_utf8_and_eog) {
    auto v = small_vocab();
    // "a" then é (possibly split across tokens) then optionally "!"
    auto g = Grammar::parse("root ::= \"a\" [é€] \"!\"?");
    GrammarMatcher m(g, v);
    // empty piece (6) and leading NUL (7) never; a NUL ends a piece (13 is "a")
    BOOST_TEST((allowed(m) == std::vector<Token>{0, 9, 13}));
    m.accept(0);
    // é whole (5, 12 = é then !), its lead byte (3), the first 2 bytes of € (10)
    BOOST_TEST((allowed(m) == std::vector<Token>{3, 5, 10, 12}));
    BOOST_CHECK_THROW(m.accept(1), Error);  // refused: state unchanged
    BOOST_CHECK_THROW(m.accept(8), Error);  // EOG before the sentence is complete
    m.accept(3);                            // pending C3
    BOOST_TEST((allowed(m) == std::vector<Token>{4}));  // only the continuation byte
    m.accept(4);
    BOOST_TEST(m.can_end());
    BOOST_TEST((allowed(m) == std::vector<Token>{8}));  // "!" is not a piece here; EOG is allowed
    m.accept(8);                                        // EOG: accepted, state unchanged

    // EOG is allowed in the middle of a character when the text before it was complete
    auto g2 = Grammar::parse("root ::= [a-z]* | [a-z]* \"€\"");
    GrammarMatcher m2(g2, v);
    m2.accept(0);
    m2.accept(10);  // E2 82: the start of €
    BOOST_TEST((allowed(m2) == std::vector<Token>{8, 11}));
    m2.reset();
    BOOST_TEST(m2.can_end());
}

BOOST_AUTO_TEST_CASE(partial_char_against_negated_class) {
    // llama.cpp's conservative rule: a partial character is refused by a negated class if the
    // range it could complete to overlaps an excluded character
    std::vector<std::string> p = {"\xf0\x9f", "\xf0\x9f\x98", "\xf0\x9f\x91", "x"};
    auto v = std::make_shared<const TokenTrie>(p, std::vector<Token>{});
    GrammarMatcher m(Grammar::parse("root ::= [^\\U0001F600-\\U0001F64F]*"), v);
    BOOST_TEST((allowed(m) == std::vector<Token>{2, 3}));
}

BOOST_AUTO_TEST_CASE(sampler_step_and_unconstrained) {
    struct Cand {
        Token id;
        float logit;
        float p;
    };
    auto v = small_vocab();
    GrammarMatcher m(Grammar::parse("root ::= \"ab\""), v);
    std::vector<Cand> c;
    for (Token i = 0; i < 14; ++i) c.push_back({i, 1.0f, 0.0f});
    c.push_back({99, 1.0f, 0.0f});  // out of range: disallowed
    m.apply(std::span<Cand>(c));
    for (const auto& x : c) BOOST_TEST(std::isinf(x.logit) == !(x.id == 0 || x.id == 2 || x.id == 9 || x.id == 13), x.id);
    // the empty grammar is llama.cpp's no-op sampler: everything, even empty pieces
    GrammarMatcher u(Grammar::parse(""), v);
    BOOST_TEST(allowed(u).size() == 14u);
    u.accept(6);
    BOOST_CHECK_THROW(u.accept(99), Error);
}

BOOST_AUTO_TEST_CASE(state_cache_bound) {
    // nesting makes every prefix a new state: the cache is dropped and rebuilt, results unchanged
    auto g = Grammar::parse("root ::= s\ns ::= \"a\" s \"b\" | \"c\"");
    std::vector<std::string> p = {"a", "b", "c"};
    GrammarMatcher m(g, std::make_shared<const TokenTrie>(p, std::vector<Token>{}));
    for (size_t i = 0; i < GrammarMatcher::kMaxStates + 100; ++i) {
        BOOST_TEST_REQUIRE((allowed(m) == std::vector<Token>{0, 2}));
        m.accept(0);
    }
    m.accept(2);
    BOOST_TEST((allowed(m) == std::vector<Token>{1}));
}

// fuzz_gbnf finding (timeout): a ~400-element class under 16 stacked `+`, every one of which can
// continue the repetition: the stack sets explode. Now bounded: refused or answered quickly.
BOOST_AUTO_TEST_CASE(fuzz_regression_stacked_plus_on_big_class) {
    const std::string g = "root ::= [dataTypindiFFFFFFFFFFFFFFFt ::= [dataTypindiFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF-aFFFFFFFFFFFFFFFFFFFFFFFFFFFe: this Might be incomplete, mostly an example\x0a""root   ::= \x22""# This is the same as json.gbnf but we re    ::= letter | digit | {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""\xa8""FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF-a]++++++++++++++++";
    auto t0 = std::chrono::steady_clock::now();
    try {
        auto parsed = Grammar::parse(g);
        std::vector<std::string> p;
        for (int b = 1; b < 256; ++b) p.emplace_back(1, static_cast<char>(b));
        GrammarMatcher m(parsed, std::make_shared<const TokenTrie>(p, std::vector<Token>{}));
        for (int step = 0; step < 4; ++step) {
            auto ok = m.allowed_tokens();
            if (ok.empty()) break;
            m.accept(ok[ok.size() / 2]);
        }
    } catch (const Error& e) {
        BOOST_TEST(e.reason().find("too ambiguous") != std::string::npos, e.reason());
    }
    BOOST_TEST(seconds(t0) < 5.0);
}

BOOST_AUTO_TEST_CASE(grammar_in_the_sampler_chain) {
    // pieces: 0 "{", 1 "}", 2 "\"", 3 "a", 4 ":", 5 "1", 6 "x", 7 EOG
    std::vector<std::string> p = {"{", "}", "\"", "a", ":", "1", "x", "</s>"};
    auto trie = std::make_shared<const TokenTrie>(p, std::vector<Token>{7});
    auto g = Grammar::parse("root ::= \"{\" ( \"\\\"\" [a]+ \"\\\"\" \":\" [1]+ )? \"}\"");
    Chain chain;
    chain.add(make_grammar_sampler(g, trie)).add(make_greedy());
    // logits that prefer "x" (never allowed), then EOG, then ... : the grammar decides
    std::vector<float> logits = {1.0f, 0.5f, 2.0f, 3.0f, 1.5f, 2.5f, 9.0f, 4.0f};
    std::vector<Token> out;
    for (int i = 0; i < 40; ++i) {
        Token t = chain.sample(logits);
        out.push_back(t);
        if (t == 7) break;
        if (out.size() == 4) {  // the clone continues independently of the original
            auto copy = chain.clone();
            auto cur = CandidateArray::from_logits(logits);
            copy->apply(cur);
            for (size_t k = 0; k < cur.size; ++k)
                BOOST_TEST(std::isinf(cur[k].logit) == !(cur[k].id == 2 || cur[k].id == 3), cur[k].id);
            copy->accept(2);
        }
        logits[3] -= 0.3f;  // "a" and "1" get less attractive each step
        logits[5] -= 0.6f;
    }
    // { " a a ... " : 1 ... }  then EOG
    BOOST_TEST(out.front() == 0);
    BOOST_TEST(out.back() == 7);
    std::string text;
    for (Token t : out)
        if (t != 7) text += p[static_cast<size_t>(t)];
    GrammarMatcher check(g, trie);
    BOOST_TEST(check.accept_bytes(text));
    BOOST_TEST(check.can_end(), text);
}

BOOST_AUTO_TEST_CASE(grammar_sources) {
    auto re = grammar_from_regex("[0-9]{2}-x");
    GrammarMatcher m(re, small_vocab());
    BOOST_TEST(m.accept_bytes("42-x"));
    BOOST_TEST(m.can_end());
    BOOST_CHECK_THROW(grammar_from_regex("(ab"), Error);
    BOOST_CHECK_THROW(grammar_from_regex("a{2000000000}"), Error);
    BOOST_CHECK_THROW(grammar_from_gbnf_file("/nonexistent.gbnf"), Error);
    BOOST_CHECK_THROW(grammar_from_json_schema_file("/nonexistent.json"), Error);
}
