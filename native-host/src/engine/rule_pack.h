// The rule pack: provisions loaded from data (native-host/rules/<family>.json, format 1, described
// by native-host/rules/pack.schema.json) and strictly validated. Every error names the file, the
// rule and the problem (RULE_PACK_INVALID: unknown field, duplicate id, missing explanation, bad
// enum value, a regex that does not compile, a missing-protection rule naming an unknown rule).
//
// Scopes (native-host/rules/scopes.json, optional) say whom a clause applies to ("People in
// California"): a scope's patterns match a scoping phrase ("if you live in California", "Notice to
// California residents"), and the first scope in file order that matches a finding's sentence, or
// else its section heading, is the finding's scope. They are validated as strictly as provisions
// (unknown field, duplicate or malformed id, missing label, a regex that does not compile).
//
// A whole pack travels as one canonical JSON blob, which is what gets signed:
//   {"families":[<family file>, ...sorted by family],"format":1,"scopes":[...],"version":N}
// serialised with sorted keys and no whitespace (nlohmann::json::dump()); "scopes" is there only
// when the rules directory has a scopes.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/finding.h"
#include "protocol/errors.h"

namespace cw::engine {

inline constexpr int kRulePackFormat = 1;

enum class ProvisionKind { kPattern, kMissingProtection };

// A rule's word model (engine/word_model.h): a linear model over a sentence's words and word
// pairs, from its family file's "word_model". Empty: the rule has none.
struct WordModel {
  double bias = 0.0;
  double threshold = 0.0;
  std::vector<std::pair<std::string, float>> weights;  // term ("chats", "your chats"), weight
  [[nodiscard]] bool empty() const { return weights.empty(); }
};

struct Provision {
  std::string id;  // "dispute.arbitration"
  std::string family;
  ProvisionKind kind = ProvisionKind::kPattern;
  std::string title;
  Polarity polarity = Polarity::kRisk;
  Severity severity = Severity::kInfo;
  std::string severity_reason;
  std::vector<std::string> doc_types;  // empty means every type ("*")
  std::vector<std::string> patterns;   // kPattern
  std::vector<std::string> unless;
  std::vector<std::string> when_present;  // kMissingProtection
  std::vector<std::string> when_absent;
  std::string reason;
  std::string explanation;
  std::vector<Reference> references;
  std::vector<std::string> claudette;
  std::vector<int> tosdr_cases;
  std::vector<std::string> examples_match;
  std::vector<std::string> examples_no_match;
  WordModel words;
  std::string file;  // where it was defined, for messages

  [[nodiscard]] bool applies_to(std::string_view doc_type) const;
  // CLAUDETTE labels then "tosdr:<id>", as a Finding carries them.
  [[nodiscard]] std::vector<std::string> labels() const;
};

// Whom a clause applies to, e.g. {"region.california", "People in California"}.
struct Scope {
  std::string id;     // "region.california"
  std::string label;  // "People in California", shown next to the quote
  std::vector<std::string> patterns;
  std::vector<std::string> examples_match;
  std::vector<std::string> examples_no_match;
  std::string file;  // where it was defined, for messages
};

struct RulePack {
  std::int64_t version = 0;
  std::vector<std::string> families;  // in pack order
  std::vector<Provision> provisions;  // in pack order (families sorted, file order within)
  std::vector<Scope> scopes;          // in priority order; empty when the pack has none
  std::string source;                 // "built-in", a file path, or a rules directory

  [[nodiscard]] const Provision* find(std::string_view id) const;
};

// OTA's document-type vocabulary (corpus/ota/terms-types.json), which doc_types must use.
const std::vector<std::string>& known_doc_types();

// Validates one family file's JSON. `file` names it in errors.
Expected<std::vector<Provision>> parse_family(const nlohmann::json& family, std::string_view file,
                                              bool compile_patterns = true);

// Validates a scopes file ({"format": 1, "scopes": [...]}). `file` names it in errors.
Expected<std::vector<Scope>> parse_scopes(const nlohmann::json& scopes, std::string_view file,
                                          bool compile_patterns = true);

// Reads every *.json family file of `dir` (scopes.json and *.schema.json excluded), its
// scopes.json if there is one, and the pack version from `dir`/VERSION; validates each file and the
// pack as a whole.
Expected<RulePack> load_rules_dir(const std::filesystem::path& dir);

// The canonical blob of the family files (and scopes) in `dir` with their version (what is signed).
Expected<std::string> canonical_blob_from_dir(const std::filesystem::path& dir);

// Parses and validates a canonical blob. `source` names it in errors. `compile_patterns` = false
// skips compiling each regex during validation; only for a blob already validated at build time and
// proven unchanged by its signature (Engine::compile still compiles, and reports, every pattern).
Expected<RulePack> parse_pack_blob(std::string_view blob, std::string_view source,
                                   bool compile_patterns = true);

}  // namespace cw::engine
