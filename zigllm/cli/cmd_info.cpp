// zigllm info FILE | -m FILE: metadata, tokenizer summary and tensor table, like gguf-dump.
#include <cstdio>
#include <string>

#include "zigllm/cli/command.hpp"
#include "zigllm/arch/registry.hpp"  // engine: describe_plan for --plan
#include "zigllm/io/gguf.hpp"

namespace {

using zigllm::io::GgufFile;
using zigllm::io::GgufType;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

void print_tokenizer_summary(const GgufFile& f) {
    const auto* tokens = f.find("tokenizer.ggml.tokens");
    if (!f.find("tokenizer.ggml.model") && !tokens) {
        std::printf("\ntokenizer: none\n");
        return;
    }
    std::printf("\ntokenizer:\n");
    std::printf("  model = %s\n", std::string(f.get_string("tokenizer.ggml.model", "?")).c_str());
    if (const auto* pre = f.find("tokenizer.ggml.pre")) std::printf("  pre = %s\n", pre->to_string().c_str());
    std::printf("  vocab size = %llu\n", static_cast<unsigned long long>(tokens && tokens->is_array() ? tokens->size() : 0));
    if (const auto* merges = f.find("tokenizer.ggml.merges"); merges && merges->is_array())
        std::printf("  merges = %llu\n", static_cast<unsigned long long>(merges->size()));
    for (const char* id : {"bos", "eos", "eot", "unknown", "separator", "padding", "cls", "mask"}) {
        std::string key = std::string("tokenizer.ggml.") + id + "_token_id";
        if (const auto* v = f.find(key)) std::printf("  %s id = %s\n", id, v->to_string().c_str());
    }
    for (const char* flag : {"add_bos_token", "add_eos_token", "add_space_prefix"}) {
        std::string key = std::string("tokenizer.ggml.") + flag;
        if (const auto* v = f.find(key)) std::printf("  %s = %s\n", flag, v->to_string().c_str());
    }
    if (f.find("tokenizer.chat_template")) std::printf("  chat template: present\n");
}

int run_info(const std::vector<std::string>& args) {
    CLI::App app{"zigllm info: print a GGUF file's metadata, tokenizer and tensors"};
    std::string file, model;
    bool plan = false;
    app.add_option("file", file, "GGUF file");
    app.add_option("-m,--model", model, "GGUF file");
    app.add_flag("--plan", plan, "print the fused execution plan of one layer");
    if (!zigllm::cli::parse(app, args)) return 0;
    if (file.empty()) file = model;
    if (file.empty()) throw zigllm::Error("-", "FILE", "no file given (zigllm info FILE)");

    GgufFile f = GgufFile::open(file);
    std::string arch(f.architecture());
    std::printf("file = %s\n", file.c_str());
    std::printf("gguf version = %u, alignment = %llu, tensors = %zu, metadata keys = %zu\n", f.version(),
                static_cast<unsigned long long>(f.alignment()), f.tensors().size(), f.kv().size());
    std::printf("general.architecture = %s\n", arch.empty() ? "(none)" : arch.c_str());
    std::printf("\nmetadata:\n");
    for (const auto& kv : f.kv()) {
        if (kv.key == "general.architecture") continue;
        bool tokenizer = starts_with(kv.key, "tokenizer.");
        if (tokenizer && kv.value.is_array()) continue;  // summarized below
        if (kv.key == "tokenizer.chat_template") continue;
        std::printf("  %s = %s\n", std::string(kv.key).c_str(), kv.value.to_string().c_str());
    }
    print_tokenizer_summary(f);

    std::printf("\ntensors:\n  %-40s %-24s %-8s %12s\n", "name", "shape", "type", "bytes");
    uint64_t total = 0;
    for (const auto& t : f.tensors()) {
        std::printf("  %-40s %-24s %-8s %12llu\n", std::string(t.name).c_str(), t.shape_string().c_str(),
                    std::string(zigllm::type_name(t.type)).c_str(), static_cast<unsigned long long>(t.nbytes));
        total += t.nbytes;
    }
    std::printf("  total tensor bytes = %llu\n", static_cast<unsigned long long>(total));

    // ---- engine block (engine work): --plan prints the fused static plan of one layer ----
    if (plan) std::printf("\nplan:\n%s", zigllm::describe_plan(f).c_str());
    // ---- end of engine block ----
    return 0;
}

zigllm::cli::Registrar reg{{"info", "print a GGUF file's metadata, tokenizer summary and tensors", run_info}};

}  // namespace
