// The one error type of zigllm: every refusal names the file, the place in it, and what is wrong.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace zigllm {

class Error : public std::runtime_error {
public:
    // file: path of the file involved, or "-" when none (a bad option, --text ...).
    // where: a key, tensor name, "offset N", "line L, column C", "position P" ...
    Error(std::string file, std::string where, std::string what)
        : std::runtime_error(file + ": " + where + ": " + what),
          file_(std::move(file)), where_(std::move(where)), what_(std::move(what)) {}

    const std::string& file() const { return file_; }
    const std::string& where() const { return where_; }
    const std::string& reason() const { return what_; }

private:
    std::string file_, where_, what_;
};

inline std::string at_offset(uint64_t off) { return "offset " + std::to_string(off); }

}  // namespace zigllm
