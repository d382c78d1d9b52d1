#include "changes/diff.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <unordered_map>

#include "changes/edit_script.h"

namespace cw::changes {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Sentence ends: ". ", "! ", "? ", "; " followed by more text.
void split_sentences(std::string_view para, std::vector<std::string_view>& out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < para.size(); ++i) {
    const char c = para[i];
    if ((c == '.' || c == '!' || c == '?' || c == ';') && para[i + 1] == ' ' &&
        i + 1 - start > 40) {
      out.push_back(trim(para.substr(start, i + 1 - start)));
      start = i + 2;
    }
  }
  if (start < para.size()) {
    auto last = trim(para.substr(start));
    if (!last.empty()) out.push_back(last);
  }
}

// Words and the separators between them, so joining the tokens gives the block back.
std::vector<std::string_view> tokenize_words(std::string_view s) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t start = i;
    const bool space = is_space(s[i]);
    const auto is_word_byte = [](unsigned char c) {
      return std::isalnum(c) != 0 || c >= 0x80 || c == '\'' || c == '-';
    };
    if (space) {
      while (i < s.size() && is_space(s[i])) ++i;  // only leading whitespace stands alone
    } else {
      if (is_word_byte(static_cast<unsigned char>(s[i]))) {
        while (i < s.size() && is_word_byte(static_cast<unsigned char>(s[i]))) ++i;
      } else {
        ++i;  // punctuation: one token each
      }
      // A word keeps its trailing spaces, so a removed phrase reads as one run ("will not ").
      while (i < s.size() && is_space(s[i])) ++i;
    }
    tokens.push_back(s.substr(start, i - start));
  }
  return tokens;
}

std::vector<WordChange> word_diff(std::string_view before, std::string_view after) {
  const auto a = tokenize_words(before);
  const auto b = tokenize_words(after);
  std::vector<std::uint64_t> ha, hb;
  ha.reserve(a.size());
  hb.reserve(b.size());
  for (auto t : a) ha.push_back(item_hash(t));
  for (auto t : b) hb.push_back(item_hash(t));
  std::vector<WordChange> out;
  auto append = [&out](WordChange::Type type, std::string_view text) {
    if (!out.empty() && out.back().type == type) {
      out.back().text.append(text);
    } else {
      out.push_back({type, std::string(text)});
    }
  };
  for (const auto& e : edit_script(ha, hb)) {
    switch (e.type) {
      case EditType::kCommon:
        append(WordChange::Type::kSame, b[e.after]);
        break;
      case EditType::kRemoved:
        append(WordChange::Type::kRemoved, a[e.before]);
        break;
      case EditType::kAdded:
        append(WordChange::Type::kAdded, b[e.after]);
        break;
    }
  }
  return out;
}

// Removed and added runs between two common blocks: pair each removed block with the most similar
// added block after the last paired one, so edits inside a paragraph show as "changed".
void emit_run(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
              const std::vector<std::size_t>& removed, const std::vector<std::size_t>& added,
              TextDiff& diff) {
  constexpr double kPairThreshold = 0.45;
  std::size_t next_added = 0;
  for (std::size_t r : removed) {
    double best = kPairThreshold;
    std::size_t best_j = added.size();
    for (std::size_t j = next_added; j < added.size() && j < next_added + 8; ++j) {
      const double s = similarity(a[r], b[added[j]]);
      if (s >= best) {
        best = s;
        best_j = j;
      }
    }
    if (best_j == added.size()) {
      diff.blocks.push_back({BlockKind::kRemoved, std::string(a[r]), {}, {}});
      ++diff.removed;
      continue;
    }
    for (; next_added < best_j; ++next_added) {
      diff.blocks.push_back({BlockKind::kAdded, {}, std::string(b[added[next_added]]), {}});
      ++diff.added;
    }
    DiffBlock block{BlockKind::kChanged, std::string(a[r]), std::string(b[added[best_j]]), {}};
    block.words = word_diff(block.before, block.after);
    diff.blocks.push_back(std::move(block));
    ++diff.changed;
    next_added = best_j + 1;
  }
  for (; next_added < added.size(); ++next_added) {
    diff.blocks.push_back({BlockKind::kAdded, {}, std::string(b[added[next_added]]), {}});
    ++diff.added;
  }
}

}  // namespace

