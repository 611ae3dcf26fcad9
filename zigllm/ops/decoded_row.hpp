// A weight row unpacked for the dot kernels (see kernels.hpp), and per-thread storage for a band of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace zigllm::ops {

struct DecodedRow {
    int16_t* q = nullptr;     // n values; K-quants: value * integer sub-block scale
    float* d = nullptr;       // per block (32 legacy / 256 K): weight scale
    float* m = nullptr;       // per block: Q4_1/Q5_1 min, or K-quant dmin
    int16_t* mins = nullptr;  // K-quants: 16 per super-block, integer min of each 16 values
    float* f = nullptr;       // float types: n values
};

// Storage for `rows` decoded rows of n values, reused across calls (grows, never shrinks).
class DecodedBand {
public:
    void reserve(int64_t rows, int64_t n, bool floats) {
        q_stride_ = static_cast<size_t>(n + 64);
        b_stride_ = static_cast<size_t>(n / 32 + 16);
        m_stride_ = static_cast<size_t>(n / 16 + 16);
        f_stride_ = floats ? static_cast<size_t>(n + 16) : 0;
        const auto r = static_cast<size_t>(rows);
        if (q_.size() < r * q_stride_) q_.resize(r * q_stride_);
        if (d_.size() < r * b_stride_) d_.resize(r * b_stride_);
        if (m_.size() < r * b_stride_) m_.resize(r * b_stride_);
        if (mins_.size() < r * m_stride_) mins_.resize(r * m_stride_);
        if (f_.size() < r * f_stride_) f_.resize(r * f_stride_);
    }
    DecodedRow row(int64_t i) {
        const auto r = static_cast<size_t>(i);
        return {q_.data() + r * q_stride_, d_.data() + r * b_stride_, m_.data() + r * b_stride_,
                mins_.data() + r * m_stride_, f_stride_ ? f_.data() + r * f_stride_ : nullptr};
    }

private:
    size_t q_stride_ = 0, b_stride_ = 0, m_stride_ = 0, f_stride_ = 0;
    std::vector<int16_t> q_, mins_;
    std::vector<float> d_, m_, f_;
};

}  // namespace zigllm::ops
