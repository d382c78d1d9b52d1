// Banner observations in a real archive file: a repeat of a site's banner raises nothing, a banner
// that lost its reject raises one stored change record, and all of it survives reopening.
#define BOOST_TEST_MODULE banner_archive
#include "banner/banner_archive.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "archive/archive.h"
#include "banner/judge.h"
#include "banner/observation.h"
#include "banner/rules.h"
#include "banner/snapshot.h"
#include "protocol/context.h"
#include "protocol/dispatch.h"

using nlohmann::json;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "cw-banner-archive-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

json button(const char* text) {
  return {{"tag", "button"}, {"text", text}, {"button_like", true}, {"visible", true}};
}

// The snapshot the content script would send for a first layer with these buttons.
json snapshot_with(const json& controls, bool found = true) {
  return {{"format", 1},
          {"url", "https://www.news.example/article?id=7"},
          {"found", found},
          {"cmp", {{"id", "onetrust"}, {"name", "OneTrust"}, {"detected_by", "marker"}}},
          {"layers", json::array({{{"kind", "first"},
                                   {"visible", true},
                                   {"text", "We and our partners use cookies."},
                                   {"controls", controls}}})}};
}

json observe(const json& snapshot_json) {
  auto snapshot = cw::banner::parse_snapshot(snapshot_json);
  BOOST_REQUIRE(snapshot.ok());
  auto rules = cw::banner::BannerRules::instance();
  BOOST_REQUIRE(rules.ok());
  return cw::banner::make_observation(*snapshot, cw::banner::judge(*snapshot, **rules));
}

std::unique_ptr<cw::archive::Archive> open_archive(const std::filesystem::path& file) {
  auto archive = cw::archive::Archive::open(file);
  BOOST_REQUIRE_MESSAGE(archive.ok(), "archive did not open");
  return std::move(*archive);
}

cw::banner::BannerRecordResult record(cw::archive::Archive& archive, const json& observation,
                                      const char* seen_at) {
  auto result = cw::banner::record_banner_observation(
      archive, observation["site"].get<std::string>(), "https://www.news.example/article?id=7",
      observation, seen_at);
  BOOST_REQUIRE_MESSAGE(result.ok(), "record_banner_observation failed");
  return *result;
}

