// Tokenizer behaviour on small synthetic vocabularies (no reference data needed) and special-token
// handling on the reference vocabularies: parse_special, lstrip/rstrip, token_to_piece(special),
// decode(remove_special, unparse_special), EOG sets, and refusal of malformed tokenizer metadata.
#define BOOST_TEST_MODULE tokenizer_unit
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "tok_test_util.hpp"
#include "zigllm/io/error.hpp"
#include "zigllm_test.hpp"

using zigllm::decode::Token;
using zigllm::decode::TokenAttr;
using zigllm::io::GgufType;
using zigllm::io::GgufWriter;
using namespace zigllm::tok_test;

namespace {

struct MemVocab {
    std::vector<uint8_t> bytes;
    std::shared_ptr<const zigllm::decode::Vocab> vocab;
};

MemVocab build(const GgufWriter& w) {
    MemVocab m;
    m.bytes = w.to_bytes();
    auto f = zigllm::io::GgufFile::from_memory(m.bytes, "mem.gguf");
    m.vocab = zigllm::decode::Vocab::from_gguf(f);
    return m;
}

// An SPM vocabulary: <unk> <s> </s>, the 256 byte tokens, then a few pieces with scores.
GgufWriter spm_writer(const std::vector<std::pair<std::string, float>>& pieces) {
    std::vector<std::string> toks = {"<unk>", "<s>", "</s>"};
    std::vector<float> scores = {0, 0, 0};
    std::vector<int32_t> types = {2, 3, 3};
    for (int b = 0; b < 256; ++b) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        toks.push_back(buf);
        scores.push_back(0);
        types.push_back(6);
    }
    for (const auto& [p, s] : pieces) {
        toks.push_back(p);
        scores.push_back(s);
        types.push_back(1);
    }
    GgufWriter w;
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_strings("tokenizer.ggml.tokens", toks);
    w.set_array("tokenizer.ggml.scores", GgufType::F32, scores);
    w.set_array("tokenizer.ggml.token_type", GgufType::I32, types);
    return w;
}

std::string error_where(const GgufWriter& w) {
    try {
        build(w);
    } catch (const zigllm::Error& e) {
        return e.where();
    }
    return "(accepted)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(spm_merges_by_score_with_byte_fallback) {
    // 259 = "▁a", 260 = "b", 261 = "▁ab", 262 = "ab" (scores decide: ▁ab beats ▁a + b)
    auto m = build(spm_writer({{"\xe2\x96\x81" "a", -1}, {"b", -2}, {"\xe2\x96\x81" "ab", -0.5f}, {"ab", -3}}));
    const auto& v = *m.vocab;
    BOOST_TEST(v.model() == "llama");
    BOOST_TEST(v.encode("ab", false, false) == (std::vector<Token>{261}));
    BOOST_TEST(v.encode("ab", true, false) == (std::vector<Token>{1, 261}));
    // "c" is no piece: its byte token <0x63> = 3 + 0x63
    BOOST_TEST(v.encode("abc", false, false) == (std::vector<Token>{261, 3 + 0x63}));
    // " é" = "▁é" (E2 96 81, C3 A9): neither "▁" nor "é" is a piece, so five byte tokens
    auto ids = v.encode("é", false, false);
    BOOST_TEST(ids == (std::vector<Token>{3 + 0xE2, 3 + 0x96, 3 + 0x81, 3 + 0xC3, 3 + 0xA9}));
    // bytes are not unescaped: without a "▁" token the prefix comes back as U+2581 (as in llama.cpp)
    BOOST_TEST(v.decode(ids, false, false) == "\xe2\x96\x81" "é");
    BOOST_TEST(v.token_to_piece(3 + 0xC3, false) == "\xc3");
    BOOST_TEST(v.token_to_piece(261, false) == " ab");
    // control tokens: empty unless special
    BOOST_TEST(v.token_to_piece(1, false) == "");
    BOOST_TEST(v.token_to_piece(1, true) == "<s>");
    BOOST_TEST(v.decode({1, 261, 2}, false, true) == "<s> ab</s>");
    BOOST_TEST(v.decode({1, 261, 2}, false, false) == " ab");
    BOOST_TEST(v.decode({261}, false, false) == "ab");
    BOOST_TEST(v.is_eog(2));
    BOOST_TEST(!v.is_eog(1));
    BOOST_TEST(v.eog_ids() == (std::vector<Token>{2}));
    BOOST_CHECK_THROW(v.token_to_piece(-1, true), zigllm::Error);
    BOOST_CHECK_THROW(v.token_to_piece(static_cast<Token>(v.size()), true), zigllm::Error);
    BOOST_CHECK_THROW(v.decode({261, 100000}, false, false), zigllm::Error);
    // parse_special: "<s>" in the text is BOS only on request; after it, the space prefix again
    BOOST_TEST(v.encode("ab<s>ab", false, true) == (std::vector<Token>{261, 1, 261}));
    auto plain = v.encode("ab<s>ab", false, false);
    BOOST_TEST((std::find(plain.begin(), plain.end(), 1) == plain.end()));
    BOOST_TEST(v.decode(plain, false, false) == "ab<s>ab");
}

