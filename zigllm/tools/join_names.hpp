// "a b c" from the `name` members of a table, for help texts and error messages.
#pragma once

#include <string>

namespace zigllm::tools {

template <class Table>
std::string join_names(const Table& table) {
    std::string out;
    for (const auto& entry : table) {
        if (!out.empty()) out += ' ';
        out += entry.name;
    }
    return out;
}

}  // namespace zigllm::tools
