// Chat templates against shared/ref/chat: every built-in template on every conversation with and
// without the generation prompt, byte for byte (kimi-k2: the documented llama.cpp bug fixed), the
// Jinja-template detection of the 32 test templates and the 51 detector probes.
#define BOOST_TEST_MODULE chat_ref
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "zigllm/decode/chat.hpp"
#include "zigllm/io/error.hpp"
#include "zigllm_test.hpp"

namespace json = boost::json;
using namespace zigllm::decode;
using zigllm::test::ref_path;

namespace zigllm::decode {
std::ostream& operator<<(std::ostream& os, ChatTemplate t) { return os << chat_template_name(t); }
std::ostream& operator<<(std::ostream& os, const std::optional<ChatTemplate>& t) {
    return t ? os << *t : os << "(none)";
}
}  // namespace zigllm::decode

namespace {

const std::string kKimiPrompt = "<|im_assistant|>assistant<|im_middle|>";

json::value load(const std::string& rel) { return json::parse(zigllm::test::read_text(ref_path(rel))); }

std::vector<ChatMessage> messages_of(const json::value& v) {
    std::vector<ChatMessage> out;
    for (const auto& m : v.as_array())
        out.push_back({std::string(m.at("role").as_string()), std::string(m.at("content").as_string())});
    return out;
}

// What llama.cpp's kimi-k2 writes with add_generation_prompt: the prompt after every message (each
// message is formatted on its own), used to check that the reference shows exactly that bug.
std::string kimi_buggy(const std::vector<ChatMessage>& msgs) {
    std::string out;
    for (const auto& m : msgs) out += format_chat(ChatTemplate::kimi_k2, {m}, false) + kKimiPrompt;
    return out;
}

// Checks the 10 (or 2) outputs of one template; conversations from `convs` when cases lack messages.
void check_outputs(const std::string& label, std::string_view tmpl, const json::array& outputs, const json::object& convs) {
    const auto t = detect_chat_template(tmpl);
    BOOST_TEST_REQUIRE(t.has_value(), label << ": not detected");
    std::map<std::string, std::string> without_prompt;
    for (const auto& c : outputs) {
        const auto& o = c.as_object();
        const std::string conv(o.at("conversation").as_string());
        if (!o.at("add_generation_prompt").as_bool()) without_prompt[conv] = std::string(o.at("output").as_string());
    }
    for (const auto& c : outputs) {
        const auto& o = c.as_object();
        const std::string conv(o.at("conversation").as_string());
        const bool gen = o.at("add_generation_prompt").as_bool();
        const auto msgs = messages_of(o.contains("messages") ? o.at("messages") : convs.at(conv));
        std::string expected(o.at("output").as_string());
        BOOST_TEST(o.at("return_value").to_number<int64_t>() == static_cast<int64_t>(expected.size()));
        if (*t == ChatTemplate::kimi_k2 && gen) {
            // the documented bug: the reference has the prompt after every message
            BOOST_TEST_REQUIRE(without_prompt.count(conv));
            BOOST_TEST(expected == kimi_buggy(msgs), label << " " << conv << ": reference is not the known bug");
            expected = without_prompt[conv] + kKimiPrompt;
        }
        const std::string got = format_chat(*t, msgs, gen);
        BOOST_TEST(got == expected, label << " / " << conv << " / gen=" << gen);
        BOOST_TEST(format_chat(tmpl, msgs, gen) == got);
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(builtin_names_are_llamas_41_sorted) {
    const auto& names = chat_builtin_names();
    BOOST_TEST(names.size() == 41u);
    BOOST_TEST(std::is_sorted(names.begin(), names.end()));
    for (const auto& n : names) {
        auto t = chat_template_from_name(n);
        BOOST_TEST_REQUIRE(t.has_value());
        BOOST_TEST(chat_template_name(*t) == n);
    }
    BOOST_TEST(chat_template_name(ChatTemplate::dots1) == "dots1");
    BOOST_TEST(!chat_template_from_name("dots1").has_value());
}

BOOST_AUTO_TEST_CASE(every_builtin_template, *zigllm::test::needs_ref()) {
    const auto index = load("chat/index.json");
    const auto& list = index.at("builtin_templates").as_array();
    BOOST_TEST(list.size() == 41u);
    std::vector<std::string> names;
    for (const auto& e : list) names.emplace_back(e.at("template").as_string());
    BOOST_TEST(names == chat_builtin_names());
    size_t cases = 0;
    for (const auto& e : list) {
        const auto doc = load("chat/" + std::string(e.at("file").as_string()));
        const std::string name(doc.at("template").as_string());
        const auto& outs = doc.at("cases").as_array();
        BOOST_TEST(outs.size() == 10u, name);
        check_outputs(name, name, outs, json::object{});
        cases += outs.size();
    }
    BOOST_TEST(cases == 410u);
}

BOOST_AUTO_TEST_CASE(kimi_k2_generation_prompt_once_at_the_end) {
    const std::vector<ChatMessage> msgs{{"system", "S"}, {"user", "U"}, {"assistant", "A"}, {"user", "V"}};
    const std::string no = format_chat(ChatTemplate::kimi_k2, msgs, false);
    BOOST_TEST(no == "<|im_system|>system<|im_middle|>S<|im_end|><|im_user|>user<|im_middle|>U<|im_end|>"
                     "<|im_assistant|>assistant<|im_middle|>A<|im_end|><|im_user|>user<|im_middle|>V<|im_end|>");
    BOOST_TEST(format_chat(ChatTemplate::kimi_k2, msgs, true) == no + kKimiPrompt);
    BOOST_TEST(format_chat(ChatTemplate::kimi_k2, {}, true) == kKimiPrompt);
}

BOOST_AUTO_TEST_CASE(jinja_templates_detected_and_formatted, *zigllm::test::needs_ref()) {
    const auto doc = load("chat/jinja-detection.json");
    const auto& convs = doc.at("conversations").as_object();
    const auto& cases = doc.at("cases").as_array();
    BOOST_TEST(cases.size() == 32u);
    for (const auto& c : cases) {
        const std::string label(c.at("name").as_string());
        const std::string tmpl(c.at("template_str").as_string());
        const auto t = detect_chat_template(tmpl);
        BOOST_TEST_REQUIRE(t.has_value(), label);
        BOOST_TEST(chat_template_name(*t) == std::string(c.at("detected_template").as_string()), label);
        check_outputs(label, tmpl, c.at("outputs").as_array(), convs);
        // the legacy engine's expected output of tests/test-chat-template.cpp (test_conversation, gen)
        const auto msgs = messages_of(convs.at("test_conversation"));
        if (*t != ChatTemplate::kimi_k2)
            BOOST_TEST(format_chat(*t, msgs, true) == std::string(c.at("test_output_add_generation_prompt_true").as_string()), label);
    }
}

BOOST_AUTO_TEST_CASE(detector_probes, *zigllm::test::needs_ref()) {
    const auto doc = load("chat/jinja-detection.json");
    const auto& convs = doc.at("conversations").as_object();
    const auto& probes = doc.at("synthetic_probes").as_array();
    BOOST_TEST(probes.size() == 51u);
    for (const auto& p : probes) {
        const std::string what(p.at("what").as_string());
        const std::string tmpl(p.at("tmpl").as_string());
        const auto t = detect_chat_template(tmpl);
        const auto& want = p.at("detected_template");
        if (want.is_null()) {
            BOOST_TEST(!t.has_value(), what);
            BOOST_CHECK_THROW(format_chat(std::string_view(tmpl), {}, true), zigllm::Error);
            continue;
        }
        BOOST_TEST_REQUIRE(t.has_value(), what);
        std::string name(want.as_string());
        name = name.substr(0, name.find(' '));  // "dots1 (no built-in name)"
        BOOST_TEST(chat_template_name(*t) == name, what);
        if (p.as_object().contains("outputs")) check_outputs(what, tmpl, p.at("outputs").as_array(), convs);
    }
}

BOOST_AUTO_TEST_CASE(c_string_semantics_and_errors) {
    // the C API sees NUL-terminated strings: a NUL ends the template and each message
    BOOST_TEST(detect_chat_template(std::string("chatml\0garbage", 14)) == ChatTemplate::chatml);
    const std::vector<ChatMessage> msgs{{"user", std::string("hi\0there", 8)}};
    BOOST_TEST(format_chat(ChatTemplate::chatml, msgs, false) == "<|im_start|>user\nhi<|im_end|>\n");
    BOOST_TEST(!detect_chat_template("").has_value());
    BOOST_TEST(!detect_chat_template("{{ messages }}").has_value());
    try {
        format_chat(std::string_view("nonsense"), msgs, false, "t.jinja");
        BOOST_FAIL("no error");
    } catch (const zigllm::Error& e) {
        BOOST_TEST(e.file() == "t.jinja");
        BOOST_TEST(e.where() == "template");
    }
    // prefix rule and precedence
    BOOST_TEST(detect_chat_template("mistral-something") == ChatTemplate::llama2);
    BOOST_TEST(detect_chat_template("x<|im_start|>y<|start_header_id|><|end_header_id|>") == ChatTemplate::chatml);
}

BOOST_AUTO_TEST_CASE(trimming_is_c_locale_isspace) {
    // \v and \f are spaces for isspace; U+00A0 (bytes C2 A0) is not
    const std::vector<ChatMessage> msgs{{"user", "\v\f x \xc2\xa0\r\n"}};
    BOOST_TEST(format_chat(ChatTemplate::llama3, msgs, false) ==
               "<|start_header_id|>user<|end_header_id|>\n\nx \xc2\xa0<|eot_id|>");
    // openchat capitalises only an ASCII first letter; an empty role stays empty
    BOOST_TEST(format_chat(ChatTemplate::openchat, {{"", "a"}, {"\xc3\xa9x", "b"}}, false) ==
               "GPT4 Correct : a<|end_of_turn|>GPT4 Correct \xc3\xa9x: b<|end_of_turn|>");
}
