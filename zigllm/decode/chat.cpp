// Chat templates: a port of llama.cpp's src/llama-chat.cpp (July 2025) built-in formatters and
// template detector. Kept as one function per family so each reads like the reference it mirrors.
#include "zigllm/decode/chat.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "zigllm/io/error.hpp"

namespace zigllm::decode {
namespace {

using T = ChatTemplate;

// Sorted by name, as std::map orders llama.cpp's table (llama_chat_builtin_templates).
constexpr std::array<std::pair<std::string_view, ChatTemplate>, 41> kBuiltins{{
    {"bailing", T::bailing}, {"chatglm3", T::chatglm3}, {"chatglm4", T::chatglm4}, {"chatml", T::chatml},
    {"command-r", T::command_r}, {"deepseek", T::deepseek}, {"deepseek2", T::deepseek2},
    {"deepseek3", T::deepseek3}, {"exaone3", T::exaone3}, {"exaone4", T::exaone4}, {"falcon3", T::falcon3},
    {"gemma", T::gemma}, {"gigachat", T::gigachat}, {"glmedge", T::glmedge}, {"granite", T::granite},
    {"hunyuan-moe", T::hunyuan_moe}, {"kimi-k2", T::kimi_k2}, {"llama2", T::llama2},
    {"llama2-sys", T::llama2_sys}, {"llama2-sys-bos", T::llama2_sys_bos},
    {"llama2-sys-strip", T::llama2_sys_strip}, {"llama3", T::llama3}, {"llama4", T::llama4},
    {"megrez", T::megrez}, {"minicpm", T::minicpm}, {"mistral-v1", T::mistral_v1},
    {"mistral-v3", T::mistral_v3}, {"mistral-v3-tekken", T::mistral_v3_tekken},
    {"mistral-v7", T::mistral_v7}, {"mistral-v7-tekken", T::mistral_v7_tekken}, {"monarch", T::monarch},
    {"openchat", T::openchat}, {"orion", T::orion}, {"phi3", T::phi3}, {"phi4", T::phi4},
    {"rwkv-world", T::rwkv_world}, {"smolvlm", T::smolvlm}, {"vicuna", T::vicuna},
    {"vicuna-orca", T::vicuna_orca}, {"yandex", T::yandex}, {"zephyr", T::zephyr},
}};

// llama.cpp's trim(): isspace() at both ends, i.e. the ASCII set " \t\n\v\f\r" (bytes >= 0x80 are
// never space in the C locale).
bool c_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && c_space(s[b])) ++b;
    while (e > b && c_space(s[e - 1])) --e;
    return std::string(s.substr(b, e - b));
}

// The C API passes NUL-terminated strings: nothing after a NUL byte reaches the formatter.
std::string_view c_str_view(std::string_view s) {
    size_t nul = s.find('\0');
    return nul == std::string_view::npos ? s : s.substr(0, nul);
}

struct Msg {
    std::string_view role, content;
};

void mistral_v7(std::string& o, const std::vector<Msg>& chat, bool tekken) {
    const char* sp = tekken ? "" : " ";
    for (const auto& m : chat) {
        if (m.role == "system") o.append("[SYSTEM_PROMPT]").append(sp).append(m.content).append("[/SYSTEM_PROMPT]");
        else if (m.role == "user") o.append("[INST]").append(sp).append(m.content).append("[/INST]");
        else o.append(sp).append(m.content).append("</s>");
    }
}

void mistral_v1_v3(std::string& o, const std::vector<Msg>& chat, T t) {
    const std::string_view lead = t == T::mistral_v1 ? " " : "";
    const std::string_view trail = t == T::mistral_v3_tekken ? "" : " ";
    const bool trim_assistant = t == T::mistral_v3;
    bool inside_turn = false;
    for (const auto& m : chat) {
        if (!inside_turn) {
            o.append(lead).append("[INST]").append(trail);
            inside_turn = true;
        }
        if (m.role == "system") o.append(m.content).append("\n\n");
        else if (m.role == "user") o.append(m.content).append(lead).append("[/INST]");
        else {
            o.append(trail).append(trim_assistant ? trim(m.content) : std::string(m.content)).append("</s>");
            inside_turn = false;
        }
    }
}

