#define BOOST_TEST_MODULE rule_pack
#include "engine/rule_pack.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <boost/test/unit_test.hpp>

#include "engine/engine.h"
#include "text/normalize.h"

namespace fs = std::filesystem;
using namespace cw::engine;

namespace {

// The test rule packs (a function, so a throwing path constructor runs inside a test, not at
// start).
const fs::path& rules_root() {
  static const fs::path root = fs::path(CW_TEST_DATA_DIR) / "rules";
  return root;
}

// How many fixture files (*.json) a directory holds.
std::size_t json_files_in(const fs::path& dir) {
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") ++count;
  }
  return count;
}

// Loads one invalid family file as a pack directory of its own.
cw::Error load_invalid(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("cw-rule-pack-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(rules_root() / "invalid" / (name + ".json"), dir / (name + ".json"));
  std::ofstream(dir / "VERSION") << "1\n";
  auto pack = load_rules_dir(dir);
  fs::remove_all(dir);
  BOOST_REQUIRE_MESSAGE(!pack.ok(), name << " was accepted");
  return pack.error();
}

// The fixture pack's family files and VERSION, with `scopes` (a file under tests/data/rules) as its
// scopes.json, or none; the directory is removed by the caller.
fs::path pack_dir_with_scopes(const std::string& name, const fs::path* scopes) {
  fs::path dir = fs::temp_directory_path() / ("cw-rule-pack-scopes-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* file : {"dispute.json", "privacy.json", "VERSION"}) {
    fs::copy_file(rules_root() / "valid" / file, dir / file);
  }
  if (scopes != nullptr) fs::copy_file(*scopes, dir / "scopes.json");
  return dir;
}

}  // namespace

BOOST_AUTO_TEST_CASE(valid_fixture_pack_loads) {
  auto pack = load_rules_dir(rules_root() / "valid");
  BOOST_REQUIRE_MESSAGE(pack.ok(), (pack.ok() ? std::string() : pack.error().to_string()));
  BOOST_TEST(pack->version == 3);
  BOOST_TEST(pack->families == std::vector<std::string>({"dispute", "privacy"}),
             boost::test_tools::per_element());
  BOOST_TEST(pack->provisions.size() == 5U);
  const Provision* arbitration = pack->find("dispute.arbitration");
  BOOST_REQUIRE(arbitration != nullptr);
  BOOST_TEST(arbitration->labels() == std::vector<std::string>({"A", "tosdr:339"}),
             boost::test_tools::per_element());
  BOOST_TEST(arbitration->applies_to("Terms of Service"));
  BOOST_TEST(!arbitration->applies_to("Privacy Policy"));
  BOOST_TEST(arbitration->examples_match.size() == 1U);
  const Provision* missing = pack->find("privacy.sale_without_opt_out");
  BOOST_REQUIRE(missing != nullptr);
  BOOST_TEST((missing->kind == ProvisionKind::kMissingProtection));
  // Its scopes, in file order (the order is their priority).
  BOOST_REQUIRE_EQUAL(pack->scopes.size(), 3U);
  BOOST_TEST(pack->scopes[0].id == "region.california");
  BOOST_TEST(pack->scopes[0].label == "People in California");
  BOOST_TEST(pack->scopes[0].examples_match.size() == 1U);
  BOOST_TEST(pack->scopes[2].id == "audience.business");
}

