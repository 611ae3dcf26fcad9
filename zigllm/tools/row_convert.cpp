#include "zigllm/tools/row_convert.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "zigllm/ops/iq_ops.hpp"
#include "zigllm/ops/ops.hpp"
#include "zigllm/ops/quant_ref.hpp"

namespace zigllm::tools {

bool can_quantize_to(GgmlType t) {
    return t == GgmlType::F32 || ops::ref::can_quantize(t) || ops::iq::can_quantize(t);
}

void convert_row(GgmlType type, const float* src, void* dst, int64_t n) {
    if (type == GgmlType::F32) {
        std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
        return;
    }
    ops::quantize_row(type, src, dst, n);
}

int resolve_threads(int requested) {
    if (requested > 0) return requested;
    unsigned hw = std::thread::hardware_concurrency();
    return hw ? static_cast<int>(hw) : 1;
}

void add_converted_tensor(io::GgufWriter& w, std::string name, GgmlType type, std::vector<int64_t> ne,
                          FloatRowSource source, int threads) {
    const int64_t cols = ne.at(0);
    const size_t rb = row_bytes(type, cols);
    threads = std::max(1, threads);
    auto fill = [=](int64_t first, int64_t n_rows, uint8_t* dst) {
        // Rows are split into contiguous ranges, one per worker; the first exception wins.
        const int n_workers = static_cast<int>(std::min<int64_t>(threads, n_rows));
        std::exception_ptr error;
        std::mutex error_mutex;
        auto work = [&](int k) {
            try {
                std::vector<float> buf(static_cast<size_t>(cols));
                const int64_t lo = n_rows * k / n_workers, hi = n_rows * (k + 1) / n_workers;
                for (int64_t r = lo; r < hi; ++r) {
                    source(first + r, buf.data());
                    convert_row(type, buf.data(), dst + static_cast<size_t>(r) * rb, cols);
                }
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!error) error = std::current_exception();
            }
        };
        std::vector<std::thread> pool;
        for (int k = 1; k < n_workers; ++k) pool.emplace_back(work, k);
        work(0);
        for (auto& t : pool) t.join();
        if (error) std::rethrow_exception(error);
    };
    w.add_tensor(std::move(name), type, std::move(ne), io::GgufWriter::RowFill(fill));
}

}  // namespace zigllm::tools
