// Literal table: the literals each pattern of a rule pack requires (literal_prefilter.h), read once
// at build time instead of at every host start.
//
// Reading the literals of the built-in pack's ~740 patterns was about a third of the host's
// start-up work. clausewatch-pack computes them with the same code the engine runs
// (literal_table_for) and embeds the encoded table next to the pack (embedded_pack.h); at start the
// engine looks each of its patterns up by a fingerprint of the pattern text and reads only the ones
// the table lacks. A table that belongs to another pack, or a user pack that shares some patterns
// with the built-in one, therefore still gives correct literals: a pattern whose text changed has
// another key.
//
// Encoding (text, one line per clause, every literal length-prefixed so any byte may occur in it):
//   clausewatch-literals 1 MIN_LEN\n
//   M|U KEY(16 hex) CLAUSES\n            a match pattern (M) or an `unless` pattern (U)
//   COUNT LEN:BYTES LEN:BYTES ...\n       one line per clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/literal_prefilter.h"
#include "engine/rule_pack.h"

namespace cw::engine {

// FNV-1a (64 bit) of a pattern as the engine scans it (text::scan_pattern applied).
std::uint64_t pattern_key(std::string_view scan_pattern);

class LiteralTable {
 public:
  // What the engine computes for `pack`: required_literals(p, min_len) of every match pattern and
  // anchor_clause(required_literals(u)) of every `unless` pattern, by their scan_pattern text.
  static LiteralTable compute(const RulePack& pack, std::size_t min_len);
  // Reads an encoded table; nullopt if it is malformed or of another format version.
  static std::optional<LiteralTable> decode(std::string_view encoded);
  [[nodiscard]] std::string encode() const;

  // The literals of a match (or `unless`) pattern given as the engine scans it; null if absent.
  [[nodiscard]] const RequiredLiterals* match(std::string_view scan_pattern) const;
  [[nodiscard]] const RequiredLiterals* unless(std::string_view scan_pattern) const;

  // The prefilter automaton of the pack's match patterns, built at build time from these
  // literals (LiteralPrefilter::serialize()); empty if none. Viewed, not owned.
  [[nodiscard]] std::string_view match_automaton() const { return match_automaton_; }
  void set_match_automaton(std::string_view bytes) { match_automaton_ = bytes; }

  [[nodiscard]] std::size_t min_len() const { return min_len_; }
  [[nodiscard]] std::size_t size() const { return match_.size() + unless_.size(); }

 private:
  std::size_t min_len_ = 0;
  std::string_view match_automaton_;
  std::unordered_map<std::uint64_t, RequiredLiterals> match_;
  std::unordered_map<std::uint64_t, RequiredLiterals> unless_;
};

}  // namespace cw::engine