std::int64_t count_rows(cw::archive::Archive& archive, const char* table) {
  sqlite3_stmt* st = nullptr;
  const std::string sql = std::string("SELECT count(*) FROM ") + table;
  BOOST_REQUIRE(sqlite3_prepare_v2(archive.handle(), sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  BOOST_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const std::int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

bool names_kind(const json& change, const char* kind) {
  for (const auto& item : change["changes"]) {
    if (item.value("kind", "") == kind) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(reject_removed_raises_one_change_that_survives_reopening) {
  TempDir dir;
  const auto file = dir.path() / "archive.sqlite3";
  const json fair =
      observe(snapshot_with(json::array({button("Accept all"), button("Reject all")})));
  const json worse =
      observe(snapshot_with(json::array({button("Accept all"), button("Manage options")})));
  BOOST_REQUIRE(fair["first_layer_reject"].get<bool>());
  BOOST_REQUIRE(!worse["first_layer_reject"].get<bool>());
  BOOST_REQUIRE_EQUAL(fair["site"], "news.example");

  std::int64_t first_id = 0;
  std::int64_t worse_id = 0;
  std::int64_t change_id = 0;
  {
    auto archive = open_archive(file);
    const auto first = record(*archive, fair, "2026-11-20T09:00:00Z");
    BOOST_TEST(first.is_new);
    BOOST_TEST(first.change.is_null());
    BOOST_TEST(first.archive_json() ==
               json({{"observation_id", first.observation_id}, {"is_new", true}}));
    first_id = first.observation_id;

    const auto again = record(*archive, fair, "2026-11-21T09:00:00Z");
    BOOST_TEST(!again.is_new);
    BOOST_TEST(again.change.is_null());
    BOOST_TEST(again.observation_id == first_id);
    BOOST_TEST(count_rows(*archive, "banner_observations") == 1);

    const auto changed = record(*archive, worse, "2026-11-22T09:00:00Z");
    BOOST_TEST(changed.is_new);
    BOOST_REQUIRE(changed.change.is_object());
    BOOST_TEST(changed.change["worse"].get<bool>());
    BOOST_TEST(names_kind(changed.change, "reject_removed"));
    BOOST_TEST(changed.change["before_id"].get<std::int64_t>() == first_id);
    BOOST_TEST(changed.change["after_id"].get<std::int64_t>() == changed.observation_id);
    BOOST_TEST(changed.change["summary"].get<std::string>().find("no longer offers a reject") !=
               std::string::npos);
    BOOST_REQUIRE(changed.change["id"].is_number_integer());
    worse_id = changed.observation_id;
    change_id = changed.change["id"].get<std::int64_t>();

    // The worse banner seen again is not a new change.
    const auto repeat = record(*archive, worse, "2026-11-23T09:00:00Z");
    BOOST_TEST(!repeat.is_new);
    BOOST_TEST(repeat.change.is_null());
    BOOST_TEST(count_rows(*archive, "banner_changes") == 1);
  }

  auto reopened = open_archive(file);
  auto integrity = reopened->integrity_check();
  BOOST_REQUIRE(integrity.ok());
  BOOST_TEST(*integrity == "ok");
  BOOST_TEST(count_rows(*reopened, "banner_observations") == 2);
  auto stored = cw::banner::banner_changes(*reopened, "news.example");
  BOOST_REQUIRE(stored.ok());
  BOOST_REQUIRE_EQUAL(stored->size(), 1U);
  const json& change = stored->front();
  BOOST_TEST(change["id"].get<std::int64_t>() == change_id);
  BOOST_TEST(change["worse"].get<bool>());
  BOOST_TEST(names_kind(change, "reject_removed"));
  BOOST_TEST(change["before_id"].get<std::int64_t>() == first_id);
  BOOST_TEST(change["after_id"].get<std::int64_t>() == worse_id);
  BOOST_TEST(change["site"] == "news.example");
  // After reopening, the site's latest observation is still the worse banner: seeing it is no news.
  const auto after_reopen = record(*reopened, worse, "2026-11-24T09:00:00Z");
  BOOST_TEST(!after_reopen.is_new);
  BOOST_TEST(after_reopen.observation_id == worse_id);
  auto all_sites = cw::banner::banner_changes(*reopened);
  BOOST_REQUIRE(all_sites.ok());
  BOOST_TEST(all_sites->size() == 1U);
}

BOOST_AUTO_TEST_CASE(better_banner_and_flapping_store_no_extra_records) {
  TempDir dir;
  auto archive = open_archive(dir.path() / "archive.sqlite3");
  const json fair =
      observe(snapshot_with(json::array({button("Accept all"), button("Reject all")})));
  const json worse = observe(snapshot_with(json::array({button("Accept all")})));
  const json hidden = observe(snapshot_with(json::array(), false));

  record(*archive, worse, "2026-11-20T09:00:00Z");
  // Getting better is reported but not stored as a change record.
  const auto better = record(*archive, fair, "2026-11-21T09:00:00Z");
  BOOST_REQUIRE(better.change.is_object());
  BOOST_TEST(!better.change["worse"].get<bool>());
  BOOST_TEST(better.change["better"].get<bool>());
  BOOST_TEST(better.change["id"].is_null());
  BOOST_TEST(count_rows(*archive, "banner_changes") == 0);

  // No banner (consent already given), then the same fair banner again: nothing changed.
  const auto none = record(*archive, hidden, "2026-11-22T09:00:00Z");
  BOOST_TEST(none.is_new);
  BOOST_TEST(none.change.is_null());
  const auto back = record(*archive, fair, "2026-11-23T09:00:00Z");
  BOOST_TEST(back.change.is_null());

  // fair -> worse is recorded once; the same swap again points at the first record.
  const auto worse_again = record(*archive, worse, "2026-11-24T09:00:00Z");
  BOOST_REQUIRE(worse_again.change.is_object());
  BOOST_TEST(worse_again.change["worse"].get<bool>());
  record(*archive, fair, "2026-11-25T09:00:00Z");
  const auto flap = record(*archive, worse, "2026-11-26T09:00:00Z");
  BOOST_REQUIRE(flap.change.is_object());
  BOOST_TEST(flap.change["id"] == worse_again.change["id"]);
  BOOST_TEST(count_rows(*archive, "banner_changes") == 1);
  auto integrity = archive->integrity_check();
  BOOST_REQUIRE(integrity.ok());
  BOOST_TEST(*integrity == "ok");
}

namespace {

json analyze(cw::ActionContext& ctx, const json& snapshot) {
  const json request{{"id", 1}, {"type", "banner.analyze"}, {"payload", {{"snapshot", snapshot}}}};
  const json reply = json::parse(cw::handle_message(request.dump(), ctx));
  BOOST_REQUIRE_MESSAGE(reply.contains("result"), reply.dump());
  return reply["result"];
}

}  // namespace

BOOST_AUTO_TEST_CASE(banner_analyze_reports_archive_and_change) {
  TempDir dir;
  cw::ActionContext ctx(cw::HostConfig{dir.path(), "test", "browser"});
  const json fair = analyze(ctx, snapshot_with(json::array({button("Accept"), button("Reject")})));
  BOOST_TEST(fair["banner_found"].get<bool>());
  BOOST_REQUIRE(fair["archive"].is_object());
  BOOST_TEST(fair["archive"]["is_new"].get<bool>());
  BOOST_TEST(fair["change"].is_null());
  const json same = analyze(ctx, snapshot_with(json::array({button("Accept"), button("Reject")})));
  BOOST_TEST(!same["archive"]["is_new"].get<bool>());
  BOOST_TEST(same["archive"]["observation_id"] == fair["archive"]["observation_id"]);
  const json worse = analyze(ctx, snapshot_with(json::array({button("Accept")})));
  BOOST_REQUIRE(worse["change"].is_object());
  BOOST_TEST(worse["change"]["worse"].get<bool>());
  BOOST_TEST(names_kind(worse["change"], "reject_removed"));
  BOOST_TEST(worse["change"]["id"].is_number_integer());
}

BOOST_AUTO_TEST_CASE(banner_analyze_keeps_the_verdict_when_the_archive_is_unusable) {
  TempDir dir;
  {
    std::ofstream foreign(dir.path() / "archive.sqlite3");
    foreign << "not a database, and not ClauseWatch's to touch\n";
  }
  cw::ActionContext ctx(cw::HostConfig{dir.path(), "test", "browser"});
  const json result = analyze(ctx, snapshot_with(json::array({button("Accept")})));
  BOOST_TEST(result["banner_found"].get<bool>());
  BOOST_TEST(result["criteria"].dump().find("CB-01") != std::string::npos);
  BOOST_TEST(result["archive"].is_null());
  BOOST_TEST(result["change"].is_null());
}

// archive.banner_changes lists what banner.analyze stored: the site's observations newest first and
// the change record where the banner lost its reject, asked for by URL or by host alike.
BOOST_AUTO_TEST_CASE(archive_banner_changes_lists_observations_and_the_worse_change) {
  TempDir dir;
  cw::ActionContext ctx(cw::HostConfig{dir.path(), "test", "browser"});
  analyze(ctx, snapshot_with(json::array({button("Accept"), button("Reject")})));
  analyze(ctx, snapshot_with(json::array({button("Accept"), button("Reject")})));  // a repeat
  analyze(ctx, snapshot_with(json::array({button("Accept")})));                    // worse
  json other = snapshot_with(json::array({button("Accept")}));
  other["url"] = "https://elsewhere.example/";
  analyze(ctx, other);

  const cw::ActionSpec* spec = cw::find_action("archive.banner_changes");
  BOOST_REQUIRE(spec != nullptr);
  auto by_url = spec->handler(json{{"site", "https://WWW.news.example:8443/x"}}, ctx);
  BOOST_REQUIRE(by_url.ok());
  const json& r = *by_url;
  BOOST_TEST(r["site"] == "news.example");
  BOOST_REQUIRE(r["observations"].size() == 2U);
  BOOST_TEST(r["total"] == 2);
  BOOST_TEST(r["next_offset"].is_null());
  // Newest first; the repeat only moved times_seen.
  BOOST_TEST(r["observations"][0]["first_layer_reject"] == false);
  BOOST_TEST(r["observations"][1]["first_layer_reject"] == true);
  BOOST_TEST(r["observations"][1]["times_seen"] == 2);
  BOOST_REQUIRE(r["changes"].size() == 1U);
  BOOST_TEST(r["changes_total"] == 1);
  BOOST_TEST(names_kind(r["changes"][0], "reject_removed"));
  BOOST_TEST(r["changes"][0]["after_id"] == r["observations"][0]["id"]);
  BOOST_TEST(r["changes"][0]["before_id"] == r["observations"][1]["id"]);

  auto by_host = spec->handler(json{{"site", "news.example"}}, ctx);
  BOOST_REQUIRE(by_host.ok());
  BOOST_TEST((*by_host)["observations"] == r["observations"]);

  auto all = spec->handler(json{{"limit", 1}}, ctx);
  BOOST_REQUIRE(all.ok());
  BOOST_TEST((*all)["site"].is_null());
  BOOST_TEST((*all)["total"] == 3);
  BOOST_TEST((*all)["observations"].size() == 1U);
  BOOST_TEST((*all)["next_offset"] == 1);
  BOOST_TEST((*all)["observations"][0]["site"] == "elsewhere.example");

  auto none = spec->handler(json{{"site", "never.example"}}, ctx);
  BOOST_REQUIRE(none.ok());
  BOOST_TEST((*none)["observations"].empty());
  BOOST_TEST((*none)["changes"].empty());

  for (const json& bad : {json{{"site", 7}}, json{{"limit", 0}}, json{{"limit", 501}},
                          json{{"site", "https:///nohost"}}}) {
    auto r2 = spec->handler(bad, ctx);
    BOOST_REQUIRE(!r2.ok());
    BOOST_TEST(static_cast<int>(r2.error().code) ==
               static_cast<int>(cw::ErrorCode::INVALID_PAYLOAD));
  }
}
