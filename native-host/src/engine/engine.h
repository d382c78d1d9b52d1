// The provision engine: a compiled rule pack that finds provisions in documents.
//
//   auto engine = Engine::compile(std::move(pack));        // once, at host start
//   auto findings = engine->analyze(blocks, "Terms of Service");
//
// The blocks, joined by blank lines, are normalised (text/normalize.h) once per page and split
// into sentences (text/segment.h); a finding names its block and the offsets within it. One
// PatternSet pass per sentence finds the candidate patterns of every rule at once; a rule's
// `unless` patterns then cancel it in that sentence. A rule with a word model (word_model.h) also
// fires on a sentence its model scores above its threshold, unless those patterns cancel it. A long
// page is segmented and matched in parts of whole paragraphs on WorkPool's threads
// (common/work_pool.h). Rules apply only to their doc_types (all rules when the document type is
// unknown). Missing-protection rules are evaluated once per document at the end. The quote of a
// finding is the exact original text of the matched sentence. Each finding gets the first of the
// pack's scopes whose patterns match its sentence, else its section heading.
//
// Why one PatternSet for all document types rather than one per type: the sets would differ only by
// a few rules, compiling one is several times cheaper at host start, and filtering the few matched
// rules by type after the scan costs nothing measurable.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/finding.h"
#include "engine/literal_table.h"
#include "engine/pattern_set.h"
#include "engine/rule_pack.h"
#include "protocol/errors.h"

namespace cw::engine {

struct PageBlock {
  std::string_view text;
  bool heading = false;
};

class Engine {
 public:
  enum class When { kNow, kOnFirstUse };
  // What finds provisions: the patterns and the word models (engine/word_model.h), as the product
  // does, or the patterns alone (to measure what the word models add, and to train them).
  enum class Detect { kAll, kPatternsOnly };
  // Builds the literal prefilter and compiles every pattern of the pack. Errors: PATTERN_ERROR
  // (naming the rule). kOnFirstUse builds only the patterns' prefilter and compiles each pattern's
  // RE2 (and builds the `unless` patterns' prefilter) when a sentence first needs it, for
  // packs whose patterns were already checked to compile (the built-in pack at build time, a user
  // pack by parse_pack_blob); a pattern that then fails is reported by analyze().
  // `known`: the patterns' literals computed at build time (literal_table.h); patterns it lacks
  // have theirs read here.
  static Expected<Engine> compile(RulePack pack,
                                  PatternSet::Options options = PatternSet::Options{},
                                  When when = When::kNow,
                                  std::optional<LiteralTable> known = std::nullopt);
  // Compiles now every pattern not compiled yet; the outcome is kept (thread-safe, runs once).
  Status ensure_compiled() const;
  // kOnFirstUse: compiles the remaining patterns on a background thread while the engine serves
  // (analyze() compiles what it needs itself, without waiting for the thread). The destructor
  // stops and joins the thread.
  void compile_in_background();

  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine();

  // Findings in document order, then missing-protection findings. `doc_type` empty: every rule.
  // `normalized_page`, if given, receives text::normalize(join_blocks(blocks)).text, the text the
  // archive hashes, so the caller need not normalise the page a second time.
  Expected<std::vector<Finding>> analyze(std::span<const PageBlock> blocks,
                                         std::string_view doc_type,
                                         std::string* normalized_page = nullptr,
                                         Detect detect = Detect::kAll) const;
  // A whole document as one block (Markdown headings are recognised).
  Expected<std::vector<Finding>> analyze_text(std::string_view text, std::string_view doc_type,
                                              Detect detect = Detect::kAll) const;

  // The provisions that fire on one sentence that is already normalised.
  Expected<std::vector<const Provision*>> match_sentence(std::string_view normalized_sentence,
                                                         std::string_view doc_type,
                                                         Detect detect = Detect::kAll) const;

  // The pack's scopes one of whose patterns matches a sentence that is already normalised, in pack
  // order (the first is the one a finding in that sentence gets).
  Expected<std::vector<const Scope*>> scopes_matching(std::string_view normalized_sentence) const;

  [[nodiscard]] const RulePack& pack() const;
  [[nodiscard]] std::size_t pattern_count() const;
  // Patterns (match and `unless`) whose literals came from the `known` table so far.
  [[nodiscard]] std::size_t literals_from_table() const;
  [[nodiscard]] const PatternSet& patterns() const;

 private:
  Engine();
  // The provisions behind the pattern `hits` on a sentence (as the rules scan it): one per rule,
  // applicable to `doc_type`, and not cancelled by the rule's `unless` patterns. `unless_literals`:
  // the `unless` patterns whose literals the sentence holds, when already known (else found here).
  Expected<std::vector<const Provision*>> provisions_of(
      std::string_view sentence, const std::vector<int>& hits, std::string_view doc_type,
      const std::vector<int>* unless_literals = nullptr) const;
  // Adds to `*out` the provisions applicable to `doc_type` whose word models fire on `plain` (a
  // normalised sentence) and that are not in `*out` yet, unless their `unless` patterns match
  // `scan` (the sentence as the rules scan it).
  Status add_word_model_hits(std::string_view plain, std::string_view scan,
                             std::string_view doc_type, std::vector<const Provision*>* out) const;
  // The error for a failed match; a deferred pattern that did not compile is named.
  Error match_error(PatternSet::MatchError why) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The page text as one string: the blocks joined by a blank line ("\n\n" after any non-empty text,
// as the archive joins them); `block_begin[b]` is where block b starts in it (one 0 for no blocks).
void join_blocks(std::span<const PageBlock> blocks, std::string& text,
                 std::vector<std::size_t>& block_begin);

// "Terms of Service", "Privacy Policy", "Trackers Policy", "Acceptable Use Policy", ... guessed
// from the URL, the title and the headings; empty when nothing points to a type.
std::string guess_doc_type(std::string_view url, std::string_view title,
                           std::span<const std::string_view> headings);

}  // namespace cw::engine
