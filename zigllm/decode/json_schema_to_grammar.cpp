#include "zigllm/decode/json_schema_to_grammar.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <map>
#include <optional>
#include <vector>

#include "zigllm/decode/regex_to_grammar.hpp"
#include "zigllm/io/error.hpp"

namespace zigllm::decode {

namespace json = boost::json;

namespace {

// The primitive rules, written after llama.cpp's PRIMITIVE_RULES (same language).
const std::map<std::string, std::string>& primitives() {
    static const std::map<std::string, std::string> p = {
        {"space", R"(| " " | "\n"{1,2} [ \t]{0,20})"},
        {"boolean", R"(("true" | "false") space)"},
        {"null", R"("null" space)"},
        {"char", R"([^"\\\x7F\x00-\x1F] | [\\] (["\\/bfnrt] | "u" [0-9a-fA-F]{4}))"},
        {"string", R"("\"" char* "\"" space)"},
        {"integral-part", R"([0] | [1-9] [0-9]{0,15})"},
        {"decimal-part", R"([0-9]{1,16})"},
        {"integer", R"(("-"? integral-part) space)"},
        {"number", R"(("-"? integral-part) ("." decimal-part)? ([eE] [-+]? integral-part)? space)"},
        {"value", R"(object | array | string | number | boolean | null)"},
        {"object", R"("{" space ( string ":" space value ("," space string ":" space value)* )? "}" space)"},
        {"array", R"("[" space ( value ("," space value)* )? "]" space)"},
        {"date", R"([0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [1-2] [0-9] | "3" [0-1] ))"},
        {"time", R"(( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{3} )? ( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ))"},
        {"date-time", R"(date "T" time)"},
        {"uuid", R"([0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12})"},
    };
    return p;
}
// Which primitives each primitive uses (so only what is needed is emitted).
const std::map<std::string, std::vector<std::string>>& primitive_deps() {
    static const std::map<std::string, std::vector<std::string>> d = {
        {"boolean", {"space"}}, {"null", {"space"}}, {"string", {"char", "space"}},
        {"integer", {"integral-part", "space"}}, {"number", {"integral-part", "decimal-part", "space"}},
        {"value", {"object", "array", "string", "number", "boolean", "null"}},
        {"object", {"string", "space", "value"}}, {"array", {"value", "space"}}, {"date-time", {"date", "time"}},
    };
    return d;
}

// ---- integer ranges as digit patterns ----

std::string lit(const std::string& s) { return "\"" + s + "\""; }

// Integers with the same number of digits from x to y (x <= y, decimal strings, no leading zeros
// unless a single digit).
std::string same_length(const std::string& x, const std::string& y) {
    if (x == y) return lit(x);
    const size_t n = x.size();
    if (n == 1) return std::string("[") + x[0] + "-" + y[0] + "]";
    if (x[0] == y[0]) return lit(x.substr(0, 1)) + " (" + same_length(x.substr(1), y.substr(1)) + ")";
    std::vector<std::string> parts;
    char lo = x[0], hi = y[0];
    const std::string zeros(n - 1, '0'), nines(n - 1, '9');
    if (x.substr(1) != zeros) {
        parts.push_back(lit(x.substr(0, 1)) + " (" + same_length(x.substr(1), nines) + ")");
        ++lo;
    }
    const bool y_tail = y.substr(1) != nines;
    if (y_tail) --hi;
    if (lo <= hi)
        parts.push_back(std::string("[") + lo + "-" + hi + "] [0-9]{" + std::to_string(n - 1) + "}");
    if (y_tail) parts.push_back(lit(y.substr(0, 1)) + " (" + same_length(zeros, y.substr(1)) + ")");
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : " | ") + p;
    return out;
}

uint64_t pow10(size_t k) {
    uint64_t v = 1;
    while (k--) v *= 10;
    return v;
}

// Non-negative integers in [lo, hi]; hi absent = unbounded.
std::string nonneg_range(uint64_t lo, std::optional<uint64_t> hi) {
    std::vector<std::string> parts;
    const size_t lo_len = std::to_string(lo).size();
    const uint64_t top = hi ? *hi : pow10(lo_len) - 1;
    const size_t hi_len = std::to_string(top).size();
    for (size_t len = lo_len; len <= hi_len; ++len) {
        uint64_t a = len == lo_len ? lo : pow10(len - 1);
        uint64_t b = len == hi_len ? top : pow10(len) - 1;
        if (a <= b) parts.push_back(same_length(std::to_string(a), std::to_string(b)));
    }
    if (!hi) parts.push_back("[1-9] [0-9]{" + std::to_string(lo_len) + ",}");
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : " | ") + ("(" + p + ")");
    return out;
}

// All integers in [min, max] (either bound optional), as an expression.
std::string int_range(std::optional<int64_t> min, std::optional<int64_t> max) {
    std::vector<std::string> parts;
    if (!min || *min < 0) {  // negative numbers: "-" then a magnitude in [m_lo, m_hi]
        uint64_t m_lo = (max && *max < 0) ? static_cast<uint64_t>(-*max) : 1;
        std::optional<uint64_t> m_hi;
        if (min) m_hi = static_cast<uint64_t>(-*min);
        if (!m_hi || m_lo <= *m_hi) parts.push_back("\"-\" (" + nonneg_range(m_lo, m_hi) + ")");
    }
    if (!max || *max >= 0) {
        uint64_t lo = (min && *min > 0) ? static_cast<uint64_t>(*min) : 0;
        std::optional<uint64_t> hi;
        if (max) hi = static_cast<uint64_t>(*max);
        if (!hi || lo <= *hi) parts.push_back(nonneg_range(lo, hi));
    }
    if (parts.empty()) return "";
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : " | ") + p;
    return out;
}