void llama2(std::string& o, const std::vector<Msg>& chat, T t) {
    const bool system_supported = t != T::llama2;
    const bool bos_inside_history = t == T::llama2_sys_bos;
    const bool strip = t == T::llama2_sys_strip;
    bool inside_turn = true;  // the first [INST] carries no BOS
    o.append("[INST] ");
    for (const auto& m : chat) {
        std::string content = strip ? trim(m.content) : std::string(m.content);
        if (!inside_turn) {
            inside_turn = true;
            o.append(bos_inside_history ? "<s>[INST] " : "[INST] ");
        }
        if (m.role == "system") {
            if (system_supported) o.append("<<SYS>>\n").append(content).append("\n<</SYS>>\n\n");
            else o.append(content).append("\n");
        } else if (m.role == "user") {
            o.append(content).append(" [/INST]");
        } else {
            o.append(content).append("</s>");
            inside_turn = false;
        }
    }
}

// gemma and orion have no system role: its text is merged into the next user turn.
void gemma(std::string& o, const std::vector<Msg>& chat, bool gen) {
    std::string system_prompt;
    for (const auto& m : chat) {
        if (m.role == "system") {
            system_prompt += trim(m.content);
            continue;
        }
        std::string_view role = m.role == "assistant" ? std::string_view("model") : m.role;
        o.append("<start_of_turn>").append(role).append("\n");
        if (!system_prompt.empty() && role != "model") {
            o.append(system_prompt).append("\n\n");
            system_prompt.clear();
        }
        o.append(trim(m.content)).append("<end_of_turn>\n");
    }
    if (gen) o.append("<start_of_turn>model\n");
}

void orion(std::string& o, const std::vector<Msg>& chat) {
    std::string system_prompt;
    for (const auto& m : chat) {
        if (m.role == "system") {
            system_prompt.append(m.content);
        } else if (m.role == "user") {
            o.append("Human: ");
            if (!system_prompt.empty()) {
                o.append(system_prompt).append("\n\n");
                system_prompt.clear();
            }
            o.append(m.content).append("\n\nAssistant: </s>");
        } else {
            o.append(m.content).append("</s>");
        }
    }
}

void gigachat(std::string& o, const std::vector<Msg>& chat, bool gen) {
    const bool has_system = !chat.empty() && chat[0].role == "system";
    o.append("<s>");
    if (has_system) o.append(chat[0].content).append("<|message_sep|>");
    for (size_t i = has_system ? 1 : 0; i < chat.size(); ++i) {
        if (chat[i].role == "user")
            o.append("user<|role_sep|>").append(chat[i].content)
                .append("<|message_sep|>available functions<|role_sep|>[]<|message_sep|>");
        else if (chat[i].role == "assistant")
            o.append("assistant<|role_sep|>").append(chat[i].content).append("<|message_sep|>");
    }
    if (gen) o.append("assistant<|role_sep|>");
}

void exaone(std::string& o, const std::vector<Msg>& chat, bool gen, bool with_tool) {
    for (const auto& m : chat) {
        if (m.role == "system") o.append("[|system|]").append(trim(m.content)).append("[|endofturn|]\n");
        else if (m.role == "user") o.append("[|user|]").append(trim(m.content)).append("\n");
        else if (m.role == "assistant") o.append("[|assistant|]").append(trim(m.content)).append("[|endofturn|]\n");
        else if (with_tool && m.role == "tool") o.append("[|tool|]").append(trim(m.content)).append("[|endofturn|]\n");
    }
    if (gen) o.append("[|assistant|]");
}

// Formats whose every message is prefix + role + middle + content + suffix (role printed verbatim).
void role_verbatim(std::string& o, const std::vector<Msg>& chat, std::string_view pre, std::string_view mid,
                   std::string_view suf, bool trim_content) {
    for (const auto& m : chat)
        o.append(pre).append(m.role).append(mid).append(trim_content ? trim(m.content) : std::string(m.content)).append(suf);
}

