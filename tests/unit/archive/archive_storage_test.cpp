// Compact storage (schema migration 5): packed findings with the rule text stored once and quotes
// read back from the body; bodies whose prefix is several texts back along their chain.
#define BOOST_TEST_MODULE archive_storage
#include <boost/test/unit_test.hpp>
#include <sqlite3.h>

#include "archive/archive.h"
#include "archive/body_codec.h"
#include "archive/finding_store.h"
#include "test_support.h"

using cw::archive::Archive;
using cw::archive::Capture;
using cw::engine::Finding;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Archive> open_ok(const fs::path& p) {
  auto a = Archive::open(p);
  BOOST_REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error().to_string()));
  return std::move(*a);
}

Capture capture(const std::string& text, const std::string& when,
                const std::vector<Finding>* findings = nullptr) {
  Capture c;
  c.document = {"Storage AI", "storage.test", "Terms of Service", ""};
  c.text = text;
  c.seen_at = when;
  c.origin = cw::archive::Origin::kImport;
  c.findings = findings;
  return c;
}

Finding finding(const std::string& rule, const std::string& text, const std::string& quote,
                std::size_t block = 0) {
  Finding f;
  f.rule_id = rule;
  f.family = rule.substr(0, rule.find('.'));
  f.title = "Title of " + rule;
  f.polarity = cw::engine::Polarity::kRisk;
  f.severity = cw::engine::Severity::kWarning;
  f.quote = quote;
  f.start = text.find(quote);
  f.end = f.start + quote.size();
  f.block = block;
  f.reason = "Reason of " + rule;
  f.explanation = "Explanation of " + rule;
  f.references = {{"Some Act", "Art. 1"}};
  f.labels = {"tosdr:1"};
  return f;
}

std::int64_t scalar(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
  const std::int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return v;
}

const std::string kText =
    "Terms\n\nWe may share your data with our affiliates. You waive any class action.\n\n"
    "We may share your data with our affiliates. Disputes go to arbitration.";

}  // namespace

BOOST_AUTO_TEST_CASE(findings_read_back_equal_and_store_each_rule_text_once) {
  cw::test::TempDir dir;
  auto archive = open_ok(dir.path() / "a.sqlite3");
  std::vector<Finding> in = {
      finding("privacy.share_affiliates", kText, "We may share your data with our affiliates."),
      finding("dispute.class_waiver", kText, "You waive any class action."),
      finding("dispute.arbitration", kText, "Disputes go to arbitration."),
  };
  // The same rule twice: the second quote at its own offset.
  Finding again = in[0];
  again.start = kText.rfind(again.quote);
  again.end = again.start + again.quote.size();
  in.push_back(again);
  // A quote whose offsets are within its block (a captured page): found elsewhere in the text.
  Finding in_block = in[1];
  in_block.start = 0;
  in_block.end = in_block.quote.size();
  in_block.block = 1;
  in.push_back(in_block);
  // A quote the text does not hold (normalised by a producer): kept as it is.
  Finding foreign = in[2];
  foreign.quote = "Disputes  go to ARBITRATION.";
  foreign.end = foreign.start + foreign.quote.size();
  in.push_back(foreign);

  auto r = archive->record(capture(kText, "2025-01-01T00:00:00Z", &in));
  BOOST_REQUIRE(r.ok());
  archive.reset();
  auto reopened = open_ok(dir.path() / "a.sqlite3");
  auto out = reopened->findings(r->version_id);
  BOOST_REQUIRE(out.ok());
  BOOST_REQUIRE(out->size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    BOOST_TEST_CONTEXT("finding " << i) {
      BOOST_TEST(cw::engine::to_json((*out)[i]).dump() == cw::engine::to_json(in[i]).dump());
    }
  }
  sqlite3* db = reopened->handle();
  BOOST_TEST(scalar(db, "SELECT count(*) FROM findings") == 1);  // one packed row per version
  BOOST_TEST(scalar(db, "SELECT count(*) FROM finding_rules") == 3);
  // The quotes the body holds are not stored again.
  BOOST_TEST(scalar(db, "SELECT instr(json, 'class action') FROM findings") == 0);
  BOOST_TEST(scalar(db, "SELECT instr(json, 'ARBITRATION') > 0 FROM findings") == 1);
  BOOST_TEST(reopened->version_info(r->version_id).value().findings ==
             static_cast<std::int64_t>(in.size()));
}

