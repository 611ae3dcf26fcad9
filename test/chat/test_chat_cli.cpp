// `zigllm chat-template` per cli-contract.md §1: every built-in template case by --template, every
// Jinja test template by --jinja (the whole file is the template), -m GGUF (tokenizer.chat_template),
// byte-exact stdout; refusals exit 1 with `zigllm: <file>: <where>: <what>`.
// The zigllm executable's path is the last argument (after `--`).
#define BOOST_TEST_MODULE chat_cli
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cli_run.hpp"
#include "zigllm/io/gguf.hpp"

namespace json = boost::json;
using namespace zigllm::test;

namespace {

json::value load(const std::string& rel) { return json::parse(read_text(ref_path(rel))); }

// The contract's messages file: the conversation as a JSON array (plus a key the CLI must ignore).
std::string messages_file_text(const json::value& msgs) {
    json::array arr;
    for (const auto& m : msgs.as_array()) {
        json::object o = m.as_object();
        o["name"] = "ignored";
        arr.push_back(o);
    }
    return json::serialize(arr);
}

// Expected stdout: the reference, with kimi-k2's generation prompt once at the end.
std::string expected_output(const std::string& tmpl_name, const json::object& c, const std::string& without_prompt) {
    std::string out(c.at("output").as_string());
    if (tmpl_name == "kimi-k2" && c.at("add_generation_prompt").as_bool())
        out = without_prompt + "<|im_assistant|>assistant<|im_middle|>";
    return out;
}

void check_cases(const std::string& label, const std::vector<std::string>& tmpl_args, const std::string& detected,
                 const json::array& outputs, const json::object& convs, size_t& n) {
    std::map<std::string, std::string> without_prompt;
    for (const auto& c : outputs)
        if (!c.at("add_generation_prompt").as_bool())
            without_prompt[std::string(c.at("conversation").as_string())] = std::string(c.at("output").as_string());
    for (const auto& cv : outputs) {
        const auto& c = cv.as_object();
        const std::string conv(c.at("conversation").as_string());
        const bool gen = c.at("add_generation_prompt").as_bool();
        TempFile msgs(messages_file_text(c.contains("messages") ? c.at("messages") : convs.at(conv)), ".json");
        std::vector<std::string> args{"chat-template"};
        args.insert(args.end(), tmpl_args.begin(), tmpl_args.end());
        args.insert(args.end(), {"--messages", msgs.path.string()});
        if (gen) args.push_back("--add-generation-prompt");
        const auto r = run_cli(args);
        BOOST_TEST(r.status == 0, label << " " << conv << ": " << r.err);
        BOOST_TEST(r.out == expected_output(detected, c, without_prompt[conv]), label << " / " << conv << " / gen=" << gen);
        ++n;
    }
}

std::string write_gguf(const std::function<void(zigllm::io::GgufWriter&)>& fill) {
    zigllm::io::GgufWriter w;
    w.set_string("general.architecture", "llama");
    fill(w);
    auto bytes = w.to_bytes();
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_builtin_by_name, *needs_ref()) {
    const auto index = load("chat/index.json");
    size_t n = 0;
    for (const auto& e : index.at("builtin_templates").as_array()) {
        const auto doc = load("chat/" + std::string(e.at("file").as_string()));
        const std::string name(doc.at("template").as_string());
        check_cases(name, {"--template", name}, name, doc.at("cases").as_array(), json::object{}, n);
    }
    BOOST_TEST(n == 410u);
}

BOOST_AUTO_TEST_CASE(every_jinja_template_by_file, *needs_ref()) {
    const auto doc = load("chat/jinja-detection.json");
    const auto& convs = doc.at("conversations").as_object();
    size_t n = 0;
    for (const auto& c : doc.at("cases").as_array()) {
        TempFile tmpl(std::string(c.at("template_str").as_string()), ".jinja");
        check_cases(std::string(c.at("name").as_string()), {"--jinja", tmpl.path.string()},
                    std::string(c.at("detected_template").as_string()), c.at("outputs").as_array(), convs, n);
    }
    BOOST_TEST(n == 320u);
}

BOOST_AUTO_TEST_CASE(template_from_gguf, *needs_ref()) {
    const auto doc = load("chat/jinja-detection.json");
    const auto& c = doc.at("cases").as_array().at(0);
    TempFile model(write_gguf([&](auto& w) { w.set_string("tokenizer.chat_template", std::string(c.at("template_str").as_string())); }),
                   ".gguf");
    size_t n = 0;
    check_cases("gguf", {"-m", model.path.string()}, std::string(c.at("detected_template").as_string()),
                c.at("outputs").as_array(), doc.at("conversations").as_object(), n);
    BOOST_TEST(n == 10u);
}

BOOST_AUTO_TEST_CASE(refusals) {
    TempFile msgs("[{\"role\": \"user\", \"content\": \"hi\"}]", ".json");
    const auto refused = check_refused;
    refused({"chat-template", "--template", "nonsense", "--messages", msgs.path.string()}, "zigllm: -: template: ");
    TempFile empty("", ".jinja");
    refused({"chat-template", "--jinja", empty.path.string(), "--messages", msgs.path.string()},
            "zigllm: " + empty.path.string() + ": template: ");
    TempFile unknown("{% for m in messages %}{{ m.content }}{% endfor %}", ".jinja");
    refused({"chat-template", "--jinja", unknown.path.string(), "--messages", msgs.path.string()},
            "zigllm: " + unknown.path.string() + ": template: ");
    refused({"chat-template", "--template", "chatml", "--messages", "/nonexistent/m.json"}, "zigllm: /nonexistent/m.json: ");
    TempFile bad("[{\"role\": \"user\"}]", ".json");
    refused({"chat-template", "--template", "chatml", "--messages", bad.path.string()},
            "zigllm: " + bad.path.string() + ": [0].content: ");
    TempFile notjson("[{\"role\": ", ".json");
    refused({"chat-template", "--template", "chatml", "--messages", notjson.path.string()},
            "zigllm: " + notjson.path.string() + ": json: ");
    refused({"chat-template", "--messages", msgs.path.string()}, "zigllm: -: ");
    refused({"chat-template", "--template", "chatml", "--jinja", unknown.path.string(), "--messages", msgs.path.string()},
            "zigllm: -: ");
    TempFile num_tmpl(write_gguf([](auto& w) { w.set_u32("tokenizer.chat_template", 7); }), ".gguf");
    refused({"chat-template", "-m", num_tmpl.path.string(), "--messages", msgs.path.string()},
            "zigllm: " + num_tmpl.path.string() + ": tokenizer.chat_template: ");
}

BOOST_AUTO_TEST_CASE(gguf_without_template_is_chatml_and_bytes_pass_through) {
    TempFile model(write_gguf([](auto&) {}), ".gguf");
    // CR, tabs, a NUL-free non-ASCII content and an empty message, verbatim
    TempFile msgs("[{\"role\": \"user\", \"content\": \"a\\r\\n\\t\\u00e9 \"}, {\"role\": \"assistant\", \"content\": \"\"}]", ".json");
    const auto r = run_cli({"chat-template", "-m", model.path.string(), "--messages", msgs.path.string()});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out == "<|im_start|>user\na\r\n\t\xc3\xa9 <|im_end|>\n<|im_start|>assistant\n<|im_end|>\n");
    // a Jinja file is taken whole: a trailing newline after a name makes it no longer the name
    TempFile named("llama3\n", ".jinja");
    const auto r2 = run_cli({"chat-template", "--jinja", named.path.string(), "--messages", msgs.path.string()});
    BOOST_TEST(r2.status == 1);
}