std::string sanitize(std::string_view name) {
    std::string out;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        out.push_back(ok ? c : '-');
    }
    return out.empty() ? "x" : out;
}

class Converter {
public:
    Converter(const json::value& root, const std::string& file) : root_(root), file_(file) {}

    std::string run() {
        rules_["root"] = expr(root_, "root", "");
        std::string out;
        for (const auto& [name, b] : rules_) out += name + " ::= " + b + "\n";
        return out;
    }

private:
    const json::value& root_;
    const std::string& file_;
    std::map<std::string, std::string> rules_;
    std::map<std::string, std::string> refs_;  // "$ref" -> rule name
    int depth_ = 0;

    [[noreturn]] void fail(const std::string& path, const std::string& what) const {
        throw Error(file_, path.empty() ? "/" : path, what);
    }

    std::string prim(const std::string& name) {
        if (rules_.count(name)) return name;
        rules_[name] = primitives().at(name);
        auto d = primitive_deps().find(name);
        if (d != primitive_deps().end())
            for (const auto& dep : d->second) prim(dep);
        return name;
    }

    // A name no rule has yet (primitives and "root" are reserved).
    bool usable(const std::string& n, const std::string* body) const {
        if (n == "root" || primitives().count(n)) return false;
        auto it = rules_.find(n);
        return it == rules_.end() || (body && it->second == *body);
    }
    std::string fresh_name(const std::string& want, const std::string* body = nullptr) const {
        const std::string base = sanitize(want);
        if (usable(base, body)) return base;
        for (int i = 1;; ++i)
            if (usable(base + std::to_string(i), body)) return base + std::to_string(i);
    }
    // Adds a rule (reusing one with the same name stem and body); returns the name used.
    std::string add_rule(const std::string& want, const std::string& body) {
        std::string name = fresh_name(want, &body);
        rules_[name] = body;
        return name;
    }
    std::string rule(const json::value& s, const std::string& name, const std::string& path) {
        return add_rule(name, expr(s, name, path));
    }

    static std::optional<double> number_of(const json::object& o, const char* key) {
        auto it = o.find(key);
        if (it == o.end() || !it->value().is_number()) return std::nullopt;
        return it->value().to_number<double>();
    }
    std::optional<int64_t> count_of(const json::object& o, const char* key, const std::string& path) {
        auto v = number_of(o, key);
        if (!v) return std::nullopt;
        if (*v < 0 || *v > 1e6 || std::floor(*v) != *v) fail(path + "/" + key, "expected a count (0 .. 1000000)");
        return static_cast<int64_t>(*v);
    }

