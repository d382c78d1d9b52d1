// archive.banner_changes: a site's cookie-banner observations, newest first, and the change records
// stored where its banner got worse (PROTOCOL.md, "archive.banner_changes").
#include "actions/actions.h"
#include "archive/service.h"
#include "banner/banner_archive.h"
#include "banner/observation.h"
#include "common/limits.h"
#include "protocol/payload.h"

namespace cw::actions {
namespace {

constexpr std::string_view kType = "archive.banner_changes";

Expected<nlohmann::json> archive_banner_changes(const nlohmann::json& payload, ActionContext& ctx) {
  auto site_in = payload::optional_string(payload, kType, "site", 2048);
  if (!site_in) return site_in.error();
  auto offset = payload::optional_int(payload, kType, "offset", 0, INT64_MAX, 0);
  if (!offset) return offset.error();
  auto limit = payload::optional_int(payload, kType, "limit", 1, limits::kMaxHistoryPageRows, 50);
  if (!limit) return limit.error();
  // A URL or a host names the same site the banner was stored under (www. and port dropped).
  const std::string site = site_in->empty() ? std::string() : banner::site_of(*site_in);
  if (!site_in->empty() && site.empty()) {
    return payload::invalid(kType, "'site' names no host");
  }

  auto archive = archive::archive_for(ctx);
  if (!archive) return archive.error();
  auto page = banner::banner_observations(**archive, site, *offset, *limit);
  if (!page) return page.error();
  auto changes = banner::banner_changes(**archive, site);
  if (!changes) return changes.error();
  nlohmann::json change_list = nlohmann::json::array();
  // Newest first, like the observations; a site has few (flapping adds none, R-BANNER-7).
  const auto shown = std::min<std::size_t>(changes->size(), limits::kMaxHistoryPageRows);
  for (std::size_t i = 0; i < shown; ++i)
    change_list.push_back((*changes)[changes->size() - 1 - i]);
  nlohmann::json observations = nlohmann::json::array();
  for (auto& o : page->observations) observations.push_back(std::move(o));
  return nlohmann::json{{"site", site.empty() ? nlohmann::json(nullptr) : nlohmann::json(site)},
                        {"observations", std::move(observations)},
                        {"total", page->total},
                        {"next_offset", page->next_offset ? nlohmann::json(*page->next_offset)
                                                          : nlohmann::json(nullptr)},
                        {"changes", std::move(change_list)},
                        {"changes_total", changes->size()}};
}

}  // namespace

const ActionSpec kArchiveBannerChanges{
    kType, &archive_banner_changes,
    "a site's cookie-banner observations and the changes where its banner got worse"};

}  // namespace cw::actions
