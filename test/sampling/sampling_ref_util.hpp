// Reading shared/ref/sampling: the logit rows and the JSON files (bare -Infinity tokens allowed),
// and comparing a candidate array with a recorded one (tie groups as sets).
#pragma once

#include <boost/json.hpp>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "zigllm/decode/sampling.hpp"
#include "zigllm/decode/sampling_spec.hpp"
#include "zigllm_test.hpp"

namespace zigllm::test {

namespace json = boost::json;
using decode::CandidateArray;
using decode::Token;

constexpr size_t kRefVocab = 1000;

inline json::value load_sampling(const std::string& file) {
    return json::parse(decode::quote_nonfinite_json(read_text(ref_path("sampling/" + file))));
}

inline std::vector<float> ref_row(int row) {
    static const std::vector<float> all = read_f32(ref_path("sampling/logits.f32"));
    BOOST_TEST_REQUIRE(all.size() == 8 * kRefVocab);
    return std::vector<float>(all.begin() + row * kRefVocab, all.begin() + (row + 1) * kRefVocab);
}

inline float num(const json::value& v) {
    if (v.is_string()) {
        const auto& s = v.get_string();
        return s == "-inf" ? -INFINITY : s == "inf" ? INFINITY : NAN;
    }
    return static_cast<float>(v.to_number<double>());
}

inline std::vector<float> nums(const json::value& v) {
    std::vector<float> out;
    for (const auto& x : v.as_array()) out.push_back(num(x));
    return out;
}

inline std::vector<Token> ids_of(const json::value& v) {
    std::vector<Token> out;
    for (const auto& x : v.as_array()) out.push_back(static_cast<Token>(x.to_number<int64_t>()));
    return out;
}

inline bool close(float a, float b, float tol) {
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::fabs(a - b) <= tol * std::max(1.0f, std::fabs(b));
}

// ids position by position, except that a run of equal reference logits is compared as a set; the
// logits of each id (as modified by the chain) within 1e-6 relative; p within p_tol where the
// reference has one (p_ref empty: the chain wrote none, ours must be 0 too).
inline void check_candidates(const std::string& label, const CandidateArray& got, const std::vector<Token>& ids,
                             const std::vector<float>& logits, const std::vector<float>& p_ref, float p_tol) {
    BOOST_TEST_REQUIRE(got.size == ids.size(), label << ": n " << got.size << " vs " << ids.size());
    std::map<Token, size_t> where;  // id -> our position
    for (size_t i = 0; i < got.size; ++i) where[got[i].id] = i;
    size_t mismatched = 0;
    for (size_t b = 0; b < ids.size();) {
        size_t e = b + 1;
        while (e < ids.size() && logits[e] == logits[b]) ++e;
        std::set<Token> want(ids.begin() + b, ids.begin() + e), have;
        for (size_t i = b; i < e; ++i) have.insert(got[i].id);
        if (want != have && ++mismatched <= 3)
            BOOST_ERROR(label << ": positions " << b << ".." << e - 1 << " hold other ids (first wanted " << ids[b]
                              << ", got " << got[b].id << ")");
        b = e;
    }
    BOOST_TEST(mismatched == 0u, label << ": " << mismatched << " tie groups differ");
    size_t bad_logit = 0, bad_p = 0;
    for (size_t k = 0; k < ids.size(); ++k) {
        auto it = where.find(ids[k]);
        if (it == where.end()) continue;  // reported above
        const auto& c = got[it->second];
        if (!close(c.logit, logits[k], 1e-6f) && ++bad_logit <= 3)
            BOOST_ERROR(label << ": id " << ids[k] << " logit " << c.logit << " vs " << logits[k]);
        const float want_p = p_ref.empty() ? 0.0f : p_ref[k];
        if (!(std::fabs(c.p - want_p) <= p_tol) && ++bad_p <= 3)
            BOOST_ERROR(label << ": id " << ids[k] << " p " << c.p << " vs " << want_p);
    }
    BOOST_TEST(bad_logit == 0u, label);
    BOOST_TEST(bad_p == 0u, label);
}

}  // namespace zigllm::test
