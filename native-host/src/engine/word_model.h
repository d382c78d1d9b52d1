// Word models: a second way for a rule to fire, for provisions written in words no pattern
// foresaw ("whatever you type helps the assistant get better").
//
// A rule's word model (rule_pack.h, WordModel) is a linear model over the words and adjacent word
// pairs of a sentence: the rule fires where its bias plus the weights of the terms the sentence
// holds exceeds its threshold. Words are runs of ASCII letters and digits, lower-cased, with one
// apostrophe inside a word kept ("don't", "user's"); every other byte separates words. A term
// counts once per sentence, however often it occurs. native-host/tools/train_word_model.py
// trains the models on labelled sentences and writes them into a family file with the same
// reading of words.
//
//   WordScorer scorer(pack);                 // once per engine
//   scorer.fire(sentence, &rules);           // provision indices, in pack order
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/fnv1a.h"
#include "engine/rule_pack.h"

namespace cw::engine {

// A word's hash is FNV-1a (common/fnv1a.h) of the lower-cased word; a pair's is pair_hash of its
// two words' hashes, so a sentence is hashed in one pass over its bytes.
inline std::uint64_t pair_hash(std::uint64_t first, std::uint64_t second) {
  std::uint64_t mixed = first * 0x9E3779B97F4A7C15ULL + second;
  mixed ^= mixed >> 29;
  mixed *= 0xBF58476D1CE4E5B9ULL;
  mixed ^= mixed >> 32;
  return mixed;
}
// The hash of a term as written in a word model: "chats", or a pair "your chats".
std::uint64_t term_hash(std::string_view term);

// Calls `each(hash)` for every word and word pair of `text`, in text order, with the hash
// term_hash gives the lower-cased term. Duplicates are not removed here.
template <class Each>
void for_each_term(std::string_view text, Each&& each);

class WordScorer {
 public:
  WordScorer() = default;
  // The models of every provision of `pack` that has one.
  explicit WordScorer(const RulePack& pack);

  [[nodiscard]] bool empty() const { return models_.empty(); }
  // Appends to `*rules` the index (in pack.provisions) of every provision whose model fires on
  // `sentence`, in pack order.
  void fire(std::string_view sentence, std::vector<std::size_t>* rules) const;
  // The score of provision `rule`'s model on `sentence` (bias plus the weights of its terms);
  // 0 for a provision without a model.
  [[nodiscard]] double score(std::string_view sentence, std::size_t rule) const;

 private:
  struct Model {
    std::size_t rule = 0;  // index in pack.provisions
    double bias = 0.0;
    double threshold = 0.0;
  };
  struct Weight {
    std::uint32_t model = 0;
    float weight = 0.0F;
  };
  struct Run {
    std::uint32_t first = 0;  // a term's weights are weights_[first, first + count)
    std::uint32_t count = 0;
  };
  static constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);
  // The slot holding `key`, or kNotFound.
  [[nodiscard]] std::size_t find(std::uint64_t key) const;
  // Adds every term weight of `sentence` to `sums` (one per model).
  void sum_terms(std::string_view sentence, std::vector<double>& sums) const;

  // The filter takes its bits from high in the hash; the table's slot comes from the low bits.
  static constexpr int kFilterShift = 40;
  std::vector<Model> models_;
  std::vector<std::uint64_t> filter_;  // one bit set per term hash (bits kFilterShift and up)
  // Open addressing, a power of two long and at most half full: the terms' hashes (0: empty),
  // probed apart from their runs so that a probe reads half as much memory.
  std::vector<std::uint64_t> keys_;
  std::vector<Run> runs_;
  std::vector<Weight> weights_;
};

template <class Each>
void for_each_term(std::string_view text, Each&& each) {
  // Per byte: the lower-cased letter or digit, or 0 for a byte that separates words.
  static constexpr auto kWordByte = [] {
    std::array<unsigned char, 256> table{};
    for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<unsigned char>(c);
    for (int c = 'a'; c <= 'z'; ++c) table[c] = static_cast<unsigned char>(c);
    for (int c = 'A'; c <= 'Z'; ++c) table[c] = static_cast<unsigned char>(c - 'A' + 'a');
    return table;
  }();
  const auto word_byte = [&text](std::size_t at) {
    return kWordByte[static_cast<unsigned char>(text[at])];
  };
  const auto is_letter = [](unsigned char c) { return c >= 'a'; };  // of kWordByte's values
  const std::size_t size = text.size();
  std::uint64_t previous = 0;
  bool has_previous = false;
  std::size_t i = 0;
  while (i < size) {
    unsigned char c = word_byte(i);
    if (c == 0) {
      ++i;
      continue;
    }
    std::uint64_t word = kFnv1aOffset;
    for (; i < size && (c = word_byte(i)) != 0; ++i) word = (word ^ c) * kFnv1aPrime;
    // One apostrophe followed by letters stays in the word: "don't", "user's".
    if (i + 1 < size && text[i] == '\'' && is_letter(word_byte(i + 1))) {
      word = (word ^ static_cast<unsigned char>('\'')) * kFnv1aPrime;
      for (++i; i < size && is_letter(c = word_byte(i)); ++i) word = (word ^ c) * kFnv1aPrime;
    }
    each(word);
    if (has_previous) each(pair_hash(previous, word));
    previous = word;
    has_previous = true;
  }
}

}  // namespace cw::engine
