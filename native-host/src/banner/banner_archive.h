// Banner observations in the archive, per site: each visit's observation (banner/observation.h)
// is compared with the site's previous one, and a banner that got worse (a reject removed, boxes
// now pre-ticked) leaves a change record. A repeat of the site's latest observation is not a new
// row, so a banner seen on every visit raises nothing; visits that showed no banner are kept but
// never used as the "before" of a comparison (a consent already given hides the banner, and its
// return must not read as a new bad banner).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "archive/archive.h"
#include "protocol/errors.h"

namespace cw::banner {

struct BannerRecordResult {
  std::int64_t observation_id = 0;
  bool is_new = false;  // differs from the site's previous observation
  // compare_observations(previous, current) plus {id, site, before_id, after_id, summary} when the
  // banner changed; null otherwise. `id` is the stored change record (only when worse), else null.
  nlohmann::json change;
  // The `archive` member of a banner.analyze result: {observation_id, is_new}.
  [[nodiscard]] nlohmann::json archive_json() const;
};

// Records one observation of `site`'s banner, atomically. `seen_at`: ISO 8601 UTC; empty: now.
Expected<BannerRecordResult> record_banner_observation(archive::Archive& archive,
                                                       std::string_view site, std::string_view url,
                                                       const nlohmann::json& observation,
                                                       std::string_view seen_at = {});

// The stored change records of a site (every site when empty), oldest first.
Expected<std::vector<nlohmann::json>> banner_changes(archive::Archive& archive,
                                                     std::string_view site = {});

// One page of a site's banner observations (every site when empty), newest first. Each item is
// the stored observation plus its row: {id, site, url, seen_at, last_seen, times_seen, ...}.
struct BannerObservationPage {
  std::vector<nlohmann::json> observations;
  std::int64_t total = 0;
  std::optional<std::int64_t> next_offset;
};
Expected<BannerObservationPage> banner_observations(archive::Archive& archive,
                                                    std::string_view site, std::int64_t offset,
                                                    std::int64_t limit);

}  // namespace cw::banner
