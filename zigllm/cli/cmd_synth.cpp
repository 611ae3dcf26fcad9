// zigllm synth --arch ARCH --shape NAME --type TYPE --out FILE: a random-weight model (for demos,
// tests and benchmarks) with a real SPM tokenizer. stdout stays empty; a summary goes to stderr.
#include <chrono>
#include <cstdio>
#include <string>

#include "zigllm/cli/command.hpp"
#include "zigllm/tools/quant_rules.hpp"
#include "zigllm/tools/synth.hpp"

namespace {

int run_synth(const std::vector<std::string>& args) {
    CLI::App app{"zigllm synth: write a random-weight model of a registered family"};
    zigllm::tools::SynthOptions o;
    app.add_option("--arch", o.arch, "architecture (" + zigllm::tools::synth_arch_names() + ")")->capture_default_str();
    app.add_option("--shape", o.shape, "shape (" + zigllm::tools::synth_shape_names() + ")")->capture_default_str();
    app.add_option("--type", o.type, "weight type or llama.cpp mix, as for zigllm quantize")->capture_default_str();
    app.add_option("--out", o.out, "output GGUF file")->required();
    app.add_option("--seed", o.seed, "random seed")->capture_default_str();
    app.add_option("-t,--threads", o.threads, "worker threads (default: all)")->check(CLI::NonNegativeNumber);
    if (!zigllm::cli::parse(app, args)) return 0;

    const auto start = std::chrono::steady_clock::now();
    zigllm::tools::synth(o);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "zigllm synth: %s: %s %s %s (%.1f s)\n", o.out.c_str(), o.arch.c_str(), o.shape.c_str(),
                 o.type.c_str(), s);
    return 0;
}

zigllm::cli::Registrar reg{{"synth", "write a random-weight model (--arch --shape --type --out)", run_synth}};

}  // namespace