void format_into(std::string& o, T t, const std::vector<Msg>& chat, bool gen) {
    auto gen_prompt = [&](std::string_view s) {
        if (gen) o.append(s);
    };
    switch (t) {
    case T::chatml:
        role_verbatim(o, chat, "<|im_start|>", "\n", "<|im_end|>\n", false);
        gen_prompt("<|im_start|>assistant\n");
        break;
    case T::mistral_v7: case T::mistral_v7_tekken:
        mistral_v7(o, chat, t == T::mistral_v7_tekken);
        break;
    case T::mistral_v1: case T::mistral_v3: case T::mistral_v3_tekken:
        mistral_v1_v3(o, chat, t);
        break;
    case T::llama2: case T::llama2_sys: case T::llama2_sys_bos: case T::llama2_sys_strip:
        llama2(o, chat, t);
        break;
    case T::phi3:
        role_verbatim(o, chat, "<|", "|>\n", "<|end|>\n", false);
        gen_prompt("<|assistant|>\n");
        break;
    case T::phi4:
        role_verbatim(o, chat, "<|im_start|>", "<|im_sep|>", "<|im_end|>", false);
        gen_prompt("<|im_start|>assistant<|im_sep|>");
        break;
    case T::falcon3:
        role_verbatim(o, chat, "<|", "|>\n", "\n", false);
        gen_prompt("<|assistant|>\n");
        break;
    case T::zephyr:
        role_verbatim(o, chat, "<|", "|>\n", "<|endoftext|>\n", false);
        gen_prompt("<|assistant|>\n");
        break;
    case T::monarch:
        for (size_t i = 0; i < chat.size(); ++i)  // BOS inside the history, not before the first message
            o.append(i == 0 ? "" : "<s>").append(chat[i].role).append("\n").append(chat[i].content).append("</s>\n");
        gen_prompt("<s>assistant\n");
        break;
    case T::gemma:
        gemma(o, chat, gen);
        break;
    case T::orion:
        orion(o, chat);
        break;
    case T::openchat:
        for (const auto& m : chat) {
            if (m.role == "system") {
                o.append(m.content).append("<|end_of_turn|>");
            } else {
                std::string role(m.role);
                if (!role.empty() && role[0] >= 'a' && role[0] <= 'z') role[0] = char(role[0] - 'a' + 'A');
                o.append("GPT4 Correct ").append(role).append(": ").append(m.content).append("<|end_of_turn|>");
            }
        }
        gen_prompt("GPT4 Correct Assistant:");
        break;
    case T::vicuna: case T::vicuna_orca:
        for (const auto& m : chat) {
            if (m.role == "system") {
                if (t == T::vicuna_orca) o.append("SYSTEM: ").append(m.content).append("\n");
                else o.append(m.content).append("\n\n");
            } else if (m.role == "user") {
                o.append("USER: ").append(m.content).append("\n");
            } else if (m.role == "assistant") {
                o.append("ASSISTANT: ").append(m.content).append("</s>\n");
            }
        }
        gen_prompt("ASSISTANT:");
        break;
    case T::deepseek:
        for (const auto& m : chat) {
            if (m.role == "system") o.append(m.content);
            else if (m.role == "user") o.append("### Instruction:\n").append(m.content).append("\n");
            else if (m.role == "assistant") o.append("### Response:\n").append(m.content).append("\n<|EOT|>\n");
        }
        gen_prompt("### Response:\n");
        break;
    case T::command_r:
        for (const auto& m : chat) {
            const char* tag = m.role == "system" ? "<|SYSTEM_TOKEN|>"
                            : m.role == "user" ? "<|USER_TOKEN|>"
                            : m.role == "assistant" ? "<|CHATBOT_TOKEN|>" : nullptr;
            if (tag) o.append("<|START_OF_TURN_TOKEN|>").append(tag).append(trim(m.content)).append("<|END_OF_TURN_TOKEN|>");
        }
        gen_prompt("<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>");
        break;
    case T::llama3:
        role_verbatim(o, chat, "<|start_header_id|>", "<|end_header_id|>\n\n", "<|eot_id|>", true);
        gen_prompt("<|start_header_id|>assistant<|end_header_id|>\n\n");
        break;
    case T::chatglm3:
        o.append("[gMASK]sop");
        role_verbatim(o, chat, "<|", "|>\n ", "", false);
        gen_prompt("<|assistant|>");
        break;
    case T::chatglm4:
        o.append("[gMASK]<sop>");
        role_verbatim(o, chat, "<|", "|>\n", "", false);
        gen_prompt("<|assistant|>\n");
        break;
    case T::glmedge:
        role_verbatim(o, chat, "<|", "|>\n", "", false);
        gen_prompt("<|assistant|>");
        break;
    case T::minicpm:  // the generation prompt is part of every user turn
        for (const auto& m : chat) {
            if (m.role == "user") o.append("<\xe7\x94\xa8\xe6\x88\xb7>").append(trim(m.content)).append("<AI>");  // <用户>
            else o.append(trim(m.content));
        }
        break;
    case T::deepseek2:
        for (const auto& m : chat) {
            if (m.role == "system") o.append(m.content).append("\n\n");
            else if (m.role == "user") o.append("User: ").append(m.content).append("\n\n");
            else if (m.role == "assistant")
                o.append("Assistant: ").append(m.content).append("<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>");
        }
        gen_prompt("Assistant:");
        break;
    case T::deepseek3:
        for (const auto& m : chat) {
            if (m.role == "system") o.append(m.content).append("\n\n");
            else if (m.role == "user") o.append("<\xef\xbd\x9cUser\xef\xbd\x9c>").append(m.content);
            else if (m.role == "assistant")
                o.append("<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>").append(m.content)
                    .append("<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>");
        }
        gen_prompt("<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>");
        break;
    case T::exaone3: case T::exaone4:
        exaone(o, chat, gen, t == T::exaone4);
        break;
    case T::rwkv_world:  // "Assistant:" follows a final user message whatever add_generation_prompt says
        for (size_t i = 0; i < chat.size(); ++i) {
            const auto& m = chat[i];
            if (m.role == "system") o.append("System: ").append(trim(m.content)).append("\n\n");
            else if (m.role == "user") {
                o.append("User: ").append(trim(m.content)).append("\n\n");
                if (i + 1 == chat.size()) o.append("Assistant:");
            } else if (m.role == "assistant") o.append("Assistant: ").append(trim(m.content)).append("\n\n");
        }
        break;
    case T::granite:
        for (const auto& m : chat) {
            o.append("<|start_of_role|>").append(m.role).append("<|end_of_role|>");
            if (m.role == "assistant_tool_call") o.append("<|tool_call|>");
            o.append(m.content).append("<|end_of_text|>\n");
        }
        gen_prompt("<|start_of_role|>assistant<|end_of_role|>\n");
        break;
    case T::gigachat:
        gigachat(o, chat, gen);
        break;
    case T::megrez:
        role_verbatim(o, chat, "<|role_start|>", "<|role_end|>", "<|turn_end|>", false);
        gen_prompt("<|role_start|>assistant<|role_end|>");
        break;
    case T::yandex:  // system messages are dropped
        o.append("<s>");
        for (const auto& m : chat) {
            if (m.role == "user")
                o.append(" \xd0\x9f\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8c: ")  // Пользователь
                    .append(m.content).append("\n\n");
            else if (m.role == "assistant")
                o.append(" \xd0\x90\xd1\x81\xd1\x81\xd0\xb8\xd1\x81\xd1\x82\xd0\xb5\xd0\xbd\xd1\x82: ")  // Ассистент
                    .append(m.content).append("\n\n");
        }
        gen_prompt(" \xd0\x90\xd1\x81\xd1\x81\xd0\xb8\xd1\x81\xd1\x82\xd0\xb5\xd0\xbd\xd1\x82:[SEP]");
        break;
    case T::bailing:
        for (const auto& m : chat) {
            std::string role(m.role);
            if (role == "user") role = "HUMAN";
            else for (char& c : role) if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');  // ::toupper, C locale
            o.append("<role>").append(role).append("</role>").append(m.content);
        }
        gen_prompt("<role>ASSISTANT</role>");
        break;
    case T::llama4:
        role_verbatim(o, chat, "<|header_start|>", "<|header_end|>\n\n", "<|eot|>", true);
        gen_prompt("<|header_start|>assistant<|header_end|>\n\n");
        break;
    case T::smolvlm:
        o.append("<|im_start|>");  // its BOS, not chatml
        for (const auto& m : chat) {
            if (m.role == "system") o.append(m.content).append("\n\n");
            else if (m.role == "user") o.append("User: ").append(m.content).append("<end_of_utterance>\n");
            else o.append("Assistant: ").append(m.content).append("<end_of_utterance>\n");
        }
        gen_prompt("Assistant:");
        break;
    case T::dots1:
        for (const auto& m : chat) {
            if (m.role == "system") o.append("<|system|>").append(m.content).append("<|endofsystem|>");
            else if (m.role == "user") o.append("<|userprompt|>").append(m.content).append("<|endofuserprompt|>");
            else o.append("<|response|>").append(m.content).append("<|endofresponse|>");
        }
        gen_prompt("<|response|>");
        break;
    case T::hunyuan_moe:
        for (const auto& m : chat) {
            const char* end = m.role == "system" ? "<|extra_4|>" : m.role == "assistant" ? "<|eos|>" : "<|extra_0|>";
            o.append("<|startoftext|>").append(m.content).append(end);
        }
        break;
    case T::kimi_k2:
        for (const auto& m : chat) {
            if (m.role == "system") o.append("<|im_system|>system<|im_middle|>");
            else if (m.role == "user") o.append("<|im_user|>user<|im_middle|>");
            else if (m.role == "assistant") o.append("<|im_assistant|>assistant<|im_middle|>");
            else if (m.role == "tool") o.append("<|im_system|>tool<|im_middle|>");
            o.append(m.content).append("<|im_end|>");
        }
        // llama.cpp (July 2025) emits this after every message; it belongs once, at the end.
        gen_prompt("<|im_assistant|>assistant<|im_middle|>");
        break;
    }
}

}  // namespace

