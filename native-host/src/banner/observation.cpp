#include "banner/observation.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <vector>

namespace cw::banner {

std::string site_of(std::string_view url) {
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos)
    url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (const auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  if (!url.empty() && url.front() != '[') url = url.substr(0, url.find(':'));
  std::string host(url);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host.rfind("www.", 0) == 0) host.erase(0, 4);
  return host;
}

nlohmann::json make_observation(const Snapshot& snapshot, const Verdict& verdict) {
  std::vector<std::string> criteria;
  for (const auto& f : verdict.findings) criteria.push_back(f.criterion);
  std::sort(criteria.begin(), criteria.end());
  std::vector<std::string> trackers = verdict.tracker_cookies;
  std::sort(trackers.begin(), trackers.end());
  return {{"site", site_of(snapshot.url)},
          {"cmp", snapshot.cmp_id},
          {"banner_found", verdict.banner_found},
          {"first_layer_accept", verdict.first_layer_accept},
          {"first_layer_reject", verdict.first_layer_reject},
          {"criteria", criteria},
          {"prechecked_count", verdict.prechecked.size()},
          {"legitimate_interest_count", verdict.legitimate_interest.size()},
          {"tracker_cookies", trackers}};
}

nlohmann::json compare_observations(const nlohmann::json& before, const nlohmann::json& after) {
  nlohmann::json changes = nlohmann::json::array();
  bool worse = false;
  bool better = false;
  const bool had_reject = before.value("first_layer_reject", false);
  const bool has_reject = after.value("first_layer_reject", false);
  if (before.value("banner_found", false) && after.value("banner_found", false)) {
    if (had_reject && !has_reject) {
      changes.push_back(
          {{"kind", "reject_removed"}, {"detail", "The first layer no longer offers a reject"}});
      worse = true;
    } else if (!had_reject && has_reject) {
      changes.push_back(
          {{"kind", "reject_added"}, {"detail", "The first layer now offers a reject"}});
      better = true;
    }
  }
  auto as_set = [](const nlohmann::json& list) {
    std::set<std::string> out;
    if (list.is_array()) {
      for (const auto& item : list) {
        if (item.is_string()) out.insert(item.get<std::string>());
      }
    }
    return out;
  };
  const auto old_criteria = as_set(before.value("criteria", nlohmann::json::array()));
  const auto new_criteria = as_set(after.value("criteria", nlohmann::json::array()));
  for (const auto& c : new_criteria) {
    if (old_criteria.count(c) == 0) {
      changes.push_back(
          {{"kind", "criterion_added"}, {"criterion", c}, {"detail", c + " is now met"}});
      worse = true;
    }
  }
  for (const auto& c : old_criteria) {
    if (new_criteria.count(c) == 0) {
      changes.push_back(
          {{"kind", "criterion_removed"}, {"criterion", c}, {"detail", c + " is no longer met"}});
      better = true;
    }
  }
  const auto old_pre = before.value("prechecked_count", 0);
  const auto new_pre = after.value("prechecked_count", 0);
  if (new_pre > old_pre) {
    changes.push_back(
        {{"kind", "prechecked_more"},
         {"detail", std::to_string(new_pre - old_pre) + " more purpose(s) pre-ticked"}});
    worse = true;
  } else if (new_pre < old_pre) {
    changes.push_back(
        {{"kind", "prechecked_fewer"},
         {"detail", std::to_string(old_pre - new_pre) + " fewer purpose(s) pre-ticked"}});
    better = true;
  }
  if (before.value("cmp", "") != after.value("cmp", "")) {
    changes.push_back({{"kind", "cmp_changed"},
                       {"detail", "Consent platform changed from '" + before.value("cmp", "") +
                                      "' to '" + after.value("cmp", "") + "'"}});
  }
  return {{"worse", worse}, {"better", better}, {"changes", std::move(changes)}};
}

}  // namespace cw::banner
