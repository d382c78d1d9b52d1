#include "banner/role_classifier.h"

#include <algorithm>
#include <cstdlib>

#include <utf8proc.h>

namespace cw::banner {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::kAccept:
      return "accept";
    case Role::kReject:
      return "reject";
    case Role::kSettings:
      return "settings";
    case Role::kSave:
      return "save";
    case Role::kClose:
      return "close";
    case Role::kOther:
      return "other";
  }
  return "other";
}

namespace {

Expected<Role> role_from_string(std::string_view name) {
  for (Role role :
       {Role::kAccept, Role::kReject, Role::kSettings, Role::kSave, Role::kClose, Role::kOther}) {
    if (to_string(role) == name) return role;
  }
  return Error::make(ErrorCode::RULE_PACK_INVALID,
                     {{"file", "button-roles.json"}, {"rule", name}, {"detail", "unknown role"}});
}

bool is_word_byte(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Appends the casefolded, accent-stripped form of a run of UTF-8 text with no ASCII byte in it.
void fold_non_ascii(std::string_view run, std::string& out) {
  utf8proc_uint8_t* mapped = nullptr;
  const auto options =
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                                     UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
  const utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(run.data()),
                   static_cast<utf8proc_ssize_t>(run.size()), &mapped, options);
  if (length >= 0 && mapped != nullptr) {
    out.append(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(length));
  } else {
    out.append(run);  // invalid UTF-8 was rejected earlier; keep the bytes if it slips through
  }
  std::free(mapped);
}

}  // namespace

std::string normalize_label(std::string_view text) {
  // ASCII needs only lower-casing; utf8proc (most of the judge's time when it mapped whole banner
  // texts) sees the non-ASCII runs alone. Splitting there changes nothing: marks are stripped
  // after decomposition, so no ASCII letter composes with what follows it.
  std::string folded;
  folded.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && static_cast<unsigned char>(text[pos]) < 0x80) {
      const char c = text[pos++];
      folded.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    std::size_t end = pos;
    while (end < text.size() && static_cast<unsigned char>(text[end]) >= 0x80) ++end;
    if (end > pos) fold_non_ascii(text.substr(pos, end - pos), folded);
    pos = end;
  }
  std::string out;
  out.reserve(folded.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < folded.size(); ++i) {
    const auto c = static_cast<unsigned char>(folded[i]);
    // Typographic apostrophes, quotes and spaces (U+2018/2019/201C/201D, U+00A0, U+00D7 times
    // sign).
    if (c == 0xE2 && i + 2 < folded.size() && static_cast<unsigned char>(folded[i + 1]) == 0x80) {
      pending_space = !out.empty();
      i += 2;
      continue;
    }
    if (c == 0xC2 && i + 1 < folded.size() && static_cast<unsigned char>(folded[i + 1]) == 0xA0) {
      pending_space = !out.empty();
      i += 1;
      continue;
    }
    if (c == 0xC3 && i + 1 < folded.size() && static_cast<unsigned char>(folded[i + 1]) == 0x97) {
      if (pending_space) out.push_back(' ');
      out.push_back('x');  // the multiplication sign used as a close icon
      pending_space = false;
      i += 1;
      continue;
    }
    if (is_word_byte(c)) {
      if (pending_space) out.push_back(' ');
      out.push_back(static_cast<char>(c));
      pending_space = false;
    } else {
      pending_space = !out.empty();
    }
  }
  return out;
}

std::unique_ptr<RE2> compile_alternation(const std::vector<std::string>& patterns,
                                         std::string* error) {
  std::string joined;
  for (const auto& pattern : patterns) {
    RE2 probe(pattern, RE2::Quiet);
    if (!probe.ok()) {
      if (error != nullptr) *error = "pattern '" + pattern + "': " + probe.error();
      return nullptr;
    }
    if (!joined.empty()) joined += '|';
    joined += "(?:" + pattern + ")";
  }
  if (joined.empty()) joined = "$^";  // matches nothing
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);
  auto compiled = std::make_unique<RE2>(joined, options);
  if (!compiled->ok()) {
    if (error != nullptr) *error = compiled->error();
    return nullptr;
  }
  return compiled;
}

RoleClassifier::~RoleClassifier() = default;