    const json::value& resolve(const std::string& ref, const std::string& path) {
        if (ref.rfind("#", 0) != 0) fail(path + "/$ref", "only local references (#/...) are supported: " + ref);
        const json::value* v = &root_;
        std::string p = ref.substr(1);
        size_t pos = 0;
        while (pos < p.size()) {
            if (p[pos] != '/') fail(path + "/$ref", "malformed reference " + ref);
            size_t next = p.find('/', pos + 1);
            std::string key = p.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
            for (size_t i; (i = key.find("~1")) != std::string::npos;) key.replace(i, 2, "/");
            for (size_t i; (i = key.find("~0")) != std::string::npos;) key.replace(i, 2, "~");
            if (v->is_object() && v->as_object().contains(key)) v = &v->as_object().at(key);
            else if (v->is_array() && !key.empty() && key.find_first_not_of("0123456789") == std::string::npos &&
                     std::stoul(key) < v->as_array().size()) v = &v->as_array()[std::stoul(key)];
            else fail(path + "/$ref", "unresolved reference " + ref);
            pos = next == std::string::npos ? p.size() : next;
        }
        return *v;
    }

    std::string expr(const json::value& s, const std::string& name, const std::string& path) {
        if (++depth_ > 200) fail(path, "schema nested too deeply");
        std::string e = expr_inner(s, name, path);
        --depth_;
        return e;
    }

    std::string expr_inner(const json::value& s, const std::string& name, const std::string& path) {
        if (s.is_bool()) {
            if (s.as_bool()) return prim("value");
            fail(path, "the schema `false` matches nothing");
        }
        if (!s.is_object()) fail(path, "a schema must be an object or a boolean");
        const json::object& o = s.as_object();

        if (auto it = o.find("$ref"); it != o.end()) {
            if (!it->value().is_string()) fail(path + "/$ref", "expected a string");
            std::string ref(it->value().as_string());
            auto known = refs_.find(ref);
            if (known != refs_.end()) return known->second;
            // reserve the name first: the definition may refer to itself
            const std::string rname = fresh_name(ref.substr(ref.rfind('/') + 1));
            rules_[rname] = "\"\"";
            refs_[ref] = rname;
            rules_[rname] = expr(resolve(ref, path), rname, path + "/$ref");
            return rname;
        }
        if (auto it = o.find("const"); it != o.end()) return gbnf_literal(json::serialize(it->value())) + " " + prim("space");
        if (auto it = o.find("enum"); it != o.end()) {
            if (!it->value().is_array() || it->value().as_array().empty()) fail(path + "/enum", "expected a non-empty array");
            std::string alts;
            for (const auto& v : it->value().as_array()) alts += (alts.empty() ? "" : " | ") + gbnf_literal(json::serialize(v));
            return "(" + alts + ") " + prim("space");
        }
        for (const char* key : {"oneOf", "anyOf"}) {
            auto it = o.find(key);
            if (it == o.end()) continue;
            if (!it->value().is_array() || it->value().as_array().empty()) fail(path + "/" + key, "expected a non-empty array");
            std::string alts;
            size_t i = 0;
            for (const auto& v : it->value().as_array()) {
                std::string sub = rule(v, name + "-" + std::to_string(i), path + "/" + key + "/" + std::to_string(i));
                alts += (alts.empty() ? "" : " | ") + sub;
                ++i;
            }
            return alts;
        }
        if (auto it = o.find("allOf"); it != o.end()) return all_of(o, it->value(), name, path);

        const json::value* type = o.if_contains("type");
        if (type && type->is_array()) {
            std::string alts;
            for (const auto& t : type->as_array()) {
                json::object copy = o;
                copy["type"] = t;
                alts += (alts.empty() ? "" : " | ") + rule(copy, name + "-" + std::string(t.is_string() ? t.as_string() : "t"), path);
            }
            if (alts.empty()) fail(path + "/type", "empty list of types");
            return alts;
        }
        std::string t;
        if (type) {
            if (!type->is_string()) fail(path + "/type", "expected a string or a list of strings");
            t = std::string(type->as_string());
        } else if (o.contains("properties") || o.contains("additionalProperties")) {
            t = "object";
        } else if (o.contains("items") || o.contains("prefixItems")) {
            t = "array";
        } else if (o.contains("pattern") || o.contains("minLength") || o.contains("maxLength") || o.contains("format")) {
            t = "string";
        } else {
            return prim("value");
        }
        if (t == "object") return object(o, name, path);
        if (t == "array") return array(o, name, path);
        if (t == "string") return string(o, name, path);
        if (t == "integer") return integer(o, path);
        if (t == "number") return prim("number");
        if (t == "boolean") return prim("boolean");
        if (t == "null") return prim("null");
        fail(path + "/type", "unknown type '" + t + "'");
    }

