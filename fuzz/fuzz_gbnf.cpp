// libFuzzer target for the GBNF parser and the matcher. Input: grammar text, then optionally a
// 0xFF byte and a script of token choices. Every grammar must parse or raise zigllm::Error (never
// crash, hang or throw anything else); for a parsed grammar, the mask over a small vocabulary
// (single bytes, multi-byte UTF-8 pieces and fragments, an EOG token) must agree with the
// single-token check, and accepting an allowed token must succeed (a few steps, chosen by the
// script) while a refused one leaves the state as it was.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zigllm/decode/grammar.hpp"
#include "zigllm/decode/grammar_matcher.hpp"
#include "zigllm/io/error.hpp"

namespace {

std::shared_ptr<const zigllm::decode::TokenTrie> fuzz_vocab() {
    static auto trie = [] {
        std::vector<std::string> p;
        for (int b = 0; b < 256; ++b) p.emplace_back(1, static_cast<char>(b));
        for (const char* s : {"ab", "abc", " a", "{\"", "\":", "\xc3\xa9", "\xe2\x82\xac", "\xe2\x82", "\x82\xac",
                              "\xf0\x9f\x98\x80", "\xf0\x9f", "x\xc3", "<s>", "true", "null", "12", "\n\n", ""})
            p.emplace_back(s);
        p.emplace_back("</s>");  // EOG
        const auto eog = static_cast<zigllm::decode::Token>(p.size() - 1);
        return std::make_shared<const zigllm::decode::TokenTrie>(p, std::vector<zigllm::decode::Token>{eog});
    }();
    return trie;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    const size_t sep = in.find('\xff');
    std::string_view text = in.substr(0, sep);
    std::string_view script = sep == std::string_view::npos ? std::string_view() : in.substr(sep + 1);

    std::shared_ptr<const zigllm::decode::Grammar> g;
    try {
        g = zigllm::decode::Grammar::parse(text, "root", "fuzz.gbnf");
    } catch (const zigllm::Error& e) {
        if (e.where().rfind("line ", 0) != 0) std::abort();  // every parse error names line and column
        return 0;
    }
    try {
        auto vocab = fuzz_vocab();
        zigllm::decode::GrammarMatcher m(g, vocab);
        std::vector<uint8_t> mask;
        for (size_t step = 0; step < 4; ++step) {
            m.fill_mask(mask);
            std::vector<zigllm::decode::Token> ok;
            for (size_t i = 0; i < mask.size(); ++i) {
                const auto id = static_cast<zigllm::decode::Token>(i);
                if (m.is_allowed(id) != (mask[i] != 0)) std::abort();
                if (mask[i]) ok.push_back(id);
            }
            if (mask[vocab->n_vocab() - 1] != m.can_end()) std::abort();
            if (ok.empty()) break;
            const uint8_t pick = step < script.size() ? static_cast<uint8_t>(script[step]) : 0;
            if (pick & 0x80) {  // try a refused token: must throw and change nothing
                for (size_t i = 0; i < mask.size(); ++i) {
                    if (mask[i] || vocab->piece(static_cast<zigllm::decode::Token>(i)).size() != 1) continue;
                    if ((i & 0x7F) != (pick & 0x7F)) continue;
                    std::vector<uint8_t> before = mask;
                    bool threw = false;
                    try {
                        m.accept(static_cast<zigllm::decode::Token>(i));
                    } catch (const zigllm::Error&) {
                        threw = true;
                    }
                    if (!threw) return 0;  // lenient accept of a partial character: allowed by design
                    m.fill_mask(mask);
                    if (mask != before) std::abort();
                    break;
                }
            }
            const auto tok = ok[pick % ok.size()];
            if (vocab->is_eog(tok)) break;
            m.accept(tok);  // allowed, so it must be accepted
        }
    } catch (const zigllm::Error& e) {
        // only the documented refusal: too many parse stacks
        if (e.reason().find("too ambiguous") == std::string::npos) std::abort();
    }
    return 0;
}
