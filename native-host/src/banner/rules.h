// The banner rule data (native-host/rules/banner/), compiled once per process.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "banner/role_classifier.h"
#include "engine/finding.h"
#include "protocol/errors.h"

namespace cw::banner {

struct Criterion {
  std::string id;  // CB-01
  std::string title;
  engine::Severity severity = engine::Severity::kWarning;
  std::string explanation;
  std::vector<engine::Reference> references;
};

struct TrackerMatch {
  std::string vendor;
  std::string purpose;
};

struct Thresholds {
  double min_reject_contrast = 3.0;
  double max_accept_to_reject_contrast = 2.0;
  double max_accept_to_reject_area = 2.5;
  double min_reject_opacity = 0.5;
  double wall_viewport_share = 0.8;
  int forced_action_min_links = 3;
  double forced_action_blocked_share = 0.8;
};

class BannerRules {
 public:
  // Compiles the embedded rule files; RULE_PACK_INVALID on a bad file (a build-time mistake).
  static Expected<std::unique_ptr<BannerRules>> load_embedded();
  // The process-wide instance (compiled on first use), or the error that stopped it.
  static Expected<const BannerRules*> instance();

  [[nodiscard]] const RoleClassifier& classifier() const { return *classifier_; }
  [[nodiscard]] const Criterion& criterion(std::string_view id) const;
  [[nodiscard]] const Thresholds& thresholds() const { return thresholds_; }
  // The tracker a cookie name belongs to, if it is on the list.
  [[nodiscard]] const TrackerMatch* tracker_for_cookie(std::string_view name) const;
  // Matches on normalised text (normalize_label).
  [[nodiscard]] bool implied_consent(const std::string& text, std::string* quote) const;
  [[nodiscard]] bool states_vendor_count(const std::string& text) const;
  [[nodiscard]] bool legitimate_interest(const std::string& text) const;
  [[nodiscard]] bool necessary_label(const std::string& text) const;

 private:
  std::unique_ptr<RoleClassifier> classifier_;
  std::map<std::string, Criterion, std::less<>> criteria_;
  Thresholds thresholds_;
  std::unique_ptr<RE2> implied_;
  std::unique_ptr<RE2> vendor_count_;
  std::unique_ptr<RE2> legitimate_interest_;
  std::unique_ptr<RE2> necessary_;
  struct Tracker {
    TrackerMatch match;
    std::vector<std::string> exact;
    std::vector<std::string> prefix;
    std::unique_ptr<RE2> pattern;
  };
  std::vector<Tracker> trackers_;
};

}  // namespace cw::banner
