// The grammar constraint as a step of the sampler chain (sampling.hpp), and the three ways
// `zigllm run` names a grammar (--grammar FILE, --json-schema FILE, --regex RE).
#pragma once

#include <memory>
#include <string>

#include "zigllm/decode/grammar.hpp"
#include "zigllm/decode/grammar_matcher.hpp"
#include "zigllm/decode/sampling.hpp"

namespace zigllm::decode {

// llama_sampler_init_grammar: apply sets logit = -inf for every candidate the grammar does not
// allow; accept advances the grammar (a refused token throws zigllm::Error); reset starts over.
SamplerPtr make_grammar_sampler(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> pieces);
SamplerPtr make_grammar_sampler(std::shared_ptr<const Grammar> grammar, const Vocab& vocab);

// Grammar sources; each refuses bad input with zigllm::Error naming the file (or "-" for a regex).
std::shared_ptr<const Grammar> grammar_from_gbnf_file(const std::string& path, const std::string& root = "root");
std::shared_ptr<const Grammar> grammar_from_json_schema_file(const std::string& path);
std::shared_ptr<const Grammar> grammar_from_regex(const std::string& regex);

}  // namespace zigllm::decode
