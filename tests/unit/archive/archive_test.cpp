#define BOOST_TEST_MODULE archive
#include "archive/archive.h"

#include <boost/test/unit_test.hpp>
#include <sqlite3.h>

#include "archive/body_codec.h"
#include "archive/schema.h"
#include "test_support.h"

using cw::archive::Archive;
using cw::archive::Capture;
using cw::archive::Origin;
using cw::changes::Verdict;
namespace fs = std::filesystem;

namespace {

Capture capture(const std::string& text, const std::string& when, const std::string& url = "") {
  Capture c;
  c.document = {"Example AI", "example.ai", "Terms of Service", ""};
  c.text = text;
  c.seen_at = when;
  c.url = url;
  c.origin = Origin::kBrowser;
  return c;
}

std::unique_ptr<Archive> open_ok(const fs::path& p) {
  auto a = Archive::open(p);
  BOOST_REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error().to_string()));
  return std::move(*a);
}

const std::string kTextA =
    "Terms\n\nYou own your content. We will not sell your personal information.\n\nDisputes go to "
    "the courts where you live.";
const std::string kTextB =
    "Terms\n\nYou own your content. We may sell your personal information to partners.\n\nDisputes "
    "go to the courts where you live.";

}  // namespace

BOOST_AUTO_TEST_CASE(a_page_seen_again_is_an_observation_not_a_new_version) {
  cw::test::TempDir dir;
  auto archive = open_ok(dir.path() / "archive.sqlite3");
  auto first = archive->record(capture(kTextA, "2025-01-01T10:00:00Z"));
  BOOST_REQUIRE(first.ok());
  BOOST_TEST(first->is_new_version);
  BOOST_TEST(first->versions_seen == 1);
  BOOST_TEST(first->hash.size() == 64U);
  BOOST_TEST(std::string(cw::changes::to_string(first->verdict)) == "first");

  auto again = archive->record(capture(kTextA, "2025-01-02T10:00:00Z"));
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(!again->is_new_version);
  BOOST_TEST(again->version_id == first->version_id);
  BOOST_TEST(again->first_seen == "2025-01-01T10:00:00Z");
  BOOST_TEST(again->versions_seen == 1);

  auto info = archive->version_info(first->version_id);
  BOOST_REQUIRE(info.ok());
  BOOST_TEST(info->times_seen == 2);
  BOOST_TEST(info->last_seen == "2025-01-02T10:00:00Z");
  auto obs = archive->observations(first->document_id);
  BOOST_REQUIRE(obs.ok());
  BOOST_TEST(obs->size() == 2U);
}

BOOST_AUTO_TEST_CASE(same_normalised_text_is_one_version_but_each_raw_text_reads_back) {
  cw::test::TempDir dir;
  auto archive = open_ok(dir.path() / "a.sqlite3");
  const std::string raw1 = "Terms\n\nSee your [settings](https://x.example/s?token=111).\n";
  const std::string raw2 = "Terms\n\nSee  your [settings](https://x.example/s?token=222).\n";
  auto r1 = archive->record(capture(raw1, "2025-01-01T00:00:00Z"));
  auto r2 = archive->record(capture(raw2, "2025-01-02T00:00:00Z"));
  BOOST_REQUIRE(r1.ok() && r2.ok());
  BOOST_TEST(r1->version_id == r2->version_id);
  BOOST_TEST(!r2->is_new_version);
  auto obs = archive->observations(r1->document_id);
  BOOST_REQUIRE(obs.ok() && obs->size() == 2U);
  BOOST_TEST(archive->body_text((*obs)[0].body_id).value() == raw1);
  BOOST_TEST(archive->body_text((*obs)[1].body_id).value() == raw2);
  BOOST_TEST(archive->version_text(r1->version_id).value() == raw1);
}

BOOST_AUTO_TEST_CASE(a_reopened_archive_keeps_everything) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "archive.sqlite3";
  std::int64_t a_id = 0, b_id = 0;
  {
    auto archive = open_ok(path);
    a_id = archive->record(capture(kTextA, "2025-01-01T00:00:00Z"))->version_id;
    b_id = archive->record(capture(kTextB, "2025-02-01T00:00:00Z"))->version_id;
  }
  auto archive = open_ok(path);
  BOOST_TEST(archive->version_text(a_id).value() == kTextA);
  BOOST_TEST(archive->version_text(b_id).value() == kTextB);
  auto page = archive->history({std::nullopt, "Example AI", "", false, 0, 100});
  BOOST_REQUIRE(page.ok());
  BOOST_TEST(page->total == 2);
  BOOST_TEST(page->versions.front().id == b_id);  // newest first
  auto changes = archive->changes({"", "", std::nullopt, 0, 10});
  BOOST_REQUIRE(changes.ok());
  BOOST_TEST(changes->total == 1);
  BOOST_TEST(archive->integrity_check().value() == "ok");
}

