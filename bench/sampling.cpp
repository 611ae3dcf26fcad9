// bench_sampling: time per token of sampler chains over realistic vocabulary sizes (32k, 128k, 152k):
// llama.cpp's default chain (penalties -> top-k 40 -> typical/top-p/min-p -> temp -> dist), greedy,
// and the full-sort chains (top-p without top-k, mirostat v2). Logits: N(0, 2) with a few peaks.
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "zigllm/decode/sampling.hpp"
#include "zigllm/decode/sampling_params.hpp"

using namespace zigllm::decode;

namespace {

double time_per_token_us(Chain& chain, const std::vector<std::vector<float>>& rows, int steps) {
    for (int i = 0; i < 3; ++i) chain.accept(chain.sample(rows[static_cast<size_t>(i) % rows.size()]));  // warm-up
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) chain.accept(chain.sample(rows[static_cast<size_t>(i) % rows.size()]));
    const auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::micro>(t1 - t0).count() / steps;
}

}  // namespace

int main() {
    std::printf("%-34s %8s %12s\n", "chain", "n_vocab", "us/token");
    for (int n_vocab : {32000, 128256, 151936}) {
        std::mt19937 rng(1);
        std::normal_distribution<float> nd(0.0f, 2.0f);
        std::vector<std::vector<float>> rows(8, std::vector<float>(static_cast<size_t>(n_vocab)));
        for (auto& r : rows) {
            for (auto& v : r) v = nd(rng);
            for (int k = 0; k < 5; ++k) r[rng() % r.size()] = 12.0f - 1.5f * float(k);
        }
        struct Case { const char* name; Chain chain; int steps; };
        SamplingParams def;
        def.seed = 1;
        def.penalty_repeat = 1.1f;
        SamplingParams greedy = def;
        greedy.temp = 0.0f;
        SamplingParams no_top_k = def;
        no_top_k.top_k = 0;
        SamplingParams miro = def;
        miro.mirostat = 2;
        std::vector<Case> cases;
        cases.push_back({"default (rep 1.1, top-k 40, ...)", make_sampler_chain(def, nullptr, n_vocab, 4096, 4096), 200});
        cases.push_back({"greedy (rep 1.1)", make_sampler_chain(greedy, nullptr, n_vocab, 4096, 4096), 200});
        cases.push_back({"top-p 0.95 + min-p, no top-k", make_sampler_chain(no_top_k, nullptr, n_vocab, 4096, 4096), 30});
        cases.push_back({"mirostat v2", make_sampler_chain(miro, nullptr, n_vocab, 4096, 4096), 30});
        for (auto& c : cases) std::printf("%-34s %8d %12.1f\n", c.name, n_vocab, time_per_token_us(c.chain, rows, c.steps));
    }
    return 0;
}
