// Literal prefilter: which patterns of a set can possibly match a text, found without running them.
//
// required_literals() reads an RE2 pattern and derives, conservatively, literals that every match
// must contain: a list of clauses, where each clause is a set of lower-case literals and every
// match contains at least one literal of every clause. "(?i)\bwaive\b[^.;]{0,80}\bjury" gives
// {"waive"} AND {"jury"}; "(sell|rent)s?" gives {"sell","sells","rent","rents"}. Whitespace is
// one space ("ages?\s+of\s+13" gives {"age of 13","ages of 13"}): the automaton reads any run of
// whitespace bytes as a single space, so words joined by \s make one phrase. Anything the
// reader does not understand contributes no clause, so a pattern it cannot read at all simply has
// no clauses and is always a candidate: the prefilter may let through too much, never too little.
//
// LiteralPrefilter compiles the clauses of all patterns into one Aho-Corasick automaton over
// lower-cased bytes (the text is case-folded on the fly, no copy) and, for a text, lists the
// patterns whose every clause has a literal in it. Those candidates are then confirmed with the
// pattern's own RE2 (pattern_set.cpp). Building it needs no RE2 compilation, so it is cheap enough
// to do at host start.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace cw::engine {

struct RequiredLiterals {
  std::vector<std::vector<std::string>> clauses;  // AND of ORs; empty: no requirement found
};

// `min_len`: a literal shorter than this is not worth filtering on (it occurs nearly everywhere),
// so a clause that would need one is dropped, unless the literal is a whole word of at least
// `min_word_len` bytes (word boundaries on both sides: `\b(us|uk)\b`, `\b(1[2-9])\s`). Such a
// literal is written "\x01us\x01" and found only where the text has no word character
// (RE2's ASCII \w) on either side.
RequiredLiterals required_literals(std::string_view pattern, std::size_t min_len = 3,
                                   std::size_t min_word_len = 2);

// Only the clause that LiteralPrefilter triggers the pattern on (the rarest words, see the
// constructor). A prefilter over such single clauses is smaller and cheaper to build, and still
// conservative: it only lets through a few more texts.
RequiredLiterals anchor_clause(RequiredLiterals literals);

namespace detail {
// Storage for a large table; see TableAllocator.
void* allocate_table(std::size_t bytes);
void free_table(void* table, std::size_t bytes) noexcept;
}  // namespace detail

