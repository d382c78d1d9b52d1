#define BOOST_TEST_MODULE pattern_set
#include "engine/pattern_set.h"

#include <array>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/test/unit_test.hpp>

using cw::engine::PatternSet;

static_assert(!std::is_copy_constructible_v<PatternSet>);
static_assert(std::is_nothrow_move_constructible_v<PatternSet>);

namespace {

PatternSet::Options with(PatternSet::Strategy strategy) {
  PatternSet::Options options;
  options.strategy = strategy;
  return options;
}

constexpr std::array<PatternSet::Strategy, 2> kStrategies{PatternSet::Strategy::kPrefiltered,
                                                          PatternSet::Strategy::kSet};

}  // namespace

BOOST_AUTO_TEST_CASE(lifecycle_add_compile_match) {
  for (auto strategy : kStrategies) {
    PatternSet set(with(strategy));
    std::string error;
    BOOST_TEST(set.Add("(?i)\\bbinding\\s+arbitration\\b", &error) == 0);
    BOOST_TEST(set.Add("(?i)class\\s+action", &error) == 1);
    BOOST_TEST(set.Add("\\d+ days", &error) == 2);  // no useful literal: never filtered out
    std::vector<int> hits;
    PatternSet::MatchError why{};
    BOOST_TEST(!set.Match("binding arbitration", &hits, &why));
    BOOST_TEST((why == PatternSet::MatchError::kNotCompiled));
    BOOST_REQUIRE(set.Compile(&error));
    BOOST_TEST(set.Add("late", &error) == -1);
    BOOST_TEST(error == "Add() after Compile()");
    BOOST_TEST(set.Match("All disputes go to BINDING  Arbitration; no class action within 30 days.",
                         &hits, &why));
    BOOST_TEST(hits == std::vector<int>({0, 1, 2}), boost::test_tools::per_element());
    BOOST_TEST(set.Match("Courts of your place of residence.", &hits));
    BOOST_TEST(hits.empty());
    // Moved-to sets keep working; moved-from ones report errors instead of crashing.
    PatternSet moved = std::move(set);
    BOOST_TEST(moved.Match("class action", &hits));
    BOOST_TEST(hits == std::vector<int>({1}), boost::test_tools::per_element());
    // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move): deliberate
    BOOST_TEST(!set.Match("class action", &hits, &why));
  }
}

BOOST_AUTO_TEST_CASE(add_reports_a_pattern_that_does_not_compile) {
  for (auto strategy : kStrategies) {
    PatternSet set(with(strategy));
    std::string error;
    BOOST_TEST(set.Add("(unclosed", &error) == -1);
    BOOST_TEST(error.find("missing )") != std::string::npos);
    BOOST_TEST(set.Add("ok", &error) == 0);  // indices stay dense after a failure
  }
}

BOOST_AUTO_TEST_CASE(empty_set_compiles_and_matches_nothing) {
  for (auto strategy : kStrategies) {
    PatternSet set(with(strategy));
    BOOST_REQUIRE(set.Compile(nullptr));
    std::vector<int> hits{7};
    BOOST_TEST(set.Match("anything", &hits));
    BOOST_TEST(hits.empty());
  }
}

BOOST_AUTO_TEST_CASE(tiny_dfa_budget_is_reported_not_silently_wrong) {
  // Bounded gaps make the DFA large; with a tiny budget RE2 gives up, and that must surface.
  PatternSet::Options options = with(PatternSet::Strategy::kSet);
  options.max_mem = 1 << 12;
  PatternSet set(options);
  for (int i = 0; i < 20; ++i) {
    set.Add("(?i)word" + std::to_string(i) + ".{0,80}other" + std::to_string(i) + "[a-z]{0,40}x",
            nullptr);
  }
  std::string error;
  if (!set.Compile(&error)) {
    BOOST_TEST(error.find("out of memory") != std::string::npos);
    return;
  }
  std::string text;
  for (int i = 0; i < 200; ++i) text += "word" + std::to_string(i % 20) + " lorem ipsum other ";
  std::vector<int> hits;
  PatternSet::MatchError why{};
  const bool ok = set.Match(text, &hits, &why);
  BOOST_TEST(!ok);
  BOOST_TEST((why == PatternSet::MatchError::kOutOfMemory));
}

