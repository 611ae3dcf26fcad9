// Chat templates: llama.cpp's built-in (legacy, non-Jinja) formatters and its Jinja-string detector.
//
// Semantics are llama.cpp's src/llama-chat.cpp (July 2025): llama_chat_apply_template never runs
// Jinja; a template string is first looked up as a built-in name, then mapped to a built-in format by
// substring rules (first match wins), then formatted by plain string concatenation. The one deliberate
// difference: kimi-k2 adds the generation prompt once, at the end (that llama.cpp adds it after every
// message is a bug, fixed upstream later).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zigllm::decode {

struct ChatMessage {
    std::string role;
    std::string content;
};

// The formats llama.cpp knows. dots1 has no name: only detection reaches it.
enum class ChatTemplate {
    chatml, llama2, llama2_sys, llama2_sys_bos, llama2_sys_strip, mistral_v1, mistral_v3,
    mistral_v3_tekken, mistral_v7, mistral_v7_tekken, phi3, phi4, falcon3, zephyr, monarch, gemma,
    orion, openchat, vicuna, vicuna_orca, deepseek, deepseek2, deepseek3, command_r, llama3, chatglm3,
    chatglm4, glmedge, minicpm, exaone3, exaone4, rwkv_world, granite, gigachat, megrez, yandex,
    bailing, llama4, smolvlm, dots1, hunyuan_moe, kimi_k2,
};

// The 41 built-in names, sorted (llama_chat_builtin_templates order).
const std::vector<std::string>& chat_builtin_names();

// The exact built-in name -> its format; nullopt for anything else (no prefix rules here).
std::optional<ChatTemplate> chat_template_from_name(std::string_view name);

// The name of a format ("dots1" for the unnamed one).
std::string_view chat_template_name(ChatTemplate t);

// llm_chat_detect_template: a built-in name, else the substring rules in llama.cpp's order (this maps
// Jinja sources such as a GGUF's tokenizer.chat_template, and e.g. "mistral" -> llama2).
// nullopt: llama.cpp does not know it (empty or unrecognised string).
std::optional<ChatTemplate> detect_chat_template(std::string_view tmpl);

// llm_chat_apply_template: the formatted prompt. Like the C API, which takes NUL-terminated strings,
// role and content end at their first NUL byte.
std::string format_chat(ChatTemplate tmpl, const std::vector<ChatMessage>& messages, bool add_generation_prompt);

// detect + format; throws zigllm::Error(source, "template", ...) for a template llama.cpp rejects
// (llama_chat_apply_template returns -1). source names where the template came from (a file or "-").
std::string format_chat(std::string_view tmpl, const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                        const std::string& source = "-");

}  // namespace zigllm::decode
