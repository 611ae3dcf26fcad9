// Samplers on hand-made inputs: DRY's string sequence breakers (through a test vocabulary) against
// the same breakers as token ids, defined behaviour where llama.cpp has none, logit bias search path,
// classifier-free guidance, contrastive search on synthetic hidden states, chain-spec refusals.
#define BOOST_TEST_MODULE samplers_unit
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "zigllm/decode/sampling.hpp"
#include "zigllm/decode/sampling_params.hpp"
#include "zigllm/decode/sampling_spec.hpp"
#include "zigllm/io/error.hpp"

using namespace zigllm::decode;

namespace {

// A vocabulary of fixed pieces; encode is greedy longest match (enough for breaker tails).
class PieceVocab final : public Vocab {
public:
    explicit PieceVocab(std::vector<std::string> pieces) : pieces_(std::move(pieces)) {}
    size_t size() const override { return pieces_.size(); }
    std::string_view model() const override { return "test"; }
    std::vector<Token> encode(std::string_view text, bool, bool) const override {
        std::vector<Token> out;
        while (!text.empty()) {
            Token best = -1;
            size_t best_len = 0;
            for (size_t i = 0; i < pieces_.size(); ++i)
                if (pieces_[i].size() > best_len && text.substr(0, pieces_[i].size()) == pieces_[i]) {
                    best = static_cast<Token>(i);
                    best_len = pieces_[i].size();
                }
            if (best < 0) break;
            out.push_back(best);
            text.remove_prefix(best_len);
        }
        return out;
    }
    std::string token_to_piece(Token id, bool) const override { return pieces_.at(static_cast<size_t>(id)); }
    std::string decode(const std::vector<Token>& ids, bool, bool) const override {
        std::string s;
        for (Token t : ids) s += pieces_.at(static_cast<size_t>(t));
        return s;
    }
    bool is_eog(Token) const override { return false; }
    Token bos() const override { return -1; }
    Token eos() const override { return -1; }
    std::string_view token_text(Token id) const override { return pieces_.at(static_cast<size_t>(id)); }
    TokenAttr attr(Token) const override { return TokenAttr::normal; }

private:
    std::vector<std::string> pieces_;
};

std::vector<float> apply_logits(Sampler& s, const std::vector<float>& logits) {
    auto cur = CandidateArray::from_logits(logits);
    s.apply(cur);
    std::vector<float> out(logits.size(), NAN);
    for (const auto& c : cur) out[static_cast<size_t>(c.id)] = c.logit;
    return out;
}

std::string where_of(const std::string& text) {
    try {
        chain_spec_from_json(text, "c.json");
    } catch (const zigllm::Error& e) {
        BOOST_TEST(e.file() == "c.json");
        return e.where();
    }
    return "(accepted)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(dry_string_breakers_match_their_token_form) {
    //                        0    1    2     3      4    5    6     7
    const PieceVocab vocab({"a", "b", "\n", "x\n", "c", "d", "qa", "e"});
    // "\n": tokens 2 and 3 contain it (single-token breakers); "ab": 0 and 6 end in "a", tail "b" -> [1]
    auto by_string = make_dry(&vocab, 64, 0.8f, 1.75f, 2, -1, {"\n", "ab"});
    auto by_tokens = make_dry_token_breakers(64, 0.8f, 1.75f, 2, -1, {{2}, {3}, {0, 1}, {6, 1}});
    const std::vector<Token> history{4, 5, 7, 4, 5, 0, 1, 4, 5, 7, 4, 5, 3, 4, 5, 7, 4, 5};
    for (Token t : history) {
        by_string->accept(t);
        by_tokens->accept(t);
    }
    const std::vector<float> logits(8, 1.0f);
    const auto a = apply_logits(*by_string, logits), b = apply_logits(*by_tokens, logits);
    BOOST_TEST(a == b);
    BOOST_TEST(a[7] < 1.0f);  // "c d" came before "e": e is penalised
    BOOST_TEST(a[0] < a[7]);  // "c d e c d" came before "a": a longer repeat
    BOOST_TEST(a[3] == 1.0f); // "... c d" came before "x\n" too, but a single-token breaker is never penalised
    auto none = make_dry(nullptr, 64, 0.8f, 1.75f, 2, -1, {});
    for (Token t : history) none->accept(t);
    BOOST_TEST(apply_logits(*none, logits)[3] < 1.0f);
}

BOOST_AUTO_TEST_CASE(dry_degenerate_windows_do_not_throw) {
    for (int32_t last_n : {-1, -2, 0, 3}) {
        auto d = make_dry(nullptr, 0, 1.0f, 2.0f, 1, last_n, {});
        for (Token t : {1, 2, 1, 2, 1}) d->accept(t);
        const std::vector<float> logits(4, 0.0f);
        BOOST_CHECK_NO_THROW(apply_logits(*d, logits));
    }
    // huge exponent: clamped so the penalty stays finite
    auto d = make_dry_token_breakers(4096, 1.0f, 3.0f, 1, -1, {});
    for (int i = 0; i < 2000; ++i) d->accept(i % 2);
    const auto out = apply_logits(*d, std::vector<float>(3, 0.0f));
    BOOST_TEST(std::isfinite(out[0]));
    BOOST_TEST(out[0] < -1e30f);
}

BOOST_AUTO_TEST_CASE(typical_nan_entropy_is_zero) {
    // p = 0.5, 0.5, 0: llama.cpp's entropy is NaN (0 * log 0); ours is 0 and the p = 0 token goes
    auto t = make_typical(0.5f, 1);
    auto cur = CandidateArray::from_logits(std::vector<float>{0.0f, -INFINITY, 0.0f});
    t->apply(cur);
    BOOST_TEST(cur.size == 2u);
    BOOST_TEST(cur[0].id != 1);
    BOOST_TEST(cur[1].id != 1);
    BOOST_TEST(!cur.sorted);
}

BOOST_AUTO_TEST_CASE(temperature_zero_keeps_the_first_maximum) {
    auto t = make_temp(0.0f);
    const auto out = apply_logits(*t, {1.0f, 3.0f, 2.0f, 3.0f});
    BOOST_TEST(out[1] == 3.0f);
    BOOST_TEST(std::isinf(out[0]));
    BOOST_TEST(std::isinf(out[2]));
    BOOST_TEST(std::isinf(out[3]));
}

BOOST_AUTO_TEST_CASE(logit_bias_after_reordering) {
    Chain c;
    c.add(make_top_k(3)).add(make_logit_bias(5, {{4, 10.0f}, {0, 1.0f}, {0, 2.0f}, {2, -INFINITY}}));
    auto cur = CandidateArray::from_logits(std::vector<float>{0.0f, 1.0f, 2.0f, 3.0f, 4.0f});
    c.apply(cur);  // top-3 = ids 4, 3, 2 at positions 0..2: no id sits at its index; all searched
    BOOST_TEST(cur.size == 3u);
    BOOST_TEST(cur[0].id == 4);
    BOOST_TEST(cur[0].logit == 14.0f);
    BOOST_TEST(std::isinf(cur[2].logit));
    // in id order the fast path adds every bias, duplicates included
    auto b = make_logit_bias(5, {{0, 1.0f}, {0, 2.0f}});
    BOOST_TEST(apply_logits(*b, {0, 0, 0, 0, 0})[0] == 3.0f);
}

BOOST_AUTO_TEST_CASE(xtc_drops_the_top_choices_but_the_last) {
    auto x = make_xtc(1.0f, 0.2f, 1, 5);
    // p ~ 0.42, 0.42, 0.15, ... : the two above 0.2 -> the first one is removed
    auto cur = CandidateArray::from_logits(std::vector<float>{2.0f, 2.0f, 1.0f, -3.0f});
    x->apply(cur);
    BOOST_TEST(cur.size == 3u);
    BOOST_TEST(cur[0].logit == 2.0f);
    BOOST_TEST(cur.first == 1u);
}

BOOST_AUTO_TEST_CASE(chain_sample_without_a_selector_is_greedy) {
    Chain c;
    c.add(make_top_k(10));
    BOOST_TEST(c.sample(std::vector<float>{0.1f, 0.7f, 0.5f, 0.2f}) == 1);
    Chain empty;
    BOOST_TEST(empty.sample(std::vector<float>{}) == -1);
}

BOOST_AUTO_TEST_CASE(penalties_window_and_reset) {
    auto p = make_penalties(2, 2.0f, 0.5f, 0.25f);
    for (Token t : {0, 1, 1}) p->accept(t);  // window: 1, 1
    const auto out = apply_logits(*p, {4.0f, 4.0f, -4.0f});
    BOOST_TEST(out[0] == 4.0f);
    BOOST_TEST(out[1] == 4.0f / 2.0f - 2 * 0.5f - 0.25f);
    p->reset();
    BOOST_TEST(apply_logits(*p, {4.0f, 4.0f, -4.0f})[1] == 4.0f);
}

BOOST_AUTO_TEST_CASE(classifier_free_guidance_formula) {
    const std::vector<float> cond{1.0f, 2.0f, 3.0f}, uncond{3.0f, 2.0f, 1.0f};
    auto ls = [](const std::vector<float>& r) {
        double m = *std::max_element(r.begin(), r.end()), s = 0;
        for (float v : r) s += std::exp(v - m);
        std::vector<double> o;
        for (float v : r) o.push_back(v - m - std::log(s));
        return o;
    };
    const auto lc = ls(cond), lu = ls(uncond);
    for (float scale : {0.0f, 1.0f, 1.5f, 3.0f}) {
        const auto g = classifier_free_guidance(cond, uncond, scale);
        for (size_t i = 0; i < 3; ++i) BOOST_TEST(std::fabs(g[i] - (lu[i] + scale * (lc[i] - lu[i]))) < 1e-6);
    }
    // a token banned in both stays banned, not NaN
    const auto g = classifier_free_guidance(std::vector<float>{0.0f, -INFINITY}, std::vector<float>{0.0f, -INFINITY}, 2.0f);
    BOOST_TEST(std::isinf(g[1]));
    BOOST_CHECK_THROW(classifier_free_guidance(std::vector<float>{0.0f}, std::vector<float>{0.0f, 1.0f}, 1.0f), zigllm::Error);
}

BOOST_AUTO_TEST_CASE(contrastive_search_on_synthetic_hidden_states) {
    // p(A) = 0.6, p(B) = 0.3, p(C) = 0.1; A's state repeats the context, B's is new
    const std::vector<float> logits{std::log(0.6f), std::log(0.3f), std::log(0.1f)};
    ContrastiveSearch cs(2, 0.5f, 3);
    const auto cands = cs.candidates(logits);
    BOOST_TEST_REQUIRE(cands.size() == 2u);
    BOOST_TEST(cands[0].id == 0);
    BOOST_TEST(std::fabs(cands[0].p - 0.6f) < 1e-6f);
    const std::vector<float> hidden{1, 0, 0, /* B */ 0, 1, 0};
    BOOST_TEST(cs.select(cands, hidden) == 0u);  // no context yet: plain confidence
    cs.push_context(std::vector<float>{2, 0, 0});
    cs.push_context(std::vector<float>{0, 0, 1});
    // A: 0.5*0.6 - 0.5*1 = -0.2;  B: 0.5*0.3 - 0.5*0 = 0.15
    BOOST_TEST(std::fabs(cs.score(0.6f, std::vector<float>{1, 0, 0}) + 0.2f) < 1e-6f);
    BOOST_TEST(cs.select(cands, hidden) == 1u);
    ContrastiveSearch greedy(2, 0.0f, 3);  // alpha 0: greedy
    greedy.push_context(std::vector<float>{1, 0, 0});
    BOOST_TEST(greedy.select(cands, hidden) == 0u);
    // step(): the chosen token's state joins the context
    const Token t = cs.step(logits, [](Token id) { return id == 0 ? std::vector<float>{1, 0, 0} : std::vector<float>{0, 1, 0}; });
    BOOST_TEST(t == 1);
    BOOST_TEST(cs.context_size() == 3u);
    BOOST_TEST(cosine_similarity(std::vector<float>{0, 0}, std::vector<float>{1, 0}) == 0.0f);
    BOOST_CHECK_THROW(cs.select(cands, std::vector<float>{1, 2}), zigllm::Error);
    BOOST_CHECK_THROW(ContrastiveSearch(0, 0.5f, 3), zigllm::Error);
}

BOOST_AUTO_TEST_CASE(chain_spec_refusals_name_the_field) {
    BOOST_TEST(where_of("{") == "json");
    BOOST_TEST(where_of("[]") == "json");
    BOOST_TEST(where_of("{\"history\": []}") == "chain");
    BOOST_TEST(where_of("{\"chain\": [{\"name\": \"top_q\"}]}") == "chain[0].name");
    BOOST_TEST(where_of("{\"chain\": [{\"name\": \"greedy\"}, {\"name\": \"top_k\"}]}") == "chain[1].k");
    BOOST_TEST(where_of("{\"chain\": [{\"name\": \"top_k\", \"k\": 1.5}]}") == "chain[0].k");
    BOOST_TEST(where_of("{\"chain\": [{\"name\": \"temp\", \"t\": \"hot\"}]}") == "chain[0].t");
    BOOST_TEST(where_of("{\"chain\": [{\"name\": \"top_p\", \"p\": 0.5, \"min_keep\": -1}]}") == "chain[0].min_keep");
    BOOST_TEST(where_of("{\"chain\": [{\"name\": \"logit_bias\", \"biases\": [[1]]}]}") == "chain[0].biases[0]");
    BOOST_TEST(where_of("{\"chain\": [], \"history\": [1, -2]}") == "history[1]");
    BOOST_TEST(where_of("{\"chain\": [{\"name\": \"dry\", \"n_ctx_train\": 8, \"multiplier\": 1, \"base\": 2, "
                        "\"allowed_length\": 2, \"penalty_last_n\": -1, \"seq_breakers\": [\"\\n\"]}]}") ==
               "chain[0].seq_breakers");
    // accepted: bare -Infinity, "-inf" strings, integral doubles, NaN inside strings untouched
    const auto spec = chain_spec_from_json(
        "{\"chain\": [{\"name\": \"logit_bias\", \"biases\": [[1, -Infinity], [2, \"-inf\"], [3, 1e0]]},"
        " {\"name\": \"top_k\", \"k\": 2.0}, {\"name\": \"greedy\", \"note\": \"NaN Infinity\"}], \"history\": [1]}",
        "c.json");
    BOOST_TEST(spec.history == std::vector<Token>{1});
    BOOST_TEST(quote_nonfinite_json("[NaN, \"NaN\", -Infinity]") == "[\"nan\", \"NaN\", \"-inf\"]");
}

BOOST_AUTO_TEST_CASE(params_chain_like_llama_common) {
    SamplingParams p;
    p.seed = 11;
    p.penalty_repeat = 1.1f;
    auto c = make_sampler_chain(p, nullptr, 8, 64, 32);
    std::vector<std::string> names;
    for (size_t i = 0; i < c.size(); ++i) names.emplace_back(c.at(i).name());
    const std::vector<std::string> want{"penalties", "top-n-sigma", "top-k", "typical", "top-p", "min-p", "xtc", "temp-ext", "dist"};
    BOOST_TEST(names == want, boost::test_tools::per_element());
    // temp 0: greedy over the id order, lowest id among equal maxima
    p.temp = 0.0f;
    auto g = make_sampler_chain(p, nullptr, 8, 64, 32);
    BOOST_TEST(g.sample(std::vector<float>{0, 5, 1, 5, 5, 2, 0, 0}) == 1);
    // seeded: the same tokens again
    p.temp = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    std::vector<float> logits(64);
    for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::cos(float(i));
    auto draw = [&] {
        auto ch = make_sampler_chain(p, nullptr, 64, 64, 32);
        std::vector<Token> t;
        for (int i = 0; i < 32; ++i) t.push_back(ch.sample(logits));
        return t;
    };
    BOOST_TEST(draw() == draw());
    p.mirostat = 2;
    auto m = make_sampler_chain(p, nullptr, 64, 64, 32);
    BOOST_TEST(m.size() == 2u);
    BOOST_TEST(m.at(1).name() == "mirostat-v2");
}

BOOST_AUTO_TEST_CASE(nan_logits_do_not_break_sorting) {
    std::vector<float> logits(300);
    for (size_t i = 0; i < logits.size(); ++i) logits[i] = i % 7 == 0 ? NAN : i % 11 == 0 ? -INFINITY : float(i % 13);
    for (int k : {5, 200}) {
        auto cur = CandidateArray::from_logits(logits);
        apply_top_k(cur, k);
        BOOST_TEST(cur.size == static_cast<size_t>(k));
        BOOST_TEST(cur[0].logit == 12.0f);
    }
    Chain c;
    c.add(make_typical(0.5f, 1)).add(make_min_p(0.1f, 1)).add(make_top_p(0.9f, 1)).add(make_dist(1));
    BOOST_CHECK_NO_THROW(c.sample(logits));
}
