#include "banner/rules.h"

#include <mutex>

#include "banner/rule_data.h"
#include "common/bounded_json.h"

namespace cw::banner {
namespace {

Error invalid(std::string_view file, std::string_view rule, std::string detail) {
  return Error::make(ErrorCode::RULE_PACK_INVALID,
                     {{"file", file}, {"rule", rule}, {"detail", std::move(detail)}});
}

std::vector<std::string> strings_of(const nlohmann::json& json) {
  std::vector<std::string> out;
  if (json.is_array()) {
    for (const auto& item : json) out.push_back(item.get<std::string>());
  } else if (json.is_object()) {  // per-language lists
    for (const auto& [language, list] : json.items()) {
      if (language.front() == '$') continue;
      for (const auto& item : list) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

engine::Severity severity_from(std::string_view name) {
  if (name == "critical") return engine::Severity::kCritical;
  if (name == "warning") return engine::Severity::kWarning;
  if (name == "caution") return engine::Severity::kCaution;
  return engine::Severity::kInfo;
}

}  // namespace

Expected<std::unique_ptr<BannerRules>> BannerRules::load_embedded() {
  auto rules = std::make_unique<BannerRules>();
  try {
    auto roles = parse_bounded_json(data::k_button_roles);
    if (!roles) return invalid("button-roles.json", "", roles.error().message);
    auto classifier = RoleClassifier::from_json(*roles, "button-roles.json");
    if (!classifier) return classifier.error();
    rules->classifier_ = std::make_unique<RoleClassifier>(std::move(*classifier));

    auto criteria = parse_bounded_json(data::k_criteria);
    if (!criteria) return invalid("criteria.json", "", criteria.error().message);
    const auto& references = criteria->at("references");
    for (const auto& [id, spec] : criteria->at("criteria").items()) {
      Criterion criterion{id,
                          spec.at("title").get<std::string>(),
                          severity_from(spec.at("severity").get<std::string>()),
                          spec.at("explanation").get<std::string>(),
                          {}};
      for (const auto& key : spec.at("references")) {
        const auto& ref = references.at(key.get<std::string>());
        criterion.references.push_back(
            {ref.at("law").get<std::string>(), ref.at("article").get<std::string>()});
      }
      rules->criteria_.emplace(id, std::move(criterion));
    }
    const auto& t = criteria->at("thresholds");
    rules->thresholds_ = Thresholds{t.at("min_reject_contrast").get<double>(),
                                    t.at("max_accept_to_reject_contrast").get<double>(),
                                    t.at("max_accept_to_reject_area").get<double>(),
                                    t.at("min_reject_opacity").get<double>(),
                                    t.at("wall_viewport_share").get<double>(),
                                    t.at("forced_action_min_links").get<int>(),
                                    t.at("forced_action_blocked_share").get<double>()};

    auto implied = parse_bounded_json(data::k_implied_consent);
    if (!implied) return invalid("implied-consent.json", "", implied.error().message);
    std::string error;
    auto compile = [&](const char* section, const nlohmann::json& patterns,
                       std::unique_ptr<RE2>& out) -> Status {
      out = compile_alternation(strings_of(patterns), &error);
      if (out == nullptr) return invalid("implied-consent.json", section, error);
      return ok_status();
    };
    if (auto s = compile("patterns", implied->at("patterns"), rules->implied_); !s)
      return s.error();
    // One capturing group around the alternation, so a match can be quoted.
    rules->implied_ =
        std::make_unique<RE2>("(" + rules->implied_->pattern() + ")", rules->implied_->options());
    if (auto s = compile("vendor_count", implied->at("vendor_count").at("patterns"),
                         rules->vendor_count_);
        !s) {
      return s.error();
    }
    if (auto s = compile("legitimate_interest", implied->at("legitimate_interest").at("patterns"),
                         rules->legitimate_interest_);
        !s) {
      return s.error();
    }
    if (auto s = compile("necessary_label", implied->at("necessary_label").at("patterns"),
                         rules->necessary_);
        !s) {
      return s.error();
    }

    auto trackers = parse_bounded_json(data::k_tracker_cookies);
    if (!trackers) return invalid("tracker-cookies.json", "", trackers.error().message);
    for (const auto& entry : trackers->at("trackers")) {
      Tracker tracker;
      tracker.match = {entry.at("vendor").get<std::string>(),
                       entry.at("purpose").get<std::string>()};
      tracker.exact = strings_of(entry.value("exact", nlohmann::json::array()));
      tracker.prefix = strings_of(entry.value("prefix", nlohmann::json::array()));
      auto patterns = strings_of(entry.value("pattern", nlohmann::json::array()));
      if (!patterns.empty()) {
        for (auto& p : patterns) p.insert(0, "^(?:").append(")$");
        tracker.pattern = compile_alternation(patterns, &error);
        if (tracker.pattern == nullptr) {
          return invalid("tracker-cookies.json", tracker.match.vendor, error);
        }
      }
      rules->trackers_.push_back(std::move(tracker));
    }
  } catch (const nlohmann::json::exception& e) {
    return invalid("banner rules", "", e.what());
  }
  return rules;
}

Expected<const BannerRules*> BannerRules::instance() {
  static std::once_flag once;
  static std::unique_ptr<BannerRules> rules;
  static Error failure;
  std::call_once(once, [] {
    auto loaded = load_embedded();
    if (loaded) {
      rules = std::move(*loaded);
    } else {
      failure = loaded.error();
    }
  });
  if (rules == nullptr) return failure;
  return static_cast<const BannerRules*>(rules.get());
}

const Criterion& BannerRules::criterion(std::string_view id) const {
  static const Criterion kUnknown{"", "", engine::Severity::kInfo, "", {}};
  const auto it = criteria_.find(id);
  return it == criteria_.end() ? kUnknown : it->second;
}

const TrackerMatch* BannerRules::tracker_for_cookie(std::string_view name) const {
  for (const auto& tracker : trackers_) {
    for (const auto& exact : tracker.exact) {
      if (name == exact) return &tracker.match;
    }
    for (const auto& prefix : tracker.prefix) {
      if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix) {
        return &tracker.match;
      }
    }
    if (tracker.pattern != nullptr && RE2::FullMatch(name, *tracker.pattern)) return &tracker.match;
  }
  return nullptr;
}

bool BannerRules::implied_consent(const std::string& text, std::string* quote) const {
  re2::StringPiece match;
  if (!RE2::PartialMatch(text, *implied_, &match)) return false;
  if (quote != nullptr) *quote = std::string(match.data(), match.size());
  return true;
}

bool BannerRules::states_vendor_count(const std::string& text) const {
  return RE2::PartialMatch(text, *vendor_count_);
}

bool BannerRules::legitimate_interest(const std::string& text) const {
  return RE2::PartialMatch(text, *legitimate_interest_);
}

bool BannerRules::necessary_label(const std::string& text) const {
  return RE2::PartialMatch(text, *necessary_);
}

}  // namespace cw::banner
