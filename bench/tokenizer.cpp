// bench_tokenizer: encode throughput of every tokenizer on 1 MB of text.
//
//   bench_tokenizer [--seeds DIR] [--mb N] [--reps R] [VOCAB.gguf ...]
// Text: the files of DIR (default $ZIGLLM_SEEDS_DIR), sorted by name, concatenated and repeated to
// N MB (default 1). Vocabularies: the arguments, else every ggml-vocab-*.gguf in $ZIGLLM_REF_DIR/vocab.
// Prints, per vocabulary, tokens/s and MB/s of encode(text, add_special=false, parse_special=false)
// (best of R runs, default 3) and of decode of the result.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "zigllm/decode/vocab.hpp"
#include "zigllm/io/error.hpp"
#include "zigllm/io/gguf.hpp"

namespace fs = std::filesystem;

static std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int main(int argc, char** argv) {
    std::string seeds = std::getenv("ZIGLLM_SEEDS_DIR") ? std::getenv("ZIGLLM_SEEDS_DIR") : "";
    double mb = 1.0;
    int reps = 3;
    std::vector<std::string> vocabs;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--seeds" && i + 1 < argc) seeds = argv[++i];
        else if (a == "--mb" && i + 1 < argc) mb = std::atof(argv[++i]);
        else if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
        else vocabs.push_back(a);
    }
    if (seeds.empty() || !fs::is_directory(seeds)) {
        std::fprintf(stderr, "bench_tokenizer: set ZIGLLM_SEEDS_DIR or pass --seeds DIR (text files)\n");
        return 1;
    }
    if (vocabs.empty()) {
        const char* ref = std::getenv("ZIGLLM_REF_DIR");
        if (!ref) {
            std::fprintf(stderr, "bench_tokenizer: pass VOCAB.gguf files or set ZIGLLM_REF_DIR\n");
            return 1;
        }
        for (const auto& e : fs::directory_iterator(fs::path(ref) / "vocab")) {
            std::string n = e.path().filename().string();
            if (n.rfind("ggml-vocab-", 0) == 0 && e.path().extension() == ".gguf") vocabs.push_back(e.path().string());
        }
        std::sort(vocabs.begin(), vocabs.end());
    }

    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(seeds))
        if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::string seed;
    for (const auto& f : files) seed += read_all(f);
    if (seed.empty()) {
        std::fprintf(stderr, "bench_tokenizer: no text in %s\n", seeds.c_str());
        return 1;
    }
    const size_t target = static_cast<size_t>(mb * 1024 * 1024);
    std::string text;
    while (text.size() < target) text += seed;
    text.resize(target);
    // do not cut a UTF-8 sequence in two
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
    if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();

    std::printf("text: %zu bytes from %zu seed files (%zu bytes), best of %d\n", text.size(), files.size(),
                seed.size(), reps);
    std::printf("%-22s %-6s %-16s %10s %12s %9s %12s\n", "vocab", "model", "pre", "tokens", "encode tok/s",
                "MB/s", "decode MB/s");
    using clock = std::chrono::steady_clock;
    for (const auto& path : vocabs) {
        try {
            auto t0 = clock::now();
            auto f = zigllm::io::GgufFile::open(path);
            auto v = zigllm::decode::Vocab::from_gguf(f);
            double load_s = std::chrono::duration<double>(clock::now() - t0).count();
            double best_enc = 1e30, best_dec = 1e30;
            std::vector<zigllm::decode::Token> ids;
            size_t out_bytes = 0;
            for (int r = 0; r < reps; ++r) {
                auto a = clock::now();
                ids = v->encode(text, false, false);
                auto b = clock::now();
                std::string back = v->decode(ids, false, false);
                auto c = clock::now();
                out_bytes = back.size();
                best_enc = std::min(best_enc, std::chrono::duration<double>(b - a).count());
                best_dec = std::min(best_dec, std::chrono::duration<double>(c - b).count());
            }
            std::string name = fs::path(path).stem().string();
            if (name.rfind("ggml-vocab-", 0) == 0) name = name.substr(11);
            std::printf("%-22s %-6s %-16s %10zu %12.0f %9.2f %12.1f   (load %.0f ms)\n", name.c_str(),
                        std::string(v->model()).c_str(), std::string(v->pre()).c_str(), ids.size(),
                        ids.size() / best_enc, text.size() / best_enc / 1e6, out_bytes / best_dec / 1e6, load_s * 1e3);
        } catch (const zigllm::Error& e) {
            std::printf("%-22s error: %s\n", fs::path(path).stem().string().c_str(), e.what());
        }
    }
    return 0;
}
