// A finding: one provision found in one document, with the exact quote and where it is.
// This is the contract between the provision engine (producer), the archive and change detection
// (which store and compare findings), the actions (which serialise them) and the extension.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cw::engine {

enum class Polarity { kRisk, kProtection };
// Ordered from most to least severe.
enum class Severity { kCritical, kWarning, kCaution, kInfo };

std::string_view to_string(Polarity polarity);
std::string_view to_string(Severity severity);

struct Reference {
  std::string law;      // "EU Unfair Contract Terms Directive 93/13/EEC"
  std::string article;  // "Annex 1(q)"
};

// What a finding says about its rule. Every finding of one rule shares one copy: a page can have a
// thousand findings of a dozen rules, and copying this text into each cost 10% of a dense page.
struct RuleText {
  std::string rule_id;  // "dispute.arbitration"
  std::string family;   // "dispute"
  std::string title;    // "Mandatory arbitration"
  Polarity polarity = Polarity::kRisk;
  Severity severity = Severity::kInfo;
  std::string reason;       // one line shown next to the quote
  std::string explanation;  // one plain sentence for a non-lawyer
  std::vector<Reference> references;
  std::vector<std::string> labels;  // CLAUDETTE labels ("A") and ToS;DR case ids ("tosdr:117")
  bool missing_protection = false;  // true for "risk present without its protection" findings
};

// Whom a clause applies to, from the pack's scopes; every finding of one scope shares one copy.
struct ScopeText {
  std::string id;     // "region.california"
  std::string label;  // "People in California"
};
// Where the scope was read: a scoping phrase in the quote's own sentence, or its section heading.
enum class ScopeFrom { kSentence, kSection };
std::string_view to_string(ScopeFrom from);

struct Finding {
  // The rule's text (empty until set). Findings copied from one another share it.
  [[nodiscard]] const RuleText& rule() const;
  // The rule's text, to write: copied first if other findings share it. Only for a finding that no
  // other thread reads or copies meanwhile (the share count is read without ordering).
  RuleText& own_rule();
  // Shares `text` (not null) with the other findings that hold it.
  void share_rule(std::shared_ptr<RuleText> text) { rule_ = std::move(text); }

  std::string quote;      // the exact original text (not the normalised form)
  std::size_t start = 0;  // byte offsets of the quote in the original text given to the engine
  std::size_t end = 0;
  std::size_t block = 0;  // index of the captured block the quote is in (0 for plain documents)
  // The heading of the section the quote is in (a heading block or a Markdown heading above it),
  // so a user can see a clause is "Business use" or "For EU users" only; empty if none.
  std::string section;
  // Whom the clause applies to ("People in California"); null when the pack's scopes name no one.
  std::shared_ptr<const ScopeText> scope;
  ScopeFrom scope_from = ScopeFrom::kSentence;

 private:
  std::shared_ptr<RuleText> rule_;  // never written through while shared (own_rule copies)
};

nlohmann::json to_json(const Finding& finding);
// The page.analyze shape, which sends the text of each rule once per reply rather than per finding:
// the finding alone {rule_id, polarity, severity, quote, start, end, block, missing_protection,
// section and scope {id, label, from} (when there are)}
// and its rule's text {family, title, polarity, severity, reason, explanation, references, labels}.
nlohmann::json to_occurrence_json(const Finding& finding);
nlohmann::json to_rule_json(const Finding& finding);

}  // namespace cw::engine
