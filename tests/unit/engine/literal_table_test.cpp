#define BOOST_TEST_MODULE literal_table
#include "engine/literal_table.h"

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "engine/embedded_pack.h"
#include "engine/engine.h"
#include "engine/pack_store.h"
#include "text/normalize.h"
#include "text/scan_mask.h"

using cw::engine::Engine;
using cw::engine::LiteralTable;

namespace {

constexpr std::size_t kMinLen = 3;  // PatternSet::Options{}.min_atom_len

cw::engine::RulePack builtin_pack() {
  auto pack = cw::engine::parse_pack_blob(cw::engine::embedded::kPackBlob, "built-in", false);
  BOOST_REQUIRE(pack.ok());
  return std::move(*pack);
}

// The engine's match and `unless` patterns as it scans them.
std::vector<std::string> scan_patterns(const cw::engine::RulePack& pack, bool unless) {
  std::vector<std::string> out;
  for (const auto& p : pack.provisions) {
    if (p.kind == cw::engine::ProvisionKind::kMissingProtection) continue;
    for (const auto& pattern : unless ? p.unless : p.patterns) {
      out.push_back(cw::text::scan_pattern(pattern));
    }
  }
  return out;
}

// The ids of the rules that fire on each of the first `limit` CLAUDETTE sentences.
std::vector<std::vector<std::string>> rules_on_claudette(const Engine& engine, std::size_t limit) {
  std::ifstream in(std::string(CW_CORPUS_DIR) + "/claudette/tos50-dev.jsonl");
  BOOST_REQUIRE(in.good());
  std::vector<std::vector<std::string>> out;
  std::string line;
  while (out.size() < limit && std::getline(in, line)) {
    const auto text = nlohmann::json::parse(line).at("text").get<std::string>();
    auto found = engine.match_sentence(cw::text::normalize(text).text, "");
    BOOST_REQUIRE(found.ok());
    auto& ids = out.emplace_back();
    for (const auto* p : *found) ids.push_back(p->id);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(embedded_table_holds_every_pattern_of_the_builtin_pack) {
  const auto pack = builtin_pack();
  const auto table = LiteralTable::decode(cw::engine::embedded::kLiteralTable);
  BOOST_REQUIRE(table.has_value());
  BOOST_TEST(table->min_len() == kMinLen);
  for (const auto& pattern : scan_patterns(pack, false)) {
    const auto* found = table->match(pattern);
    BOOST_REQUIRE_MESSAGE(found != nullptr, pattern);
    BOOST_TEST((found->clauses == cw::engine::required_literals(pattern, kMinLen).clauses),
               pattern);
  }
  for (const auto& pattern : scan_patterns(pack, true)) {
    const auto* found = table->unless(pattern);
    BOOST_REQUIRE_MESSAGE(found != nullptr, pattern);
    BOOST_TEST((found->clauses ==
                cw::engine::anchor_clause(cw::engine::required_literals(pattern)).clauses),
               pattern);
  }
}

BOOST_AUTO_TEST_CASE(encoding_round_trips_any_bytes_and_is_deterministic) {
  const auto table = LiteralTable::compute(builtin_pack(), kMinLen);
  const std::string encoded = table.encode();
  BOOST_TEST(encoded == LiteralTable::compute(builtin_pack(), kMinLen).encode());
  const auto decoded = LiteralTable::decode(encoded);
  BOOST_REQUIRE(decoded.has_value());
  BOOST_TEST(decoded->encode() == encoded);
  BOOST_TEST(decoded->size() == table.size());

  // Word-edge markers, newlines, spaces and colons inside literals survive.
  cw::engine::RulePack pack;
  cw::engine::Provision rule;
  rule.id = "odd_bytes";
  rule.patterns = {"\\b(us|uk)\\b", "a\\nb:c\\s+d"};
  pack.provisions.push_back(rule);
  const auto odd = LiteralTable::compute(pack, 1);
  const auto back = LiteralTable::decode(odd.encode());
  BOOST_REQUIRE(back.has_value());
  for (const auto& p : rule.patterns) {
    const auto scan = cw::text::scan_pattern(p);
    BOOST_REQUIRE(back->match(scan) != nullptr);
    BOOST_TEST((back->match(scan)->clauses == cw::engine::required_literals(scan, 1).clauses));
  }
}

BOOST_AUTO_TEST_CASE(malformed_tables_are_refused_not_misread) {
  const std::string good =
      "clausewatch-literals 1 3\nM 00000000000000ff 2\n1 4:jury\n2 4:sell 3:rnt\n";
  const auto table = LiteralTable::decode(good);
  BOOST_REQUIRE(table.has_value());
  BOOST_TEST(table->size() == 1U);
  // Cut anywhere inside the entry: refused (a cut at the end of the header is an empty table).
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    const auto prefix = LiteralTable::decode(good.substr(0, cut));
    BOOST_TEST((!prefix.has_value() || prefix->size() == 0), "cut at " << cut);
  }
  BOOST_TEST(!LiteralTable::decode("clausewatch-literals 2 3\n").has_value());  // another version
  BOOST_TEST(!LiteralTable::decode(good + "X 00 0\n").has_value());             // unknown kind
  BOOST_TEST(!LiteralTable::decode(good + "M 00000000000000ff 0\n").has_value());  // key twice
  // Counts far beyond the bytes that follow are refused before anything is allocated.
  BOOST_TEST(!LiteralTable::decode("clausewatch-literals 1 3\nM 01 99999999999\n").has_value());
  BOOST_TEST(
      !LiteralTable::decode("clausewatch-literals 1 3\nM 01 1\n99999999999 4:jury\n").has_value());
  BOOST_TEST(
      !LiteralTable::decode("clausewatch-literals 1 3\nM 01 1\n1 99999999999:jury\n").has_value());
}

BOOST_AUTO_TEST_CASE(host_start_builds_no_automaton_for_the_builtin_pack) {
  auto active = cw::engine::load_active_pack({});
  BOOST_REQUIRE(active.ok());
  // The match patterns' automaton came from the build, so no literal was read for it; the
  // `unless` patterns' literals follow from the table on first use.
  BOOST_TEST(active->engine.patterns().prefilter_prebuilt());
  BOOST_TEST(active->engine.literals_from_table() == 0U);
  BOOST_REQUIRE(active->engine.ensure_compiled().ok());
  BOOST_TEST(active->engine.literals_from_table() ==
             scan_patterns(active->engine.pack(), true).size());
}

// The embedded automaton is exactly what the engine would build from the embedded literals.
BOOST_AUTO_TEST_CASE(embedded_automaton_equals_a_fresh_build) {
  const auto pack = builtin_pack();
  const auto table = LiteralTable::decode(cw::engine::embedded::kLiteralTable);
  BOOST_REQUIRE(table.has_value());
  const auto patterns = scan_patterns(pack, false);
  std::vector<cw::engine::RequiredLiterals> required;
  required.reserve(patterns.size());
  for (const auto& pattern : patterns) required.push_back(*table->match(pattern));
  const std::vector<std::string_view> views(patterns.begin(), patterns.end());
  const auto key = cw::engine::prefilter_key(views, kMinLen);
  const std::string fresh = cw::engine::LiteralPrefilter(required).serialize(key);
  BOOST_TEST((fresh == cw::engine::embedded::kMatchAutomaton));
  std::string error;
  const auto viewed =
      cw::engine::LiteralPrefilter::view(cw::engine::embedded::kMatchAutomaton, key, &error);
  BOOST_REQUIRE_MESSAGE(viewed.has_value(), error);
  BOOST_TEST(viewed->serialize(key) == fresh);
  // Another set of patterns has another key: the automaton is refused for it.
  std::vector<std::string_view> fewer(views.begin(), views.end() - 1);
  BOOST_TEST(!cw::engine::LiteralPrefilter::view(cw::engine::embedded::kMatchAutomaton,
                                                 cw::engine::prefilter_key(fewer, kMinLen), &error)
                  .has_value());
  BOOST_TEST(error == "built for other patterns");
}

// The built-in pack's automaton keeps 16-bit state numbers. Past 65,536 states the table takes
// 32-bit entries: pack 21 first crossed it (70,873 states), which grew the table from 3.7 to
// 9.1 MB and the host binary from 8.2 to 13.7 MB, and a cold start took about 1 ms longer. A pack
// that crosses it needs fewer or shorter literals (kMaxSet in literal_prefilter.cpp).
BOOST_AUTO_TEST_CASE(builtin_automaton_keeps_16_bit_states) {
  const auto pack = builtin_pack();
  const auto patterns = scan_patterns(pack, false);
  const std::vector<std::string_view> views(patterns.begin(), patterns.end());
  std::string error;
  const auto viewed = cw::engine::LiteralPrefilter::view(
      cw::engine::embedded::kMatchAutomaton, cw::engine::prefilter_key(views, kMinLen), &error);
  BOOST_REQUIRE_MESSAGE(viewed.has_value(), error);
  BOOST_TEST_MESSAGE(viewed->state_count() << " states, " << viewed->table_bytes() << " bytes");
  BOOST_TEST(viewed->state_count() <= std::size_t{1} << 16);
  BOOST_TEST(viewed->table_bytes() <= viewed->state_count() * 32 * sizeof(std::uint16_t));
}

BOOST_AUTO_TEST_CASE(findings_are_the_same_with_without_or_with_a_stale_table) {
  constexpr std::size_t kSentences = 3000;
  auto plain = Engine::compile(builtin_pack(), {}, Engine::When::kOnFirstUse);
  BOOST_REQUIRE(plain.ok());
  BOOST_TEST(plain->literals_from_table() == 0U);
  const auto expected = rules_on_claudette(*plain, kSentences);
  std::size_t fired = 0;
  for (const auto& ids : expected) fired += ids.size();
  BOOST_TEST(fired > 100U);  // the comparison below is about real findings

  auto built = Engine::compile(builtin_pack(), {}, Engine::When::kOnFirstUse,
                               LiteralTable::decode(cw::engine::embedded::kLiteralTable));
  BOOST_REQUIRE(built.ok());
  BOOST_TEST(!built->patterns().prefilter_prebuilt());
  BOOST_TEST((rules_on_claudette(*built, kSentences) == expected));

  // With the embedded automaton, read in place.
  auto with_automaton = LiteralTable::decode(cw::engine::embedded::kLiteralTable);
  BOOST_REQUIRE(with_automaton.has_value());
  with_automaton->set_match_automaton(cw::engine::embedded::kMatchAutomaton);
  auto prebuilt = Engine::compile(builtin_pack(), {}, Engine::When::kOnFirstUse, with_automaton);
  BOOST_REQUIRE(prebuilt.ok());
  BOOST_TEST(prebuilt->patterns().prefilter_prebuilt());
  BOOST_TEST((rules_on_claudette(*prebuilt, kSentences) == expected));

  // A table from an older pack: a changed pattern is not in it and has its literals read at load.
  auto older = builtin_pack();
  for (auto& rule : older.provisions) {
    if (rule.kind == cw::engine::ProvisionKind::kMissingProtection || rule.patterns.empty())
      continue;
    rule.patterns.front() = "(?i)\\bsomething\\s+else\\b";
    break;
  }
  auto stale = Engine::compile(builtin_pack(), {}, Engine::When::kOnFirstUse,
                               LiteralTable::compute(older, kMinLen));
  BOOST_REQUIRE(stale.ok());
  BOOST_TEST(stale->literals_from_table() == stale->pattern_count() - 1);
  BOOST_TEST((rules_on_claudette(*stale, kSentences) == expected));

  // A pack that differs in one pattern does not take the built-in automaton: it builds its own.
  auto table_of_builtin = LiteralTable::decode(cw::engine::embedded::kLiteralTable);
  BOOST_REQUIRE(table_of_builtin.has_value());
  table_of_builtin->set_match_automaton(cw::engine::embedded::kMatchAutomaton);
  auto changed = Engine::compile(older, {}, Engine::When::kOnFirstUse, table_of_builtin);
  BOOST_REQUIRE(changed.ok());
  BOOST_TEST(!changed->patterns().prefilter_prebuilt());
  BOOST_TEST(changed->literals_from_table() == changed->pattern_count() - 1);

  // A table computed for another literal length is not used at all.
  auto other_length = Engine::compile(builtin_pack(), {}, Engine::When::kOnFirstUse,
                                      LiteralTable::compute(builtin_pack(), kMinLen + 1));
  BOOST_REQUIRE(other_length.ok());
  BOOST_TEST(other_length->literals_from_table() == 0U);
}
