// JSON schema -> GBNF and regex -> GBNF: the generated grammars parse, and running them over text
// accepts exactly what the schema / regex accepts (reference documents of
// json-schema-to-grammar.json; exhaustive integer ranges; regexes against std::regex on every
// short string over small alphabets).
#define BOOST_TEST_MODULE grammar_convert
#include <boost/test/unit_test.hpp>

#include <regex>

#include "grammar_test_util.hpp"
#include "zigllm/decode/json_schema_to_grammar.hpp"
#include "zigllm/decode/regex_to_grammar.hpp"
#include "zigllm/io/error.hpp"

using namespace zigllm;
using namespace zigllm::decode;
namespace json = boost::json;

namespace {

// A matcher over text only (no vocabulary needed): does the grammar accept the whole text?
struct TextMatcher {
    explicit TextMatcher(const std::string& gbnf)
        : m(Grammar::parse(gbnf), std::make_shared<const TokenTrie>(std::vector<std::string>{}, std::vector<Token>{})) {}
    bool full_match(std::string_view text) {
        m.reset();
        if (!text.empty() && !m.accept_bytes(text)) return false;
        return m.can_end();
    }
    GrammarMatcher m;
};

std::string schema_gbnf(const std::string& schema) {
    std::string g = json_schema_to_gbnf(std::string_view(schema));
    BOOST_TEST_INFO("grammar:\n" << g);
    BOOST_CHECK_NO_THROW(Grammar::parse(g));
    return g;
}

}  // namespace

BOOST_AUTO_TEST_CASE(schema_reference_documents, *test::needs_ref()) {
    auto doc = test::load_json("grammar/json-schema-to-grammar.json");
    int n_valid = 0, n_invalid = 0;
    for (const auto& cj : doc.at("schemas").as_array()) {
        const auto& c = cj.as_object();
        BOOST_TEST_CONTEXT("schema " << c.at("id").as_string() << ": " << json::serialize(c.at("schema"))) {
            const std::string g = json_schema_to_gbnf(c.at("schema"));
            BOOST_TEST_INFO("grammar:\n" << g);
            TextMatcher tm(g);
            for (const auto& e : c.at("valid_examples").as_array()) {
                const std::string text(e.at("text").as_string());
                BOOST_TEST(tm.full_match(text), "valid document rejected: " << text);
                ++n_valid;
            }
            for (const auto& e : c.at("invalid_examples").as_array()) {
                const std::string text(e.at("text").as_string());
                BOOST_TEST(!tm.full_match(text), "invalid document accepted: " << text);
                ++n_invalid;
            }
        }
    }
    BOOST_TEST(n_valid == 21);
    BOOST_TEST(n_invalid == 20);
}

BOOST_AUTO_TEST_CASE(schema_integer_ranges_exhaustive) {
    const std::pair<const char*, const char*> bounds[] = {
        {"-5", "120"}, {"0", "9"}, {"1", "1000"}, {"-1000", "-1"}, {"7", "7"}, {"-37", "412"}, {"100", "199"},
        {"-999", "999"}, {"19", "1001"}, {nullptr, "-3"}, {"-12", nullptr}, {"250", nullptr}, {nullptr, "345"},
    };
    for (auto [lo, hi] : bounds) {
        std::string schema = R"({"type":"integer")";
        if (lo) schema += std::string(R"(,"minimum":)") + lo;
        if (hi) schema += std::string(R"(,"maximum":)") + hi;
        schema += "}";
        BOOST_TEST_CONTEXT(schema) {
            TextMatcher tm(schema_gbnf(schema));
            for (int v = -1300; v <= 1300; ++v) {
                bool want = (!lo || v >= std::stoi(lo)) && (!hi || v <= std::stoi(hi));
                BOOST_TEST(tm.full_match(std::to_string(v)) == want, v);
            }
            BOOST_TEST(!tm.full_match("007"));
            BOOST_TEST(!tm.full_match("-"));
            BOOST_TEST(!tm.full_match(""));
        }
    }
    TextMatcher ex(schema_gbnf(R"({"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":10})"));
    for (int v = -3; v <= 13; ++v) BOOST_TEST(ex.full_match(std::to_string(v)) == (v > 0 && v < 10), v);
}