BOOST_AUTO_TEST_CASE(spm_without_byte_tokens_falls_back_to_unk) {
    GgufWriter w;
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "\xe2\x96\x81" "a"});
    w.set_array("tokenizer.ggml.token_type", GgufType::I32, std::vector<int32_t>{2, 3, 3, 1});
    auto m = build(w);
    BOOST_TEST(m.vocab->encode("a", false, false) == (std::vector<Token>{3}));
    BOOST_TEST(m.vocab->encode("ax", false, false) == (std::vector<Token>{3, 0}));
}

BOOST_AUTO_TEST_CASE(bpe_merges_by_rank) {
    // byte-level BPE over "a", "b", "c", "Ġ" (space): merges "a b" (rank 0) then "ab c"
    GgufWriter w;
    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string("tokenizer.ggml.pre", "gpt-2");
    w.set_strings("tokenizer.ggml.tokens", {"a", "b", "c", "\xc4\xa0", "ab", "abc", "\xc4\xa0" "a", "<|endoftext|>"});
    w.set_array("tokenizer.ggml.token_type", GgufType::I32, std::vector<int32_t>{1, 1, 1, 1, 1, 1, 1, 3});
    w.set_strings("tokenizer.ggml.merges", {"a b", "ab c", "\xc4\xa0 a"});
    w.set_u32("tokenizer.ggml.eos_token_id", 7);
    auto m = build(w);
    const auto& v = *m.vocab;
    BOOST_TEST(v.encode("abc", false, false) == (std::vector<Token>{5}));
    BOOST_TEST(v.encode("abcab", false, false) == (std::vector<Token>{5, 4}));
    BOOST_TEST(v.encode("ab a", false, false) == (std::vector<Token>{4, 6}));
    BOOST_TEST(v.encode("ba", false, false) == (std::vector<Token>{1, 0}));
    // "x" has no token, and neither does its byte: dropped, as llama.cpp does
    BOOST_TEST(v.encode("axb", false, false) == (std::vector<Token>{0, 1}));
    BOOST_TEST(v.encode("a<|endoftext|>", false, true) == (std::vector<Token>{0, 7}));
    BOOST_TEST(v.decode({4, 6}, false, false) == "ab a");
    BOOST_TEST(v.is_eog(7));
    BOOST_TEST(v.bos() == -1);  // gpt2's default 11 does not exist here
    BOOST_TEST(v.encode("ab", true, false) == (std::vector<Token>{4}));  // add_bos is off for gpt-2
}

BOOST_AUTO_TEST_CASE(malformed_tokenizer_metadata_is_refused) {
    {
        GgufWriter w;
        w.set_strings("tokenizer.ggml.tokens", {"a"});
        BOOST_TEST(error_where(w) == "tokenizer.ggml.model");
    }
    {
        GgufWriter w;
        w.set_string("tokenizer.ggml.model", "llama");
        BOOST_TEST(error_where(w) == "tokenizer.ggml.tokens");
    }
    {
        GgufWriter w;
        w.set_string("tokenizer.ggml.model", "whatever");
        w.set_strings("tokenizer.ggml.tokens", {"a"});
        BOOST_TEST(error_where(w) == "tokenizer.ggml.model");
    }
    {
        GgufWriter w;
        w.set_string("tokenizer.ggml.model", "gpt2");
        w.set_strings("tokenizer.ggml.tokens", {"a", "b"});
        BOOST_TEST(error_where(w) == "tokenizer.ggml.merges");
        w.set_strings("tokenizer.ggml.merges", {"a b"});
        w.set_string("tokenizer.ggml.pre", "no-such-pre");
        BOOST_TEST(error_where(w) == "tokenizer.ggml.pre");
    }
    {
        GgufWriter w = spm_writer({});
        w.set_array("tokenizer.ggml.scores", GgufType::F32, std::vector<float>{1, 2});
        BOOST_TEST(error_where(w) == "tokenizer.ggml.scores");
    }
    {
        GgufWriter w = spm_writer({});
        w.set_array("tokenizer.ggml.token_type", GgufType::I32, std::vector<int32_t>{1});
        BOOST_TEST(error_where(w) == "tokenizer.ggml.token_type");
    }
    {
        GgufWriter w;
        w.set_string("tokenizer.ggml.model", "llama");
        w.set_strings("tokenizer.ggml.tokens", {"a", "b", "a"});
        BOOST_TEST(error_where(w) == "tokenizer.ggml.tokens");
        w.set_strings("tokenizer.ggml.tokens", {"a", "b", "c"});
        w.set_string("tokenizer.ggml.bos_token_id", "1");
        BOOST_TEST(error_where(w) == "tokenizer.ggml.bos_token_id");
    }
}

