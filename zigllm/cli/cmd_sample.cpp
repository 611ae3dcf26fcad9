// zigllm sample --logits FILE.f32 --row R --chain CHAIN.json [--n-vocab N] [-m VOCAB.gguf]
// Applies a fresh sampler chain (after accepting the chain file's history) once to one logit row and
// prints the candidates it left (cli-contract.md §2): {"ids": [...], "p": [...], ...}.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "zigllm/cli/command.hpp"
#include "zigllm/decode/sampling_spec.hpp"
#include "zigllm/decode/vocab.hpp"
#include "zigllm/io/error.hpp"
#include "zigllm/io/gguf.hpp"

namespace {

using zigllm::Error;

std::vector<float> read_row(const std::string& path, int64_t row, int64_t n_vocab) {
    const std::string bytes = zigllm::cli::read_file(path);
    const uint64_t row_bytes = static_cast<uint64_t>(n_vocab) * 4;
    if (bytes.size() % row_bytes != 0)
        throw Error(path, "size", std::to_string(bytes.size()) + " bytes is not a whole number of rows of " +
                                      std::to_string(n_vocab) + " float32 values (--n-vocab)");
    const uint64_t rows = bytes.size() / row_bytes;
    if (row < 0 || static_cast<uint64_t>(row) >= rows)
        throw Error(path, "--row", "row " + std::to_string(row) + " out of range: the file has " + std::to_string(rows) +
                                       " rows of " + std::to_string(n_vocab));
    std::vector<float> v(static_cast<size_t>(n_vocab));
    std::memcpy(v.data(), bytes.data() + static_cast<size_t>(row) * row_bytes, row_bytes);  // little-endian hosts
    return v;
}

void append_number(std::string& out, float x) {
    char buf[40];
    if (std::isfinite(x)) std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(x));
    else std::snprintf(buf, sizeof buf, "\"%s\"", std::isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
    out += buf;
}

int run_sample(const std::vector<std::string>& args) {
    CLI::App app{"zigllm sample: apply a sampler chain once to a row of logits; print the candidates left"};
    std::string logits_path, chain_path, model;
    int64_t row = 0, n_vocab = 1000;
    app.add_option("--logits", logits_path, "raw little-endian float32 rows, no header")->required();
    app.add_option("--row", row, "0-based row")->required();
    app.add_option("--chain", chain_path, "JSON {\"chain\": [SPEC, ...], \"history\": [ids]}")->required();
    app.add_option("--n-vocab", n_vocab, "values per row (default 1000)");
    app.add_option("-m,--model", model, "GGUF vocabulary, for DRY's string sequence breakers");
    if (!zigllm::cli::parse(app, args)) return 0;
    if (n_vocab <= 0 || n_vocab > (int64_t{1} << 28)) throw Error("-", "--n-vocab", "must be in [1, 2^28]: " + std::to_string(n_vocab));

    std::unique_ptr<zigllm::io::GgufFile> file;
    std::shared_ptr<const zigllm::decode::Vocab> vocab;
    if (!model.empty()) {
        file = std::make_unique<zigllm::io::GgufFile>(zigllm::io::GgufFile::open(model));
        vocab = zigllm::decode::Vocab::from_gguf(*file);
    }
    auto spec = zigllm::decode::chain_spec_from_json(zigllm::cli::read_file(chain_path), chain_path, vocab.get(),
                                                     static_cast<int32_t>(n_vocab));
    const auto logits = read_row(logits_path, row, n_vocab);

    for (auto t : spec.history) spec.chain.accept(t);
    auto cur = zigllm::decode::CandidateArray::from_logits(logits);
    spec.chain.apply(cur);

    std::string out = "{\"ids\": [";
    for (size_t i = 0; i < cur.size; ++i) out += (i ? ", " : "") + std::to_string(cur[i].id);
    out += "], \"p\": [";
    for (size_t i = 0; i < cur.size; ++i) {
        if (i) out += ", ";
        append_number(out, cur[i].p);
    }
    out += "], \"logits\": [";
    for (size_t i = 0; i < cur.size; ++i) {
        if (i) out += ", ";
        append_number(out, cur[i].logit);
    }
    out += "], \"n\": " + std::to_string(cur.size) + ", \"sorted\": " + (cur.sorted ? "true" : "false") +
           ", \"selected\": " + std::to_string(cur.selected) + "}\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

zigllm::cli::Registrar reg{{"sample", "apply a sampler chain to a logit row (--logits F --row R --chain CHAIN.json)", run_sample}};

}  // namespace
