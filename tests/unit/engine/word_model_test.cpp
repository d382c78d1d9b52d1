#define BOOST_TEST_MODULE word_model
#include "engine/word_model.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/rule_pack.h"

using namespace cw::engine;
using nlohmann::json;

namespace {

// The hashes for_each_term gives `text`, as a set.
std::set<std::uint64_t> term_hashes(std::string_view text) {
  std::set<std::uint64_t> out;
  for_each_term(text, [&out](std::uint64_t hash) { out.insert(hash); });
  return out;
}

std::set<std::uint64_t> hashes_of(const std::vector<std::string>& terms) {
  std::set<std::uint64_t> out;
  for (const auto& term : terms) out.insert(term_hash(term));
  return out;
}

// A family "ai" with one pattern rule whose patterns never match ordinary prose, a second rule,
// and a missing-protection rule; `word_model` is added as given.
json family_with(const json& word_model) {
  const json rule = {{"id", "ai.chats_train_models"},
                     {"title", "Chats train models"},
                     {"polarity", "risk"},
                     {"severity", "warning"},
                     {"severity_reason", "Your words become training data."},
                     {"doc_types", {"*"}},
                     {"patterns", {"(?i)\\bzzqx training marker\\b"}},
                     {"unless", {"(?i)\\bnever\\b"}},
                     {"reason", "Chats are used to train models."},
                     {"explanation", "What you type may teach the provider's models."},
                     {"references", {{{"law", "GDPR"}, {"article", "Art. 6"}}}}};
  json privacy_only = rule;
  privacy_only["id"] = "ai.policy_only";
  privacy_only["doc_types"] = {"Privacy Policy"};
  privacy_only["unless"] = json::array();
  json missing = {{"id", "ai.no_off_switch"},
                  {"kind", "missing_protection"},
                  {"when_present", {"ai.chats_train_models"}},
                  {"when_absent", {"ai.policy_only"}},
                  {"title", "No off switch"},
                  {"polarity", "risk"},
                  {"severity", "warning"},
                  {"severity_reason", "There is no way out."},
                  {"doc_types", {"*"}},
                  {"reason", "Training with no opt-out."},
                  {"explanation", "Nothing lets you stop it."},
                  {"references", {{{"law", "GDPR"}, {"article", "Art. 21"}}}}};
  json family = {{"format", 1}, {"family", "ai"}, {"provisions", {rule, privacy_only, missing}}};
  if (!word_model.is_null()) family["word_model"] = word_model;
  return family;
}

// A model of `rule` from an object of term: weight (its keys come out in ascending order).
json model_for(const std::string& rule, const json& weights, double bias = -2.0,
               double threshold = 0.0) {
  json terms = json::array();
  json values = json::array();
  for (const auto& [term, weight] : weights.items()) {
    terms.push_back(term);
    values.push_back(weight);
  }
  return {{"rules",
           {{rule,
             {{"bias", bias}, {"threshold", threshold}, {"terms", terms}, {"weights", values}}}}}};
}

// Three weights, one of them a word pair (a function: a json constant could throw before main).
json weights() {
  return {{"chats", 1.0}, {"train", 1.5}, {"your chats", 0.75}};
}

std::string error_of(const json& family) {
  auto parsed = parse_family(family, "ai.json");
  BOOST_REQUIRE_MESSAGE(!parsed.ok(), "accepted: " << family["word_model"].dump());
  return parsed.error().message;
}

RulePack pack_of(const json& family) {
  auto provisions = parse_family(family, "ai.json");
  if (!provisions.ok()) BOOST_FAIL(provisions.error().message);
  RulePack pack;
  pack.version = 1;
  pack.families = {"ai"};
  pack.provisions = std::move(*provisions);
  pack.source = "test";
  return pack;
}

std::vector<std::string> rule_ids(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  out.reserve(findings.size());
  for (const auto& f : findings) out.push_back(f.rule().rule_id);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(words_are_lower_case_ascii_runs_and_pairs) {
  BOOST_TEST(
      term_hashes("Don't SHARE your chats.") ==
      hashes_of({"don't", "share", "your", "chats", "don't share", "share your", "your chats"}));
  // An apostrophe stays only between a word and letters; anything else separates words.
  BOOST_TEST(term_hashes("users' data") == hashes_of({"users", "data", "users data"}));
  BOOST_TEST(term_hashes("rock'n'roll") == hashes_of({"rock'n", "roll", "rock'n roll"}));
  BOOST_TEST(term_hashes("caf\xC3\xA9 13+") == hashes_of({"caf", "13", "caf 13"}));
  BOOST_TEST(term_hashes("  ...  ").empty());
}

BOOST_AUTO_TEST_CASE(a_family_word_model_reaches_its_rule) {
  const RulePack pack = pack_of(family_with(model_for("ai.chats_train_models", weights())));
  const WordModel& words = pack.provisions[0].words;
  BOOST_TEST(words.bias == -2.0);
  BOOST_TEST(words.weights.size() == 3U);
  BOOST_TEST(pack.provisions[1].words.empty());
}

BOOST_AUTO_TEST_CASE(a_bad_word_model_is_refused_with_its_rule_and_problem) {
  BOOST_TEST(error_of(family_with(model_for("ai.unknown", weights()))).find("ai.unknown") !=
             std::string::npos);
  BOOST_TEST(
      error_of(family_with(model_for("ai.no_off_switch", weights()))).find("not a pattern rule") !=
      std::string::npos);
  BOOST_TEST(error_of(family_with(model_for("ai.chats_train_models", {{"Chats", 1.0}})))
                 .find("\"Chats\"") != std::string::npos);
  BOOST_TEST(error_of(family_with(model_for("ai.chats_train_models", {{"your own chats", 1.0}})))
                 .find("one or two lower-case words") != std::string::npos);
  BOOST_TEST(error_of(family_with(model_for("ai.chats_train_models", {{"chats", "high"}})))
                 .find("not a finite number") != std::string::npos);
  BOOST_TEST(
      error_of(family_with(model_for("ai.chats_train_models", json::object()))).find("'weights'") !=
      std::string::npos);
  json no_bias = model_for("ai.chats_train_models", weights());
  no_bias["rules"]["ai.chats_train_models"].erase("bias");
  BOOST_TEST(error_of(family_with(no_bias)).find("'bias'") != std::string::npos);
  json extra = model_for("ai.chats_train_models", weights());
  extra["rules"]["ai.chats_train_models"]["scale"] = 2;
  BOOST_TEST(error_of(family_with(extra)).find("unknown field 'scale'") != std::string::npos);
  json stray = model_for("ai.chats_train_models", weights());
  stray["terms"] = json::array();
  BOOST_TEST(error_of(family_with(stray)).find("unknown field 'terms'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_score_is_bias_plus_each_term_once) {
  const RulePack pack = pack_of(family_with(model_for("ai.chats_train_models", weights())));
  const WordScorer scorer(pack);
  // "chats" twice still counts once; "your chats" is a pair.
  BOOST_TEST(scorer.score("Your chats, your chats.", 0) == -2.0 + 1.0 + 0.75,
             boost::test_tools::tolerance(1e-6));
  BOOST_TEST(scorer.score("We train on your chats", 0) == -2.0 + 1.0 + 1.5 + 0.75,
             boost::test_tools::tolerance(1e-6));
  BOOST_TEST(scorer.score("anything", 1) == 0.0);  // no model
  std::vector<std::size_t> fired;
  scorer.fire("Your chats are kept.", &fired);
  BOOST_TEST(fired.empty());  // -0.25 is not above 0
  scorer.fire("We train on your chats.", &fired);
  BOOST_TEST(fired == std::vector<std::size_t>{0});
}

BOOST_AUTO_TEST_CASE(the_engine_reports_word_model_findings_as_the_rules_own) {
  json model = model_for("ai.chats_train_models", weights());
  model["rules"]["ai.policy_only"] =
      model_for("ai.policy_only", {{"train", 2.0}}, -1.0)["rules"]["ai.policy_only"];
  auto engine = Engine::compile(pack_of(family_with(model)));
  BOOST_REQUIRE(engine.ok());
  const std::string text = "We train our models on your chats.";
  auto found = engine->analyze_text(text, "Terms of Service");
  BOOST_REQUIRE(found.ok());
  // The patterns find nothing here; the word model does, with the sentence as the quote. The
  // Privacy Policy rule does not apply to terms of service, and the missing protection follows.
  BOOST_TEST(
      rule_ids(*found) == (std::vector<std::string>{"ai.chats_train_models", "ai.no_off_switch"}),
      boost::test_tools::per_element());
  BOOST_TEST((*found)[0].quote == text);
  // In a privacy policy the second rule fires too, and relieves the missing protection.
  auto policy = engine->analyze_text(text, "Privacy Policy");
  BOOST_REQUIRE(policy.ok());
  BOOST_TEST(
      rule_ids(*policy) == (std::vector<std::string>{"ai.chats_train_models", "ai.policy_only"}),
      boost::test_tools::per_element());
  // The rule's `unless` patterns cancel its word model as they cancel its patterns.
  auto negated = engine->analyze_text("We never train our models on your chats.", "");
  BOOST_REQUIRE(negated.ok());
  const std::vector<std::string> negated_ids = rule_ids(*negated);
  BOOST_TEST(std::count(negated_ids.begin(), negated_ids.end(), "ai.chats_train_models") == 0);
  BOOST_TEST(std::count(negated_ids.begin(), negated_ids.end(), "ai.policy_only") == 1);
  // Patterns alone: nothing.
  auto patterns = engine->analyze_text(text, "Terms of Service", Engine::Detect::kPatternsOnly);
  BOOST_REQUIRE(patterns.ok());
  BOOST_TEST(patterns->empty());
  // One sentence, as `clausewatch rules test` checks examples.
  auto sentence = engine->match_sentence(text, "Terms of Service");
  BOOST_REQUIRE(sentence.ok());
  BOOST_REQUIRE(sentence->size() == 1U);
  BOOST_TEST((*sentence)[0]->id == "ai.chats_train_models");
}
