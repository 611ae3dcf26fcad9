// zigllm bench -m MODEL [-p 512] [-n 128] [-t T] [-r 3] [--json]: prompt processing (one batch of
// -p tokens from an empty cache) and generation (-n single-token steps from an empty cache) in
// tokens per second, like llama-bench, with an F16 KV cache. -p 0 / -n 0 skip that test.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "zigllm/cli/command.hpp"
#include "zigllm/cli/engine_cli.hpp"
#include "zigllm/zigllm.hpp"

namespace {

double peak_rss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux: KiB
}

// llama.cpp's file type names (general.file_type), else the type of the largest tensor.
std::string model_type(const zigllm::io::GgufFile& f) {
    static const std::pair<int, const char*> names[] = {
        {0, "F32"}, {1, "F16"}, {2, "Q4_0"}, {3, "Q4_1"}, {7, "Q8_0"}, {8, "Q5_0"}, {9, "Q5_1"}, {10, "Q2_K"},
        {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"}, {15, "Q4_K_M"}, {16, "Q5_K_S"},
        {17, "Q5_K_M"}, {18, "Q6_K"}, {32, "BF16"}};
    if (f.find("general.file_type")) {
        const int64_t ft = f.get_int("general.file_type", -1);
        for (auto [id, name] : names)
            if (id == ft) return name;
    }
    const zigllm::io::TensorInfo* big = nullptr;
    for (const auto& t : f.tensors())
        if (!big || t.nbytes > big->nbytes) big = &t;
    return big ? std::string(zigllm::type_name(big->type)) : "?";
}

struct Result {
    std::string test;
    int n;
    double median, min, max, rss;
};

int run_bench(const std::vector<std::string>& args) {
    CLI::App app{"zigllm bench: prompt processing and generation speed (F16 KV cache)"};
    std::string model;
    int n_prompt = 512, n_gen = 128, threads = zigllm::cli::default_threads(), reps = 3;
    bool json = false;
    app.add_option("-m,--model", model, "GGUF model")->required();
    app.add_option("-p,--n-prompt", n_prompt, "prompt tokens (0: skip)");
    app.add_option("-n,--n-gen", n_gen, "generated tokens (0: skip)");
    app.add_option("-t,--threads", threads, "threads");
    app.add_option("-r,--repetitions", reps, "repetitions");
    app.add_flag("--json", json, "print one JSON array instead of the table");
    if (!zigllm::cli::parse(app, args)) return 0;
    zigllm::cli::check_threads(threads);
    if (n_prompt < 0) throw zigllm::Error("-", "-p", "must be >= 0");
    if (n_gen < 0) throw zigllm::Error("-", "-n", "must be >= 0");
    if (reps < 1) throw zigllm::Error("-", "-r", "must be >= 1");

    auto m = zigllm::load(model);
    const auto& hp = m->hparams();
    const int64_t n_ctx = std::max<int64_t>(std::max(n_prompt, n_gen), 1);
    auto session = m->session({.n_ctx = n_ctx, .threads = threads, .kv_type = zigllm::GgmlType::F16,
                               .n_batch = std::max(n_prompt, 1)});
    std::mt19937 rng(42);
    std::uniform_int_distribution<zigllm::Token> pick(0, static_cast<zigllm::Token>(hp.n_vocab - 1));
    std::vector<zigllm::Token> prompt(n_prompt);
    for (auto& t : prompt) t = pick(rng);

    using clock = std::chrono::steady_clock;
    auto measure = [&](int n, auto&& body) {
        std::vector<double> tps;
        for (int r = -1; r < reps; ++r) {   // r = -1: warm-up run, not counted
            session.reset();
            const auto t0 = clock::now();
            body();
            const double s = std::chrono::duration<double>(clock::now() - t0).count();
            if (r >= 0) tps.push_back(n / s);
        }
        std::sort(tps.begin(), tps.end());
        const double med = tps.size() % 2 ? tps[tps.size() / 2] : 0.5 * (tps[tps.size() / 2 - 1] + tps[tps.size() / 2]);
        return std::array<double, 3>{med, tps.front(), tps.back()};
    };
    std::vector<Result> results;
    if (n_prompt > 0) {
        auto r = measure(n_prompt, [&] { session.eval(prompt); });
        results.push_back({"pp" + std::to_string(n_prompt), n_prompt, r[0], r[1], r[2], peak_rss_mib()});
    }
    if (n_gen > 0) {
        auto r = measure(n_gen, [&] {
            zigllm::Token t = pick(rng);
            for (int i = 0; i < n_gen; ++i) t = zigllm::greedy_token(session.eval(std::span<const zigllm::Token>(&t, 1)));
        });
        results.push_back({"tg" + std::to_string(n_gen), n_gen, r[0], r[1], r[2], peak_rss_mib()});
    }

    const std::string name = std::filesystem::path(model).filename().string();
    const std::string type = model_type(m->file());
    if (json) {
        std::printf("[");
        for (size_t i = 0; i < results.size(); ++i) {
            const auto& r = results[i];
            std::printf("%s{\"model\": \"%s\", \"type\": \"%s\", \"test\": \"%s\", \"threads\": %d, \"n\": %d, "
                        "\"tps_median\": %.3f, \"tps_min\": %.3f, \"tps_max\": %.3f, \"peak_rss_mib\": %.0f}",
                        i ? ", " : "", name.c_str(), type.c_str(), r.test.c_str(), threads, r.n, r.median, r.min, r.max,
                        r.rss);
        }
        std::printf("]\n");
    } else {
        std::printf("| %-30s | %-8s | %7s | %8s | %10s | %10s | %10s |\n", "model", "type", "threads", "test", "t/s", "min",
                    "max");
        std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", std::string(30, '-').c_str(), std::string(8, '-').c_str(),
                    std::string(7, '-').c_str(), std::string(8, '-').c_str(), std::string(10, '-').c_str(),
                    std::string(10, '-').c_str(), std::string(10, '-').c_str());
        for (const auto& r : results)
            std::printf("| %-30s | %-8s | %7d | %8s | %10.2f | %10.2f | %10.2f |\n", name.c_str(), type.c_str(), threads,
                        r.test.c_str(), r.median, r.min, r.max);
        std::fprintf(stderr, "peak RSS %.0f MiB (file %.0f MiB, KV cache %.0f MiB)\n", results.empty() ? peak_rss_mib() : results.back().rss,
                     m->file().file_size() / 1048576.0, session.kv_bytes() / 1048576.0);
    }
    return 0;
}

zigllm::cli::Registrar reg{{"bench", "prompt/generation tokens per second (-m MODEL [-p 512] [-n 128] [-t T] [-r 3] [--json])", run_bench}};

}  // namespace
