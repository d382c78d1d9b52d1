// A structured diff of two versions of a document: blocks (paragraphs, long ones split into
// sentences) are aligned with Myers' algorithm, then each changed pair gets word-level changes.
// The JSON form is what archive.diff returns and the extension renders (PROTOCOL.md, archive.diff).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cw::changes {

// Splits normalised text into blocks: paragraphs and lines; a paragraph longer than
// kSentenceSplitBytes is split into sentences so one edit does not mark a whole paragraph changed.
std::vector<std::string_view> split_blocks(std::string_view text);
inline constexpr std::size_t kSentenceSplitBytes = 400;

enum class BlockKind { kUnchanged, kAdded, kRemoved, kChanged };
std::string_view to_string(BlockKind kind);

struct WordChange {
  enum class Type { kSame, kAdded, kRemoved } type;
  std::string text;
};

struct DiffBlock {
  BlockKind kind = BlockKind::kUnchanged;
  std::string before;             // empty for kAdded
  std::string after;              // empty for kRemoved
  std::vector<WordChange> words;  // kChanged only: the merged word-level edit
};

struct TextDiff {
  std::vector<DiffBlock> blocks;
  std::size_t added = 0, removed = 0, changed = 0, unchanged = 0;
  bool identical() const { return added == 0 && removed == 0 && changed == 0; }
};

// Word-level similarity of two blocks in [0, 1] (shared words over all words).
double similarity(std::string_view a, std::string_view b);

TextDiff diff_texts(std::string_view before, std::string_view after);

// {stats, blocks[offset, offset+limit), next_offset}; unchanged blocks are included only when
// `include_unchanged` (otherwise they are counted but not sent).
// A page ends early once its quoted text passes `max_text_bytes`.
nlohmann::json to_json(const TextDiff& diff, std::size_t offset, std::size_t limit,
                       bool include_unchanged, std::size_t max_text_bytes = SIZE_MAX);

}  // namespace cw::changes