BOOST_AUTO_TEST_CASE(findings_in_the_engine_form_and_without_their_rule_text_still_read_back) {
  cw::test::TempDir dir;
  auto archive = open_ok(dir.path() / "a.sqlite3");
  std::vector<Finding> one = {finding("dispute.arbitration", kText, "Disputes go to arbitration.")};
  auto r = archive->record(capture(kText, "2025-01-01T00:00:00Z", &one));
  BOOST_REQUIRE(r.ok());
  sqlite3* db = archive->handle();
  // A row copied from an archive written before migration 5: the engine's JSON form.
  const std::string legacy = cw::engine::to_json(one[0]).dump();
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO findings(version_id, ordinal, rule_id, polarity, severity, json) "
                     "VALUES (?, 1, 'dispute.arbitration', 'risk', 'warning', ?)",
                     -1, &st, nullptr);
  sqlite3_bind_int64(st, 1, r->version_id);
  sqlite3_bind_text(st, 2, legacy.c_str(), -1, SQLITE_TRANSIENT);
  BOOST_REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  auto both = archive->findings(r->version_id);
  BOOST_REQUIRE(both.ok());
  BOOST_REQUIRE(both->size() == 2U);
  BOOST_TEST(cw::engine::to_json((*both)[1]).dump() == legacy);
  BOOST_TEST(archive->version_info(r->version_id).value().findings == 2);

  // The packed row arrived without its rule text: the finding keeps its id, place and quote.
  BOOST_REQUIRE(sqlite3_exec(db, "DELETE FROM finding_rules", nullptr, nullptr, nullptr) ==
                SQLITE_OK);
  auto bare = archive->findings(r->version_id);
  BOOST_REQUIRE(bare.ok());
  BOOST_TEST((*bare)[0].rule_id == "dispute.arbitration");
  BOOST_TEST((*bare)[0].title == "dispute.arbitration");
  BOOST_TEST((*bare)[0].quote == "Disputes go to arbitration.");
  BOOST_TEST(((*bare)[0].severity == cw::engine::Severity::kWarning));

  // A packed row that points past the end of the text is corruption, not a crash.
  BOOST_REQUIRE(sqlite3_exec(db,
                             "UPDATE findings SET json = json_set(json, '$.f[0][1]', 100000) "
                             "WHERE rule_id = '*'",
                             nullptr, nullptr, nullptr) == SQLITE_OK);
  auto bad = archive->findings(r->version_id);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST((bad.error().code == cw::ErrorCode::ARCHIVE_CORRUPT));
}

BOOST_AUTO_TEST_CASE(a_flapping_chain_reads_back_from_a_cold_connection_and_stays_small) {
  cw::test::TempDir dir;
  auto archive = open_ok(dir.path() / "a.sqlite3");
  std::string base;
  for (int i = 0; i < 300; ++i) {
    base += "Section " + std::to_string(i) + ": the provider keeps logs for " +
            std::to_string(i % 17 + 1) + " days.\n\n";
  }
  // Two layouts that alternate, each with a per-request token: every raw text is new.
  std::vector<std::pair<std::int64_t, std::string>> bodies;
  for (int i = 0; i < 150; ++i) {
    std::string text = (i % 2 == 0 ? "Layout A\n\n" : "Menu\n\nLayout B\n\n") + base + "token " +
                       std::to_string(i * 7919) + "\n";
    char when[32];
    std::snprintf(when, sizeof when, "2025-02-01T%02d:%02d:00Z", i / 60, i % 60);
    auto r = archive->record(capture(text, when));
    BOOST_REQUIRE(r.ok());
    bodies.emplace_back(r->version_id, text);
  }
  archive.reset();
  auto cold = open_ok(dir.path() / "a.sqlite3");
  for (std::size_t i = 0; i < bodies.size(); i += 7) {
    BOOST_TEST(cold->version_text(bodies[i].first).value() == bodies[i].second);
  }
  sqlite3* db = cold->handle();
  BOOST_TEST(scalar(db, "SELECT max(prefix_texts) FROM bodies") == cw::archive::kPrefixTexts);
  BOOST_TEST(scalar(db, "SELECT max(depth) FROM bodies") < cw::archive::kKeyframeInterval);
  // The deltas are a few bytes each: the whole chain is a small fraction of one text.
  BOOST_TEST(scalar(db, "SELECT sum(length(data)) FROM bodies WHERE base_id IS NOT NULL") <
             static_cast<std::int64_t>(base.size()));

  // A body written the way sync writes it (a delta on its base alone, no prefix_texts given)
  // reads back, and the next recorded body builds on it.
  const std::string synced = bodies.back().second + "Synced clause.\n";
  auto prefix = cold->version_text(bodies.back().first).value();
  auto frame = cw::archive::compress_body(synced, prefix);
  BOOST_REQUIRE(frame.ok());
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO bodies(document_id, raw_hash, base_id, depth, size, data) "
                     "SELECT document_id, x'01', id, depth + 1, ?, ? FROM bodies ORDER BY id "
                     "DESC LIMIT 1",
                     -1, &st, nullptr);
  sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(synced.size()));
  sqlite3_bind_blob(st, 2, frame->data(), static_cast<int>(frame->size()), SQLITE_TRANSIENT);
  BOOST_REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  const auto synced_id = sqlite3_last_insert_rowid(db);
  cold.reset();
  auto again = open_ok(dir.path() / "a.sqlite3");
  BOOST_TEST(again->body_text(synced_id).value() == synced);
  auto next = again->record(capture(synced + "One more.\n", "2025-03-01T00:00:00Z"));
  BOOST_REQUIRE(next.ok());
  again.reset();
  auto last = open_ok(dir.path() / "a.sqlite3");
  BOOST_TEST(last->version_text(next->version_id).value() == synced + "One more.\n");
}
