// JSON -> sampler chain (Boost.JSON), with clear errors naming the offending field.
#include "zigllm/decode/sampling_spec.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <limits>

#include "zigllm/io/error.hpp"

namespace zigllm::decode {

namespace json = boost::json;

std::string quote_nonfinite_json(std::string_view t) {
    std::string out;
    out.reserve(t.size() + 64);
    bool in_string = false;
    for (size_t i = 0; i < t.size(); ++i) {
        const char c = t[i];
        if (in_string) {
            out.push_back(c);
            if (c == '\\' && i + 1 < t.size()) out.push_back(t[++i]);
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
            out.push_back(c);
        } else if (t.compare(i, 9, "-Infinity") == 0) {
            out += "\"-inf\"";
            i += 8;
        } else if (t.compare(i, 8, "Infinity") == 0) {
            out += "\"inf\"";
            i += 7;
        } else if (t.compare(i, 3, "NaN") == 0) {
            out += "\"nan\"";
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

namespace {

// Reads the fields of one SPEC object, naming it chain[i] in errors.
struct SpecReader {
    const json::object& obj;
    const std::string& file;
    std::string where;

    [[noreturn]] void fail(const std::string& key, const std::string& what) const {
        throw Error(file, key.empty() ? where : where + "." + key, what);
    }
    const json::value& need(const char* key) const {
        const json::value* v = obj.if_contains(key);
        if (!v) fail(key, "missing parameter");
        return *v;
    }
    bool has(const char* key) const { return obj.if_contains(key) != nullptr; }

    static bool as_integer(const json::value& v, int64_t& out) {
        if (v.is_int64()) { out = v.get_int64(); return true; }
        if (v.is_uint64()) {
            if (v.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
            out = static_cast<int64_t>(v.get_uint64());
            return true;
        }
        if (v.is_double()) {  // 40.0 is an integer too
            const double d = v.get_double();
            if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18) { out = static_cast<int64_t>(d); return true; }
        }
        return false;
    }
    int64_t integer(const char* key, int64_t lo, int64_t hi) const {
        int64_t x = 0;
        if (!as_integer(need(key), x)) fail(key, "expected an integer");
        if (x < lo || x > hi) fail(key, "out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]: " + std::to_string(x));
        return x;
    }
    int32_t i32(const char* key) const {
        return static_cast<int32_t>(integer(key, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
    }
    size_t count(const char* key) const {
        return static_cast<size_t>(integer(key, 0, std::numeric_limits<int32_t>::max()));
    }
    uint32_t u32(const char* key) const { return static_cast<uint32_t>(integer(key, 0, 0xffffffffLL)); }

    static bool as_real(const json::value& v, float& out) {
        if (v.is_double()) { out = static_cast<float>(v.get_double()); return true; }
        if (v.is_int64()) { out = static_cast<float>(v.get_int64()); return true; }
        if (v.is_uint64()) { out = static_cast<float>(v.get_uint64()); return true; }
        if (v.is_string()) {
            const auto& s = v.get_string();
            if (s == "inf" || s == "+inf" || s == "Infinity") { out = INFINITY; return true; }
            if (s == "-inf" || s == "-Infinity") { out = -INFINITY; return true; }
            if (s == "nan" || s == "NaN") { out = NAN; return true; }
        }
        return false;
    }
    float real(const char* key) const {
        float x = 0;
        if (!as_real(need(key), x)) fail(key, "expected a number (or \"inf\", \"-inf\")");
        return x;
    }
    float real_or(const char* key, float fallback) const { return has(key) ? real(key) : fallback; }
    size_t count_or(const char* key, size_t fallback) const { return has(key) ? count(key) : fallback; }
    const json::array& array(const char* key) const {
        const auto& v = need(key);
        if (!v.is_array()) fail(key, "expected an array");
        return v.get_array();
    }
};

SamplerPtr make_from_spec(const SpecReader& r, const Vocab* vocab, int32_t n_vocab) {
    const auto& nv = r.need("name");
    if (!nv.is_string()) r.fail("name", "expected a string");
    const std::string name(nv.get_string());
    if (name == "greedy") return make_greedy();
    if (name == "dist") return make_dist(r.has("seed") ? r.u32("seed") : 0);
    if (name == "softmax") return make_softmax();
    if (name == "top_k") return make_top_k(r.i32("k"));
    if (name == "top_p") return make_top_p(r.real("p"), r.count_or("min_keep", 1));
    if (name == "min_p") return make_min_p(r.real("p"), r.count_or("min_keep", 1));
    if (name == "typical") return make_typical(r.real("p"), r.count_or("min_keep", 1));
    if (name == "temp") return make_temp(r.real("t"));
    if (name == "temp_ext") return make_temp_ext(r.real("t"), r.real("delta"), r.real_or("exponent", 1.0f));
    if (name == "xtc")
        return make_xtc(r.real("p"), r.real("t"), r.count_or("min_keep", 1), r.has("seed") ? r.u32("seed") : 0);
    if (name == "top_n_sigma") return make_top_n_sigma(r.real("n"));
    if (name == "penalties")
        return make_penalties(r.i32("last_n"), r.real_or("repeat", 1.0f), r.real_or("freq", 0.0f), r.real_or("present", 0.0f));
    if (name == "dry" || name == "dry_token_breakers") {
        const int32_t n_ctx = r.i32("n_ctx_train");
        const float mult = r.real("multiplier"), base = r.real("base");
        const int32_t allowed = r.i32("allowed_length"), last_n = r.i32("penalty_last_n");
        const json::array empty;
        const json::array& br = r.has("seq_breakers") ? r.array("seq_breakers") : empty;
        if (name == "dry") {
            std::vector<std::string> strs;
            for (size_t i = 0; i < br.size(); ++i) {
                if (!br[i].is_string()) r.fail("seq_breakers[" + std::to_string(i) + "]", "expected a string");
                strs.emplace_back(br[i].get_string());
            }
            bool any = false;
            for (const auto& s : strs) any = any || !s.empty();
            if (any && !vocab)
                r.fail("seq_breakers", "string sequence breakers are tokenized through a vocabulary: none given (-m GGUF)");
            return make_dry(vocab, n_ctx, mult, base, allowed, last_n, strs);
        }
        std::vector<std::vector<Token>> seqs;
        for (size_t i = 0; i < br.size(); ++i) {
            const std::string at = "seq_breakers[" + std::to_string(i) + "]";
            if (!br[i].is_array()) r.fail(at, "expected an array of token ids");
            std::vector<Token> seq;
            for (size_t j = 0; j < br[i].get_array().size(); ++j) {
                int64_t id = 0;
                if (!SpecReader::as_integer(br[i].get_array()[j], id) || id < 0 || id > std::numeric_limits<int32_t>::max())
                    r.fail(at + "[" + std::to_string(j) + "]", "expected a token id");
                seq.push_back(static_cast<Token>(id));
            }
            seqs.push_back(std::move(seq));
        }
        return make_dry_token_breakers(n_ctx, mult, base, allowed, last_n, seqs);
    }
    if (name == "logit_bias") {
        const auto& arr = r.array("biases");
        std::vector<std::pair<Token, float>> biases;
        for (size_t i = 0; i < arr.size(); ++i) {
            const std::string at = "biases[" + std::to_string(i) + "]";
            if (!arr[i].is_array() || arr[i].get_array().size() != 2) r.fail(at, "expected [token id, bias]");
            int64_t id = 0;
            float bias = 0;
            if (!SpecReader::as_integer(arr[i].get_array()[0], id) || id < std::numeric_limits<int32_t>::min() ||
                id > std::numeric_limits<int32_t>::max())
                r.fail(at, "expected an integer token id");
            if (!SpecReader::as_real(arr[i].get_array()[1], bias)) r.fail(at, "expected a number bias (or \"-inf\")");
            biases.emplace_back(static_cast<Token>(id), bias);
        }
        return make_logit_bias(n_vocab, std::move(biases));
    }
    if (name == "mirostat")
        return make_mirostat(r.has("n_vocab") ? r.i32("n_vocab") : n_vocab, r.has("seed") ? r.u32("seed") : 0,
                             r.real("tau"), r.real("eta"), r.has("m") ? r.i32("m") : 100);
    if (name == "mirostat_v2")
        return make_mirostat_v2(r.has("seed") ? r.u32("seed") : 0, r.real("tau"), r.real("eta"));
    r.fail("name", "unknown sampler '" + name + "'");
}

}  // namespace

ChainSpec chain_spec_from_json(std::string_view text, const std::string& file, const Vocab* vocab, int32_t n_vocab) {
    json::value root;
    {
        boost::system::error_code ec;
        json::parse_options opt;
        opt.max_depth = 64;
        root = json::parse(quote_nonfinite_json(text), ec, {}, opt);
        if (ec) throw Error(file, "json", "not valid JSON: " + ec.message());
    }
    if (!root.is_object()) throw Error(file, "json", "expected an object {\"chain\": [...], \"history\": [...]}");
    const auto& obj = root.get_object();
    ChainSpec spec;
    const json::value* chain = obj.if_contains("chain");
    if (!chain) throw Error(file, "chain", "missing");
    if (!chain->is_array()) throw Error(file, "chain", "expected an array of sampler objects");
    const auto& arr = chain->get_array();
    for (size_t i = 0; i < arr.size(); ++i) {
        const std::string where = "chain[" + std::to_string(i) + "]";
        if (!arr[i].is_object()) throw Error(file, where, "expected an object {\"name\": ..., parameters}");
        SpecReader r{arr[i].get_object(), file, where};
        spec.chain.add(make_from_spec(r, vocab, n_vocab));
    }
    if (const json::value* h = obj.if_contains("history")) {
        if (!h->is_array()) throw Error(file, "history", "expected an array of token ids");
        const auto& ha = h->get_array();
        for (size_t i = 0; i < ha.size(); ++i) {
            int64_t id = 0;
            if (!SpecReader::as_integer(ha[i], id) || id < 0 || id > std::numeric_limits<int32_t>::max())
                throw Error(file, "history[" + std::to_string(i) + "]", "expected a token id");
            spec.history.push_back(static_cast<Token>(id));
        }
    }
    return spec;
}

}  // namespace zigllm::decode
