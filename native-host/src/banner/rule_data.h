// The banner rule files (native-host/rules/banner/*.json), embedded verbatim at build time.
#pragma once

#include <string_view>

namespace cw::banner::data {

extern const std::string_view k_button_roles;     // button-roles.json
extern const std::string_view k_criteria;         // criteria.json
extern const std::string_view k_implied_consent;  // implied-consent.json
extern const std::string_view k_tracker_cookies;  // tracker-cookies.json
extern const std::string_view k_cmp_markers;      // cmp-markers.json

}  // namespace cw::banner::data