BOOST_AUTO_TEST_CASE(flapping_between_two_texts_raises_one_change) {
  cw::test::TempDir dir;
  auto archive = open_ok(dir.path() / "a.sqlite3");
  const char* days[] = {"2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", "2025-01-03T00:00:00Z",
                        "2025-01-04T00:00:00Z", "2025-01-05T00:00:00Z"};
  int new_versions = 0;
  for (int i = 0; i < 5; ++i) {
    auto r = archive->record(capture(i % 2 == 0 ? kTextA : kTextB, days[i]));
    BOOST_REQUIRE(r.ok());
    new_versions += r->is_new_version ? 1 : 0;
  }
  BOOST_TEST(new_versions == 2);
  BOOST_TEST(archive->changes({"", "", std::nullopt, 0, 10})->total == 1);
}

BOOST_AUTO_TEST_CASE(every_version_of_a_long_chain_reads_back_exactly) {
  cw::test::TempDir dir;
  auto archive = open_ok(dir.path() / "a.sqlite3");
  std::vector<std::pair<std::int64_t, std::string>> versions;
  std::string text = "Terms of Service\n\n";
  for (int i = 0; i < 150; ++i) {
    text += "Clause " + std::to_string(i) + ": the provider may change rule " +
            std::to_string(i * 7) + ".\n\n";
    char when[32];
    std::snprintf(when, sizeof when, "2025-01-01T%02d:%02d:00Z", i / 60, i % 60);
    auto r = archive->record(capture(text, when));
    BOOST_REQUIRE(r.ok());
    versions.emplace_back(r->version_id, text);
  }
  // A fresh connection has no cache: every read decompresses its chain.
  archive.reset();
  auto reopened = open_ok(dir.path() / "a.sqlite3");
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    BOOST_TEST(reopened->version_text(it->first).value() == it->second);
  }
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(
      reopened->handle(),
      "SELECT max(depth), sum(base_id IS NULL), sum(length(data)), sum(size) FROM bodies", -1, &st,
      nullptr);
  BOOST_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  BOOST_TEST(sqlite3_column_int(st, 0) < cw::archive::kKeyframeInterval);
  // One keyframe: each chain that reaches the limit restarts as a delta on it.
  BOOST_TEST(sqlite3_column_int(st, 1) == 1);
  // Delta compression: stored bytes are a small fraction of the texts.
  BOOST_TEST(sqlite3_column_int64(st, 2) * 20 < sqlite3_column_int64(st, 3));
  sqlite3_finalize(st);
}

BOOST_AUTO_TEST_CASE(a_changed_url_is_reported_as_a_source_change) {
  cw::test::TempDir dir;
  auto archive = open_ok(dir.path() / "a.sqlite3");
  BOOST_REQUIRE(
      archive->record(capture(kTextA, "2025-01-01T00:00:00Z", "https://example.ai/terms")).ok());
  auto r =
      archive->record(capture(kTextB, "2025-01-02T00:00:00Z", "https://example.ai/eu/terms?x=1"));
  BOOST_REQUIRE(r.ok() && r->change_id.has_value());
  auto change = archive->change_for_version(r->version_id);
  BOOST_REQUIRE(change.ok() && change->has_value());
  BOOST_TEST((*change)->record["source"]["changed"].get<bool>());
  BOOST_TEST((*change)->record["source"]["reason"].get<std::string>() == "url");
  BOOST_TEST((*change)->record["items"].empty());
}

BOOST_AUTO_TEST_CASE(a_foreign_sqlite_file_is_refused_and_left_untouched) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "archive.sqlite3";
  {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "CREATE TABLE photos(id INTEGER); INSERT INTO photos VALUES (1);", nullptr,
                 nullptr, nullptr);
    sqlite3_close(db);
  }
  const std::string before = cw::test::read_file(path);
  auto a = Archive::open(path);
  BOOST_REQUIRE(!a.ok());
  BOOST_TEST((a.error().code == cw::ErrorCode::ARCHIVE_NOT_CLAUSEWATCH));
  BOOST_TEST(a.error().message.find(path.string()) != std::string::npos);
  BOOST_TEST(cw::test::read_file(path) == before);
  BOOST_TEST(!fs::exists(path.string() + "-wal"));
}

BOOST_AUTO_TEST_CASE(a_text_or_garbage_file_is_refused_and_left_untouched) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "archive.sqlite3";
  std::string garbage = "not a database at all\n";
  for (int i = 0; i < 5000; ++i) garbage.push_back(static_cast<char>((i * 131) & 0xFF));
  cw::test::write_file(path, garbage);
  auto a = Archive::open(path);
  BOOST_REQUIRE(!a.ok());
  BOOST_TEST((a.error().code == cw::ErrorCode::ARCHIVE_NOT_CLAUSEWATCH));
  BOOST_TEST(cw::test::read_file(path) == garbage);
}

