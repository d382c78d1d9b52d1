// Banner observations for the archive: a small, stable record of what a site's banner offered on
// one visit, and the comparison of two records, so that a banner that got worse (a reject removed,
// boxes now pre-ticked) raises a change. The archive stores the record per site; this file decides
// what "worse" means, so storage needs no banner knowledge.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "banner/judge.h"
#include "banner/snapshot.h"

namespace cw::banner {

// "www.Example.com:443/path" -> "example.com": the key banner observations are kept under.
std::string site_of(std::string_view url);

// {site, cmp, first_layer_accept, first_layer_reject, criteria[], prechecked_count,
//  legitimate_interest_count, tracker_cookies[]} (sorted lists, so equal banners give equal
//  records).
nlohmann::json make_observation(const Snapshot& snapshot, const Verdict& verdict);

// {worse, better, changes: [{kind, criterion?, detail}]}; kinds: reject_removed, reject_added,
// criterion_added, criterion_removed, prechecked_more, prechecked_fewer, cmp_changed.
nlohmann::json compare_observations(const nlohmann::json& before, const nlohmann::json& after);

}  // namespace cw::banner