BOOST_AUTO_TEST_CASE(strategies_agree_on_real_looking_sentences) {
  const std::vector<std::string> patterns{
      "(?i)\\b(disputes?|claims?)\\b[^.;]{0,200}\\bresolved\\s+by\\s+(\\w+\\s+){0,3}arbitration",
      "(?i)\\bwe\\s+(may|can)\\s+(change|modify|update)\\b[^.]{0,80}\\bterms\\b",
      "(?i)\\bas\\s+is\\b", "(?i)\\bsell\\b[^.]{0,40}\\bpersonal\\s+(data|information)",
      "(?i)opt[- ]out"};
  const std::vector<std::string> sentences{
      "Any claim will be resolved by final and binding arbitration.",
      "We may modify these Terms at any time.",
      "The Services are provided AS IS.",
      "We never sell your personal data.",
      "You can opt-out at any time.",
      "Nothing here."};
  PatternSet a(with(PatternSet::Strategy::kPrefiltered));
  PatternSet b(with(PatternSet::Strategy::kSet));
  for (const auto& p : patterns) {
    a.Add(p, nullptr);
    b.Add(p, nullptr);
  }
  BOOST_REQUIRE(a.Compile(nullptr));
  BOOST_REQUIRE(b.Compile(nullptr));
  BOOST_TEST(a.atom_count() > 0U);
  for (const auto& s : sentences) {
    std::vector<int> ha;
    std::vector<int> hb;
    BOOST_TEST(a.Match(s, &ha));
    BOOST_TEST(b.Match(s, &hb));
    BOOST_TEST(ha == hb, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(first_of_group_reports_one_pattern_per_group) {
  for (auto strategy : kStrategies) {
    PatternSet::Options options = with(strategy);
    options.first_of_group = true;
    PatternSet set(options);
    std::string error;
    // Group 7: two ways of saying arbitration; group 9: class actions; one ungrouped pattern.
    BOOST_TEST(set.Add("(?i)binding\\s+arbitration", &error, 7) == 0);
    BOOST_TEST(set.Add("(?i)arbitrat\\w+", &error, 7) == 1);
    BOOST_TEST(set.Add("(?i)class\\s+action", &error, 9) == 2);
    BOOST_TEST(set.Add("(?i)waive", &error) == 3);
    BOOST_TEST(set.Add("(?i)jury", &error, 7) == -1);  // group 7 is closed: not adjacent
    BOOST_TEST(error.find("group 7") != std::string::npos);
    BOOST_REQUIRE(set.Compile(&error));
    std::vector<int> hits;
    BOOST_REQUIRE(set.Match("You waive class action and agree to binding arbitration.", &hits));
    BOOST_TEST(hits == (std::vector<int>{0, 2, 3}), boost::test_tools::per_element());
    // The group's first pattern does not match here, its second does.
    BOOST_REQUIRE(set.Match("Disputes go to arbitrators.", &hits));
    BOOST_TEST(hits == std::vector<int>{1}, boost::test_tools::per_element());
    std::vector<std::vector<int>> each;
    const std::vector<std::string_view> texts{"binding arbitration or arbitration",
                                              "no dispute terms", "arbitration; class action"};
    BOOST_REQUIRE(set.MatchEach(texts, &each));
    BOOST_TEST(each[0] == std::vector<int>{0}, boost::test_tools::per_element());
    BOOST_TEST(each[1].empty());
    BOOST_TEST(each[2] == (std::vector<int>{1, 2}), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(first_of_group_does_not_run_the_rest_of_a_matched_group) {
  PatternSet::Options options;
  options.first_of_group = true;
  options.defer_compile = true;  // a pattern's RE2 is built only when it is run
  PatternSet set(options);
  std::string error;
  BOOST_REQUIRE(set.Add("(?i)binding\\s+arbitration", &error, 0) == 0);
  BOOST_REQUIRE(set.Add("(?i)binding\\s+arbitration\\s+only", &error, 0) == 1);
  BOOST_REQUIRE(set.Compile(&error));
  std::vector<int> hits;
  BOOST_REQUIRE(set.Match("binding arbitration only", &hits));
  BOOST_TEST(hits == std::vector<int>{0}, boost::test_tools::per_element());
  BOOST_TEST(set.compiled_patterns() == 1U);
  // Without groups, both are run and reported.
  PatternSet plain(PatternSet::Options{});
  BOOST_REQUIRE(plain.Add("(?i)binding\\s+arbitration", &error, 0) == 0);
  BOOST_REQUIRE(plain.Add("(?i)binding\\s+arbitration\\s+only", &error, 0) == 1);
  BOOST_REQUIRE(plain.Compile(&error));
  BOOST_REQUIRE(plain.Match("binding arbitration only", &hits));
  BOOST_TEST(hits == (std::vector<int>{0, 1}), boost::test_tools::per_element());
}

// A long list of texts (a long page) is matched in parts on several threads (common/work_pool.h):
// the answers are those of one Match() per text, in order.
BOOST_AUTO_TEST_CASE(match_each_on_a_long_page_equals_match_per_text) {
  PatternSet::Options options;
  options.first_of_group = true;
  options.defer_compile = true;  // patterns compiled on first use, possibly on two threads at once
  PatternSet set(options);
  std::string error;
  const std::vector<std::string> patterns{"(?i)\\bbinding\\s+arbitration\\b",
                                          "(?i)\\bclass\\s+action",
                                          "(?i)\\b(sell|rent)s?\\b[^.;]{0,40}\\bdata\\b",
                                          "(?i)\\bopt[- ]?out\\b",
                                          "(?i)\\btrain\\w*\\b[^.;]{0,60}\\bmodels?\\b",
                                          "\\d+ days"};
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    BOOST_REQUIRE(set.Add(patterns[i], &error, i < 2 ? 0 : -1) >= 0);
  }
  BOOST_REQUIRE(set.Compile(&error));
  const std::vector<std::string> shapes{
      "Any claim goes to binding arbitration, not a class action.",
      "We never sell your data; you can opt-out at any time.",
      "We may train our models on chats for 30 days.",
      "Nothing to see in this sentence about the weather.",
      "Users who rent data sets agree to these terms.",
  };
  std::vector<std::string> texts;
  for (std::size_t i = 0; texts.size() < 4000; ++i) {
    texts.push_back(shapes[i % shapes.size()] + " (" + std::to_string(i) + ")");
  }
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  std::vector<std::vector<int>> each;
  BOOST_REQUIRE(set.MatchEach(views, &each));
  BOOST_REQUIRE_GE(each.size(), views.size());
  std::size_t found = 0;
  for (std::size_t k = 0; k < views.size(); ++k) {
    std::vector<int> alone;
    BOOST_REQUIRE(set.Match(views[k], &alone));
    BOOST_REQUIRE_MESSAGE(each[k] == alone, "text " << k);
    found += alone.size();
  }
  BOOST_TEST(found > 4000U);
}
