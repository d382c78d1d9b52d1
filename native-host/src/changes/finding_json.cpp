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
  f.rule_id = str(j, "rule_id");
  f.family = str(j, "family");
  f.title = str(j, "title");
  const std::string polarity = str(j, "polarity");
  if (polarity == "risk") {
    f.polarity = engine::Polarity::kRisk;
  } else if (polarity == "protection") {
    f.polarity = engine::Polarity::kProtection;
  } else {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a stored finding has polarity '" + polarity + "'"}});
  }
  const std::string severity = str(j, "severity");
  if (severity == "critical") {
    f.severity = engine::Severity::kCritical;
  } else if (severity == "warning") {
    f.severity = engine::Severity::kWarning;
  } else if (severity == "caution") {
    f.severity = engine::Severity::kCaution;
  } else if (severity == "info") {
    f.severity = engine::Severity::kInfo;
  } else {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a stored finding has severity '" + severity + "'"}});
  }
  f.quote = str(j, "quote");
  f.start = num(j, "start");
  f.end = num(j, "end");
  f.block = num(j, "block");
  f.reason = str(j, "reason");
  f.explanation = str(j, "explanation");
  if (auto it = j.find("references"); it != j.end() && it->is_array()) {
    for (const auto& r : *it) {
      if (r.is_object()) f.references.push_back({str(r, "law"), str(r, "article")});
    }
  }
  if (auto it = j.find("labels"); it != j.end() && it->is_array()) {
    for (const auto& l : *it) {
      if (l.is_string()) f.labels.push_back(l.get<std::string>());
    }
  }
  if (auto it = j.find("missing_protection"); it != j.end() && it->is_boolean()) {
    f.missing_protection = it->get<bool>();
  }
  return f;
}

}  // namespace cw::changes
