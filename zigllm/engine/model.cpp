#include "zigllm/engine/model.hpp"

#include <algorithm>
#include <cstring>

#include "zigllm/decode/sampling_params.hpp"
#include "zigllm/engine/pool.hpp"

namespace zigllm {

AnyModel::AnyModel(const std::string& path) : file_(io::GgufFile::open(path)), hp_(Hparams::from_gguf(file_)) {
    if (file_.find("tokenizer.ggml.model")) vocab_ = decode::Vocab::from_gguf(file_);
}

const decode::Vocab& AnyModel::vocab() const {
    if (!vocab_) throw Error(file_.path(), "tokenizer.ggml.model", "the model has no tokenizer");
    return *vocab_;
}

void AnyModel::load_common(bool learned_positions) {
    WeightLoader L(file_);
    const io::TensorInfo* te = file_.find_tensor("token_embd.weight");
    if (!te) file_.fail("token_embd.weight", "missing tensor");
    hp_.n_vocab = te->ne[1];
    w_.token_embd = L.matrix("token_embd.weight", hp_.n_vocab, hp_.n_embd);
    if (learned_positions) w_.position_embd = L.matrix("position_embd.weight", hp_.n_ctx_train, hp_.n_embd);
    // Tied output (stories260K, gpt2): the classifier is token_embd when the file has no output.weight.
    w_.output = L.has("output.weight") ? L.matrix("output.weight", hp_.n_vocab, hp_.n_embd) : w_.token_embd;
    if (L.has("rope_freqs.weight")) {
        w_.rope_freqs = L.vector("rope_freqs.weight", hp_.rope.n_rot / 2);
        hp_.rope.freq_factors = w_.rope_freqs.data;
    }
    if (vocab_ && static_cast<int64_t>(vocab_->size()) > hp_.n_vocab)
        file_.fail("token_embd.weight", "vocabulary has " + std::to_string(vocab_->size()) + " tokens, embedding only " +
                                            std::to_string(hp_.n_vocab) + " rows");
}

// The embedding rows are read from the file (read_into), not through the mapping: a mapped row
// makes the page cache's whole large folio resident (up to 2 MiB for 1 KiB).
void AnyModel::embed(std::span<const Token> tokens, int64_t pos0, Scratch& s) const {
    const int64_t E = hp_.n_embd;
    std::vector<float> row(w_.position_embd ? E : 0);
    std::vector<uint8_t> bytes(std::max(w_.token_embd.row_bytes(), w_.position_embd ? w_.position_embd.row_bytes() : 0));
    auto read_row = [&](const Matrix& m, int64_t r, float* dst) {
        file_.read_into(m.row(r), m.row_bytes(), bytes.data());
        ops::dequantize_row(m.type, bytes.data(), dst, E);
    };
    for (size_t i = 0; i < tokens.size(); ++i) {
        float* x = s.x.data() + i * E;
        read_row(w_.token_embd, tokens[i], x);
        if (w_.position_embd) {
            read_row(w_.position_embd, pos0 + static_cast<int64_t>(i), row.data());
            for (int64_t d = 0; d < E; ++d) x[d] += row[d];
        }
    }
}

void AnyModel::output(Scratch& s, int64_t rows, ops::ThreadPool* pool) const {
    s.logits.resize(rows * hp_.n_vocab);
    ops::matmul(w_.output.ref(), hp_.n_vocab, hp_.n_embd, s.xb.data(), rows, s.logits.data(), pool);
}

Session AnyModel::session(const SessionOptions& o) const { return Session(*this, o); }

// ---- Session ------------------------------------------------------------------------------------

struct Session::Pool {
    explicit Pool(int threads) : pool(threads) {}
    engine::Threads pool;
};

Session::Session(const AnyModel& m, const SessionOptions& o) : model_(&m), opt_(o) {
    const Hparams& hp = m.hparams();
    int64_t n_ctx = o.n_ctx > 0 ? o.n_ctx : hp.n_ctx_train;
    if (m.file().find_tensor("position_embd.weight")) n_ctx = std::min(n_ctx, hp.n_ctx_train);  // no positions beyond
    if (o.kv_type != GgmlType::F32 && o.kv_type != GgmlType::F16)
        throw Error("-", "kv_type", "the KV cache is F32 or F16, not " + std::string(type_name(o.kv_type)));
    if (o.n_batch < 1) throw Error("-", "n_batch", "must be >= 1");
    kv_ = KvCache(o.kv_type, hp.n_layer, n_ctx, hp.kv_dim());
    pool_ = std::make_unique<Pool>(std::max(1, o.threads));
}

Session::Session(Session&&) noexcept = default;
Session::~Session() = default;

std::span<const float> Session::eval(std::span<const Token> tokens, bool all_logits) {
    const Hparams& hp = model_->hparams();
    if (tokens.empty()) throw Error("-", "tokens", "nothing to evaluate");
    for (size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i] < 0 || tokens[i] >= hp.n_vocab)
            throw Error("-", "position " + std::to_string(i),
                        "token id " + std::to_string(tokens[i]) + " out of range [0, " + std::to_string(hp.n_vocab) + ")");
    if (n_past_ + static_cast<int64_t>(tokens.size()) > kv_.n_ctx())
        throw Error("-", "position " + std::to_string(kv_.n_ctx()),
                    "context limit: " + std::to_string(n_past_ + tokens.size()) + " tokens do not fit in n_ctx = " +
                        std::to_string(kv_.n_ctx()));
    const int64_t total = static_cast<int64_t>(tokens.size());
    const int64_t batch = std::min(total, opt_.n_batch);
    scratch_.reserve(hp, batch);
    if (all_logits) all_.resize(total * hp.n_vocab);
    for (int64_t done = 0; done < total; done += batch) {
        const int64_t n = std::min(batch, total - done);
        const bool last = done + n == total;
        model_->forward(tokens.subspan(done, n), n_past_, scratch_, kv_, pool_->pool.get(), all_logits);
        n_past_ += n;
        if (all_logits) std::copy_n(scratch_.logits.data(), n * hp.n_vocab, all_.data() + done * hp.n_vocab);
        if (last && !all_logits) return {scratch_.logits.data(), static_cast<size_t>(hp.n_vocab)};
    }
    return all_;
}

