// zigllm logits -m MODEL --tokens IDS --out FILE.f32 [-t N]: the logits of every position as raw
// little-endian float32, n_tokens x n_vocab, computed in one batch with an F32 KV cache.
#include <cstdio>
#include <fstream>

#include "zigllm/cli/command.hpp"
#include "zigllm/cli/engine_cli.hpp"
#include "zigllm/zigllm.hpp"

namespace {

int run_logits(const std::vector<std::string>& args) {
    CLI::App app{"zigllm logits: all-position logits (raw float32, n_tokens x n_vocab, F32 KV cache)"};
    std::string model, tokens, out;
    int threads = zigllm::cli::default_threads();
    app.add_option("-m,--model", model, "GGUF model")->required();
    app.add_option("--tokens", tokens, "token ids, comma-separated")->required();
    app.add_option("--out", out, "output file (.f32)")->required();
    app.add_option("-t,--threads", threads, "threads");
    if (!zigllm::cli::parse(app, args)) return 0;
    zigllm::cli::check_threads(threads);
    const auto ids = zigllm::cli::parse_ids(tokens, "--tokens");
    if (ids.empty()) throw zigllm::Error("-", "--tokens", "no tokens given");

    auto m = zigllm::load(model);
    auto session = m->session({.n_ctx = std::max<int64_t>(m->hparams().n_ctx_train, 1), .threads = threads,
                               .kv_type = zigllm::GgmlType::F32, .n_batch = static_cast<int64_t>(ids.size())});
    if (static_cast<int64_t>(ids.size()) > session.n_ctx())
        throw zigllm::Error("-", "position " + std::to_string(session.n_ctx()),
                            std::to_string(ids.size()) + " tokens exceed the context length " + std::to_string(session.n_ctx()));
    auto logits = session.eval(ids, true);
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    if (!f) throw zigllm::Error(out, "-", "cannot open for writing");
    f.write(reinterpret_cast<const char*>(logits.data()), static_cast<std::streamsize>(logits.size() * sizeof(float)));
    if (!f.flush()) throw zigllm::Error(out, "-", "write failed");
    std::fprintf(stderr, "zigllm logits: %zu x %lld written to %s\n", ids.size(),
                 static_cast<long long>(m->hparams().n_vocab), out.c_str());
    return 0;
}

zigllm::cli::Registrar reg{{"logits", "all-position logits as raw float32 (-m MODEL --tokens IDS --out FILE)", run_logits}};

}  // namespace
