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

std::string_view to_string(ScopeFrom from) {
  return from == ScopeFrom::kSentence ? "sentence" : "section";
}

namespace {

nlohmann::json scope_json(const Finding& finding) {
  return nlohmann::json{{"id", finding.scope->id},
                        {"label", finding.scope->label},
                        {"from", std::string(to_string(finding.scope_from))}};
}

}  // namespace

const RuleText& Finding::rule() const {
  static const RuleText kNone;
  return rule_ ? *rule_ : kNone;
}

RuleText& Finding::own_rule() {
  if (!rule_) {
    rule_ = std::make_shared<RuleText>();
  } else if (rule_.use_count() > 1) {
    rule_ = std::make_shared<RuleText>(*rule_);
  }
  return *rule_;
}

nlohmann::json to_json(const Finding& finding) {
  const RuleText& rule = finding.rule();
  nlohmann::json references = nlohmann::json::array();
  for (const auto& ref : rule.references) {
    references.push_back({{"law", ref.law}, {"article", ref.article}});
  }
  nlohmann::json out{{"rule_id", rule.rule_id},
                     {"family", rule.family},
                     {"title", rule.title},
                     {"polarity", std::string(to_string(rule.polarity))},
                     {"severity", std::string(to_string(rule.severity))},
                     {"quote", finding.quote},
                     {"start", finding.start},
                     {"end", finding.end},
                     {"block", finding.block},
                     {"reason", rule.reason},
                     {"explanation", rule.explanation},
                     {"references", std::move(references)},
                     {"labels", rule.labels},
                     {"missing_protection", rule.missing_protection}};
  if (!finding.section.empty()) out["section"] = finding.section;
  if (finding.scope) out["scope"] = scope_json(finding);
  return out;
}

nlohmann::json to_occurrence_json(const Finding& finding) {
  const RuleText& rule = finding.rule();
  // Members emplaced one by one: a page can have hundreds of findings, and a braced list builds a
  // [key, value] array for every member first.
  nlohmann::json out = nlohmann::json::object();
  auto& members = out.get_ref<nlohmann::json::object_t&>();
  members.emplace("rule_id", rule.rule_id);
  members.emplace("polarity", to_string(rule.polarity));
  members.emplace("severity", to_string(rule.severity));
  members.emplace("quote", finding.quote);
  members.emplace("start", finding.start);
  members.emplace("end", finding.end);
  members.emplace("block", finding.block);
  members.emplace("missing_protection", rule.missing_protection);
  if (!finding.section.empty()) members.emplace("section", finding.section);
  if (finding.scope) members.emplace("scope", scope_json(finding));
  return out;
}

nlohmann::json to_rule_json(const Finding& finding) {
  const RuleText& rule = finding.rule();
  nlohmann::json references = nlohmann::json::array();
  for (const auto& ref : rule.references) {
    references.push_back({{"law", ref.law}, {"article", ref.article}});
  }
  return nlohmann::json{{"family", rule.family},
                        {"title", rule.title},
                        {"polarity", std::string(to_string(rule.polarity))},
                        {"severity", std::string(to_string(rule.severity))},
                        {"reason", rule.reason},
                        {"explanation", rule.explanation},
                        {"references", std::move(references)},
                        {"labels", rule.labels}};
}

}  // namespace cw::engine