BOOST_AUTO_TEST_CASE(schema_features) {
    struct Case {
        const char* schema;
        std::vector<const char*> yes, no;
    };
    const Case cases[] = {
        {R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},"c":{"type":"boolean"}}})",
         {"{}", R"({"a": 1})", R"({"b": "x"})", R"({"a": 1, "c": true})", R"({"a":1,"b":"x","c":false})"},
         {R"({"b": "x", "a": 1})", R"({"d": 1})", R"({"a": 1,})", R"({, "a": 1})"}},
        {R"({"type":"object","additionalProperties":{"type":"integer"}})",
         {"{}", R"({"x": 1})", R"({"x": 1, "y": -2})"}, {R"({"x": "s"})"}},
        {R"({"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],"additionalProperties":true})",
         {R"({"id": 1})", R"({"id": 1, "z": [1, {"q": null}]})"}, {R"({"z": 1})"}},
        {R"({"type":["string","null"]})", {R"("s")", "null"}, {"1", "nul"}},
        {R"({"type":"array","prefixItems":[{"type":"integer"},{"type":"string"}]})", {R"([1, "a"])"}, {"[1]", R"(["a", 1])"}},
        {R"({"type":"array","items":{"type":"boolean"},"minItems":2})", {"[true, false]", "[true,true,true]"}, {"[]", "[true]"}},
        {R"({"type":"array","maxItems":0})", {"[]"}, {"[1]"}},
        {R"({"type":"string","format":"date-time"})", {R"("2024-02-29T12:30:00Z")", R"("2024-01-01T00:00:00.123+05:30")"},
         {R"("2024-02-29")", R"("2024-13-01T00:00:00Z")"}},
        {R"({"type":"string","format":"uuid"})", {R"("123e4567-e89b-12d3-a456-426614174000")"}, {R"("123e4567")"}},
        {R"({"type":"string","minLength":1,"maxLength":3})", {R"("a")", R"("abc")", R"("\n")", R"("\u00e9x")"}, {R"("")", R"("abcd")"}},
        {R"({"type":"string","pattern":"^(ab|cd)+[0-9]?$"})", {R"("ab")", R"("abcd7")"}, {R"("a")", R"("ab77")"}},
        {R"({"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#/$defs/node"}},"required":["v"]}},"$ref":"#/$defs/node"})",
         {R"({"v": 1})", R"({"v": 1, "next": {"v": 2, "next": {"v": 3}}})"}, {R"({"next": {"v": 2}})"}},
        {R"({"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},{"properties":{"b":{"type":"null"}},"required":["b"]}]})",
         {R"({"a": 1, "b": null})"}, {R"({"a": 1})"}},
        {R"({"const":{"k":[1,"x"]}})", {R"({"k":[1,"x"]})"}, {R"({"k":[1]})"}},
        {R"({"properties":{"string":{"type":"number"},"root":{"type":"integer","minimum":2}},"required":["string","root"]})",
         {R"({"string": 1.5, "root": 2})"}, {R"({"string": 1.5, "root": 1})"}},
        {"{}", {"1", R"({"a": [true]})", R"("x")"}, {"tru"}},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.schema) {
            TextMatcher tm(schema_gbnf(c.schema));
            for (const char* t : c.yes) BOOST_TEST(tm.full_match(t), "rejected: " << t);
            for (const char* t : c.no) BOOST_TEST(!tm.full_match(t), "accepted: " << t);
        }
    }
}

