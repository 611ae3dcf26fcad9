// Models and sessions: Model<Arch> binds an architecture type to a GGUF file (checked at load);
// a Session evaluates tokens against its own KV cache and generates text.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "zigllm/decode/sampling.hpp"
#include "zigllm/decode/sampling_params.hpp"
#include "zigllm/decode/vocab.hpp"
#include "zigllm/graph/decoder.hpp"
#include "zigllm/graph/hparams.hpp"
#include "zigllm/graph/state.hpp"
#include "zigllm/graph/steps.hpp"
#include "zigllm/graph/weights.hpp"
#include "zigllm/io/gguf.hpp"

namespace zigllm {

using decode::Token;

struct SessionOptions {
    int64_t n_ctx = 0;                  // 0: the model's training context
    int threads = 1;
    GgmlType kv_type = GgmlType::F16;   // F32 or F16
    int64_t n_batch = 512;              // prompt tokens evaluated per forward pass
};

struct GenerateOptions {
    int max_tokens = 128;
    float temperature = 0.8f;           // 0: greedy (argmax in id order, lowest id on ties)
    int top_k = 40;
    float top_p = 0.95f;
    float min_p = 0.05f;
    uint32_t seed = 0xFFFFFFFFu;        // LLAMA_DEFAULT_SEED: a random seed
    float repeat_penalty = 1.0f;        // over the last 64 tokens
    bool ignore_eos = false;
    // Applied before the chain (e.g. a grammar sampler); cloned per generation. May be null.
    const decode::Sampler* constraint = nullptr;
    // Every setting of llama-cli's sampler chain (typical, XTC, top-n-sigma, dynamic temperature,
    // frequency/presence penalties, DRY, logit bias, mirostat, stage order). When set, it replaces
    // temperature, top_k, top_p, min_p, seed and repeat_penalty above. May be null.
    const decode::SamplingParams* sampling = nullptr;
    // Classifier-free guidance: a second context (e.g. a negative prompt, evaluated as given)
    // runs beside the prompt and the chain sees ls(uncond) + scale * (ls(cond) - ls(uncond)).
    // Off when guidance_tokens is empty or the scale is 1.
    std::vector<Token> guidance_tokens{};
    float guidance_scale = 1.0f;
};

class Session;

// A runnable model of any architecture (what zigllm::load returns).
class AnyModel {
public:
    virtual ~AnyModel() = default;
    const Hparams& hparams() const { return hp_; }
    const io::GgufFile& file() const { return file_; }
    const decode::Vocab& vocab() const;
    bool has_vocab() const { return vocab_ != nullptr; }
    virtual std::string plan_text() const = 0;
    virtual const char* arch_name() const = 0;

    Session session(const SessionOptions& o = {}) const;

    // Evaluates n tokens at positions pos0.. into the cache; writes logits of every row (all) or
    // only the last one into s.logits.
    virtual void forward(std::span<const Token> tokens, int64_t pos0, Scratch& s, KvCache& kv, ops::ThreadPool* pool,
                         bool all_logits) const = 0;

protected:
    explicit AnyModel(const std::string& path);
    void load_common(bool learned_positions);
    void embed(std::span<const Token> tokens, int64_t pos0, Scratch& s) const;
    void output(Scratch& s, int64_t rows, ops::ThreadPool* pool) const;  // classifier over xb rows
    io::GgufFile file_;
    Hparams hp_;
    ModelWeights w_;
    std::shared_ptr<const decode::Vocab> vocab_;
};

// A model of a statically known architecture: `zigllm::Model<zigllm::arch::Llama> m{path}`.
template <class Arch>
class Model : public AnyModel {
    using traits = detail::decoder_traits<Arch>;

public:
    explicit Model(const std::string& path) : AnyModel(path) {
        load_common(traits::learned_positions);
        WeightLoader L(file_);
        w_.layers.resize(hp_.n_layer);
        for (int64_t l = 0; l < hp_.n_layer; ++l) {
            const std::string blk = "blk." + std::to_string(l) + ".";
            hana::for_each(traits::plan, [&](auto s) {
                steps::load(typename decltype(s)::type{}, w_.layers[l], L, blk, hp_);
            });
        }
        using FN = typename traits::final_norm_type;
        steps::load_norm(FN{}, w_.output_norm, w_.output_norm_b, L, "output_norm", hp_.n_embd);
        repack_weights(w_, file_);  // after every check: a refused file never costs a copy
        hp_.rope.freq_factors = w_.rope_freqs.data;  // moved with the copies
    }

