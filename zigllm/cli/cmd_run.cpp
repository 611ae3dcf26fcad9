// zigllm run [-m MODEL] (-p TEXT | --tokens IDS) [-n N] [--temp T] [--top-k K] [--top-p P]
//            [--min-p P] [--seed S] [-t THREADS] [--ids] [--ignore-eos]
//            [--grammar FILE | --json-schema FILE | --regex RE] [every llama-cli sampler flag]
// Streams the generated text (or, with --ids, prints the generated ids). Without -m it writes (once)
// and uses a small synthetic demo model, and says so on stderr.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "zigllm/cli/command.hpp"
#include "zigllm/cli/engine_cli.hpp"
#include "zigllm/cli/sampler_flags.hpp"
#include "zigllm/decode/grammar_sampler.hpp"
#include "zigllm/tools/synth.hpp"
#include "zigllm/zigllm.hpp"

namespace {

namespace fs = std::filesystem;

// The demo model: `zigllm synth --arch llama --shape tiny --type F16`, cached per user.
std::string demo_model() {
    fs::path dir;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) dir = fs::path(x) / "zigllm";
    else if (const char* h = std::getenv("HOME"); h && *h) dir = fs::path(h) / ".cache" / "zigllm";
    else dir = fs::temp_directory_path() / "zigllm";
    const fs::path path = dir / "demo-llama-tiny-f16.gguf";
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        fs::create_directories(dir, ec);
        if (ec) throw zigllm::Error(dir.string(), "-", "cannot create the demo model folder: " + ec.message());
        zigllm::tools::SynthOptions o;
        o.arch = "llama";
        o.shape = "tiny";
        o.type = "F16";
        o.out = path.string();
        zigllm::tools::synth(o);
    }
    std::fprintf(stderr, "zigllm run: no -m given: using the synthetic demo model %s (random weights)\n", path.c_str());
    return path.string();
}

int run_run(const std::vector<std::string>& args) {
    CLI::App app{"zigllm run: generate text from a prompt"};
    std::string model, prompt, tokens;
    int n_predict = 128, threads = zigllm::cli::default_threads();
    int64_t n_ctx = 0;
    zigllm::GenerateOptions g;
    bool print_ids = false;
    app.add_option("-m,--model", model, "GGUF model (default: a synthetic demo model)");
    auto* p = app.add_option("-p,--prompt", prompt, "prompt text (the model's default special tokens added)");
    auto* tk = app.add_option("--tokens", tokens, "prompt token ids, comma-separated, used as given");
    p->excludes(tk);
    app.add_option("-n,--n-predict", n_predict, "tokens to generate");
    zigllm::cli::SamplerFlags sampler;
    sampler.add_to(app);
    app.add_option("-t,--threads", threads, "threads");
    app.add_option("-c,--ctx-size", n_ctx, "context size (default: the model's)");
    app.add_flag("--ids", print_ids, "print the generated token ids (comma-separated) instead of text");
    app.add_flag("--ignore-eos", g.ignore_eos, "do not stop at an end-of-generation token");
    std::string grammar_file, schema_file, regex;
    auto* gf = app.add_option("--grammar", grammar_file, "constrain the output by a GBNF grammar file");
    auto* sf = app.add_option("--json-schema", schema_file, "constrain the output by a JSON schema file");
    auto* rx = app.add_option("--regex", regex, "constrain the output by a regular expression");
    gf->excludes(sf)->excludes(rx);
    sf->excludes(rx);
    if (!zigllm::cli::parse(app, args)) return 0;
    sampler.finish();
    zigllm::cli::check_threads(threads);
    if (n_predict < 0) throw zigllm::Error("-", "-n", "must be >= 0");
    if (n_ctx < 0) throw zigllm::Error("-", "-c", "must be >= 0");
    if (p->count() == 0 && tk->count() == 0) throw zigllm::Error("-", "-p", "no prompt given (-p TEXT or --tokens IDS)");
    if (model.empty()) model = demo_model();

    // The grammar is read (and refused) before the model is loaded.
    std::shared_ptr<const zigllm::decode::Grammar> grammar;
    if (gf->count()) grammar = zigllm::decode::grammar_from_gbnf_file(grammar_file);
    else if (sf->count()) grammar = zigllm::decode::grammar_from_json_schema_file(schema_file);
    else if (rx->count()) grammar = zigllm::decode::grammar_from_regex(regex);

    auto m = zigllm::load(model);
    std::vector<zigllm::Token> ids;
    if (tk->count()) ids = zigllm::cli::parse_ids(tokens, "--tokens");
    else ids = m->vocab().encode(prompt, true, false);
    if (ids.empty()) throw zigllm::Error("-", p->count() ? "-p" : "--tokens", "the prompt has no tokens");
    g.max_tokens = n_predict;
    g.sampling = &sampler.params;
    if (!sampler.cfg_negative_prompt.empty() && sampler.cfg_scale != 1.0f) {
        g.guidance_tokens = m->vocab().encode(sampler.cfg_negative_prompt, true, false);
        g.guidance_scale = sampler.cfg_scale;
    }
    zigllm::decode::SamplerPtr constraint;
    if (grammar) {
        constraint = zigllm::decode::make_grammar_sampler(grammar, m->vocab());
        g.constraint = constraint.get();
    }

    auto session = m->session({.n_ctx = n_ctx, .threads = threads, .kv_type = zigllm::GgmlType::F16});
    std::string line;
    const zigllm::decode::Vocab* vocab = m->has_vocab() ? &m->vocab() : nullptr;
    if (!print_ids && !vocab) throw zigllm::Error(model, "tokenizer.ggml.model", "no tokenizer: use --ids");
    session.generate(ids, g, [&](zigllm::Token t) {
        if (print_ids) {
            if (!line.empty()) line.push_back(',');
            line += std::to_string(t);
        } else {
            const std::string piece = vocab->token_to_piece(t, false);
            std::fwrite(piece.data(), 1, piece.size(), stdout);
            std::fflush(stdout);
        }
        return true;
    });
    if (print_ids) std::printf("%s\n", line.c_str());
    return 0;
}

zigllm::cli::Registrar reg{{"run", "generate text (-m MODEL -p TEXT | --tokens IDS, -n N, sampling options)", run_run}};

}  // namespace
