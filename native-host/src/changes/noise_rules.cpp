#include "changes/noise_rules.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "changes/noise_data.h"

namespace cw::changes {
namespace {

Error invalid(std::string_view file, std::string_view field, std::string detail) {
  return Error::make(ErrorCode::RULE_PACK_INVALID,
                     {{"file", file}, {"rule", field}, {"detail", std::move(detail)}});
}

bool is_lower_ascii(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; });
}

// A non-empty array of non-empty lower-case strings at object[key].
Expected<std::vector<std::string>> string_list(const nlohmann::json& object, const char* key,
                                               std::string_view file) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_array() || it->empty()) {
    return invalid(file, key, "must be a non-empty array of strings");
  }
  std::vector<std::string> out;
  for (const auto& item : *it) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      return invalid(file, key, "every entry must be a non-empty string");
    }
    const auto& text = item.get_ref<const std::string&>();
    if (!is_lower_ascii(text)) return invalid(file, key, "'" + text + "' must be lower case");
    out.push_back(text);
  }
  return out;
}

// One case-insensitive RE2 matching any of `alternatives` (each already RE2 syntax).
Expected<std::unique_ptr<RE2>> alternation(const std::vector<std::string>& alternatives,
                                           const char* key, std::string_view file) {
  std::string pattern = "(?i)(";
  for (std::size_t i = 0; i < alternatives.size(); ++i) {
    if (i != 0) pattern.push_back('|');
    pattern.append(alternatives[i]);
  }
  pattern.push_back(')');
  auto re = std::make_unique<RE2>(pattern, RE2::Quiet);
  if (!re->ok()) return invalid(file, key, "does not compile: " + re->error());
  return re;
}

}  // namespace

Expected<NoiseRules> parse_noise_rules(std::string_view json, std::string_view file) {
  const auto doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return invalid(file, "", "not a JSON object");
  const auto dialog = doc.find("consent_dialog");
  const auto unavailable = doc.find("unavailable_page");
  if (dialog == doc.end() || !dialog->is_object()) {
    return invalid(file, "consent_dialog", "must be an object");
  }
  if (unavailable == doc.end() || !unavailable->is_object()) {
    return invalid(file, "unavailable_page", "must be an object");
  }
  NoiseRules rules;
  auto markers = string_list(*dialog, "markers", file);
  if (!markers) return markers.error();
  rules.dialog_markers = std::move(*markers);
  auto labels = string_list(*dialog, "button_labels", file);
  if (!labels) return labels.error();
  rules.button_labels = std::move(*labels);
  // A shorter label consumed first would split a longer one ("accept" inside "accept all").
  for (std::size_t i = 0; i < rules.button_labels.size(); ++i) {
    for (std::size_t j = i + 1; j < rules.button_labels.size(); ++j) {
      if (rules.button_labels[j].find(rules.button_labels[i]) != std::string::npos) {
        return invalid(file, "button_labels",
                       "'" + rules.button_labels[j] + "' must come before '" +
                           rules.button_labels[i] + "', which it contains");
      }
    }
  }
  struct RegexField {
    const nlohmann::json& object;
    const char* key;
    std::unique_ptr<RE2>* target;
  };
  for (const RegexField& field : {RegexField{*dialog, "dialog_words", &rules.dialog_words},
                                  RegexField{*dialog, "lead_words", &rules.lead_words},
                                  RegexField{*unavailable, "patterns", &rules.unavailable_page}}) {
    auto words = string_list(field.object, field.key, file);
    if (!words) return words.error();
    auto re = alternation(*words, field.key, file);
    if (!re) return re.error();
    *field.target = std::move(*re);
  }
  return rules;
}

const NoiseRules& noise_rules() {
  static const NoiseRules kRules = [] {
    auto parsed = parse_noise_rules(data::k_noise, "noise/noise.json");
    if (!parsed) {
      std::fprintf(stderr, "built-in noise rules: %s\n", parsed.error().message.c_str());
      std::abort();
    }
    return std::move(*parsed);
  }();
  return kRules;
}

}  // namespace cw::changes