BOOST_AUTO_TEST_CASE(schema_refusals) {
    const char* bad[] = {
        R"({"type":"integr"})", R"({"$ref":"#/$defs/missing"})", R"({"$ref":"http://x/y.json"})", "false",
        R"({"type":"string","pattern":"(a"})", R"({"enum":[]})", R"({"type":"integer","minimum":5,"maximum":4})",
        R"({"type":"array","minItems":3,"maxItems":2})", "{not json",
    };
    for (const char* s : bad) {
        BOOST_TEST_CONTEXT(s) {
            BOOST_CHECK_THROW(json_schema_to_gbnf(std::string_view(s), "s.json"), Error);
        }
    }
    try {
        json_schema_to_gbnf(std::string_view(R"({"properties":{"a":{"type":"wat"}}})"), "s.json");
        BOOST_ERROR("accepted");
    } catch (const Error& e) {
        BOOST_TEST(e.file() == "s.json");
        BOOST_TEST(e.where() == "/properties/a/type");
    }
}

BOOST_AUTO_TEST_CASE(regex_against_std_regex) {
    struct Case {
        const char* re;
        const char* alphabet;
        int max_len;
    };
    const Case cases[] = {
        {"abc", "abc", 4},
        {"a*b+c?", "abc", 5},
        {"(ab|c)*", "abc", 6},
        {"[a-c]{2,3}", "abcd", 4},
        {"[^ab]+", "abc\n", 4},
        {"x{2}y{1,}z{0,2}", "xyz", 6},
        {"(a|b(c|d))+e", "abcde", 5},
        {"\\d+\\.\\d{2}", "0a.9", 5},
        {"\\w+@\\w+", "a_@1-", 5},
        {"\\s*x\\s*", " \tx\n", 4},
        {"[\\d_-]+", "1_-x", 4},
        {"\\D\\W\\S", "a1 -", 3},
        {"a.c", "ab\nc", 3},
        {"^(?:ab)?c$", "abc", 4},
        {"[]a]+|x", "]ax", 3},  // ECMAScript: [] never matches
        {"[^]a", "]a\n", 2},
        {"(a|)b", "ab", 3},
        {"a{0}b", "ab", 2},
        {"(a{1,2}b?){2}", "ab", 6},
        {"[\\-x]\\[\\]\\\\", "-x[]\\", 4},
        {"colou?r|gr[ae]y", "colurgaey", 6},
        {"a+?b*?", "ab", 4},
        {"\\x41\\u0042", "AB", 2},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("regex " << c.re) {
            const std::string g = regex_to_gbnf(c.re);
            BOOST_TEST_INFO("grammar: " << g);
            TextMatcher tm(g);
            std::regex ref(c.re, std::regex::ECMAScript);
            const std::string alpha = c.alphabet;
            std::vector<std::string> layer{""};
            int n_match = 0, n_total = 0;
            for (int len = 0; len <= c.max_len; ++len) {
                std::vector<std::string> next;
                for (const auto& s : layer) {
                    bool want = std::regex_match(s, ref);
                    BOOST_TEST(tm.full_match(s) == want, "'" << s << "': std::regex says " << want);
                    n_match += want;
                    ++n_total;
                    if (len < c.max_len)
                        for (char a : alpha) next.push_back(s + a);
                }
                layer.swap(next);
            }
            BOOST_TEST(n_match > 0);
        }
    }
}

BOOST_AUTO_TEST_CASE(regex_non_ascii_and_refusals) {
    TextMatcher tm(regex_to_gbnf("[α-ω]+é{2}"));
    BOOST_TEST(tm.full_match("λμéé"));
    BOOST_TEST(!tm.full_match("λμé"));
    BOOST_TEST(!tm.full_match("aéé"));
    TextMatcher brace(regex_to_gbnf("a{2}{"));  // a `{` that starts no quantifier is a literal
    BOOST_TEST(brace.full_match("aa{"));
    TextMatcher dot(regex_to_gbnf(".."));
    BOOST_TEST(dot.full_match("日本"));
    BOOST_TEST(!dot.full_match("日"));
    const char* bad[] = {"(a", "a)", "*a", "[a-", "\\", "(?=a)", "a\\1", "\\bx", "a^b", "[z-a]", "(a*)*", "(a?)+", "a**",
                         "\\q", "x++"};
    for (const char* re : bad) {
        BOOST_TEST_CONTEXT(re) {
            bool refused = false;
            try {
                Grammar::parse(regex_to_gbnf(re));
            } catch (const Error& e) {
                refused = e.where().rfind("offset ", 0) == 0 || e.where().rfind("line ", 0) == 0;
            }
            BOOST_TEST(refused);
        }
    }
}
