// Grammar reference checks: the allowed next-token sets of llama.cpp's grammar sampler
// (shared/ref/grammar/allowed-*.json) for both vocabularies, and the verdicts on odd grammars.
#define BOOST_TEST_MODULE grammar_ref
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

#include "grammar_test_util.hpp"
#include "zigllm/io/error.hpp"

using namespace zigllm;
using namespace zigllm::decode;
namespace json = boost::json;

namespace {

void check_allowed_file(const std::string& name) {
    auto doc = test::load_json("grammar/allowed-" + name + ".json");
    const std::string file = std::string(doc.at("file").as_string());
    const std::string root = std::string(doc.at("root").as_string());
    auto text = test::read_text(test::ref_path("grammar/" + file));
    auto grammar = Grammar::parse(text, root, file);
    for (const auto& [vocab, vj] : doc.at("vocabs").as_object()) {
        auto trie = test::ref_trie(std::string(vocab));
        const size_t n_vocab = static_cast<size_t>(vj.at("n_vocab").as_int64());
        BOOST_TEST_REQUIRE(trie->n_vocab() == n_vocab);
        for (const auto& cj : vj.at("cases").as_array()) {
            const auto& c = cj.as_object();
            const std::string label = name + "/" + std::string(vocab) + " prefix " + std::string(c.at("prefix_hex").as_string());
            BOOST_TEST_CONTEXT(label) {
                GrammarMatcher m(grammar, trie);
                for (const auto& t : c.at("prefix_tokens").as_array()) m.accept(static_cast<Token>(t.as_int64()));
                std::vector<uint8_t> mask;
                m.fill_mask(mask);
                std::vector<uint8_t> want(n_vocab, 0);
                const bool complement = c.at("stored").as_string() == "complement";
                if (complement) std::fill(want.begin(), want.end(), 1);
                for (const auto& id : c.at("ids").as_array()) want[static_cast<size_t>(id.as_int64())] = complement ? 0 : 1;
                size_t n_allowed = static_cast<size_t>(std::count(mask.begin(), mask.end(), 1));
                BOOST_TEST(n_allowed == static_cast<size_t>(c.at("allowed_count").as_int64()));
                std::vector<Token> extra, missing;
                for (size_t i = 0; i < n_vocab; ++i) {
                    if (mask[i] && !want[i]) extra.push_back(static_cast<Token>(i));
                    if (!mask[i] && want[i]) missing.push_back(static_cast<Token>(i));
                }
                BOOST_TEST(extra.empty(), extra.size() << " tokens allowed that llama.cpp rejects, first id "
                                                       << (extra.empty() ? -1 : extra[0]));
                BOOST_TEST(missing.empty(), missing.size() << " tokens rejected that llama.cpp allows, first id "
                                                           << (missing.empty() ? -1 : missing[0]));
                BOOST_TEST(m.can_end() == c.at("eog_allowed").as_bool());
                // the single-token check agrees with the mask
                for (size_t i = 0; i < n_vocab; i += 97) BOOST_TEST(m.is_allowed(static_cast<Token>(i)) == (mask[i] != 0));
            }
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(allowed, *test::needs_ref())
BOOST_AUTO_TEST_CASE(json_) { check_allowed_file("json"); }
BOOST_AUTO_TEST_CASE(json_arr) { check_allowed_file("json_arr"); }
BOOST_AUTO_TEST_CASE(arithmetic) { check_allowed_file("arithmetic"); }
BOOST_AUTO_TEST_CASE(list) { check_allowed_file("list"); }
BOOST_AUTO_TEST_CASE(c) { check_allowed_file("c"); }
BOOST_AUTO_TEST_CASE(chess) { check_allowed_file("chess"); }
BOOST_AUTO_TEST_CASE(english) { check_allowed_file("english"); }
BOOST_AUTO_TEST_CASE(japanese) { check_allowed_file("japanese"); }
BOOST_AUTO_TEST_CASE(email) { check_allowed_file("email"); }
BOOST_AUTO_TEST_CASE(ranges) { check_allowed_file("ranges"); }
BOOST_AUTO_TEST_CASE(repeat) { check_allowed_file("repeat"); }
BOOST_AUTO_TEST_CASE(every_file_is_covered) {
    std::set<std::string> seen;
    for (const auto& e : std::filesystem::directory_iterator(test::ref_path("grammar"))) {
        std::string f = e.path().filename().string();
        if (f.rfind("allowed-", 0) == 0) seen.insert(f);
    }
    BOOST_TEST(seen.size() == 11u);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(invalid_grammars, *test::needs_ref()) {
    auto doc = test::load_json("grammar/invalid-grammars.json");
    auto trie = test::ref_trie("gpt-2");
    int n_rejected = 0, n_accepted = 0;
    for (const auto& cj : doc.at("cases").as_array()) {
        const auto& c = cj.as_object();
        const std::string g(c.at("grammar").as_string());
        const std::string root(c.at("grammar_root").as_string());
        const std::string result(c.at("result").as_string());
        BOOST_TEST_CONTEXT("grammar '" << g << "' root " << root << " (" << c.at("why").as_string() << ")") {
            if (result == "accepted") {
                ++n_accepted;
                std::shared_ptr<const Grammar> parsed;
                BOOST_CHECK_NO_THROW(parsed = Grammar::parse(g, root));
                if (!parsed) continue;
                GrammarMatcher m(parsed, trie);
                auto allowed = m.allowed_tokens();
                BOOST_TEST(allowed.size() == static_cast<size_t>(c.at("allowed_count_empty_prefix").as_int64()));
                bool eog = std::find(allowed.begin(), allowed.end(), 50256) != allowed.end();
                BOOST_TEST(eog == c.at("eog_allowed_empty_prefix").as_bool());
            } else {  // rejected, or a crash in llama.cpp: a clear error naming line and column
                ++n_rejected;
                try {
                    Grammar::parse(g, root, "g.gbnf");
                    BOOST_ERROR("accepted a grammar llama.cpp refuses");
                } catch (const Error& e) {
                    BOOST_TEST(e.file() == "g.gbnf");
                    BOOST_TEST(e.where().rfind("line ", 0) == 0, e.where());
                    BOOST_TEST(e.where().find(", column ") != std::string::npos, e.where());
                    BOOST_TEST(!e.reason().empty());
                }
            }
        }
    }
    BOOST_TEST(n_rejected == 18);
    BOOST_TEST(n_accepted == 8);
}
