// Sampler chains from JSON: the chain format of shared/ref/sampling and `zigllm sample`
// (cli-contract.md section 2):  {"chain": [SPEC, ...], "history": [ids, oldest first]}.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "zigllm/decode/sampling.hpp"

namespace zigllm::decode {

struct ChainSpec {
    Chain chain;
    std::vector<Token> history;  // tokens to accept before the first apply
};

// Parses the JSON text (the bare tokens -Infinity, Infinity and NaN are accepted as Python writes
// them; real parameters may also be the strings "inf", "-inf", "nan"). Every SPEC name of the
// contract, plus "dist", "mirostat" and "mirostat_v2" (the stateful ones of the reference). vocab
// tokenizes DRY's string sequence breakers (needed only when there are any). n_vocab: for mirostat
// v1's default and logit bias. Refusals: Error(file, "chain[2].k", what) and the like.
ChainSpec chain_spec_from_json(std::string_view text, const std::string& file, const Vocab* vocab = nullptr,
                               int32_t n_vocab = 0);

// The JSON pre-pass on its own: bare -Infinity / Infinity / NaN outside strings become the strings
// "-inf" / "inf" / "nan".
std::string quote_nonfinite_json(std::string_view text);

}  // namespace zigllm::decode
