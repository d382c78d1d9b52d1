#include "engine/finding.h"

namespace cw::engine {

std::string_view to_string(Polarity polarity) {
  return polarity == Polarity::kRisk ? "risk" : "protection";
}

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "critical";
    case Severity::kWarning:
      return "warning";
    case Severity::kCaution:
      return "caution";
    case Severity::kInfo:
      return "info";
  }
  return "info";
}

nlohmann::json to_json(const Finding& finding) {
  nlohmann::json references = nlohmann::json::array();
  for (const auto& ref : finding.references) {
    references.push_back({{"law", ref.law}, {"article", ref.article}});
  }
  return nlohmann::json{{"rule_id", finding.rule_id},
                        {"family", finding.family},
                        {"title", finding.title},
                        {"polarity", std::string(to_string(finding.polarity))},
                        {"severity", std::string(to_string(finding.severity))},
                        {"quote", finding.quote},
                        {"start", finding.start},
                        {"end", finding.end},
                        {"block", finding.block},
                        {"reason", finding.reason},
                        {"explanation", finding.explanation},
                        {"references", std::move(references)},
                        {"labels", finding.labels},
                        {"missing_protection", finding.missing_protection}};
}

nlohmann::json to_occurrence_json(const Finding& finding) {
  // Members emplaced one by one: a page can have hundreds of findings, and a braced list builds a
  // [key, value] array for every member first.
  nlohmann::json out = nlohmann::json::object();
  auto& members = out.get_ref<nlohmann::json::object_t&>();
  members.emplace("rule_id", finding.rule_id);
  members.emplace("polarity", to_string(finding.polarity));
  members.emplace("severity", to_string(finding.severity));
  members.emplace("quote", finding.quote);
  members.emplace("start", finding.start);
  members.emplace("end", finding.end);
  members.emplace("block", finding.block);
  members.emplace("missing_protection", finding.missing_protection);
  return out;
}

nlohmann::json to_rule_json(const Finding& finding) {
  nlohmann::json references = nlohmann::json::array();
  for (const auto& ref : finding.references) {
    references.push_back({{"law", ref.law}, {"article", ref.article}});
  }
  return nlohmann::json{{"family", finding.family},
                        {"title", finding.title},
                        {"polarity", std::string(to_string(finding.polarity))},
                        {"severity", std::string(to_string(finding.severity))},
                        {"reason", finding.reason},
                        {"explanation", finding.explanation},
                        {"references", std::move(references)},
                        {"labels", finding.labels}};
}

}  // namespace cw::engine