const std::vector<std::string>& chat_builtin_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& [n, t] : kBuiltins) v.emplace_back(n);
        return v;
    }();
    return names;
}

std::optional<ChatTemplate> chat_template_from_name(std::string_view name) {
    for (const auto& [n, t] : kBuiltins)
        if (n == name) return t;
    return std::nullopt;
}

std::string_view chat_template_name(ChatTemplate t) {
    if (t == T::dots1) return "dots1";
    for (const auto& [n, v] : kBuiltins)
        if (v == t) return n;
    return "?";
}

std::optional<ChatTemplate> detect_chat_template(std::string_view full) {
    const std::string_view tmpl = c_str_view(full);
    if (auto t = chat_template_from_name(tmpl)) return t;
    auto has = [&](std::string_view s) { return tmpl.find(s) != std::string_view::npos; };
    if (has("<|im_start|>"))
        return has("<|im_sep|>") ? T::phi4 : has("<end_of_utterance>") ? T::smolvlm : T::chatml;
    if (tmpl.substr(0, 7) == "mistral" || has("[INST]")) {
        if (has("[SYSTEM_PROMPT]")) return T::mistral_v7;
        if (has("' [INST] ' + system_message") || has("[AVAILABLE_TOOLS]")) {
            if (has(" [INST]")) return T::mistral_v1;
            if (has("\"[INST]\"")) return T::mistral_v3_tekken;
            return T::mistral_v3;
        }
        if (has("content.strip()")) return T::llama2_sys_strip;
        if (has("bos_token + '[INST]")) return T::llama2_sys_bos;
        if (has("<<SYS>>")) return T::llama2_sys;
        return T::llama2;
    }
    if (has("<|assistant|>") && has("<|end|>")) return T::phi3;
    if (has("[gMASK]<sop>")) return T::chatglm4;
    if (has("<|assistant|>") && has("<|user|>")) return has("</s>") ? T::falcon3 : T::glmedge;
    if (has("<|{{ item['role'] }}|>") && has("<|begin_of_image|>")) return T::glmedge;
    if (has("<|user|>") && has("<|endoftext|>")) return T::zephyr;
    if (has("bos_token + message['role']")) return T::monarch;
    if (has("<start_of_turn>")) return T::gemma;
    if (has("'\\n\\nAssistant: ' + eos_token")) return T::orion;
    if (has("GPT4 Correct ")) return T::openchat;
    if (has("USER: ") && has("ASSISTANT: ")) return has("SYSTEM: ") ? T::vicuna_orca : T::vicuna;
    if (has("### Instruction:") && has("<|EOT|>")) return T::deepseek;
    if (has("<|START_OF_TURN_TOKEN|>") && has("<|USER_TOKEN|>")) return T::command_r;
    if (has("<|start_header_id|>") && has("<|end_header_id|>")) return T::llama3;
    if (has("[gMASK]sop")) return T::chatglm3;
    if (has("<\xe7\x94\xa8\xe6\x88\xb7>")) return T::minicpm;  // <用户>
    if (has("'Assistant: ' + message['content'] + eos_token")) return T::deepseek2;
    if (has("<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>") && has("<\xef\xbd\x9cUser\xef\xbd\x9c>") &&
        has("<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>"))
        return T::deepseek3;
    if (has("[|system|]") && has("[|assistant|]") && has("[|endofturn|]"))
        return has("[|tool|]") ? T::exaone4 : T::exaone3;
    if (has("rwkv-world") || has("{{- 'User: ' + message['content']|trim + '\\n\\n' -}}")) return T::rwkv_world;
    if (has("<|start_of_role|>")) return T::granite;
    if (has("message['role'] + additional_special_tokens[0] + message['content'] + additional_special_tokens[1]"))
        return T::gigachat;
    if (has("<|role_start|>")) return T::megrez;
    if (has(" \xd0\x90\xd1\x81\xd1\x81\xd0\xb8\xd1\x81\xd1\x82\xd0\xb5\xd0\xbd\xd1\x82:")) return T::yandex;  // " Ассистент:"
    if (has("<role>ASSISTANT</role>") && has("'HUMAN'")) return T::bailing;
    if (has("<|header_start|>") && has("<|header_end|>")) return T::llama4;
    if (has("<|endofuserprompt|>")) return T::dots1;
    if (has("<|startoftext|>") && has("<|extra_4|>")) return T::hunyuan_moe;
    if (has("<|im_assistant|>assistant<|im_middle|>")) return T::kimi_k2;
    return std::nullopt;
}

std::string format_chat(ChatTemplate tmpl, const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
    std::vector<Msg> chat;
    chat.reserve(messages.size());
    size_t bytes = 64;
    for (const auto& m : messages) {
        chat.push_back({c_str_view(m.role), c_str_view(m.content)});
        bytes += m.role.size() + m.content.size() + 48;
    }
    std::string out;
    out.reserve(bytes);
    format_into(out, tmpl, chat, add_generation_prompt);
    return out;
}

std::string format_chat(std::string_view tmpl, const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                        const std::string& source) {
    auto t = detect_chat_template(tmpl);
    if (!t) {
        std::string shown(c_str_view(tmpl).substr(0, 60));
        for (char& c : shown) if (static_cast<unsigned char>(c) < 0x20) c = ' ';
        throw Error(source, "template", tmpl.empty() ? std::string("empty chat template")
                                                     : "unknown chat template '" + shown + "' (not a built-in name, "
                                                       "and no known format detected)");
    }
    return format_chat(*t, messages, add_generation_prompt);
}

}  // namespace zigllm::decode
