// Button-role classifier for cookie-banner controls: accept / reject / settings / save / close /
// other, by ordered pattern groups kept as data (native-host/rules/banner/button-roles.json).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>
#include <re2/set.h>

#include "protocol/errors.h"

namespace cw::banner {

enum class Role { kAccept, kReject, kSettings, kSave, kClose, kOther };
std::string_view to_string(Role role);

struct RoleResult {
  Role role = Role::kOther;
  std::string tag;           // the matching group's tag: necessary_only, acknowledge, pay, ...
  bool accept_verb = false;  // an accept verb appears in the text (misleading on a reject)
  bool double_negative = false;
  bool leads_to_settings = false;
};

// Casefolds, strips accents, turns punctuation into spaces and collapses whitespace, so that
// rules are written once per word ("Schließen" -> "schliessen", "J'accepte" -> "j accepte").
std::string normalize_label(std::string_view text);

class RoleClassifier {
 public:
  // Compiles the rule file; RULE_PACK_INVALID names the group and pattern that failed.
  static Expected<RoleClassifier> from_json(const nlohmann::json& rules, std::string_view file);

  RoleClassifier(RoleClassifier&&) noexcept = default;
  RoleClassifier& operator=(RoleClassifier&&) noexcept = default;
  RoleClassifier(const RoleClassifier&) = delete;
  RoleClassifier& operator=(const RoleClassifier&) = delete;
  ~RoleClassifier();

  [[nodiscard]] RoleResult classify(std::string_view text) const;
  // The same on an already normalised label.
  [[nodiscard]] RoleResult classify_normalized(const std::string& label) const;

 private:
  RoleClassifier() = default;
  struct Group {
    Role role = Role::kOther;
    std::string tag;
    std::unique_ptr<RE2> pattern;  // every language's patterns as one alternation
  };
  std::vector<Group> groups_;
  std::unique_ptr<RE2> accept_verb_;
  std::unique_ptr<RE2> double_negative_;
  std::unique_ptr<RE2> leads_to_settings_;
  // Every group, then the three flags, in one set: one pass over a label instead of one per
  // pattern (the judge classifies every control). Null when it did not compile; then the
  // patterns above are tried one by one.
  std::unique_ptr<RE2::Set> all_;
  std::size_t max_words_ = 10;
};

// Compiles a list of RE2 patterns into one alternation; nullptr and `error` set when one is
// invalid.
std::unique_ptr<RE2> compile_alternation(const std::vector<std::string>& patterns,
                                         std::string* error);

}  // namespace cw::banner
