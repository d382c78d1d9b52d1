#define BOOST_TEST_MODULE changes_record
#include "changes/change_record.h"

#include <boost/test/unit_test.hpp>

#include "changes/finding_json.h"

namespace ch = cw::changes;
using cw::engine::Finding;
using cw::engine::Polarity;
using cw::engine::Severity;

namespace {

Finding finding(const std::string& rule, Polarity polarity, Severity severity,
                const std::string& quote) {
  Finding f;
  cw::engine::RuleText& about = f.own_rule();
  about.rule_id = rule;
  about.family = rule.substr(0, rule.find('.'));
  about.title = rule;
  about.polarity = polarity;
  about.severity = severity;
  f.quote = quote;
  about.references = {{"CCPA", "1798.120"}};
  return f;
}

const ch::ChangeItem* find_kind(const ch::ChangeRecord& r, ch::ChangeKind kind) {
  for (const auto& item : r.items) {
    if (item.kind == kind) return &item;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_removed_opt_out_is_a_protection_removed_with_its_quote_and_law) {
  const std::vector<Finding> before{
      finding("privacy.sale_opt_out", Polarity::kProtection, Severity::kInfo,
              "You can opt out of the sale of your personal information at any time."),
      finding("dispute.arbitration", Polarity::kRisk, Severity::kWarning,
              "Disputes go to arbitration.")};
  const std::vector<Finding> after{before[1]};
  const auto r = ch::build_change_record(before, after, {});
  BOOST_REQUIRE(r.items.size() == 1U);
  const auto& item = r.items[0];
  BOOST_TEST(item.provision_id == "privacy.sale_opt_out");
  BOOST_TEST(std::string(ch::to_string(item.kind)) == "protection_removed");
  BOOST_TEST((item.severity == Severity::kWarning));
  BOOST_TEST(item.before_quote.find("opt out of the sale") != std::string::npos);
  BOOST_TEST(item.after_quote.empty());
  BOOST_TEST(item.references.at(0).law == "CCPA");
  BOOST_TEST(r.summary.find("Protection removed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(new_risks_and_removed_risks_are_reported) {
  const std::vector<Finding> before{
      finding("liability.cap", Polarity::kRisk, Severity::kCaution, "Liability is capped.")};
  const std::vector<Finding> after{finding("dispute.class_waiver", Polarity::kRisk,
                                           Severity::kCritical,
                                           "You waive the right to a class action.")};
  const auto r = ch::build_change_record(before, after, {});
  BOOST_REQUIRE(find_kind(r, ch::ChangeKind::kRiskAdded) != nullptr);
  BOOST_REQUIRE(find_kind(r, ch::ChangeKind::kRiskRemoved) != nullptr);
  BOOST_TEST((r.items.front().kind == ch::ChangeKind::kRiskAdded));  // most severe first
}

BOOST_AUTO_TEST_CASE(a_training_default_flip_is_critical) {
  const std::vector<Finding> before{
      finding("ai.training", Polarity::kRisk, Severity::kCaution,
              "We will not use your chats to train our models unless you opt in.")};
  const std::vector<Finding> after{
      finding("ai.training", Polarity::kRisk, Severity::kWarning,
              "We will use your chats to train our models unless you opt out.")};
  const auto r = ch::build_change_record(before, after, {});
  const auto* item = find_kind(r, ch::ChangeKind::kDefaultFlipped);
  BOOST_REQUIRE(item != nullptr);
  BOOST_TEST((item->severity == Severity::kCritical));
  BOOST_TEST(item->before_quote.find("unless you opt in") != std::string::npos);
  BOOST_TEST(item->after_quote.find("unless you opt out") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(numbers_and_scope_changes_are_named) {
  const std::vector<Finding> before{finding("liability.cap", Polarity::kRisk, Severity::kCaution,
                                            "Our liability is limited to $100."),
                                    finding("changes.notice", Polarity::kProtection,
                                            Severity::kInfo, "We give 30 days notice of changes."),
                                    finding("privacy.sharing", Polarity::kRisk, Severity::kCaution,
                                            "We share data with service providers.")};
  const std::vector<Finding> after{
      finding("liability.cap", Polarity::kRisk, Severity::kCaution,
              "Our liability is limited to $50."),
      finding("changes.notice", Polarity::kProtection, Severity::kInfo,
              "We give 7 days notice of changes."),
      finding("privacy.sharing", Polarity::kRisk, Severity::kCaution,
              "We share data with service providers and our affiliates.")};
  const auto r = ch::build_change_record(before, after, {});
  int numbers = 0;
  for (const auto& item : r.items) numbers += item.kind == ch::ChangeKind::kNumberChanged ? 1 : 0;
  BOOST_TEST(numbers == 2);
  const auto* scope = find_kind(r, ch::ChangeKind::kScopeWidened);
  BOOST_REQUIRE(scope != nullptr);
  BOOST_TEST(scope->provision_id == "privacy.sharing");
  BOOST_TEST(scope->details.at(0) == "affiliates");
}

BOOST_AUTO_TEST_CASE(a_regional_variant_switch_is_a_source_change_not_removals) {
  const std::string us =
      "Terms of use\n\nUpdated November 14, 2023\n\nThank you for using the service. "
      "Disputes are resolved by binding arbitration.";
  const std::string eu =
      "EU terms of use\n\nEurope Terms of Use\n\nThese terms apply if you live in the "
      "European Economic Area. You may bring disputes before your local courts.";
  const auto source = ch::detect_source_change(us, eu, "", "");
  BOOST_TEST(source.changed);
  BOOST_TEST(source.reason == "region");
  BOOST_TEST(source.after == "EU");
  const std::vector<Finding> before{finding("dispute.arbitration", Polarity::kRisk,
                                            Severity::kWarning,
                                            "Disputes are resolved by binding arbitration.")};
  const auto r = ch::build_change_record(before, {}, source);
  BOOST_TEST(r.items.empty());  // no claim that arbitration was removed
  BOOST_TEST(r.summary.find("regional variant") != std::string::npos);
  const auto j = ch::to_json(r);
  BOOST_TEST(j["source"]["changed"].get<bool>());
  // The same text with an edit is not a source change.
  BOOST_TEST(!ch::detect_source_change(us, us + " Also this.", "https://a.example/t",
                                       "https://a.example/t?x=2")
                  .changed);
}

BOOST_AUTO_TEST_CASE(findings_survive_the_json_round_trip) {
  Finding f = finding("ai.training", Polarity::kProtection, Severity::kCritical, "quote \"here\"");
  f.own_rule().labels = {"A", "tosdr:1"};
  f.start = 10;
  f.end = 24;
  auto back = ch::finding_from_json(cw::engine::to_json(f));
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(back->rule().rule_id == f.rule().rule_id);
  BOOST_TEST((back->rule().severity == Severity::kCritical));
  BOOST_TEST((back->rule().polarity == Polarity::kProtection));
  BOOST_TEST(back->rule().labels == f.rule().labels, boost::test_tools::per_element());
  BOOST_TEST(back->end == 24U);
  auto bad = ch::finding_from_json(nlohmann::json{{"polarity", "sideways"}});
  BOOST_TEST(!bad.ok());
}

BOOST_AUTO_TEST_CASE(a_default_flip_across_two_rules_is_one_item) {
  Finding no_training =
      finding("ai.no_training_on_user_content", Polarity::kProtection, Severity::kInfo,
              "We do not train our models on your conversations unless you opt in.");
  no_training.own_rule().family = "ai";
  Finding training =
      finding("ai.training_on_by_default", Polarity::kRisk, Severity::kWarning,
              "We train our models on your conversations unless you opt out in settings.");
  training.own_rule().family = "ai";
  const auto r = ch::build_change_record({no_training}, {training}, {});
  BOOST_REQUIRE(r.items.size() == 1U);
  BOOST_TEST(std::string(ch::to_string(r.items[0].kind)) == "default_flipped");
  BOOST_TEST(r.items[0].provision_id == "ai.training_on_by_default");
  BOOST_TEST(r.items[0].before_quote == no_training.quote);
  // Without the opt-out wording in the new quote it stays two separate changes.
  training.quote = "We train our models on your conversations.";
  BOOST_TEST(ch::build_change_record({no_training}, {training}, {}).items.size() == 2U);
}
