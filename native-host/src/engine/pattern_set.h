// PatternSet: many RE2 patterns matched together, shaped like re2/set.h.
//
// Lifecycle (each step reports failure through its return value, never by throwing):
//   1. PatternSet set(options);                       // empty, accepting patterns
//   2. int i = set.Add(pattern, &error);              // index 0, 1, 2, ... or -1 with `error` set
//      (or Add(pattern, &error, group): see Options::first_of_group)
//   3. bool ok = set.Compile(&error);                 // after this, Add() returns -1
//   4. bool ok = set.Match(text, &indices, &error);   // indices of every pattern found in `text`
// Match() before Compile() fails with kNotCompiled. A set is movable and not copyable; a compiled
// set may be shared by threads for Match() (RE2 and RE2::Set are thread-safe for matching).
//
// Two strategies, measured by tests/bench/engine_bench (figures in the engine's report):
//   kPrefiltered (default): literal_prefilter.h derives the literals each pattern requires, one
//     Aho-Corasick pass over the text (case-folded on the fly) finds the patterns whose required
//     literals are all present, and only those are confirmed with their own RE2. Most sentences of
//     a document contain the literals of few patterns, so most patterns are never run. With
//     `defer_compile`, building the prefilter needs no RE2 at all: each pattern's RE2 is compiled
//     on its first candidate (or by CompileAll(), e.g. on a background thread), so a host starts
//     without paying for the ~270 pattern compilations.
//   kSet: one RE2::Set (a single DFA) over all patterns. Its DFA cache must be large: with the
//   default
//     8 MiB budget, patterns with bounded gaps (".{0,40}") make the cache reset constantly and the
//     scan runs about 6x slower without any error. When the DFA does run out of memory, RE2 reports
//     kOutOfMemory and Match() returns false with kOutOfMemory instead of a silently wrong answer.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cw::engine {

struct RequiredLiterals;

class PatternSet {
 public:
  enum class Strategy { kPrefiltered, kSet };

  enum class MatchError {
    kNone,
    kNotCompiled,   // Match() before a successful Compile()
    kOutOfMemory,   // the DFA exceeded max_mem (kSet), or an individual pattern's budget
    kInconsistent,  // RE2 reported an internal inconsistency
    kPatternError,  // a deferred pattern did not compile when it was first needed
  };

  struct Options {
    Strategy strategy = Strategy::kPrefiltered;
    // Memory budget of the DFA (kSet) or of each pattern (kPrefiltered) and of the literal set.
    // 256 MiB for the set: RE2 allocates lazily, so this is a ceiling, not an allocation.
    std::int64_t max_mem = std::int64_t{256} << 20;
    // Shortest literal worth filtering on; shorter ones match nearly everywhere.
    int min_atom_len = 3;
    // Budget of each pattern's own RE2 (kPrefiltered). Patterns with bounded gaps need a large DFA;
    // past the budget RE2 silently falls back to a much slower NFA. Allocated lazily.
    std::int64_t per_pattern_mem = std::int64_t{8} << 20;
    // kPrefiltered: compile each pattern's RE2 when it is first needed instead of in Add(). Add()
    // then cannot report a pattern that does not compile; Match() reports kPatternError instead.
    // For patterns already checked (the built-in pack is checked at build time).
    bool defer_compile = false;
    // Report at most one pattern of each group per text: the first that matches. The group's later
    // patterns are then not run, which is what a caller that only asks "which groups matched"
    // (the engine: which rules) wants. Ungrouped patterns are always reported.
    bool first_of_group = false;
  };

  PatternSet();
  explicit PatternSet(Options options);
  ~PatternSet();
  PatternSet(PatternSet&& other) noexcept;
  PatternSet& operator=(PatternSet&& other) noexcept;
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  // Adds a pattern (RE2 syntax). Returns its index, or -1 with `*error` describing why (the pattern
  // does not compile, Compile() already ran, or `group` was used before but not by the previous
  // pattern). `error` may be null. `group` >= 0 joins the pattern to the patterns of that group,
  // which must be added one after another (see Options::first_of_group); -1: no group.
  int Add(std::string_view pattern, std::string* error, int group = -1);

  // Prepares the set for matching. Returns false with `*error` on failure (e.g. out of memory).
  // An empty set compiles and matches nothing.
  bool Compile(std::string* error);
  // Compile(), taking each pattern's required literals (kPrefiltered) from `known` where it has
  // them: `known(pattern)` returns what required_literals(pattern, min_atom_len) would, or null to
  // have them read here. For literals computed at build time (literal_table.h).
  using KnownLiterals = std::function<const RequiredLiterals*(std::string_view pattern)>;
  bool Compile(std::string* error, const KnownLiterals& known);
  // Compile() with a prefilter automaton built at build time (LiteralPrefilter::serialize(),
  // embedded_pack.h): used as it is when it was built for exactly these patterns, else the
  // automaton is built here. `prebuilt` must outlive the set.
  bool Compile(std::string* error, const KnownLiterals& known, std::string_view prebuilt);
  // Whether Compile() took the prebuilt automaton.
  [[nodiscard]] bool prefilter_prebuilt() const;

  // Sets `*matches` to the sorted indices of all patterns that match somewhere in `text`.
  // Returns false and sets `*error` (if given) when the answer could not be computed.
  bool Match(std::string_view text, std::vector<int>* matches, MatchError* error = nullptr) const;

  // Match() on each text: (*matches)[k] for texts[k] (resized to fit, capacity kept). Faster than
  // one Match() per text: the prefilter scans several texts in step, and with kAcrossPool a long
  // list (a page) is split into parts matched on WorkPool's threads (common/work_pool.h); kNone
  // matches on the calling thread only (for a caller that is itself a part of a pool job).
  // Returns false and sets `*error` (if given) when any answer could not be computed.
  enum class Split { kAcrossPool, kNone };
  bool MatchEach(std::span<const std::string_view> texts, std::vector<std::vector<int>>* matches,
                 MatchError* error = nullptr, Split split = Split::kAcrossPool) const;

  // kPrefiltered with defer_compile: compiles every pattern not compiled yet (thread-safe; Match()
  // may run at the same time). Stops early, returning true, when `*stop` becomes true. Returns
  // false with `*error` naming the first pattern that does not compile.
  bool CompileAll(std::string* error, const std::atomic<bool>* stop = nullptr) const;

  [[nodiscard]] bool compiled() const;
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] Strategy strategy() const;
  // Number of distinct literals the prefilter looks for (0 for kSet).
  [[nodiscard]] std::size_t atom_count() const;
  // Patterns whose RE2 is compiled so far (all of them unless defer_compile).
  [[nodiscard]] std::size_t compiled_patterns() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string_view to_string(PatternSet::MatchError error);

}  // namespace cw::engine
