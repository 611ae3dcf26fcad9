// The sampler chain: llama.cpp's llama-sampling.cpp (July 2025) over a candidate array, with the same
// semantics, including the `sorted` flag and the array order each step leaves behind.
//
// A Sampler transforms a CandidateArray (apply) and may keep state from the tokens the caller accepts
// (accept). Samplers that draw (greedy, dist, mirostat) set `selected`. Chain composes them in order.
// Where llama.cpp has undefined behaviour we define it (see mirostat and typical below).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zigllm/decode/vocab.hpp"

namespace zigllm::decode {

struct TokenData {  // llama_token_data
    Token id;
    float logit;
    float p;
};

// llama_token_data_array. XTC drops the head of the array (llama.cpp advances its data pointer):
// `first` is that offset into `items`; data()[0..size) are the current candidates.
struct CandidateArray {
    std::vector<TokenData> items;
    size_t first = 0;
    size_t size = 0;
    int64_t selected = -1;  // index into data(), -1 = none
    bool sorted = false;

    // {id = i, logit = logits[i], p = 0} for every i, unsorted.
    static CandidateArray from_logits(std::span<const float> logits);
    // The same, reusing this array's storage.
    void assign(std::span<const float> logits);

    TokenData* data() { return items.data() + first; }
    const TokenData* data() const { return items.data() + first; }
    TokenData& operator[](size_t i) { return items[first + i]; }
    const TokenData& operator[](size_t i) const { return items[first + i]; }
    TokenData* begin() { return data(); }
    TokenData* end() { return data() + size; }
    const TokenData* begin() const { return data(); }
    const TokenData* end() const { return data() + size; }
};

class Sampler {
public:
    virtual ~Sampler() = default;
    virtual std::string_view name() const = 0;
    virtual void apply(CandidateArray& cur) = 0;
    virtual void accept(Token) {}
    virtual void reset() {}
    virtual std::unique_ptr<Sampler> clone() const = 0;
};

using SamplerPtr = std::unique_ptr<Sampler>;

// The pieces llama.cpp's samplers share, usable on their own.
void softmax(CandidateArray& cur);          // sorts by logit (if unsorted), p = float softmax
void apply_temperature(CandidateArray& cur, float t);
void apply_top_k(CandidateArray& cur, int32_t k);

// A draw from the p fields of cur (as std::discrete_distribution over mt19937 in libstdc++, written
// out so it is the same everywhere): two 32-bit outputs form u in [0, 1); the first index whose
// normalised cumulative sum is >= u. n = 1 consumes nothing. Non-finite or zero total weight: index 0.
size_t draw_index(const CandidateArray& cur, std::mt19937& rng);
// One output as generate_canonical<float, 24>: XTC's chance.
float draw_uniform_float(std::mt19937& rng);

SamplerPtr make_greedy();
SamplerPtr make_dist(uint32_t seed);
SamplerPtr make_softmax();
SamplerPtr make_top_k(int32_t k);
SamplerPtr make_top_p(float p, size_t min_keep);
SamplerPtr make_min_p(float p, size_t min_keep);
// A NaN entropy (a candidate with p = 0 makes -p*log p NaN in llama.cpp) is treated as 0.
SamplerPtr make_typical(float p, size_t min_keep);
SamplerPtr make_temp(float t);
SamplerPtr make_temp_ext(float t, float delta, float exponent);
SamplerPtr make_xtc(float probability, float threshold, size_t min_keep, uint32_t seed);
SamplerPtr make_top_n_sigma(float n);
SamplerPtr make_penalties(int32_t last_n, float repeat, float freq, float present);
// DRY with string sequence breakers, tokenized through vocab as llama.cpp does (every token whose
// piece contains a breaker, or ends in a prefix of one followed by its tokenized rest). vocab may be
// null when there are no breakers.
SamplerPtr make_dry(const Vocab* vocab, int32_t n_ctx_train, float multiplier, float base, int32_t allowed_length,
                    int32_t penalty_last_n, const std::vector<std::string>& seq_breakers);
// DRY with breakers given as token-id sequences (llama_sampler_init_dry_testing).
SamplerPtr make_dry_token_breakers(int32_t n_ctx_train, float multiplier, float base, int32_t allowed_length,
                                   int32_t penalty_last_n, const std::vector<std::vector<Token>>& seq_breakers);
SamplerPtr make_logit_bias(int32_t n_vocab, std::vector<std::pair<Token, float>> biases);
// Mirostat v1 / v2. apply truncates, renormalises and draws (sets selected); accept(token) updates
// mu from that token's probability in the last truncated set (the reference updates with the token it
// drew; the caller accepts that same token). Defined behaviour: v1's k is clamped to [1, n_vocab]
// (llama.cpp's int(k) overflows on flat rows), a NaN k keeps n_vocab.
class Mirostat : public Sampler {
public:
    virtual float mu() const = 0;
    virtual size_t last_k() const = 0;  // size of the last truncated set
};
std::unique_ptr<Mirostat> make_mirostat(int32_t n_vocab, uint32_t seed, float tau, float eta, int32_t m);
std::unique_ptr<Mirostat> make_mirostat_v2(uint32_t seed, float tau, float eta);

class Chain : public Sampler {
public:
    Chain() = default;
    Chain(const Chain& o);  // clones every sampler, state included
    Chain(Chain&&) = default;
    Chain& operator=(Chain&&) = default;