BOOST_AUTO_TEST_CASE(a_damaged_archive_is_reported_and_not_overwritten) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "archive.sqlite3";
  {
    auto archive = open_ok(path);
    for (int i = 0; i < 50; ++i) {
      BOOST_REQUIRE(archive
                        ->record(capture(kTextA + std::string(2000, 'x') + std::to_string(i),
                                         "2025-01-01T00:00:" + std::to_string(10 + i) + "Z"))
                        .ok());
    }
    BOOST_REQUIRE(sqlite3_wal_checkpoint_v2(archive->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                            nullptr, nullptr) == SQLITE_OK);
  }
  // Overwrite pages in the middle of the file, keeping the header.
  std::string bytes = cw::test::read_file(path);
  BOOST_REQUIRE(bytes.size() > 16384U);
  for (std::size_t i = 8192; i < bytes.size() - 100; i += 97) bytes[i] = static_cast<char>(0xA5);
  cw::test::write_file(path, bytes);
  auto a = Archive::open(path);
  if (a.ok()) {
    // Opening may succeed; the damage shows on use and as a failed integrity check, never as a
    // crash.
    auto check = (*a)->integrity_check();
    BOOST_TEST((!check.ok() || *check != "ok"));
  } else {
    BOOST_TEST((a.error().code == cw::ErrorCode::ARCHIVE_NOT_CLAUSEWATCH ||
                a.error().code == cw::ErrorCode::ARCHIVE_CORRUPT));
  }
  a = cw::Expected<std::unique_ptr<Archive>>(
      cw::Error::make(cw::ErrorCode::INTERNAL, {{"detail", "closed"}}));
  BOOST_TEST(cw::test::read_file(path) == bytes);
}

BOOST_AUTO_TEST_CASE(an_archive_from_a_newer_build_is_refused) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "archive.sqlite3";
  { open_ok(path); }
  {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto a = Archive::open(path);
  BOOST_REQUIRE(!a.ok());
  BOOST_TEST((a.error().code == cw::ErrorCode::ARCHIVE_TOO_NEW));
  BOOST_TEST(a.error().params["found"].get<int>() == 999);
}

BOOST_AUTO_TEST_CASE(an_archive_at_schema_1_is_migrated_and_keeps_its_rows) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "archive.sqlite3";
  {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    BOOST_REQUIRE(cw::archive::migrate(db, 1).ok());
    sqlite3_exec(db, "INSERT INTO services(name) VALUES ('Old Service')", nullptr, nullptr,
                 nullptr);
    sqlite3_close(db);
  }
  auto archive = open_ok(path);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(archive->handle(), "PRAGMA user_version", -1, &st, nullptr);
  BOOST_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  BOOST_TEST(sqlite3_column_int(st, 0) == cw::archive::latest_schema_version());
  sqlite3_finalize(st);
  sqlite3_prepare_v2(archive->handle(), "SELECT name FROM services", -1, &st, nullptr);
  BOOST_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  BOOST_TEST(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) ==
             "Old Service");
  sqlite3_finalize(st);
  // And the migrated archive records as usual.
  BOOST_TEST(archive->record(capture(kTextA, "2025-01-01T00:00:00Z")).ok());
}

BOOST_AUTO_TEST_CASE(a_missing_archive_is_not_created_in_existing_mode) {
  cw::test::TempDir dir;
  auto a = Archive::open(dir.path() / "none.sqlite3", Archive::Mode::kExisting);
  BOOST_REQUIRE(!a.ok());
  BOOST_TEST((a.error().code == cw::ErrorCode::ARCHIVE_READ_ONLY));
  BOOST_TEST(!fs::exists(dir.path() / "none.sqlite3"));
}

BOOST_AUTO_TEST_CASE(body_codec_round_trips_with_and_without_a_prefix) {
  const std::string prefix =
      "The quick brown fox jumps over the lazy dog. " + std::string(5000, 'a');
  const std::string text = prefix + " And then it slept.";
  auto with = cw::archive::compress_body(text, prefix);
  auto without = cw::archive::compress_body(text, "");
  BOOST_REQUIRE(with.ok() && without.ok());
  BOOST_TEST(with->size() < without->size());
  BOOST_TEST(cw::archive::decompress_body(*with, prefix, text.size()).value() == text);
  BOOST_TEST(cw::archive::decompress_body(*without, "", text.size()).value() == text);
  // A wrong recorded size is corruption, not a crash.
  auto bad = cw::archive::decompress_body(*with, prefix, text.size() + 1);
  BOOST_TEST(!bad.ok());
  BOOST_TEST((bad.error().code == cw::ErrorCode::ARCHIVE_CORRUPT));
}