std::vector<std::string_view> split_blocks(std::string_view text) {
  std::vector<std::string_view> blocks;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto line = trim(text.substr(start, end - start));
    if (!line.empty()) {
      if (line.size() > kSentenceSplitBytes) {
        split_sentences(line, blocks);
      } else {
        blocks.push_back(line);
      }
    }
    start = end + 1;
  }
  return blocks;
}

std::string_view to_string(BlockKind kind) {
  switch (kind) {
    case BlockKind::kUnchanged:
      return "unchanged";
    case BlockKind::kAdded:
      return "added";
    case BlockKind::kRemoved:
      return "removed";
    case BlockKind::kChanged:
      return "changed";
  }
  return "unchanged";
}

double similarity(std::string_view a, std::string_view b) {
  std::unordered_map<std::uint64_t, int> counts;
  std::size_t total = 0;
  for (auto t : tokenize_words(a)) {
    if (is_space(t.front())) continue;
    ++counts[item_hash(trim(t))];
    ++total;
  }
  std::size_t shared = 0;
  for (auto t : tokenize_words(b)) {
    if (is_space(t.front())) continue;
    ++total;
    auto it = counts.find(item_hash(trim(t)));
    if (it != counts.end() && it->second > 0) {
      --it->second;
      ++shared;
    }
  }
  return total == 0 ? 1.0 : 2.0 * static_cast<double>(shared) / static_cast<double>(total);
}

TextDiff diff_texts(std::string_view before, std::string_view after) {
  const auto a = split_blocks(before);
  const auto b = split_blocks(after);
  std::vector<std::uint64_t> ha, hb;
  ha.reserve(a.size());
  hb.reserve(b.size());
  for (auto s : a) ha.push_back(item_hash(s));
  for (auto s : b) hb.push_back(item_hash(s));
  TextDiff diff;
  std::vector<std::size_t> removed, added;
  auto flush = [&] {
    if (removed.empty() && added.empty()) return;
    emit_run(a, b, removed, added, diff);
    removed.clear();
    added.clear();
  };
  for (const auto& e : edit_script(ha, hb)) {
    if (e.type == EditType::kCommon) {
      flush();
      diff.blocks.push_back(
          {BlockKind::kUnchanged, std::string(a[e.before]), std::string(b[e.after]), {}});
      ++diff.unchanged;
    } else if (e.type == EditType::kRemoved) {
      removed.push_back(e.before);
    } else {
      added.push_back(e.after);
    }
  }
  flush();
  return diff;
}

nlohmann::json to_json(const TextDiff& diff, std::size_t offset, std::size_t limit,
                       bool include_unchanged, std::size_t max_text_bytes) {
  std::size_t text_bytes = 0;
  nlohmann::json blocks = nlohmann::json::array();
  std::size_t index = 0;  // position among the blocks that are sent
  std::size_t next_offset = 0;
  bool more = false;
  for (const auto& block : diff.blocks) {
    if (block.kind == BlockKind::kUnchanged && !include_unchanged) continue;
    if (index++ < offset) continue;
    const std::size_t block_bytes = block.before.size() + block.after.size() * 2;
    if (blocks.size() >= limit || (!blocks.empty() && text_bytes + block_bytes > max_text_bytes)) {
      more = true;
      next_offset = index - 1;
      break;
    }
    nlohmann::json j{{"kind", std::string(to_string(block.kind))}};
    if (block.kind == BlockKind::kUnchanged) {
      j["text"] = block.after;
    } else {
      if (block.kind != BlockKind::kAdded) j["before"] = block.before;
      if (block.kind != BlockKind::kRemoved) j["after"] = block.after;
    }
    if (block.kind == BlockKind::kChanged) {
      nlohmann::json words = nlohmann::json::array();
      for (const auto& w : block.words) {
        const char* op = w.type == WordChange::Type::kSame    ? "same"
                         : w.type == WordChange::Type::kAdded ? "added"
                                                              : "removed";
        words.push_back({{"op", op}, {"text", w.text}});
      }
      j["words"] = std::move(words);
    }
    text_bytes += block_bytes;
    blocks.push_back(std::move(j));
  }
  nlohmann::json out{{"stats",
                      {{"added", diff.added},
                       {"removed", diff.removed},
                       {"changed", diff.changed},
                       {"unchanged", diff.unchanged}}},
                     {"blocks", std::move(blocks)}};
  out["next_offset"] = more ? nlohmann::json(next_offset) : nlohmann::json(nullptr);
  return out;
}

}  // namespace cw::changes