    Chain& add(SamplerPtr s);
    size_t size() const { return samplers_.size(); }
    Sampler& at(size_t i) { return *samplers_.at(i); }

    std::string_view name() const override { return "chain"; }
    void apply(CandidateArray& cur) override;
    void accept(Token t) override;
    void reset() override;
    SamplerPtr clone() const override;

    // llama_sampler_sample: build the array from logits, apply, take the selected token (greedy when
    // no sampler selected one: llama.cpp asserts there), accept it, return it.
    Token sample(std::span<const float> logits);

private:
    std::vector<SamplerPtr> samplers_;
    CandidateArray scratch_;  // reused by sample(): no allocation per token
};

// Classifier-free guidance: out = ls(uncond) + scale * (ls(cond) - ls(uncond)), ls = log-softmax of
// each row (llama.cpp's common/sampling "cfg" definition). Rows of equal length.
std::vector<float> classifier_free_guidance(std::span<const float> cond, std::span<const float> uncond, float scale);

// Contrastive search (Su et al. 2022, "A Contrastive Framework for Neural Text Generation").
// Among the top-k tokens by probability v, pick argmax (1 - alpha) * p(v) - alpha * max_j cos(h_v, h_j),
// h_v: the hidden state the model produces after appending v, h_j: the hidden states of the context
// so far. The engine owns the model state; this class owns the context hidden states.
class ContrastiveSearch {
public:
    // hidden_dim: length of each hidden state vector.
    ContrastiveSearch(int32_t k, float alpha, size_t hidden_dim);

    // Candidates: the top-k of softmax(logits), highest p first (ties: lower id first).
    std::vector<TokenData> candidates(std::span<const float> logits) const;

    // candidate_hidden: k_eff x hidden_dim rows, row i for candidates[i]. Returns the index into
    // candidates of the choice (ties: the earlier one). With no context yet the penalty is 0.
    size_t select(std::span<const TokenData> candidates, std::span<const float> candidate_hidden) const;

    // Score of one candidate (for inspection and tests).
    float score(float p, std::span<const float> h) const;

    // Appends a hidden state of the context (prompt positions, then each chosen token's).
    void push_context(std::span<const float> h);
    size_t context_size() const { return context_.size() / dim_; }
    void reset() { context_.clear(); }

    // One step: candidates from logits, hidden states from hidden_of(token), the chosen token's state
    // pushed onto the context. Returns the token.
    Token step(std::span<const float> logits, const std::function<std::vector<float>(Token)>& hidden_of);

private:
    int32_t k_;
    float alpha_;
    size_t dim_;
    std::vector<float> context_;
};

// Cosine similarity; 0 when either vector has zero norm.
float cosine_similarity(std::span<const float> a, std::span<const float> b);

}  // namespace zigllm::decode
