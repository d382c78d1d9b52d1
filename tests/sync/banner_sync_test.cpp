// Banner observations and banner change records sync between two real archives (issue 6, with the
// banner tables of issue 5): unions keyed by stable ids, a repeat count that grew on one device
// travels and merges by maximum, and a second run changes nothing. Rows are written with SQL in
// the archive's own schema, as the banner module stores them.
#define BOOST_TEST_MODULE sync_banner
#include <cstdlib>
#include <fstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "archive/archive.h"
#include "sync/archive_store.h"
#include "sync/engine.h"

namespace fs = std::filesystem;

namespace {

struct Dir {
  fs::path path;
  Dir() {
    std::string templ = (fs::temp_directory_path() / "cw-banner-sync-XXXXXX").string();
    path = ::mkdtemp(templ.data());
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void exec(cw::archive::Archive& a, const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(a.handle(), sql.c_str(), nullptr, nullptr, &message);
  BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, (message != nullptr ? message : "sqlite error"));
}

std::int64_t scalar(cw::archive::Archive& a, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  BOOST_REQUIRE(sqlite3_prepare_v2(a.handle(), sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  BOOST_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const auto v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

// An observation row; the JSON is this test's own, the fingerprint its stand-in.
void observe(cw::archive::Archive& a, const std::string& site, const std::string& seen,
             const std::string& fingerprint, int times, const std::string& json) {
  exec(a,
       "INSERT INTO banner_observations(site, seen_at, last_seen, times_seen, url, banner_found,"
       " observation_json, fingerprint) VALUES ('" +
           site + "', '" + seen + "', '" + seen + "', " + std::to_string(times) + ", 'https://" +
           site + "/', 1, '" + json + "', '" + fingerprint + "')");
}

nlohmann::json run(cw::sync::ArchiveStore& store) {
  auto r = cw::sync::sync_run(store);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().to_string()));
  BOOST_REQUIRE(r->at("refused").empty());
  return *r;
}

std::string summary(cw::archive::Archive& a) {
  auto s = cw::sync::archive_content_summary(a.handle());
  BOOST_REQUIRE(s.ok());
  return *s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(banner_observations_and_changes_converge) {
  Dir dir;
  auto a = cw::archive::Archive::open(dir.path / "a.sqlite3");
  auto b = cw::archive::Archive::open(dir.path / "b.sqlite3");
  BOOST_REQUIRE(a.ok() && b.ok());
  cw::sync::ArchiveStore store_a(**a);
  cw::sync::ArchiveStore store_b(**b);
  const fs::path folder = dir.path / "folder";
  BOOST_REQUIRE(cw::sync::sync_init(store_a, folder, {std::string("banner test pass"), "A", true}));
  BOOST_REQUIRE(cw::sync::sync_join(
      store_b, folder, {cw::sync::Secret::Kind::kPassphrase, "banner test pass"}, "B"));

  // A saw a site's banner get worse; B saw another site once.
  observe(**a, "shop.example", "2026-11-01T10:00:00Z", "f-one", 1, R"({"reject":true})");
  observe(**a, "shop.example", "2026-11-02T10:00:00Z", "f-two", 2, R"({"reject":false})");
  exec(**a,
       "INSERT INTO banner_changes(site, before_id, after_id, created_at, summary, json)"
       " VALUES ('shop.example', 1, 2, '2026-11-02T10:00:00Z', 'reject removed',"
       " '{\"worse\":[\"reject removed\"]}')");
  observe(**b, "news.example", "2026-11-03T09:00:00Z", "f-three", 1, R"({"reject":true})");

  run(store_a);
  run(store_b);
  run(store_a);
  BOOST_TEST(scalar(**a, "SELECT count(*) FROM banner_observations") == 3);
  BOOST_TEST(scalar(**b, "SELECT count(*) FROM banner_observations") == 3);
  BOOST_TEST(scalar(**b, "SELECT count(*) FROM banner_changes") == 1);
  BOOST_TEST(summary(**a) == summary(**b));
  // The change record points at B's own rows for the same observations.
  BOOST_TEST(scalar(**b,
                    "SELECT count(*) FROM banner_changes c JOIN banner_observations o1 ON"
                    " o1.id = c.before_id JOIN banner_observations o2 ON o2.id = c.after_id"
                    " WHERE o1.fingerprint = 'f-one' AND o2.fingerprint = 'f-two'") == 1);

  // The worse banner was seen three more times on A: the grown count reaches B.
  exec(**a,
       "UPDATE banner_observations SET times_seen = 5, last_seen = '2026-11-09T10:00:00Z'"
       " WHERE fingerprint = 'f-two'");
  run(store_a);
  run(store_b);
  BOOST_TEST(
      scalar(**b, "SELECT times_seen FROM banner_observations WHERE fingerprint = 'f-two'") == 5);
  BOOST_TEST(summary(**a) == summary(**b));

  // Nothing new: a second round imports and publishes nothing.
  run(store_a);
  const auto again = run(store_b);
  BOOST_TEST(again.at("published").empty());
  BOOST_TEST(scalar(**b, "SELECT count(*) FROM banner_observations") == 3);

  // The folder holds no plaintext of them.
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    BOOST_TEST(bytes.find("shop.example") == std::string::npos);
    BOOST_TEST(bytes.find("reject removed") == std::string::npos);
  }
}