Expected<RoleClassifier> RoleClassifier::from_json(const nlohmann::json& rules,
                                                   std::string_view file) {
  auto invalid = [&](std::string_view rule, std::string detail) {
    return Error::make(ErrorCode::RULE_PACK_INVALID,
                       {{"file", file}, {"rule", rule}, {"detail", std::move(detail)}});
  };
  if (!rules.is_object() || !rules.contains("groups") || !rules["groups"].is_array()) {
    return invalid("groups", "missing 'groups' array");
  }
  RoleClassifier classifier;
  classifier.max_words_ = rules.value("max_words", std::size_t{10});
  for (const auto& group : rules["groups"]) {
    const std::string role_name = group.value("role", "");
    auto role = role_from_string(role_name);
    if (!role) return role.error();
    std::vector<std::string> patterns;
    if (!group.contains("patterns") || !group["patterns"].is_object()) {
      return invalid(role_name, "group without 'patterns'");
    }
    for (const auto& [language, list] : group["patterns"].items()) {
      if (!list.is_array()) return invalid(role_name, "patterns." + language + " is not a list");
      for (const auto& pattern : list) patterns.push_back(pattern.get<std::string>());
    }
    std::string error;
    Group compiled{*role, group.value("tag", ""), compile_alternation(patterns, &error)};
    if (compiled.pattern == nullptr) return invalid(role_name, error);
    classifier.groups_.push_back(std::move(compiled));
  }
  const auto& flags = rules.value("flags", nlohmann::json::object());
  auto flag = [&](const char* name, std::unique_ptr<RE2>& out) -> Status {
    std::vector<std::string> patterns;
    if (flags.contains(name)) {
      for (const auto& p : flags[name].value("patterns", nlohmann::json::array())) {
        patterns.push_back(p.get<std::string>());
      }
    }
    std::string error;
    out = compile_alternation(patterns, &error);
    if (out == nullptr) return invalid(name, error);
    return ok_status();
  };
  for (auto [name, slot] : {std::pair{"accept_verb", &classifier.accept_verb_},
                            std::pair{"double_negative", &classifier.double_negative_},
                            std::pair{"leads_to_settings", &classifier.leads_to_settings_}}) {
    if (auto status = flag(name, *slot); !status) return status.error();
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(32 << 20);
  auto set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  bool added = true;
  for (const auto& group : classifier.groups_)
    added = added && set->Add(group.pattern->pattern(), nullptr) >= 0;
  for (const auto* flag_pattern :
       {&classifier.accept_verb_, &classifier.double_negative_, &classifier.leads_to_settings_}) {
    added = added && set->Add((*flag_pattern)->pattern(), nullptr) >= 0;
  }
  if (added && set->Compile()) classifier.all_ = std::move(set);
  return classifier;
}

RoleResult RoleClassifier::classify(std::string_view text) const {
  return classify_normalized(normalize_label(text));
}

RoleResult RoleClassifier::classify_normalized(const std::string& label) const {
  RoleResult result;
  if (label.empty()) return result;
  // Long texts are descriptions or links inside prose, not choices.
  std::size_t words = 1;
  for (char c : label) words += c == ' ' ? 1 : 0;
  if (all_ != nullptr) {
    std::vector<int> hits;
    RE2::Set::ErrorInfo info{};
    const bool matched = all_->Match(label, &hits, &info);
    if (matched || info.kind == RE2::Set::kNoError) {
      const int groups = static_cast<int>(groups_.size());
      int first_group = groups;
      for (int hit : hits) {
        if (hit < groups) first_group = std::min(first_group, hit);
        result.accept_verb = result.accept_verb || hit == groups;
        result.double_negative = result.double_negative || hit == groups + 1;
        result.leads_to_settings = result.leads_to_settings || hit == groups + 2;
      }
      if (words <= max_words_ && first_group < groups) {
        const Group& group = groups_[static_cast<std::size_t>(first_group)];
        result.role = group.role;
        result.tag = group.tag;
      }
      return result;
    }
    // Out of DFA memory on an odd label: the patterns one by one below.
  }
  result.accept_verb = RE2::PartialMatch(label, *accept_verb_);
  result.double_negative = RE2::PartialMatch(label, *double_negative_);
  result.leads_to_settings = RE2::PartialMatch(label, *leads_to_settings_);
  if (words > max_words_) return result;
  for (const auto& group : groups_) {
    if (RE2::PartialMatch(label, *group.pattern)) {
      result.role = group.role;
      result.tag = group.tag;
      return result;
    }
  }
  return result;
}

}  // namespace cw::banner
