// CLI plumbing: each command lives in its own cmd_*.cpp and registers itself at static init.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace zigllm::cli {

// args: everything after the command name. Returns the exit status. Throw zigllm::Error to refuse
// input: main prints `zigllm: <file>: <where>: <what>` and exits 1.
using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
    const char* name;
    const char* summary;
    CommandFn fn;
};

void register_command(const Command& c);
const std::vector<Command>& commands();

struct Registrar {
    explicit Registrar(const Command& c) { register_command(c); }
};

// Parses args into app (built by the command). A bad option throws zigllm::Error("-", option, what);
// --help prints the usage and returns false (the command should then return 0).
bool parse(CLI::App& app, const std::vector<std::string>& args);

// "1,2,3" -> {1,2,3}; refuses anything else with Error("-", option, ...).
std::vector<int32_t> parse_ids(const std::string& text, const char* option);

// Reads a whole file as bytes; Error(path, "-", reason) when it cannot.
std::string read_file(const std::string& path);

}  // namespace zigllm::cli
