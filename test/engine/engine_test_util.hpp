// Helpers of the engine tests: reading the reference sets, comparing logit rows.
#pragma once

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "zigllm/zigllm.hpp"
#include "zigllm_test.hpp"

namespace zigllm::test {

inline std::vector<Token> read_ids(const std::filesystem::path& p) {
    std::vector<Token> ids;
    std::stringstream ss(read_text(p));
    std::string item;
    while (std::getline(ss, item, ','))
        if (item.find_first_of("0123456789") != std::string::npos) ids.push_back(std::stoi(item));
    return ids;
}

struct RowComparison {
    double worst_ratio = 0;   // max |ours - ref| / (max - min of the ref row), over all rows
    int argmax_mismatches = 0;
};

inline RowComparison compare_rows(const std::vector<float>& ours, const std::vector<float>& ref, int64_t n_vocab) {
    RowComparison r;
    BOOST_TEST_REQUIRE(ours.size() == ref.size());
    for (size_t row = 0; row * n_vocab < ref.size(); ++row) {
        const float* a = ours.data() + row * n_vocab;
        const float* b = ref.data() + row * n_vocab;
        const auto [mn, mx] = std::minmax_element(b, b + n_vocab);
        double worst = 0;
        for (int64_t i = 0; i < n_vocab; ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]));
        r.worst_ratio = std::max(r.worst_ratio, worst / (*mx - *mn));
        if (std::max_element(a, a + n_vocab) - a != std::max_element(b, b + n_vocab) - b) ++r.argmax_mismatches;
    }
    return r;
}

inline std::vector<float> all_logits(const AnyModel& m, const std::vector<Token>& tokens, GgmlType kv, int threads = 1) {
    auto s = m.session({.n_ctx = 0, .threads = test_threads(threads), .kv_type = kv});
    auto span = s.eval(tokens, true);
    return {span.begin(), span.end()};
}

inline std::vector<Token> greedy(const AnyModel& m, const std::vector<Token>& prompt, int n, GgmlType kv = GgmlType::F32,
                                 int threads = 1) {
    auto s = m.session({.n_ctx = 0, .threads = test_threads(threads), .kv_type = kv});
    std::vector<Token> out;
    s.generate(prompt, {.max_tokens = n, .temperature = 0.0f, .ignore_eos = true}, [&](Token t) {
        out.push_back(t);
        return true;
    });
    return out;
}

}  // namespace zigllm::test
