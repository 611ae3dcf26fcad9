// zigllm: the command line. Commands register themselves (see command.hpp); main only dispatches
// and turns every refusal into one line `zigllm: <file>: <where>: <what>` and exit status 1.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "zigllm/cli/command.hpp"
#include "zigllm/io/error.hpp"

namespace zigllm::cli {

static std::vector<Command>& registry() {
    static std::vector<Command> r;
    return r;
}
void register_command(const Command& c) { registry().push_back(c); }
const std::vector<Command>& commands() { return registry(); }

bool parse(CLI::App& app, const std::vector<std::string>& args) {
    std::vector<std::string> rev(args.rbegin(), args.rend());  // CLI11 consumes from the back
    try {
        app.parse(rev);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return false;
    } catch (const CLI::ParseError& e) {
        throw Error("-", "options", e.what());
    }
    return true;
}

std::vector<int32_t> parse_ids(const std::string& text, const char* option) {
    std::vector<int32_t> ids;
    if (text.empty()) return ids;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find(',', pos);
        if (end == std::string::npos) end = text.size();
        std::string item = text.substr(pos, end - pos);
        char* stop = nullptr;
        errno = 0;
        long long v = item.empty() ? -1 : std::strtoll(item.c_str(), &stop, 10);
        if (item.empty() || *stop != '\0' || errno != 0 || v < 0 || v > INT32_MAX)
            throw Error("-", option, "not a token id: '" + item + "' (expected comma-separated ids)");
        ids.push_back(static_cast<int32_t>(v));
        pos = end + 1;
    }
    return ids;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "-", std::string("cannot open: ") + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace zigllm::cli

static void usage() {
    std::fprintf(stderr, "usage: zigllm COMMAND [options]   (zigllm COMMAND --help for its options)\n\ncommands:\n");
    for (const auto& c : zigllm::cli::commands())
        std::fprintf(stderr, "  %-16s %s\n", c.name, c.summary);
}

int main(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        usage();
        return argc < 2 ? 1 : 0;
    }
    std::string name = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& c : zigllm::cli::commands()) {
        if (name != c.name) continue;
        try {
            return c.fn(args);
        } catch (const zigllm::Error& e) {
            std::fflush(stdout);
            std::fprintf(stderr, "zigllm: %s\n", e.what());
        } catch (const std::bad_alloc&) {
            std::fflush(stdout);
            std::fprintf(stderr, "zigllm: -: -: out of memory\n");
        } catch (const std::exception& e) {
            std::fflush(stdout);
            std::fprintf(stderr, "zigllm: -: -: %s\n", e.what());
        }
        return 1;
    }
    usage();
    std::fprintf(stderr, "zigllm: -: %s: unknown command\n", name.c_str());
    return 1;
}