    std::string all_of(const json::object& o, const json::value& parts, const std::string& name, const std::string& path) {
        if (!parts.is_array()) fail(path + "/allOf", "expected an array");
        json::object merged;
        json::object props;
        json::array required;
        auto take = [&](const json::object& x) {
            if (auto p = x.if_contains("properties"); p && p->is_object())
                for (const auto& kv : p->as_object()) props[kv.key()] = kv.value();
            if (auto r = x.if_contains("required"); r && r->is_array())
                for (const auto& v : r->as_array()) required.push_back(v);
        };
        take(o);
        size_t i = 0;
        for (const auto& p : parts.as_array()) {
            const json::value* v = &p;
            if (v->is_object() && v->as_object().contains("$ref"))
                v = &resolve(std::string(v->as_object().at("$ref").as_string()), path + "/allOf/" + std::to_string(i));
            if (!v->is_object()) fail(path + "/allOf/" + std::to_string(i), "expected an object schema");
            take(v->as_object());
            ++i;
        }
        merged["type"] = "object";
        merged["properties"] = props;
        merged["required"] = required;
        return object(merged, name, path);
    }

    std::string object(const json::object& o, const std::string& name, const std::string& path) {
        const json::value* props = o.if_contains("properties");
        const json::value* addl = o.if_contains("additionalProperties");
        if (!props && (!addl || (addl->is_bool() && addl->as_bool()))) return prim("object");
        std::vector<std::string> req_names;
        if (auto r = o.if_contains("required"); r && r->is_array())
            for (const auto& v : r->as_array())
                if (v.is_string()) req_names.emplace_back(v.as_string());
        std::vector<std::string> req_kv, opt_kv;
        const std::string sp = prim("space");
        if (props) {
            if (!props->is_object()) fail(path + "/properties", "expected an object");
            for (const auto& kv : props->as_object()) {
                const std::string key(kv.key());
                std::string value = rule(kv.value(), name == "root" ? key : name + "-" + key, path + "/properties/" + key);
                std::string body = gbnf_literal(json::serialize(json::value(kv.key()))) + " " + sp + " \":\" " + sp + " " + value;
                std::string kv_rule = add_rule((name == "root" ? key : name + "-" + key) + "-kv", body);
                bool required = std::find(req_names.begin(), req_names.end(), key) != req_names.end();
                (required ? req_kv : opt_kv).push_back(kv_rule);
            }
        }
        std::string extra;  // an additional key/value pair, when allowed
        if (addl && !(addl->is_bool() && !addl->as_bool())) {
            std::string value = addl->is_bool() ? prim("value") : rule(*addl, name + "-additional", path + "/additionalProperties");
            extra = add_rule(name + "-additional-kv", prim("string") + " \":\" " + sp + " " + value);
        }
        // optional properties in order, each present or not: rest-k ::= kv_k ("," rest-(k+1))? | rest-(k+1)
        std::string chain;
        for (size_t k = opt_kv.size(); k-- > 0;) {
            std::string body = opt_kv[k];
            if (!chain.empty()) body += " ( \",\" " + sp + " " + chain + " )? | " + chain;
            chain = add_rule(name + "-rest-" + std::to_string(k), body);
        }
        std::string out = "\"{\" " + sp;
        std::string req;
        for (const auto& r : req_kv) req += (req.empty() ? " " : " \",\" " + sp + " ") + r;
        const std::string more = extra.empty() ? "" : " ( \",\" " + sp + " " + extra + " )*";
        if (!req.empty()) {
            out += req;
            if (!chain.empty()) out += " ( \",\" " + sp + " " + chain + " )?";
            out += more;
        } else if (!chain.empty() || !extra.empty()) {
            std::string first = chain.empty() ? extra : (extra.empty() ? chain : chain + " | " + extra);
            out += " ( (" + first + ")" + more + " )?";
        }
        return out + " \"}\" " + sp;
    }

