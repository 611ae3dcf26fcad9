// Sliding-window attention (Mistral type) has no llama.cpp reference for this family: it is checked
// against a straightforward float64 LLaMA forward pass written here, on the reference mistral
// weights with a llama.attention.sliding_window key added.
#define BOOST_TEST_MODULE engine_window
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>

#include "engine_test_util.hpp"
#include "zigllm/io/gguf.hpp"

using namespace zigllm;
using namespace zigllm::test;

namespace {

// The source file with one more metadata key (tensors copied as they are).
std::string with_window(const std::string& src, uint32_t window, const std::string& out) {
    auto f = io::GgufFile::open(src);
    io::GgufWriter w(static_cast<uint32_t>(f.alignment()));
    for (const auto& kv : f.kv()) w.set_value(std::string(kv.key), kv.value);
    w.set_u32("llama.attention.sliding_window", window);
    for (const auto& t : f.tensors())
        w.add_tensor(std::string(t.name), t.type, std::vector<int64_t>(t.ne.begin(), t.ne.begin() + t.n_dims), t.data);
    w.write(out);
    return out;
}

using Vec = std::vector<double>;

struct F64Llama {
    io::GgufFile f;
    int64_t E, L, H, KV, D, F, V;
    double eps, base;
    explicit F64Llama(const std::string& p) : f(io::GgufFile::open(p)) {
        E = f.require_uint("llama.embedding_length");
        L = f.require_uint("llama.block_count");
        H = f.require_uint("llama.attention.head_count");
        KV = f.require_uint("llama.attention.head_count_kv");
        F = f.require_uint("llama.feed_forward_length");
        D = E / H;
        eps = f.require_float("llama.attention.layer_norm_rms_epsilon");
        base = f.get_float("llama.rope.freq_base", 10000.0);
        V = f.find_tensor("token_embd.weight")->ne[1];
    }
    const float* t(const std::string& n) const { return reinterpret_cast<const float*>(f.find_tensor(n)->data); }
    // y[r] = sum_c W[r][c] x[c], W: rows x cols (ggml ne = [cols, rows])
    Vec mv(const std::string& n, const Vec& x, int64_t rows) const {
        const float* w = t(n);
        const int64_t cols = static_cast<int64_t>(x.size());
        Vec y(rows, 0.0);
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c) y[r] += double(w[r * cols + c]) * x[c];
        return y;
    }
    Vec rms(const Vec& x, const std::string& n) const {
        double ss = 0;
        for (double v : x) ss += v * v;
        const double s = 1.0 / std::sqrt(ss / x.size() + eps);
        const float* w = t(n);
        Vec y(x.size());
        for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * s * w[i];
        return y;
    }
    void rope(Vec& v, int64_t heads, int64_t pos) const {
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t i = 0; i < D / 2; ++i) {
                const double th = pos * std::pow(base, -2.0 * i / D);
                double& a = v[h * D + 2 * i];
                double& b = v[h * D + 2 * i + 1];
                const double x0 = a, x1 = b;
                a = x0 * std::cos(th) - x1 * std::sin(th);
                b = x0 * std::sin(th) + x1 * std::cos(th);
            }
    }
    // Logits of every position of `tokens` with attention over the last `window` positions.
    std::vector<Vec> run(const std::vector<Token>& tokens, int64_t window) const {
        const int64_t n = static_cast<int64_t>(tokens.size());
        std::vector<std::vector<Vec>> K(L), Vv(L);
        std::vector<Vec> out;
        for (int64_t p = 0; p < n; ++p) {
            Vec x(E);
            for (int64_t i = 0; i < E; ++i) x[i] = t("token_embd.weight")[tokens[p] * E + i];
            for (int64_t l = 0; l < L; ++l) {
                const std::string b = "blk." + std::to_string(l) + ".";
                Vec xb = rms(x, b + "attn_norm.weight");
                Vec q = mv(b + "attn_q.weight", xb, H * D), k = mv(b + "attn_k.weight", xb, KV * D),
                    v = mv(b + "attn_v.weight", xb, KV * D);
                rope(q, H, p);
                rope(k, KV, p);
                K[l].push_back(k);
                Vv[l].push_back(v);
                Vec att(H * D, 0.0);
                const int64_t lo = std::max<int64_t>(0, p - window + 1);
                for (int64_t h = 0; h < H; ++h) {
                    const int64_t kh = h / (H / KV);
                    Vec s;
                    double mx = -1e300;
                    for (int64_t j = lo; j <= p; ++j) {
                        double d = 0;
                        for (int64_t c = 0; c < D; ++c) d += q[h * D + c] * K[l][j][kh * D + c];
                        s.push_back(d / std::sqrt(double(D)));
                        mx = std::max(mx, s.back());
                    }
                    double sum = 0;
                    for (double& e : s) sum += (e = std::exp(e - mx));
                    for (int64_t j = lo; j <= p; ++j)
                        for (int64_t c = 0; c < D; ++c) att[h * D + c] += s[j - lo] / sum * Vv[l][j][kh * D + c];
                }
                Vec o = mv(b + "attn_output.weight", att, E);
                for (int64_t i = 0; i < E; ++i) x[i] += o[i];
                xb = rms(x, b + "ffn_norm.weight");
                Vec g = mv(b + "ffn_gate.weight", xb, F), u = mv(b + "ffn_up.weight", xb, F);
                for (int64_t i = 0; i < F; ++i) g[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
                Vec d = mv(b + "ffn_down.weight", g, E);
                for (int64_t i = 0; i < E; ++i) x[i] += d[i];
            }
            out.push_back(mv("output.weight", rms(x, "output_norm.weight"), V));
        }
        return out;
    }
};