// Scopes are validated as strictly as provisions, and the error names the scopes file and
// the scope's id.
BOOST_AUTO_TEST_CASE(each_invalid_scopes_file_is_refused_naming_file_scope_and_problem) {
  const std::map<std::string, std::pair<std::string, std::string>> expected{
      {"unknown_field", {"region.california", "unknown field 'colour'"}},
      {"duplicate_id", {"region.california", "duplicate id 'region.california'"}},
      {"missing_label", {"region.california", "missing field 'label'"}},
      {"regex_does_not_compile", {"region.california", "patterns[0] does not compile"}},
      {"bad_id", {"California Residents", "id must be dotted lower-case words"}},
  };
  BOOST_TEST(json_files_in(rules_root() / "invalid_scopes") == expected.size());
  for (const auto& [name, want] : expected) {
    BOOST_TEST_CONTEXT(name) {
      const fs::path scopes = rules_root() / "invalid_scopes" / (name + ".json");
      const fs::path dir = pack_dir_with_scopes(name, &scopes);
      auto pack = load_rules_dir(dir);
      auto blob = canonical_blob_from_dir(dir);  // what the build signs refuses it too
      fs::remove_all(dir);
      BOOST_REQUIRE_MESSAGE(!pack.ok(), name << " was accepted");
      BOOST_TEST(!blob.ok());
      const cw::Error& error = pack.error();
      BOOST_TEST((error.code == cw::ErrorCode::RULE_PACK_INVALID));
      BOOST_TEST(error.params["file"].get<std::string>().find("scopes.json") != std::string::npos);
      BOOST_TEST(error.params["rule"].get<std::string>() == want.first);
      BOOST_TEST(error.message.find(want.second) != std::string::npos, error.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_pack_without_scopes_loads_and_scopes_nothing) {
  const fs::path dir = pack_dir_with_scopes("none", nullptr);
  auto pack = load_rules_dir(dir);
  auto blob = canonical_blob_from_dir(dir);
  fs::remove_all(dir);
  BOOST_REQUIRE_MESSAGE(pack.ok(), (pack.ok() ? std::string() : pack.error().to_string()));
  BOOST_TEST(pack->scopes.empty());
  BOOST_REQUIRE(blob.ok());
  BOOST_TEST(blob->find("\"scopes\"") == std::string::npos);
  BOOST_TEST(parse_pack_blob(*blob, "blob").ok());
  auto engine = Engine::compile(std::move(*pack));
  BOOST_REQUIRE(engine.ok());
  auto findings =
      engine->analyze_text("If you live in California, we may sell personal information.", "");
  BOOST_REQUIRE(findings.ok());
  BOOST_REQUIRE(!findings->empty());
  BOOST_TEST(!findings->front().scope);
}

BOOST_AUTO_TEST_CASE(scopes_travel_in_the_signed_blob) {
  auto blob = canonical_blob_from_dir(rules_root() / "valid");
  BOOST_REQUIRE(blob.ok());
  auto pack = parse_pack_blob(*blob, "blob");
  BOOST_REQUIRE(pack.ok());
  BOOST_REQUIRE_EQUAL(pack->scopes.size(), 3U);
  BOOST_TEST(pack->scopes[1].id == "region.eea_uk");
  // A user pack's blob is checked as strictly: its source and the scope's id are named.
  auto json = nlohmann::json::parse(*blob);
  json["scopes"][1]["patterns"][0] = "(?i)(unclosed";
  auto bad = parse_pack_blob(json.dump(), "user-pack.json");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().params["file"].get<std::string>() == "user-pack.json");
  BOOST_TEST(bad.error().params["rule"].get<std::string>() == "region.eea_uk");
  json["scopes"] = {{"not an object"}};
  BOOST_TEST(!parse_pack_blob(json.dump(), "x").ok());
  json["scopes"] = "region.eea_uk";
  BOOST_TEST(!parse_pack_blob(json.dump(), "x").ok());
}

// The first scope in pack order whose pattern matches the sentence is the finding's; a scope
// pattern that fails to compile is named, now or at first use.
BOOST_AUTO_TEST_CASE(engine_gives_each_finding_the_first_matching_scope) {
  auto pack = load_rules_dir(rules_root() / "valid").value();
  auto engine = Engine::compile(pack);
  BOOST_REQUIRE(engine.ok());
  auto first_scope = [&](std::string_view text) {
    auto findings = engine->analyze_text(text, "");
    BOOST_REQUIRE(findings.ok());
    BOOST_REQUIRE(!findings->empty());
    const auto& f = findings->front();
    return f.scope ? f.scope->id + "/" + std::string(cw::engine::to_string(f.scope_from))
                   : std::string("none");
  };
  BOOST_TEST(first_scope("If you live in California, we may sell personal information.") ==
             "region.california/sentence");
  // California comes before the EEA in the file, whichever the sentence names first.
  BOOST_TEST(
      first_scope("EEA residents and California residents: we may sell personal information.") ==
      "region.california/sentence");
  BOOST_TEST(first_scope("We may sell personal information.") == "none");
  // A mere mention of a place is not a scope.
  BOOST_TEST(first_scope("Under the laws of California, we may sell personal information.") ==
             "none");
  auto matching =
      engine->scopes_matching(cw::text::normalize("UK users and business customers").text);
  BOOST_REQUIRE(matching.ok());
  BOOST_REQUIRE_EQUAL(matching->size(), 2U);
  BOOST_TEST((*matching)[0]->id == "region.eea_uk");
  BOOST_TEST((*matching)[1]->id == "audience.business");

  pack.scopes[2].patterns.emplace_back("(?i)(unclosed");  // as if validation had been skipped
  auto now = Engine::compile(pack);
  BOOST_REQUIRE(!now.ok());
  BOOST_TEST(now.error().message.find("scope 'audience.business'") != std::string::npos,
             now.error().message);
  auto later = Engine::compile(pack, PatternSet::Options{}, Engine::When::kOnFirstUse);
  BOOST_REQUIRE(later.ok());
  BOOST_TEST(!later->analyze_text("We may sell personal information.", "").ok());
}

BOOST_AUTO_TEST_CASE(each_invalid_fixture_is_refused_naming_file_rule_and_problem) {
  const std::map<std::string, std::pair<std::string, std::string>> expected{
      {"unknown_field", {"dispute.arbitration", "unknown field 'colour'"}},
      {"duplicate_id", {"dispute.arbitration", "duplicate id 'dispute.arbitration'"}},
      {"missing_explanation", {"dispute.arbitration", "missing field 'explanation'"}},
      {"regex_does_not_compile", {"dispute.arbitration", "patterns[0] does not compile"}},
      {"unless_does_not_compile", {"dispute.arbitration", "unless[0] does not compile"}},
      {"bad_severity_enum", {"dispute.arbitration", "field 'severity' must be one of"}},
      {"bad_polarity_enum", {"dispute.arbitration", "field 'polarity' must be one of"}},
      {"unknown_doc_type", {"dispute.arbitration", "unknown document type 'Terms of Sevice'"}},
      {"id_outside_family", {"privacy.arbitration", "id must be 'dispute.<name>'"}},
      {"unknown_claudette_label", {"dispute.arbitration", "unknown label 'ARB'"}},
      {"missing_protection_unknown_rule", {"dispute.missing", "unknown rule 'dispute.nothing'"}},
      {"unsupported_format", {"(file)", "format 2 is not supported"}},
      {"vocabulary_unknown_word",
       {"dispute.arbitration", "patterns[0] unknown vocabulary word 'TRIBUNAL'"}},
      {"vocabulary_word_not_closed", {"dispute.arbitration", "patterns[0] '{{' is not closed"}},
      {"vocabulary_bad_name", {"(file)", "vocabulary word 'forum' must be upper-case"}},
      {"vocabulary_names_another", {"(file)", "vocabulary word 'FORUM' must not name another"}},
  };
  // Every fixture has its expectation.
  BOOST_TEST(json_files_in(rules_root() / "invalid") == expected.size());
  for (const auto& [name, want] : expected) {
    BOOST_TEST_CONTEXT(name) {
      const cw::Error error = load_invalid(name);
      BOOST_TEST((error.code == cw::ErrorCode::RULE_PACK_INVALID));
      BOOST_TEST(error.params["file"].get<std::string>().find(name + ".json") != std::string::npos);
      BOOST_TEST(error.params["rule"].get<std::string>() == want.first);
      BOOST_TEST(error.message.find(want.second) != std::string::npos, error.message);
    }
  }
}

namespace {

// A family with a vocabulary, written to a temporary pack directory (removed by the caller).
fs::path pack_dir_with_vocabulary(const std::string& name, const nlohmann::json& vocabulary,
                                  const std::string& pattern) {
  std::ifstream in(rules_root() / "invalid" / "regex_does_not_compile.json");
  nlohmann::json family = nlohmann::json::parse(in);
  family["vocabulary"] = vocabulary;
  family["provisions"][0]["patterns"] = nlohmann::json::array({pattern});
  fs::path dir = fs::temp_directory_path() / ("cw-rule-pack-vocabulary-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "dispute.json") << family.dump(2);
  std::ofstream(dir / "VERSION") << "1\n";
  return dir;
}

}  // namespace

BOOST_AUTO_TEST_CASE(vocabulary_words_are_written_out_in_patterns_and_travel_in_the_blob) {
  const nlohmann::json vocabulary{{"FORUM", "(arbitration|an\\s+arbitrator)"},
                                  {"BINDING", "(binding|final)"}};
  const fs::path dir = pack_dir_with_vocabulary(
      "ok", vocabulary, "(?i)\\b{{BINDING}}\\s+{{FORUM}}\\b|\\b{{FORUM}}\\s+is\\s+{{BINDING}}\\b");
  const std::string written_out =
      "(?i)\\b(binding|final)\\s+(arbitration|an\\s+arbitrator)\\b|"
      "\\b(arbitration|an\\s+arbitrator)\\s+is\\s+(binding|final)\\b";
  auto pack = load_rules_dir(dir);
  BOOST_REQUIRE_MESSAGE(pack.ok(), (pack.ok() ? std::string() : pack.error().message));
  BOOST_TEST(pack->provisions.at(0).patterns.at(0) == written_out);
  // The signed blob keeps the words, not the written-out patterns, and reads back the same.
  auto blob = canonical_blob_from_dir(dir);
  BOOST_REQUIRE(blob.ok());
  BOOST_TEST(blob->find("{{FORUM}}") != std::string::npos);
  auto from_blob = parse_pack_blob(*blob, "blob");
  BOOST_REQUIRE(from_blob.ok());
  BOOST_TEST(from_blob->provisions.at(0).patterns.at(0) == written_out);
  // And the engine finds what the written-out pattern finds.
  auto engine = Engine::compile(std::move(*pack));
  BOOST_REQUIRE(engine.ok());
  auto findings = engine->analyze_text("The decision of an arbitrator is final.", "");
  BOOST_REQUIRE(findings.ok());
  BOOST_TEST(findings->size() == 1U);
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_pattern_too_long_with_its_words_written_out_is_refused) {
  // Each use of a 16 KiB word is under every limit; five of them pass the 64 KiB pattern limit.
  const std::string word = "(" + std::string(16 * 1024 - 2, 'a') + ")";
  const fs::path dir = pack_dir_with_vocabulary("long", nlohmann::json{{"LONG", word}},
                                                "{{LONG}}{{LONG}}{{LONG}}{{LONG}}{{LONG}}");
  auto pack = load_rules_dir(dir);
  fs::remove_all(dir);
  BOOST_REQUIRE(!pack.ok());
  BOOST_TEST(pack.error().params["rule"].get<std::string>() == "dispute.arbitration");
  BOOST_TEST(pack.error().message.find("with its words written out") != std::string::npos,
             pack.error().message);
}

BOOST_AUTO_TEST_CASE(canonical_blob_round_trips_and_is_deterministic) {
  auto blob = canonical_blob_from_dir(rules_root() / "valid");
  BOOST_REQUIRE(blob.ok());
  BOOST_TEST(*blob == canonical_blob_from_dir(rules_root() / "valid").value());
  auto pack = parse_pack_blob(*blob, "blob");
  BOOST_REQUIRE(pack.ok());
  BOOST_TEST(pack->provisions.size() == 5U);
  BOOST_TEST(
      !parse_pack_blob("{\"format\":1,\"version\":1,\"families\":[],\"extra\":1}", "x").ok());
  BOOST_TEST(!parse_pack_blob("{\"format\":1,\"families\":[]}", "x").ok());
  BOOST_TEST(!parse_pack_blob("[1,2", "x").ok());
}

BOOST_AUTO_TEST_CASE(engine_applies_unless_doc_types_and_missing_protections) {
  auto engine = Engine::compile(load_rules_dir(rules_root() / "valid").value());
  BOOST_REQUIRE(engine.ok());
  auto ids = [&](std::string_view text, std::string_view type) {
    std::vector<std::string> out;
    auto findings = engine->analyze_text(text, type);
    for (const auto& f : findings.value()) out.push_back(f.rule().rule_id);
    return out;
  };
  using V = std::vector<std::string>;
  BOOST_TEST(ids("All claims are settled by binding arbitration.", "Terms of Service") ==
                 V{"dispute.arbitration"},
             boost::test_tools::per_element());
  // Wrong document type, and the fair form cancelled by `unless`.
  BOOST_TEST(ids("All claims are settled by binding arbitration.", "Privacy Policy").empty());
  BOOST_TEST(ids("You may opt out of arbitration; otherwise binding arbitration applies.",
                 "Terms of Service")
                 .empty());
  BOOST_TEST(ids("We may sell personal information. Other text.", "") ==
                 V({"privacy.sale", "privacy.sale_without_opt_out"}),
             boost::test_tools::per_element());
  BOOST_TEST(ids("We may sell personal information.\n\nSee Do Not Sell My Personal Information.",
                 "") == V({"privacy.sale", "privacy.opt_out_sale"}),
             boost::test_tools::per_element());
  BOOST_TEST(ids("We do not sell personal information.", "").empty());
}

// A rule's `unless` patterns are alternatives: any one that matches cancels the rule, whichever it
// is, whether or not it has words to filter on, and a sentence that holds an alternative's words
// without matching it is not cancelled. Each is filtered and compiled on its own.
BOOST_AUTO_TEST_CASE(each_unless_alternative_cancels_a_rule) {
  auto pack = load_rules_dir(rules_root() / "valid").value();
  BOOST_REQUIRE(pack.provisions[0].id == "dispute.arbitration");
  auto& unless = pack.provisions[0].unless;
  unless.emplace_back("(?i)\\bsmall\\s+claims\\s+court\\b");
  unless.emplace_back("(?i)\\bwithin\\s+30\\s+days\\s+of\\s+the\\s+arbitration\\s+notice\\b");
  unless.emplace_back("\\?\\W*$");  // a question: no literal to filter on
  for (const auto when : {Engine::When::kNow, Engine::When::kOnFirstUse}) {
    auto engine = Engine::compile(pack, PatternSet::Options{}, when);
    BOOST_REQUIRE(engine.ok());
    auto found = [&](std::string_view text) {
      // One sentence first: with kOnFirstUse the first call builds the unless filter.
      auto one = engine->match_sentence(text, "Terms of Service");
      auto findings = engine->analyze_text(text, "Terms of Service");
      BOOST_REQUIRE(findings.ok());
      BOOST_REQUIRE(one.ok());
      const bool in_page = !findings->empty();
      BOOST_TEST(in_page == !one->empty());  // the page path and the one-sentence path agree
      return in_page;
    };
    BOOST_TEST(found("All claims are settled by binding arbitration."));
    BOOST_TEST(!found("You may opt out of arbitration; otherwise binding arbitration applies."));
    BOOST_TEST(!found("Binding arbitration applies, except in small claims court."));
    BOOST_TEST(!found("Is every claim settled by binding arbitration?"));
    BOOST_TEST(!found("Binding arbitration starts within 30 days of the arbitration notice."));
    // The words of the second and third alternatives, but neither matches.
    BOOST_TEST(found("Binding arbitration, not small claims, within 30 days of the notice."));
  }
}

// A broken `unless` pattern (as if validation had been skipped) is reported with its rule's id, not
// the id of the rule before it, which has no `unless` patterns (dispute.class_waiver).
BOOST_AUTO_TEST_CASE(a_broken_unless_pattern_names_its_rule) {
  auto pack = load_rules_dir(rules_root() / "valid").value();
  BOOST_REQUIRE(pack.provisions.size() > 2);
  BOOST_REQUIRE(pack.provisions[1].unless.empty());
  const std::size_t last = 2;
  pack.provisions[last].unless = {"(?i)fine", "(?i)(unclosed"};
  auto now = Engine::compile(pack);
  BOOST_REQUIRE(!now.ok());
  BOOST_TEST(now.error().message.find("'" + pack.provisions[last].id + "' unless") !=
             std::string::npos);
  auto later = Engine::compile(pack, PatternSet::Options{}, Engine::When::kOnFirstUse);
  BOOST_REQUIRE(later.ok());
  auto all = later->ensure_compiled();
  BOOST_REQUIRE(!all.ok());
  BOOST_TEST((all.error().code == cw::ErrorCode::PATTERN_ERROR));
  BOOST_TEST(all.error().message.find("'" + pack.provisions[last].id + "' unless") !=
             std::string::npos);
}

// A page is normalised once as its blocks joined by blank lines (the text the archive hashes); each
// finding still names its block and the exact original bytes within it.
BOOST_AUTO_TEST_CASE(blocks_are_analysed_as_one_page_with_block_offsets) {
  auto engine = Engine::compile(load_rules_dir(rules_root() / "valid").value());
  BOOST_REQUIRE(engine.ok());
  const std::vector<std::string> texts{
      "",
      "Disputes",
      "  Intro text.  ",
      "Something first. All claims are settled by binding\u00a0arbitration. Done.",
      "",
      "We may sell your personal data. **All** claims are settled by binding arbitration."};
  std::vector<PageBlock> blocks;
  blocks.reserve(texts.size());
  for (const auto& t : texts) blocks.push_back({t, t == "Disputes"});
  std::string normalized;
  auto findings = engine->analyze(blocks, "Terms of Service", &normalized);
  BOOST_REQUIRE(findings.ok());
  std::string joined;
  std::vector<std::size_t> begins;
  join_blocks(blocks, joined, begins);
  BOOST_TEST(joined.substr(0, 12) == "Disputes\n\n  ");
  BOOST_TEST(normalized == cw::text::normalize(joined).text);
  std::vector<std::pair<std::size_t, std::string>> got;
  for (const auto& f : findings.value()) {
    if (f.rule().missing_protection) continue;
    BOOST_TEST(std::string(texts[f.block].substr(f.start, f.end - f.start)) == f.quote);
    got.emplace_back(f.block, f.rule().rule_id);
  }
  const std::vector<std::pair<std::size_t, std::string>> want{
      {3, "dispute.arbitration"}, {5, "privacy.sale"}, {5, "dispute.arbitration"}};
  BOOST_TEST_REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    BOOST_TEST(got[i].first == want[i].first);
    BOOST_TEST(got[i].second == want[i].second);
  }
  BOOST_TEST(findings.value()[0].quote == "All claims are settled by binding\u00a0arbitration.");
}

// A long page (400 blocks, over 32 KB): its findings are, block by block, exactly those of each
// block analysed alone, in page order (offsets within the block, the same quotes).
BOOST_AUTO_TEST_CASE(long_page_gives_each_blocks_own_findings) {
  auto engine = Engine::compile(load_rules_dir(rules_root() / "valid").value());
  BOOST_REQUIRE(engine.ok());
  const std::vector<std::string> kinds{
      "Intro text number {} with nothing in it, long enough to make the page grow.",
      "Something first. All claims ({}) are settled by binding arbitration. Done.",
      "We may sell your personal data ({}). You may opt out of arbitration; otherwise binding "
      "arbitration applies.",
      "Section {}. We may sell personal information. All claims are settled by binding "
      "arbitration."};
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < 400; ++i) {
    std::string t = kinds[(i * 7) % kinds.size()];
    t.replace(t.find("{}"), 2, std::to_string(i));
    texts.push_back(std::move(t));
  }
  std::vector<PageBlock> blocks;
  std::size_t bytes = 0;
  for (const auto& t : texts) {
    blocks.push_back({t, false});
    bytes += t.size();
  }
  BOOST_TEST_REQUIRE(bytes > 32 * 1024U);
  {
    auto page = engine->analyze(blocks, "Terms of Service");
    BOOST_REQUIRE(page.ok());
    std::vector<std::string> got;
    for (const auto& f : page.value()) {
      if (f.rule().missing_protection) continue;
      got.push_back(std::to_string(f.block) + " " + f.rule().rule_id + " " +
                    std::to_string(f.start) + "-" + std::to_string(f.end) + " " + f.quote);
    }
    std::vector<std::string> want;
    for (std::size_t b = 0; b < texts.size(); ++b) {
      auto alone = engine->analyze_text(texts[b], "Terms of Service");
      BOOST_REQUIRE(alone.ok());
      for (const auto& f : alone.value()) {
        if (f.rule().missing_protection) continue;
        want.push_back(std::to_string(b) + " " + f.rule().rule_id + " " + std::to_string(f.start) +
                       "-" + std::to_string(f.end) + " " + f.quote);
      }
    }
    BOOST_TEST(want.size() > 300U);
    BOOST_TEST(got == want, boost::test_tools::per_element());
  }
}

// A block that opens with a combining mark: the mark is grouped with the newline that joins it
// to the block before, so its sentence maps back into that blank line. The quote must still be
// bytes of the block (found by fuzz_page_text; it used to throw std::out_of_range).
BOOST_AUTO_TEST_CASE(block_opening_with_a_combining_mark_quotes_its_own_bytes) {
  auto engine = Engine::compile(load_rules_dir(rules_root() / "valid").value());
  BOOST_REQUIRE(engine.ok());
  const std::string first = "Introduction ends without a full stop";
  const std::string second = "\u0301All claims are settled by binding arbitration.";
  const std::vector<PageBlock> blocks{{first, false}, {second, false}};
  auto page = engine->analyze(blocks, "Terms of Service");
  BOOST_REQUIRE(page.ok());
  bool quoted = false;
  for (const auto& f : page.value()) {
    if (f.rule().missing_protection && f.quote.empty()) continue;
    BOOST_TEST_REQUIRE(f.block < blocks.size());
    const std::string& text = f.block == 0 ? first : second;
    BOOST_TEST_REQUIRE(f.end <= text.size());
    BOOST_TEST(f.quote == text.substr(f.start, f.end - f.start));
    quoted = quoted || (f.block == 1 && f.rule().rule_id == "dispute.arbitration");
  }
  BOOST_TEST(quoted);
}

// The rule helper's examples are executable: every `match` example fires its rule and no
// `no_match` example does. Runs over the built-in pack.
BOOST_AUTO_TEST_CASE(fixture_examples_hold) {
  auto pack = load_rules_dir(rules_root() / "valid");
  auto engine = Engine::compile(*pack);
  BOOST_REQUIRE(engine.ok());
  for (const auto& p : engine->pack().provisions) {
    for (const auto& example : p.examples_match) {
      auto hits = engine->match_sentence(cw::text::normalize(example).text, "");
      BOOST_TEST(std::any_of(hits->begin(), hits->end(), [&](auto* h) { return h->id == p.id; }),
                 p.id << " misses: " << example);
    }
    for (const auto& example : p.examples_no_match) {
      auto hits = engine->match_sentence(cw::text::normalize(example).text, "");
      BOOST_TEST(std::none_of(hits->begin(), hits->end(), [&](auto* h) { return h->id == p.id; }),
                 p.id << " fires on: " << example);
    }
  }
}

BOOST_AUTO_TEST_CASE(deferred_compilation_reports_pattern_errors_at_first_use) {
  auto pack = load_rules_dir(rules_root() / "valid").value();
  pack.provisions[0].patterns.emplace_back("(?i)(unclosed");  // as if validation had been skipped
  auto now = Engine::compile(pack);
  BOOST_REQUIRE(!now.ok());
  BOOST_TEST((now.error().code == cw::ErrorCode::PATTERN_ERROR));
  BOOST_TEST(now.error().message.find("dispute.arbitration") != std::string::npos);
  auto later = Engine::compile(pack, PatternSet::Options{}, Engine::When::kOnFirstUse);
  BOOST_REQUIRE(later.ok());  // nothing compiled yet
  BOOST_TEST(later->pack().version == 3);
  BOOST_TEST(later->pattern_count() == 7U);
  // Only the broken pattern's literal: the rule's other patterns do not match, so it is run. (When
  // an earlier pattern of the rule matches, the rule is found and its later patterns are not run.)
  auto findings = later->analyze_text("an unclosed bracket", "");
  BOOST_REQUIRE(!findings.ok());
  BOOST_TEST((findings.error().code == cw::ErrorCode::PATTERN_ERROR));
}

BOOST_AUTO_TEST_CASE(findings_of_one_rule_share_its_text_and_copy_it_before_a_write) {
  auto engine = Engine::compile(load_rules_dir(rules_root() / "valid").value());
  BOOST_REQUIRE(engine.ok());
  auto findings = engine->analyze_text(
      "All claims are settled by binding arbitration. Any dispute goes to binding arbitration.",
      "Terms of Service");
  BOOST_REQUIRE(findings.ok());
  BOOST_REQUIRE(findings->size() >= 2U);
  const auto& first = (*findings)[0];
  const auto& second = (*findings)[1];
  BOOST_TEST(first.rule().rule_id == "dispute.arbitration");
  BOOST_TEST(&first.rule() == &second.rule());  // one copy of the text for both
  BOOST_TEST(first.quote != second.quote);
  BOOST_TEST(!first.rule().explanation.empty());
  cw::engine::Finding edited = first;
  edited.own_rule().reason = "changed here only";
  BOOST_TEST(edited.rule().reason == "changed here only");
  BOOST_TEST(first.rule().reason != "changed here only");
  BOOST_TEST(second.rule().reason == first.rule().reason);
  BOOST_TEST(edited.rule().explanation == first.rule().explanation);
}
