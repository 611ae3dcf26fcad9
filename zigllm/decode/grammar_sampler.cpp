#include "zigllm/decode/grammar_sampler.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "zigllm/decode/json_schema_to_grammar.hpp"
#include "zigllm/decode/regex_to_grammar.hpp"
#include "zigllm/io/error.hpp"

namespace zigllm::decode {

namespace {

class GrammarSampler final : public Sampler {
public:
    explicit GrammarSampler(GrammarMatcher m) : m_(std::move(m)) {}
    std::string_view name() const override { return "grammar"; }
    void apply(CandidateArray& cur) override { m_.apply(std::span<TokenData>(cur.data(), cur.size)); }
    void accept(Token t) override { m_.accept(t); }
    void reset() override { m_.reset(); }
    SamplerPtr clone() const override { return std::make_unique<GrammarSampler>(m_); }

private:
    GrammarMatcher m_;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "-", std::string("cannot open: ") + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

SamplerPtr make_grammar_sampler(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> pieces) {
    return std::make_unique<GrammarSampler>(GrammarMatcher(std::move(grammar), std::move(pieces)));
}

SamplerPtr make_grammar_sampler(std::shared_ptr<const Grammar> grammar, const Vocab& vocab) {
    return make_grammar_sampler(std::move(grammar), TokenTrie::from_vocab(vocab));
}

std::shared_ptr<const Grammar> grammar_from_gbnf_file(const std::string& path, const std::string& root) {
    return Grammar::parse(slurp(path), root, path);
}

std::shared_ptr<const Grammar> grammar_from_json_schema_file(const std::string& path) {
    const std::string gbnf = json_schema_to_gbnf(std::string_view(slurp(path)), path);
    try {
        return Grammar::parse(gbnf, "root", path);
    } catch (const Error& e) {  // a converter bug, not the user's: say so
        throw Error(path, "-", "the grammar made from this schema does not parse (" + e.where() + ": " + e.reason() + ")");
    }
}

std::shared_ptr<const Grammar> grammar_from_regex(const std::string& regex) {
    const std::string gbnf = regex_to_gbnf(regex, "-");
    try {
        return Grammar::parse(gbnf, "root", "-");
    } catch (const Error& e) {  // e.g. a repetition count too large
        throw Error("-", "--regex", "the grammar made from this regex is refused: " + e.reason());
    }
}

}  // namespace zigllm::decode