    std::string array(const json::object& o, const std::string& name, const std::string& path) {
        const std::string sp = prim("space");
        if (auto pi = o.if_contains("prefixItems"); pi) {
            if (!pi->is_array()) fail(path + "/prefixItems", "expected an array");
            std::string out = "\"[\" " + sp;
            size_t i = 0;
            for (const auto& v : pi->as_array()) {
                std::string item = rule(v, name + "-" + std::to_string(i), path + "/prefixItems/" + std::to_string(i));
                out += (i ? " \",\" " + sp + " " : " ") + item;
                ++i;
            }
            return out + " \"]\" " + sp;
        }
        std::string item;
        if (auto it = o.if_contains("items"); it) item = rule(*it, name + "-item", path + "/items");
        else item = prim("value");
        const int64_t min = count_of(o, "minItems", path).value_or(0);
        const auto max = count_of(o, "maxItems", path);
        if (max && *max < min) fail(path + "/maxItems", "maxItems is below minItems");
        const std::string sep = "\",\" " + sp + " " + item;
        std::string out = "\"[\" " + sp + " ";
        if (max && *max == 0) return out + "\"]\" " + sp;
        std::string tail;
        if (!max) tail = "( " + sep + " )" + (min > 1 ? "{" + std::to_string(min - 1) + ",}" : "*");
        else tail = "( " + sep + " ){" + std::to_string(std::max<int64_t>(min - 1, 0)) + "," + std::to_string(*max - 1) + "}";
        if (min == 0) out += "( " + item + " " + tail + " )?";
        else out += item + " " + tail;
        return out + " \"]\" " + sp;
    }

    std::string string(const json::object& o, const std::string& name, const std::string& path) {
        const std::string sp = prim("space");
        if (auto p = o.if_contains("pattern"); p) {
            if (!p->is_string()) fail(path + "/pattern", "expected a string");
            std::string e;
            try {
                e = regex_to_gbnf_expr(p->as_string(), file_);
            } catch (const Error& err) {
                fail(path + "/pattern", err.where() + ": " + err.reason());
            }
            return "\"\\\"\" (" + e + ") \"\\\"\" " + sp;
        }
        if (auto f = o.if_contains("format"); f && f->is_string()) {
            std::string fmt(f->as_string());
            if (primitives().count(fmt) && (fmt == "date" || fmt == "time" || fmt == "date-time" || fmt == "uuid"))
                return "\"\\\"\" " + prim(fmt) + " \"\\\"\" " + sp;
        }
        const auto min = count_of(o, "minLength", path);
        const auto max = count_of(o, "maxLength", path);
        if (!min && !max) return prim("string");
        if (max && min && *max < *min) fail(path + "/maxLength", "maxLength is below minLength");
        std::string rep = "{" + std::to_string(min.value_or(0)) + "," + (max ? std::to_string(*max) : "") + "}";
        (void)name;
        return "\"\\\"\" " + prim("char") + rep + " \"\\\"\" " + sp;
    }

    std::string integer(const json::object& o, const std::string& path) {
        std::optional<int64_t> lo, hi;
        auto bound = [&](const char* key, bool is_min, bool exclusive) {
            auto v = number_of(o, key);
            if (!v) return;
            if (std::fabs(*v) > 1e15) fail(path + "/" + key, "bound too large (at most 1e15 in magnitude)");
            int64_t b = static_cast<int64_t>(is_min ? std::ceil(*v) : std::floor(*v));
            if (exclusive && static_cast<double>(b) == *v) b += is_min ? 1 : -1;
            if (is_min) lo = lo ? std::max(*lo, b) : b;
            else hi = hi ? std::min(*hi, b) : b;
        };
        bound("minimum", true, false);
        bound("exclusiveMinimum", true, true);
        bound("maximum", false, false);
        bound("exclusiveMaximum", false, true);
        if (!lo && !hi) return prim("integer");
        std::string e = int_range(lo, hi);
        if (e.empty()) fail(path, "no integer satisfies minimum/maximum");
        return "(" + e + ") " + prim("space");
    }
};

}  // namespace

std::string json_schema_to_gbnf(const json::value& schema, const std::string& file) {
    return Converter(schema, file).run();
}

std::string json_schema_to_gbnf(std::string_view text, const std::string& file) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) throw Error(file, "-", "not valid JSON: " + ec.message());
    return json_schema_to_gbnf(v, file);
}

}  // namespace zigllm::decode
