// The noise-suppression data (native-host/rules/noise/noise.json), parsed once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "protocol/errors.h"

namespace cw::changes {

struct NoiseRules {
  std::vector<std::string> dialog_markers;  // lower-case consent-dialog UI text
  std::vector<std::string> button_labels;   // lower-case, longest first
  std::unique_ptr<RE2> dialog_words;        // a long block that reads as dialog text
  std::unique_ptr<RE2> lead_words;          // the dialog's sentences before its buttons
  std::unique_ptr<RE2> unavailable_page;    // error and bot-check pages
};

// Parses a noise file. RULE_PACK_INVALID names the file, the field and the problem.
Expected<NoiseRules> parse_noise_rules(std::string_view json, std::string_view file);

// The built-in rules, embedded at build time. The build's own data is checked by
// changes_meaning_test, so a failure here is a broken build and aborts with the error.
const NoiseRules& noise_rules();

}  // namespace cw::changes
