// Helpers for the grammar tests: reference pieces (vocab-pieces-*.json), JSON loading.
#pragma once

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "zigllm/decode/grammar.hpp"
#include "zigllm/decode/grammar_matcher.hpp"
#include "zigllm_test.hpp"

namespace zigllm::test {

inline boost::json::value load_json(const std::string& rel) {
    return boost::json::parse(read_text(ref_path(rel)));
}

inline std::string from_hex(std::string_view hex) {
    std::string out;
    auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(nib(hex[i]) * 16 + nib(hex[i + 1])));
    return out;
}

// The token pieces and EOG ids of a reference vocab ("gpt-2" or "llama-spm"), as a shared trie.
inline std::shared_ptr<const decode::TokenTrie> ref_trie(const std::string& vocab) {
    static std::map<std::string, std::shared_ptr<const decode::TokenTrie>> cache;
    auto it = cache.find(vocab);
    if (it != cache.end()) return it->second;
    auto pj = load_json("grammar/vocab-pieces-" + vocab + ".json");
    std::vector<std::string> pieces;
    for (const auto& h : pj.at("pieces_hex").as_array()) pieces.push_back(from_hex(h.as_string()));
    auto info = load_json("grammar/vocab-info.json");
    std::vector<decode::Token> eog;
    for (const auto& e : info.at(vocab).at("eog_ids").as_array()) eog.push_back(static_cast<decode::Token>(e.as_int64()));
    auto t = std::make_shared<const decode::TokenTrie>(std::move(pieces), eog);
    cache[vocab] = t;
    return t;
}

}  // namespace zigllm::test
