// zigllm chat-template (--template NAME | --jinja FILE | -m GGUF) --messages FILE.json
//                      [--add-generation-prompt]
// Prints the formatted prompt exactly as llama_chat_apply_template builds it (cli-contract.md §1).
#include <boost/json.hpp>

#include <cstdio>
#include <string>

#include "zigllm/cli/command.hpp"
#include "zigllm/decode/chat.hpp"
#include "zigllm/io/error.hpp"
#include "zigllm/io/gguf.hpp"

namespace {

namespace json = boost::json;
using zigllm::Error;
using zigllm::decode::ChatMessage;

std::vector<ChatMessage> read_messages(const std::string& path) {
    const std::string text = zigllm::cli::read_file(path);
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) throw Error(path, "json", "not valid JSON: " + ec.message());
    if (!v.is_array()) throw Error(path, "json", "expected an array of {\"role\", \"content\"} objects");
    std::vector<ChatMessage> msgs;
    const auto& arr = v.get_array();
    for (size_t i = 0; i < arr.size(); ++i) {
        const std::string at = "[" + std::to_string(i) + "]";
        if (!arr[i].is_object()) throw Error(path, at, "expected an object {\"role\": ..., \"content\": ...}");
        const auto& o = arr[i].get_object();
        ChatMessage m;
        for (const char* key : {"role", "content"}) {
            const json::value* f = o.if_contains(key);
            if (!f) throw Error(path, at + "." + key, "missing");
            if (!f->is_string()) throw Error(path, at + "." + key, "expected a string");
            (std::string_view(key) == "role" ? m.role : m.content) = std::string(f->get_string());
        }
        msgs.push_back(std::move(m));
    }
    return msgs;
}

int run_chat_template(const std::vector<std::string>& args) {
    CLI::App app{"zigllm chat-template: format a conversation with a built-in chat template (llama.cpp's legacy engine)"};
    std::string name, jinja, model, messages;
    bool gen = false;
    auto* o_name = app.add_option("--template", name, "built-in template name (chatml, llama3, mistral-v7-tekken, ...)");
    auto* o_jinja = app.add_option("--jinja", jinja, "file holding a Jinja chat template (mapped to a built-in format)");
    auto* o_model = app.add_option("-m,--model", model, "GGUF file: its tokenizer.chat_template");
    o_name->excludes(o_jinja)->excludes(o_model);
    o_jinja->excludes(o_model);
    app.add_option("--messages", messages, "JSON array of {\"role\", \"content\"} objects")->required();
    app.add_flag("--add-generation-prompt", gen, "end with the assistant turn's opening");
    if (!zigllm::cli::parse(app, args)) return 0;

    std::string tmpl, source = "-";
    if (o_name->count()) {
        tmpl = name;
    } else if (o_jinja->count()) {
        tmpl = zigllm::cli::read_file(jinja);
        source = jinja;
    } else if (o_model->count()) {
        auto file = zigllm::io::GgufFile::open(model);
        source = model;
        const auto* v = file.find("tokenizer.chat_template");
        if (!v) {
            // as llama.cpp's common chat code: a model without a template is formatted as chatml
            std::fprintf(stderr, "zigllm: %s: no tokenizer.chat_template, using chatml\n", model.c_str());
            tmpl = "chatml";
        } else {
            if (v->type() != zigllm::io::GgufType::STRING)
                throw Error(model, "tokenizer.chat_template", "expected a string");
            tmpl = std::string(v->as_string());
        }
    } else {
        throw Error("-", "--template", "no template given (--template NAME, --jinja FILE or -m GGUF)");
    }
    const auto msgs = read_messages(messages);
    const std::string out = zigllm::decode::format_chat(tmpl, msgs, gen, source);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

zigllm::cli::Registrar reg{{"chat-template",
                            "format messages with a chat template ((--template NAME | --jinja FILE | -m GGUF) --messages FILE.json)",
                            run_chat_template}};

}  // namespace
