#include "banner/banner_archive.h"

#include "archive/service.h"
#include "archive/sql.h"
#include "banner/observation.h"
#include "crypto/primitives.h"

namespace cw::banner {
namespace {

using archive::sql::Statement;

std::string summary_of(const nlohmann::json& comparison) {
  std::string summary;
  for (const auto& change : comparison.value("changes", nlohmann::json::array())) {
    if (!summary.empty()) summary += "; ";
    summary += change.value("detail", change.value("kind", ""));
  }
  return summary;
}

struct Previous {
  std::int64_t id = 0;
  std::string fingerprint;
  nlohmann::json observation;
};

// The site's latest observation (only those that found a banner when `found_only`).
Expected<std::optional<Previous>> latest(sqlite3* db, std::string_view site, bool found_only) {
  Statement get(db, found_only ? "SELECT id, fingerprint, observation_json FROM "
                                 "banner_observations WHERE site = ? AND banner_found = 1 "
                                 "ORDER BY id DESC LIMIT 1"
                               : "SELECT id, fingerprint, observation_json FROM "
                                 "banner_observations WHERE site = ? ORDER BY id DESC LIMIT 1");
  get.bind(1, site);
  auto row = get.step();
  if (!row) return row.error();
  if (!*row) return std::optional<Previous>{};
  Previous previous{get.int64(0), get.text(1), nlohmann::json::parse(get.text(2), nullptr, false)};
  if (previous.observation.is_discarded()) {
    return Error::make(
        ErrorCode::ARCHIVE_CORRUPT,
        {{"detail", "banner observation " + std::to_string(previous.id) + " is not JSON"}});
  }
  return std::optional<Previous>{std::move(previous)};
}

// Whether this same before -> after banner change was already recorded for the site (a site
// alternating between two banners raises the change once, not on every swap).
Expected<std::optional<std::int64_t>> recorded_before(sqlite3* db, std::string_view site,
                                                      std::string_view before_fingerprint,
                                                      std::string_view after_fingerprint) {
  Statement get(db,
                "SELECT c.id FROM banner_changes c "
                "JOIN banner_observations b ON b.id = c.before_id "
                "JOIN banner_observations a ON a.id = c.after_id "
                "WHERE c.site = ? AND b.fingerprint = ? AND a.fingerprint = ? LIMIT 1");
  get.bind(1, site).bind(2, before_fingerprint).bind(3, after_fingerprint);
  auto row = get.step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>{get.int64(0)};
}

}  // namespace

nlohmann::json BannerRecordResult::archive_json() const {
  return {{"observation_id", observation_id}, {"is_new", is_new}};
}

Expected<BannerRecordResult> record_banner_observation(archive::Archive& archive,
                                                       std::string_view site, std::string_view url,
                                                       const nlohmann::json& observation,
                                                       std::string_view seen_at) {
  sqlite3* db = archive.handle();
  const std::string when = seen_at.empty() ? archive::now_iso8601() : std::string(seen_at);
  // nlohmann objects keep keys sorted and observations keep lists sorted, so equal banners dump
  // to equal text.
  const std::string json_text = observation.dump();
  const std::string fingerprint = crypto::blake2b_hex(json_text);
  const bool banner_found = observation.value("banner_found", false);

  archive::sql::Transaction tx(db);
  if (auto s = tx.begin(); !s) return s.error();
  BannerRecordResult result;
  result.change = nullptr;

  auto last = latest(db, site, false);
  if (!last) return last.error();
  if (*last && (*last)->fingerprint == fingerprint) {
    Statement bump(db,
                   "UPDATE banner_observations SET times_seen = times_seen + 1, "
                   "last_seen = max(last_seen, ?) WHERE id = ?");
    bump.bind(1, when).bind(2, (*last)->id);
    if (auto s = bump.run(); !s) return s.error();
    if (auto s = tx.commit(); !s) return s.error();
    result.observation_id = (*last)->id;
    return result;
  }

  // The "before" is read first: the new row must not be its own predecessor.
  std::optional<Previous> before;
  if (banner_found) {
    auto found = latest(db, site, true);
    if (!found) return found.error();
    before = std::move(*found);
  }

  Statement insert(db,
                   "INSERT INTO banner_observations(site, seen_at, last_seen, url, banner_found, "
                   "observation_json, fingerprint) VALUES(?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, site)
      .bind(2, when)
      .bind(3, when)
      .bind(4, url)
      .bind(5, std::int64_t{banner_found ? 1 : 0})
      .bind(6, json_text)
      .bind(7, fingerprint);
  if (auto s = insert.run(); !s) return s.error();
  result.observation_id = sqlite3_last_insert_rowid(db);
  result.is_new = true;

  if (before) {
    nlohmann::json comparison = compare_observations(before->observation, observation);
    if (!comparison["changes"].empty()) {
      const std::string summary = summary_of(comparison);
      comparison["id"] = nullptr;
      comparison["site"] = std::string(site);
      comparison["before_id"] = before->id;
      comparison["after_id"] = result.observation_id;
      comparison["summary"] = summary;
      if (comparison.value("worse", false)) {
        auto earlier = recorded_before(db, site, before->fingerprint, fingerprint);
        if (!earlier) return earlier.error();
        if (*earlier) {
          comparison["id"] = **earlier;
          comparison["repeat"] = true;
        } else {
          comparison["created_at"] = when;
          Statement store(db,
                          "INSERT INTO banner_changes(site, before_id, after_id, created_at, "
                          "summary, json) VALUES(?, ?, ?, ?, ?, ?)");
          store.bind(1, site)
              .bind(2, before->id)
              .bind(3, result.observation_id)
              .bind(4, when)
              .bind(5, summary)
              .bind(6, comparison.dump());
          if (auto s = store.run(); !s) return s.error();
          comparison["id"] = sqlite3_last_insert_rowid(db);
        }
      }
      result.change = std::move(comparison);
    }
  }
  if (auto s = tx.commit(); !s) return s.error();
  return result;
}

Expected<std::vector<nlohmann::json>> banner_changes(archive::Archive& archive,
                                                     std::string_view site) {
  Statement get(archive.handle(),
                "SELECT id, json FROM banner_changes WHERE ? = '' OR site = ? ORDER BY id");
  get.bind(1, site).bind(2, site);
  std::vector<nlohmann::json> out;
  for (;;) {
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) break;
    nlohmann::json change = nlohmann::json::parse(get.text(1), nullptr, false);
    if (change.is_discarded()) {
      return Error::make(
          ErrorCode::ARCHIVE_CORRUPT,
          {{"detail", "banner change " + std::to_string(get.int64(0)) + " is not JSON"}});
    }
    change["id"] = get.int64(0);
    out.push_back(std::move(change));
  }
  return out;
}

Expected<BannerObservationPage> banner_observations(archive::Archive& archive,
                                                    std::string_view site, std::int64_t offset,
                                                    std::int64_t limit) {
  sqlite3* db = archive.handle();
  BannerObservationPage page;
  {
    Statement count(db, "SELECT count(*) FROM banner_observations WHERE ? = '' OR site = ?");
    count.bind(1, site).bind(2, site);
    auto row = count.step();
    if (!row) return row.error();
    page.total = *row ? count.int64(0) : 0;
  }
  Statement get(db,
                "SELECT id, site, url, seen_at, last_seen, times_seen, observation_json "
                "FROM banner_observations WHERE ? = '' OR site = ? ORDER BY id DESC LIMIT ? "
                "OFFSET ?");
  get.bind(1, site).bind(2, site).bind(3, limit).bind(4, offset);
  for (;;) {
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) break;
    nlohmann::json item = nlohmann::json::parse(get.text(6), nullptr, false);
    if (!item.is_object()) {
      return Error::make(
          ErrorCode::ARCHIVE_CORRUPT,
          {{"detail", "banner observation " + std::to_string(get.int64(0)) + " is not JSON"}});
    }
    item["id"] = get.int64(0);
    item["site"] = get.text(1);
    item["url"] = get.text(2);
    item["seen_at"] = get.text(3);
    item["last_seen"] = get.text(4);
    item["times_seen"] = get.int64(5);
    page.observations.push_back(std::move(item));
  }
  if (offset + static_cast<std::int64_t>(page.observations.size()) < page.total) {
    page.next_offset = offset + static_cast<std::int64_t>(page.observations.size());
  }
  return page;
}

}  // namespace cw::banner
