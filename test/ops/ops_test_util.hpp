// Helpers of the ops-core tests: reference-case loading and a loop over every Highway target.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "hwy/targets.h"
#include "zigllm/ops/ops.hpp"
#include "zigllm_test.hpp"

namespace zigllm::ops::test {

// Runs f once per Highway target that this CPU has and the build compiled, each forced in turn
// (AVX3_DL, AVX3, AVX2, SSE4 on this machine; NEON / SVE under qemu).
template <class F>
void for_each_target(F&& f) {
    (void)current_target();  // one dispatch before querying targets (arm64 quirk, toolchain.md)
    const auto targets = hwy::SupportedAndGeneratedTargets();
    BOOST_TEST_REQUIRE(!targets.empty());
    for (const int64_t target : targets) {
        hwy::SetSupportedTargetsForTest(target);
        BOOST_TEST_CONTEXT("target " << hwy::TargetName(target)) {
            BOOST_TEST(std::string(current_target()) == hwy::TargetName(target));
            f();
        }
    }
    hwy::SetSupportedTargetsForTest(0);
}

}  // namespace zigllm::ops::test