// The automaton's table, allocated for a cold start: resize() leaves ints uninitialised (the table
// is written in full once, so zeroing it first would be one more pass over megabytes), and a
// table of 1 MiB or more is backed by huge pages where the system offers them on request (Linux
// transparent huge pages in "madvise" mode): a new process then takes a few page faults for it
// instead of one per 4 KiB, which was a fifth of the build, and the scan misses the TLB less.
template <class T>
struct TableAllocator {
  using value_type = T;
  TableAllocator() = default;
  template <class U>
  explicit TableAllocator(const TableAllocator<U>& /*other*/) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(detail::allocate_table(n * sizeof(T))); }
  void deallocate(T* table, std::size_t n) noexcept { detail::free_table(table, n * sizeof(T)); }
  template <class U>
  void construct(U* at) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(at)) U;
  }
  template <class U, class... Args>
  void construct(U* at, Args&&... args) {
    ::new (static_cast<void*>(at)) U(std::forward<Args>(args)...);
  }
  template <class U>
  bool operator==(const TableAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

// Names what a prefilter is built from: FNV-1a (64 bit) of the patterns' texts in order and of
// the shortest literal length. A prebuilt automaton is used only for the patterns it was built for.
std::uint64_t prefilter_key(std::span<const std::string_view> patterns, std::size_t min_len);

class LiteralPrefilter {
 public:
  LiteralPrefilter() = default;
  // Builds the automaton; `patterns[i]` are the clauses of pattern i.
  explicit LiteralPrefilter(const std::vector<RequiredLiterals>& patterns);

  // The automaton as bytes, labelled with `key` (prefilter_key() of its patterns): built once at
  // build time and embedded (embedded_pack.h), so that a host start need not build it.
  [[nodiscard]] std::string serialize(std::uint64_t key) const;
  // The automaton serialize() wrote, if `bytes` holds one for `key` and it is consistent (every
  // count fits the bytes before anything is allocated; every state, literal, clause and pattern
  // number is in range). Its transition table is read in place when aligned, so `bytes` must
  // outlive the result; the rest is copied. Otherwise nullopt and `*error` says why.
  static std::optional<LiteralPrefilter> view(std::string_view bytes, std::uint64_t key,
                                              std::string* error);

  // Appends to `*candidates` the sorted indices of the patterns that may match `text`.
  void candidates(std::string_view text, std::vector<int>* candidates) const;

  // For each text, what candidates() gives it: (*out)[k] for texts[k] (resized to fit, kept
  // capacity). Faster than one call per text: several texts are scanned in step.
  void candidates_each(std::span<const std::string_view> texts,
                       std::vector<std::vector<int>>* out) const;
  // The same into `out`, one vector per text (out.size() == texts.size()).
  void candidates_each(std::span<const std::string_view> texts,
                       std::span<std::vector<int>> out) const;

  [[nodiscard]] std::size_t literal_count() const { return literal_count_; }
  [[nodiscard]] std::size_t state_count() const { return state_count_; }
  // Bytes of the transition table, which the scan reads once per text byte.
  [[nodiscard]] std::size_t table_bytes() const {
    return (state_count_ << row_shift_) * (wide_table() != nullptr ? 4 : 2);
  }

 public:
  static constexpr std::size_t kLanes = 4;  // texts scanned in step by candidates_each()

 private:
  struct Scratch;
  struct Found;
  Scratch& scratch() const;
  // The transition table in use: owned, or viewed in embedded bytes; null if not of that width.
  [[nodiscard]] const std::uint16_t* narrow_table() const {
    if (narrow_view_ != nullptr) return narrow_view_;
    return narrow_.empty() ? nullptr : narrow_.data();
  }
  [[nodiscard]] const std::uint32_t* wide_table() const {
    if (wide_view_ != nullptr) return wide_view_;
    return wide_.empty() ? nullptr : wide_.data();
  }
  // candidates() and candidates_each() over a table of 16-bit or 32-bit entries.
  template <class Entry>
  void candidates_in(const Entry* table, std::string_view text, std::vector<int>* candidates) const;
  template <class Entry>
  void candidates_each_in(const Entry* table, std::span<const std::string_view> texts,
                          std::span<std::vector<int>> out) const;
  // Notes the literals that end at byte `i` in `state` (whole words checked against the text).
  void record_outputs(std::uint32_t state, const unsigned char* bytes, std::size_t size,
                      std::size_t i, bool folded, std::uint8_t lane_bit, Found& found,
                      std::vector<std::uint8_t>& seen) const;
  // Appends the sorted candidates of the literals found by lane `lane_bit`, then forgets them.
  void finish(std::uint8_t lane_bit, Found& found, Scratch& scratch,
              std::vector<int>* candidates) const;

  // Automaton: the next state is table[(state << row_shift_) + byte_class_[byte]], states numbered
  // from 0 (root). The table is narrow_ (16-bit state numbers) when every state fits, else wide_:
  // a smaller table stays in the cache and is quicker to write at host start.
  std::vector<std::uint8_t> byte_class_ = std::vector<std::uint8_t>(256, 0);
  std::size_t classes_ = 1;
  std::size_t row_shift_ = 0;  // a row holds 1 << row_shift_ >= classes_ entries
  std::vector<std::uint16_t, TableAllocator<std::uint16_t>> narrow_;
  std::vector<std::uint32_t, TableAllocator<std::uint32_t>> wide_;
  const std::uint16_t* narrow_view_ = nullptr;  // in view()'s bytes, instead of narrow_
  const std::uint32_t* wide_view_ = nullptr;
  std::vector<std::uint32_t> output_begin_;  // per state, into outputs_ (size states + 1)
  std::vector<std::uint32_t> outputs_;       // literal ids ending at a state (suffixes included)
  // Per literal, the word edges checked against the text around it: kEdgeAfter (no word character
  // right after it), kEdgeBefore (none right before it) with its length in the low bits. 0: none.
  // kAnchor: the literal is in an anchor clause (only those start a pattern's check).
  static constexpr std::uint8_t kEdgeAfter = 0x80;
  static constexpr std::uint8_t kEdgeBefore = 0x40;
  static constexpr std::uint8_t kAnchor = 0x20;
  static constexpr std::uint8_t kEdgeLength = 0x1F;
  std::vector<std::uint8_t> edges_;
  // Literal -> the anchor clauses it satisfies (one anchor per pattern, see the constructor);
  // clause -> its pattern and its literals; pattern -> its clauses (consecutive ids).
  std::vector<std::uint32_t> literal_clause_begin_;
  std::vector<std::uint32_t> literal_clauses_;
  std::vector<std::uint32_t> clause_pattern_;
  std::vector<std::uint32_t> clause_literal_begin_;
  std::vector<std::uint32_t> clause_literals_;
  std::vector<std::uint32_t> pattern_clause_begin_;
  std::uint32_t first_output_ = 0;  // states from here on have outputs
  std::vector<int> always_;         // patterns without clauses
  std::size_t literal_count_ = 0;
  std::size_t state_count_ = 0;
};

}  // namespace cw::engine
