// Decoding helpers that need more than one row of logits: classifier-free guidance and contrastive
// search.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "zigllm/decode/sampling.hpp"
#include "zigllm/io/error.hpp"

namespace zigllm::decode {
namespace {

// log-softmax in double (the guided row is a difference of two of these: keep it accurate)
std::vector<double> log_softmax(std::span<const float> row) {
    std::vector<double> out(row.size());
    if (row.empty()) return out;
    double mx = -INFINITY;
    for (float v : row) mx = std::max(mx, static_cast<double>(v));
    double sum = 0.0;
    for (float v : row) sum += std::exp(static_cast<double>(v) - mx);
    const double lse = mx + std::log(sum);
    for (size_t i = 0; i < row.size(); ++i) out[i] = static_cast<double>(row[i]) - lse;
    return out;
}

}  // namespace

std::vector<float> classifier_free_guidance(std::span<const float> cond, std::span<const float> uncond, float scale) {
    if (cond.size() != uncond.size())
        throw Error("-", "classifier-free guidance", "guided and unguided rows differ in length (" +
                                                         std::to_string(cond.size()) + " vs " +
                                                         std::to_string(uncond.size()) + ")");
    const auto lc = log_softmax(cond), lu = log_softmax(uncond);
    std::vector<float> out(cond.size());
    for (size_t i = 0; i < out.size(); ++i) {
        // a token banned in both rows (-inf - -inf) stays banned rather than becoming NaN
        const double d = (std::isinf(lc[i]) && std::isinf(lu[i]) && lc[i] == lu[i]) ? 0.0 : lc[i] - lu[i];
        out[i] = static_cast<float>(lu[i] + scale * d);
    }
    return out;
}

float cosine_similarity(std::span<const float> a, std::span<const float> b) {
    double dot = 0, na = 0, nb = 0;
    const size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    if (na == 0 || nb == 0) return 0.0f;
    return static_cast<float>(dot / (std::sqrt(na) * std::sqrt(nb)));
}

ContrastiveSearch::ContrastiveSearch(int32_t k, float alpha, size_t hidden_dim) : k_(k), alpha_(alpha), dim_(hidden_dim) {
    if (k <= 0) throw Error("-", "contrastive search", "k must be >= 1");
    if (hidden_dim == 0) throw Error("-", "contrastive search", "hidden_dim must be >= 1");
    if (!(alpha >= 0.0f && alpha <= 1.0f)) throw Error("-", "contrastive search", "alpha must be in [0, 1]");
}

std::vector<TokenData> ContrastiveSearch::candidates(std::span<const float> logits) const {
    auto cur = CandidateArray::from_logits(logits);
    // stable order among equal logits: lower id first (the ids start in order)
    std::stable_sort(cur.begin(), cur.end(), [](const TokenData& a, const TokenData& b) { return a.logit > b.logit; });
    cur.sorted = true;
    softmax(cur);
    const size_t k = std::min<size_t>(static_cast<size_t>(k_), cur.size);
    return std::vector<TokenData>(cur.begin(), cur.begin() + k);
}

float ContrastiveSearch::score(float p, std::span<const float> h) const {
    float degeneration = 0.0f;
    const size_t n = context_size();
    if (n > 0) {
        degeneration = -INFINITY;
        for (size_t j = 0; j < n; ++j)
            degeneration = std::max(degeneration, cosine_similarity(h, std::span<const float>(context_).subspan(j * dim_, dim_)));
    }
    return (1.0f - alpha_) * p - alpha_ * degeneration;
}

size_t ContrastiveSearch::select(std::span<const TokenData> cands, std::span<const float> cand_hidden) const {
    if (cands.empty()) throw Error("-", "contrastive search", "no candidates");
    if (cand_hidden.size() != cands.size() * dim_)
        throw Error("-", "contrastive search", "candidate hidden states: expected " + std::to_string(cands.size()) +
                                                   " x " + std::to_string(dim_) + " values, got " +
                                                   std::to_string(cand_hidden.size()));
    size_t best = 0;
    float best_score = -INFINITY;
    for (size_t i = 0; i < cands.size(); ++i) {
        const float s = score(cands[i].p, cand_hidden.subspan(i * dim_, dim_));
        if (s > best_score || i == 0) {
            best_score = s;
            best = i;
        }
    }
    return best;
}

void ContrastiveSearch::push_context(std::span<const float> h) {
    if (h.size() != dim_)
        throw Error("-", "contrastive search", "hidden state of " + std::to_string(h.size()) + " values, expected " +
                                                   std::to_string(dim_));
    context_.insert(context_.end(), h.begin(), h.end());
}

Token ContrastiveSearch::step(std::span<const float> logits, const std::function<std::vector<float>(Token)>& hidden_of) {
    const auto cands = candidates(logits);
    if (cands.empty()) throw Error("-", "contrastive search", "empty logits");
    std::vector<float> hidden;
    hidden.reserve(cands.size() * dim_);
    for (const auto& c : cands) {
        auto h = hidden_of(c.id);
        if (h.size() != dim_)
            throw Error("-", "contrastive search", "hidden state of token " + std::to_string(c.id) + " has " +
                                                       std::to_string(h.size()) + " values, expected " + std::to_string(dim_));
        hidden.insert(hidden.end(), h.begin(), h.end());
    }
    const size_t i = select(cands, hidden);
    push_context(std::span<const float>(hidden).subspan(i * dim_, dim_));
    return cands[i].id;
}

}  // namespace zigllm::decode