Token greedy_token(std::span<const float> logits) {
    size_t best = 0;
    for (size_t i = 1; i < logits.size(); ++i)
        if (logits[i] > logits[best]) best = i;
    return static_cast<Token>(best);
}

Generator::Generator(Session& s, std::span<const Token> prompt, const GenerateOptions& o) : s_(&s), o_(o) {
    const AnyModel& m = s.model();
    const Hparams& hp = m.hparams();
    const decode::Vocab* vocab = m.has_vocab() ? &m.vocab() : nullptr;
    decode::SamplingParams sp;
    if (o.sampling) {
        sp = *o.sampling;
    } else {
        sp.temp = o.temperature;
        sp.top_k = o.top_k;
        sp.top_p = o.top_p;
        sp.min_p = o.min_p;
        sp.seed = o.seed;
        sp.penalty_repeat = o.repeat_penalty;
    }
    decode::Chain inner = decode::make_sampler_chain(sp, vocab, static_cast<int32_t>(hp.n_vocab),
                                                     static_cast<int32_t>(hp.n_ctx_train), static_cast<int32_t>(s.n_ctx()));
    // Penalties see the prompt, as in llama.cpp's common_sampler (prompt accepted, not by the grammar).
    for (Token t : prompt) inner.accept(t);
    chain_ = std::make_unique<decode::Chain>();
    if (o.constraint) chain_->add(o.constraint->clone());
    chain_->add(std::make_unique<decode::Chain>(std::move(inner)));
    if (!o.guidance_tokens.empty() && o.guidance_scale != 1.0f) {
        guidance_ = std::make_unique<Session>(m, s.options());
        uncond_ = guidance_->eval(o.guidance_tokens);
    }
    logits_ = step_logits(s.eval(prompt));
}

Generator::~Generator() = default;

std::span<const float> Generator::step_logits(std::span<const float> cond) {
    if (!guidance_) return cond;
    // both contexts have seen the same generated tokens (next() feeds both)
    guided_ = decode::classifier_free_guidance(cond, uncond_, o_.guidance_scale);
    return guided_;
}

Token Generator::next() {
    if (done_ || produced_ >= o_.max_tokens) return -1;
    if (produced_ > 0) {
        if (s_->n_past() >= s_->n_ctx()) { done_ = true; return -1; }  // the context is full: stop
        const Token last = last_;
        if (guidance_) {
            if (guidance_->n_past() >= guidance_->n_ctx()) { done_ = true; return -1; }
            uncond_ = guidance_->eval(std::span<const Token>(&last, 1));
        }
        logits_ = step_logits(s_->eval(std::span<const Token>(&last, 1)));
    }
    const Token t = chain_->sample(logits_);
    const AnyModel& m = s_->model();
    if (!o_.ignore_eos && m.has_vocab() && m.vocab().is_eog(t)) { done_ = true; return -1; }
    ++produced_;
    last_ = t;
    return t;
}

void Session::generate(std::span<const Token> prompt, const GenerateOptions& o, const std::function<bool(Token)>& on_token) {
    Generator g(*this, prompt, o);
    for (Token t = g.next(); t >= 0; t = g.next())
        if (!on_token(t)) return;
}

Session::Stream::Stream(Session& s, std::vector<Token> prompt, const GenerateOptions& o)
    : prompt_(std::move(prompt)), vocab_(&s.model().vocab()), gen_(s, prompt_, o) {}

void Session::Stream::advance() {
    const Token t = gen_.next();
    if (t < 0) { done_ = true; piece_.clear(); return; }
    piece_ = vocab_->token_to_piece(t, false);
}

Session::Stream Session::stream(std::string_view prompt, const GenerateOptions& o) {
    return Stream(*this, model_->vocab().encode(prompt, true, false), o);
}

void Session::generate(std::string_view prompt, const GenerateOptions& o, const std::function<bool(std::string_view)>& on_piece) {
    const decode::Vocab& v = model_->vocab();
    const std::vector<Token> ids = v.encode(prompt, true, false);
    generate(ids, o, [&](Token t) { return on_piece(v.token_to_piece(t, false)); });
}

}  // namespace zigllm
