#include "changes/finding_json.h"

namespace cw::changes {
namespace {

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

std::size_t num(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_number_unsigned()) ? it->get<std::size_t>() : 0;
}

}  // namespace

Expected<engine::Finding> finding_from_json(const nlohmann::json& j) {
  if (!j.is_object()) {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a stored finding is not an object"}});
  }
  engine::Finding f;
  engine::RuleText& rule = f.own_rule();
  rule.rule_id = str(j, "rule_id");
  rule.family = str(j, "family");
  rule.title = str(j, "title");
  const std::string polarity = str(j, "polarity");
  if (polarity == "risk") {
    rule.polarity = engine::Polarity::kRisk;
  } else if (polarity == "protection") {
    rule.polarity = engine::Polarity::kProtection;
  } else {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a stored finding has polarity '" + polarity + "'"}});
  }
  const std::string severity = str(j, "severity");
  if (severity == "critical") {
    rule.severity = engine::Severity::kCritical;
  } else if (severity == "warning") {
    rule.severity = engine::Severity::kWarning;
  } else if (severity == "caution") {
    rule.severity = engine::Severity::kCaution;
  } else if (severity == "info") {
    rule.severity = engine::Severity::kInfo;
  } else {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a stored finding has severity '" + severity + "'"}});
  }
  f.quote = str(j, "quote");
  f.start = num(j, "start");
  f.end = num(j, "end");
  f.block = num(j, "block");
  rule.reason = str(j, "reason");
  rule.explanation = str(j, "explanation");
  if (auto it = j.find("references"); it != j.end() && it->is_array()) {
    for (const auto& r : *it) {
      if (r.is_object()) rule.references.push_back({str(r, "law"), str(r, "article")});
    }
  }
  if (auto it = j.find("labels"); it != j.end() && it->is_array()) {
    for (const auto& l : *it) {
      if (l.is_string()) rule.labels.push_back(l.get<std::string>());
    }
  }
  if (auto it = j.find("missing_protection"); it != j.end() && it->is_boolean()) {
    rule.missing_protection = it->get<bool>();
  }
  return f;
}

}  // namespace cw::changes