BOOST_AUTO_TEST_CASE(gpt2_special_tokens, *zigllm::test::needs_ref()) {
    auto v = load_vocab("gpt-2");
    BOOST_TEST(v->encode("a<|endoftext|>b", false, true) == (std::vector<Token>{64, 50256, 65}));
    BOOST_TEST(v->encode("a<|endoftext|>b", false, false) == (std::vector<Token>{64, 27, 91, 437, 1659, 5239, 91, 29, 65}));
    BOOST_TEST(v->token_to_piece(50256, false) == "");
    BOOST_TEST(v->token_to_piece(50256, true) == "<|endoftext|>");
    BOOST_TEST(v->decode({64, 50256, 65}, false, true) == "a<|endoftext|>b");
    BOOST_TEST(v->decode({64, 50256, 65}, false, false) == "ab");
    BOOST_TEST(v->is_eog(50256));
    BOOST_TEST(v->bos() == 50256);
    BOOST_TEST(v->eos() == 50256);
    BOOST_TEST(v->encode("Hello", true, false) == (std::vector<Token>{15496}));  // gpt-2 adds no BOS
}

BOOST_AUTO_TEST_CASE(llama_spm_special_tokens, *zigllm::test::needs_ref()) {
    auto v = load_vocab("llama-spm");
    BOOST_TEST(v->encode("Hello world", true, false) == (std::vector<Token>{1, 15043, 3186}));
    BOOST_TEST(v->encode("<s>Hello</s>", false, true) == (std::vector<Token>{1, 15043, 2}));
    BOOST_TEST(v->decode({1, 15043, 3186}, false, true) == "<s> Hello world");
    BOOST_TEST(v->decode({1, 15043, 3186}, true, true) == " Hello world");
    BOOST_TEST(v->decode({15043, 3186}, false, true) == "Hello world");
    BOOST_TEST(v->eog_ids() == (std::vector<Token>{2}));
    BOOST_TEST(v->token_text(13) == "<0x0A>");
    BOOST_TEST(v->token_to_piece(13, false) == "\n");
    BOOST_TEST((v->attr(13) == TokenAttr::byte));
    BOOST_TEST((v->attr(0) == TokenAttr::unknown));
}

BOOST_AUTO_TEST_CASE(phi3_rstrip_special_tokens, *zigllm::test::needs_ref()) {
    // general.name "Phi3": llama.cpp gives its special tokens RSTRIP (except <unk>, <s>, <|endoftext|>),
    // so white space after <|user|> and <|end|> is not tokenized.
    auto v = load_vocab("phi-3");
    BOOST_TEST(v->encode("<|user|>\nHello<|end|>\n", false, true) == (std::vector<Token>{32010, 15043, 32007}));
    BOOST_TEST((v->attr_bits(32010) & (1u << 8)) != 0u);
    BOOST_TEST((v->attr_bits(1) & (1u << 8)) == 0u);
    BOOST_TEST(v->is_eog(32007));   // <|end|>
    BOOST_TEST(v->is_eog(32000));   // <|endoftext|> (eos)
    BOOST_TEST(v->decode({32010, 15043, 32007}, false, true) == "<|user|> Hello<|end|>");
}

BOOST_AUTO_TEST_CASE(bert_cls_sep, *zigllm::test::needs_ref()) {
    auto v = load_vocab("bert-bge");
    BOOST_TEST(v->encode("Hello world", true, false) == (std::vector<Token>{101, 7592, 2088, 102}));
    BOOST_TEST(v->encode("Hello world", false, false) == (std::vector<Token>{7592, 2088}));
    BOOST_TEST(v->encode("[CLS] hi [SEP]", false, true) == (std::vector<Token>{101, 7632, 102}));
    BOOST_TEST(v->decode({7592, 2088}, false, false) == " hello world");
    BOOST_TEST(v->sep() == 102);
    BOOST_TEST(v->unk() == 100);
}

BOOST_AUTO_TEST_CASE(code_points_beyond_unicode_are_invalid_utf8, *zigllm::test::needs_ref()) {
    // Found by fuzzing against llama.cpp: F4 90.. / F5..F7 lead bytes decode (in llama.cpp's lenient
    // decoder) to values above U+10FFFF, and llama.cpp then throws std::invalid_argument out of
    // llama_tokenize (terminate). Here each such byte is invalid UTF-8 like any other: U+FFFD.
    const std::string fffd = "\xef\xbf\xbd";
    auto gpt2 = load_vocab("gpt-2");
    for (std::string bad : {std::string("\xf7\xad\xad\xad"), std::string("\xf4\x90\x80\x80")}) {
        auto ids = gpt2->encode("a" + bad + "b", false, false);
        BOOST_TEST(gpt2->decode(ids, false, false) == "a" + fffd + fffd + fffd + fffd + "b");
    }
    // SPM splits by lead byte and falls back to the raw bytes: they come back unchanged
    auto spm = load_vocab("llama-spm");
    auto ids = spm->encode("a\xf7\xad\xad\xad", false, false);
    BOOST_TEST(spm->decode(ids, false, false) == "a\xf7\xad\xad\xad");
}
