// The cookie-banner judge: one finding per criterion met (docs COOKIE-BANNERS.md), each with its
// evidence, a one-line explanation and the law it touches. Pure: no I/O, no clock.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "banner/role_classifier.h"
#include "banner/rules.h"
#include "banner/snapshot.h"
#include "engine/finding.h"

namespace cw::banner {

struct ClassifiedControl {
  const Control* control = nullptr;
  int layer = 0;
  RoleResult role;
  bool link_styled = false;  // looks like a text link, not a button
};

struct BannerFinding {
  engine::Finding finding;  // rule_id "banner.CB-01", family "cookies"
  std::string criterion;    // "CB-01"
  nlohmann::json evidence;  // structured: control texts, styles, states, cookie names
};

struct Verdict {
  bool banner_found = false;
  std::vector<ClassifiedControl> controls;  // every control of every layer, classified
  std::vector<BannerFinding> findings;      // in criterion order
  bool first_layer_accept = false;
  bool first_layer_reject = false;
  std::vector<std::string> prechecked;           // labels of pre-ticked optional purposes
  std::vector<std::string> legitimate_interest;  // labels of LI switches on by default
  std::vector<std::string> tracker_cookies;
};

Verdict judge(const Snapshot& snapshot, const BannerRules& rules);

// The banner.analyze result object (PROTOCOL.md): findings as provision findings plus the
// criterion id and structured evidence, the classified first-layer controls and a summary.
nlohmann::json to_json(const Snapshot& snapshot, const Verdict& verdict);

}  // namespace cw::banner