double worst_ratio(const std::vector<float>& ours, const std::vector<Vec>& ref, int64_t V) {
    double worst = 0;
    for (size_t r = 0; r < ref.size(); ++r) {
        const auto [mn, mx] = std::minmax_element(ref[r].begin(), ref[r].end());
        for (int64_t i = 0; i < V; ++i) worst = std::max(worst, std::abs(ours[r * V + i] - ref[r][i]) / (*mx - *mn));
    }
    return worst;
}

}  // namespace

BOOST_AUTO_TEST_CASE(sliding_window_matches_float64, *needs_ref()) {
    const auto src = ref_path("arch/mistral/model.gguf").string();
    const auto tmp = std::filesystem::temp_directory_path() / ("zigllm-window-" + std::to_string(::getpid()) + ".gguf");
    const uint32_t window = 5;
    with_window(src, window, tmp.string());
    auto tokens = read_ids(ref_path("arch/mistral/tokens.txt"));
    const auto m = load(tmp.string());
    BOOST_TEST(registered_type(m->file()) == "Mistral");
    BOOST_TEST(m->plan_text().find("sliding window") != std::string::npos);

    const F64Llama ref(tmp.string());
    // The whole prompt in one batch: every row against the float64 pass with the same window.
    const auto ours = all_logits(*m, tokens, GgmlType::F32);
    const auto want = ref.run(tokens, window);
    BOOST_TEST(worst_ratio(ours, want, ref.V) <= 1e-4);
    // The window matters: without it the float64 logits differ clearly from ours.
    BOOST_TEST(worst_ratio(ours, ref.run(tokens, 1 << 20), ref.V) > 1e-2);

    // Decode path: greedy continuation token by token equals float64 argmax of the one-batch pass.
    const auto cont = greedy(*m, tokens, 8);
    std::vector<Token> seq = tokens;
    seq.insert(seq.end(), cont.begin(), cont.end());
    const auto full = ref.run(seq, window);
    for (size_t i = 0; i < cont.size(); ++i) {
        const auto& row = full[tokens.size() - 1 + i];
        BOOST_TEST(cont[i] == std::max_element(row.begin(), row.end()) - row.begin());
    }
    // Plain llama (window key absent) equals the float64 pass without a window.
    const auto plain = load(src);
    BOOST_TEST(worst_ratio(all_logits(*plain, tokens, GgmlType::F32), ref.run(tokens, 1 << 20), ref.V) <= 1e-4);
    std::filesystem::remove(tmp);
}
