// The change record: what changed in the user's rights between two versions of a document, as a
// list of provision changes, each with a one-line summary, both quotes and the law it touches.
// When the source itself changed (another URL, a regional variant), the record says so and makes
// no claim that provisions were removed or added.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/finding.h"

namespace cw::changes {

enum class ChangeKind {
  kProtectionRemoved,
  kProtectionAdded,
  kRiskAdded,
  kRiskRemoved,
  kDefaultFlipped,  // "will not train unless you opt in" -> "will train unless you opt out"
  kScopeWidened,    // "and its affiliates", "third parties", "for any purpose"
  kScopeNarrowed,
  kNumberChanged,  // a liability cap, a retention period, a notice period
};
std::string_view to_string(ChangeKind kind);

struct ChangeItem {
  std::string provision_id;  // the rule id, e.g. "privacy.sale_opt_out"
  std::string title;
  ChangeKind kind = ChangeKind::kRiskAdded;
  engine::Severity severity = engine::Severity::kInfo;
  std::string summary;  // one line
  std::string before_quote;
  std::string after_quote;
  std::vector<engine::Reference> references;
  std::vector<std::string> details;  // e.g. {"30 days -> 90 days"} or the added scope words
};

struct SourceChange {
  bool changed = false;
  std::string reason;  // "url" or "region" or "replaced"
  std::string before;  // the old URL / region
  std::string after;
  std::string summary;
};

struct ChangeRecord {
  SourceChange source;
  std::vector<ChangeItem> items;  // most severe first
  bool truncated = false;
  std::string summary;  // one line for a notification
};

// Whether two versions come from different sources: the URL without query and fragment differs, the
// regional variant named at the top of the text differs (US terms -> Europe terms), or the texts
// share almost nothing.
SourceChange detect_source_change(std::string_view before_text, std::string_view after_text,
                                  std::string_view before_url, std::string_view after_url);

// The provision delta between the findings of two versions.
ChangeRecord build_change_record(const std::vector<engine::Finding>& before,
                                 const std::vector<engine::Finding>& after, SourceChange source);

nlohmann::json to_json(const ChangeRecord& record);

}  // namespace cw::changes
