// zigllm quantize IN.gguf OUT.gguf TYPE: llama.cpp's quantizer (same per-tensor types, metadata and
// layout). stdout stays empty; a per-tensor log and the size summary go to stderr.
#include <cstdio>
#include <string>

#include "zigllm/cli/command.hpp"
#include "zigllm/tools/quant_rules.hpp"
#include "zigllm/tools/quantize.hpp"

namespace {

int run_quantize(const std::vector<std::string>& args) {
    CLI::App app{"zigllm quantize: rewrite a GGUF model with its weights in another type, as llama.cpp's "
                 "quantizer does (TYPE: " + zigllm::tools::quant_target_names() + ")"};
    zigllm::tools::QuantizeOptions o;
    bool quiet = false;
    app.add_option("IN", o.input, "input GGUF model")->required();
    app.add_option("OUT", o.output, "output GGUF file")->required();
    app.add_option("TYPE", o.type, "ggml type (Q8_0, Q4_K, F16 ...) or llama.cpp mix (Q4_K_M, Q3_K_L ...)")->required();
    app.add_flag("--pure", o.pure, "every quantized tensor in TYPE's base type (no mix rules)");
    app.add_flag("--allow-requantize", o.allow_requantize, "accept input tensors that are already quantized");
    app.add_option("-t,--threads", o.threads, "worker threads (default: all)")->check(CLI::NonNegativeNumber);
    app.add_flag("-q,--quiet", quiet, "no per-tensor log on stderr");
    if (!zigllm::cli::parse(app, args)) return 0;
    zigllm::tools::require_quant_target(o.type);  // refuse a bad TYPE before reading anything

    auto report = zigllm::tools::quantize_model(o);
    if (!quiet) {
        for (const auto& t : report.tensors)
            std::fprintf(stderr, "%-36s %6s -> %-6s %10.3f MiB\n", t.name.c_str(), std::string(zigllm::type_name(t.from)).c_str(),
                         std::string(zigllm::type_name(t.to)).c_str(), t.bytes_out / 1048576.0);
    }
    std::fprintf(stderr, "zigllm quantize: %s: %.2f MiB -> %.2f MiB (%s)\n", o.output.c_str(), report.bytes_in / 1048576.0,
                 report.bytes_out / 1048576.0, o.type.c_str());
    return 0;
}

zigllm::cli::Registrar reg{{"quantize", "quantize a model (IN.gguf OUT.gguf TYPE), llama.cpp's per-tensor rules", run_quantize}};

}  // namespace
