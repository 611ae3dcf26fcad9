#include "zigllm/tools/synth_vocab.hpp"

#include <cstdio>
#include <stdexcept>
#include <unordered_set>

#include "zigllm/io/error.hpp"

namespace zigllm::tools {
namespace {

const std::string kSpace = "\xe2\x96\x81";  // U+2581, SentencePiece's word-start marker

// Frequent English words (most common first): with every prefix added, the SPM merge loop can build
// each of them from its characters.
const char* const kWords[] = {
    "the", "of", "and", "to", "in", "is", "was", "it", "for", "that", "he", "she", "on", "with", "as",
    "they", "at", "be", "his", "her", "this", "from", "have", "or", "by", "one", "had", "not", "but",
    "what", "all", "were", "when", "we", "there", "can", "an", "your", "which", "their", "said", "if",
    "do", "will", "each", "about", "how", "up", "out", "them", "then", "many", "some", "so", "these",
    "would", "other", "into", "has", "more", "two", "like", "him", "see", "time", "could", "no", "make",
    "than", "first", "been", "its", "who", "now", "people", "my", "made", "over", "did", "down", "only",
    "way", "find", "use", "may", "water", "long", "little", "very", "after", "words", "called", "just",
    "where", "most", "know", "once", "upon", "day", "girl", "boy", "happy", "big", "friend", "play",
    "went", "saw", "dog", "cat", "tree", "house", "mom", "dad", "story", "world", "hello", "name",
};

struct Builder {
    SynthVocab v;
    std::unordered_set<std::string> seen;
    size_t limit;
    bool add(const std::string& piece, float score, int32_t type) {
        if (v.tokens.size() >= limit || !seen.insert(piece).second) return v.tokens.size() < limit;
        v.tokens.push_back(piece);
        v.scores.push_back(score);
        v.types.push_back(type);
        return v.tokens.size() < limit;
    }
    // Pieces score by rank: earlier (more common) pieces merge first.
    bool add_piece(const std::string& piece) { return add(piece, -static_cast<float>(v.tokens.size()), 1); }
};

}  // namespace

SynthVocab make_spm_vocab(int n_vocab) {
    if (n_vocab < 260) throw Error("-", "n_vocab", "a synthetic SPM vocabulary needs at least 260 tokens");
    Builder b{{}, {}, static_cast<size_t>(n_vocab)};
    b.add("<unk>", 0.0f, 2);
    b.add("<s>", 0.0f, 3);
    b.add("</s>", 0.0f, 3);
    for (int i = 0; i < 256; ++i) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", i);
        b.add(name, 0.0f, 6);
    }
    bool room = b.add_piece(kSpace);
    for (char c = '!'; room && c <= '~'; ++c) room = b.add_piece(std::string(1, c));
    for (const char* w : kWords) {
        std::string word(w);
        for (size_t k = 1; room && k <= word.size(); ++k) room = b.add_piece(kSpace + word.substr(0, k));
    }
    // Fill the rest with letter pairs and triples, with and without the word-start marker.
    for (char x = 'a'; room && x <= 'z'; ++x)
        for (char y = 'a'; room && y <= 'z'; ++y) {
            room = b.add_piece(std::string{x, y});
            if (room) room = b.add_piece(kSpace + std::string{x, y});
        }
    for (char x = 'a'; room && x <= 'z'; ++x)
        for (char y = 'a'; room && y <= 'z'; ++y)
            for (char z = 'a'; room && z <= 'z'; ++z) {
                room = b.add_piece(std::string{x, y, z});
                if (room) room = b.add_piece(kSpace + std::string{x, y, z});
            }
    // Beyond 2 * (26 + 26^2 + 26^3) pieces: numbered filler pieces keep every id defined.
    for (int i = 0; room; ++i) room = b.add_piece("<extra_" + std::to_string(i) + ">");
    return b.v;
}

void write_spm_vocab(io::GgufWriter& w, const SynthVocab& v) {
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_strings("tokenizer.ggml.tokens", v.tokens);
    w.set_array("tokenizer.ggml.scores", io::GgufType::F32, v.scores);
    w.set_array("tokenizer.ggml.token_type", io::GgufType::I32, v.types);
    w.set_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(v.bos));
    w.set_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(v.eos));
    w.set_u32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(v.unk));
    w.set_bool("tokenizer.ggml.add_bos_token", true);
    w.set_bool("tokenizer.ggml.add_eos_token", false);
}

}  // namespace zigllm::tools