    std::string plan_text() const override { return describe_layer_plan<typename traits::layer_type>(); }
    const char* arch_name() const override { return hp_.arch.c_str(); }

    // The forward pass (llama2.c's run.c, over a batch): embed, the layer plan n_layer times,
    // final norm, classifier.
    void forward(std::span<const Token> tokens, int64_t pos0, Scratch& s, KvCache& kv, ops::ThreadPool* pool,
                 bool all_logits) const override {
        const int64_t n = static_cast<int64_t>(tokens.size());
        embed(tokens, pos0, s);
        for (int64_t l = 0; l < hp_.n_layer; ++l) {
            StepContext c{hp_, w_.layers[l], s, kv, l, pos0, n, pool};
            hana::for_each(traits::plan, [&](auto step) { steps::run(typename decltype(step)::type{}, c); });
        }
        const int64_t first = all_logits ? 0 : n - 1, rows = n - first;
        using FN = typename traits::final_norm_type;
        steps::apply_norm(FN{}, w_.output_norm, w_.output_norm_b, s.x.data() + first * hp_.n_embd, s.xb.data(), rows, hp_);
        output(s, rows, pool);
    }
};

// One conversation with a model: its KV cache, position and scratch.
class Session {
public:
    Session(const AnyModel& m, const SessionOptions& o);
    Session(Session&&) noexcept;
    ~Session();

    const AnyModel& model() const { return *model_; }
    const SessionOptions& options() const { return opt_; }
    int64_t n_past() const { return n_past_; }
    int64_t n_ctx() const { return kv_.n_ctx(); }
    size_t kv_bytes() const { return kv_.bytes(); }
    void reset() { n_past_ = 0; }

    // Appends tokens (prompt batches of n_batch; one token = the decode path) and returns the
    // logits of the last one, or of every one (n_tokens x n_vocab) when all_logits.
    // Error("-", "position P", ...) past the context limit; Error on an out-of-range id.
    std::span<const float> eval(std::span<const Token> tokens, bool all_logits = false);

    // Generates after `prompt_tokens` (evaluated first), calling on_token for each new token until
    // max_tokens, an end-of-generation token (unless ignore_eos) or on_token returns false.
    void generate(std::span<const Token> prompt_tokens, const GenerateOptions& o,
                  const std::function<bool(Token)>& on_token);
    // Text in, pieces out: tokenizes with the model's default special tokens.
    void generate(std::string_view prompt, const GenerateOptions& o, const std::function<bool(std::string_view)>& on_piece);

    // The same as a range: `for (const std::string& piece : session.stream("Once", {...}))`.
    class Stream;
    Stream stream(std::string_view prompt, const GenerateOptions& o);

private:
    const AnyModel* model_;
    SessionOptions opt_;
    KvCache kv_;
    Scratch scratch_;
    std::vector<float> all_;
    int64_t n_past_ = 0;
    struct Pool;
    std::unique_ptr<Pool> pool_;
};

// Token-by-token generation state (what generate() loops over): the sampler chain and the last logits.
class Generator {
public:
    Generator(Session& s, std::span<const Token> prompt, const GenerateOptions& o);
    ~Generator();
    // The next token, or -1 when generation has ended (max_tokens, EOG, full context).
    Token next();

private:
    // The logits the chain sees for the last evaluated token (guided when guidance is on).
    std::span<const float> step_logits(std::span<const float> cond);

    Session* s_;
    GenerateOptions o_;
    std::unique_ptr<decode::Chain> chain_;
    std::unique_ptr<Session> guidance_;  // the unguided context, when guidance is on
    std::span<const float> uncond_;  // its logits for the last token
    std::vector<float> guided_;
    std::span<const float> logits_;
    int produced_ = 0;
    Token last_ = -1;
    bool done_ = false;
};

class Session::Stream {
public:
    Stream(Session& s, std::vector<Token> prompt, const GenerateOptions& o);
    struct End {};
    class Iterator {
    public:
        explicit Iterator(Stream* st) : st_(st) {}
        const std::string& operator*() const { return st_->piece_; }
        Iterator& operator++() { st_->advance(); return *this; }
        bool operator!=(End) const { return !st_->done_; }
    private:
        Stream* st_;
    };
    Iterator begin() { advance(); return Iterator(this); }
    End end() const { return {}; }

private:
    void advance();
    std::vector<Token> prompt_;
    const decode::Vocab* vocab_;
    Generator gen_;
    std::string piece_;
    bool done_ = false;
};

// Argmax in id order, lowest id on ties.
Token greedy_token(std::span<const float> logits);

}  // namespace zigllm
