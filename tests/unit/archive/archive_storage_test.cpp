// Compact storage (schema migrations 5 to 9): packed findings with the rule text stored once and
// quotes read back from the body, compressed against the previous version's findings; change
// records compressed; bodies whose prefix is several texts back along their chain.
#define BOOST_TEST_MODULE archive_storage
#include <algorithm>

#include <boost/test/unit_test.hpp>
#include <sqlite3.h>

#include "archive/archive.h"
#include "archive/body_codec.h"
#include "archive/finding_store.h"
#include "archive/schema.h"
#include "archive/sql.h"
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
  cw::engine::RuleText& about = f.own_rule();
  about.rule_id = rule;
  about.family = rule.substr(0, rule.find('.'));
  about.title = "Title of " + rule;
  about.polarity = cw::engine::Polarity::kRisk;
  about.severity = cw::engine::Severity::kWarning;
  f.quote = quote;
  f.start = text.find(quote);
  f.end = f.start + quote.size();
  f.block = block;
  about.reason = "Reason of " + rule;
  about.explanation = "Explanation of " + rule;
  about.references = {{"Some Act", "Art. 1"}};
  about.labels = {"tosdr:1"};
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
  // Stored compressed (migration 6), a first row with no base.
  BOOST_TEST(scalar(db,
                    "SELECT count(*) FROM findings WHERE rule_id = '~' AND typeof(json) = "
                    "'blob' AND base_version_id IS NULL AND item_count = 6") == 1);
  // The quotes the body holds are not stored again.
  const auto packed = cw::archive::packed_findings_text(db, r->version_id).value();
  BOOST_TEST(packed.find("class action") == std::string::npos);
  BOOST_TEST(packed.find("ARBITRATION") != std::string::npos);
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
  BOOST_TEST((*bare)[0].rule().rule_id == "dispute.arbitration");
  BOOST_TEST((*bare)[0].rule().title == "dispute.arbitration");
  BOOST_TEST((*bare)[0].quote == "Disputes go to arbitration.");
  BOOST_TEST(((*bare)[0].rule().severity == cw::engine::Severity::kWarning));

  // The packed row as an archive before migration 6 stored it (text, rule_id '*') still reads.
  auto packed = nlohmann::json::parse(cw::archive::packed_findings_text(db, r->version_id).value());
  sqlite3_prepare_v2(db, "UPDATE findings SET rule_id = '*', json = ? WHERE rule_id = '~'", -1, &st,
                     nullptr);
  sqlite3_bind_text(st, 1, packed.dump().c_str(), -1, SQLITE_TRANSIENT);
  BOOST_REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  auto plain = archive->findings(r->version_id);
  BOOST_REQUIRE(plain.ok());
  BOOST_TEST((*plain)[0].quote == "Disputes go to arbitration.");
  BOOST_TEST(archive->version_info(r->version_id).value().findings == 2);

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

BOOST_AUTO_TEST_CASE(findings_of_a_long_history_chain_and_read_back_from_a_cold_connection) {
  cw::test::TempDir dir;
  auto archive = open_ok(dir.path() / "a.sqlite3");
  // 80 versions, each a clause longer, so every finding's offset moves and each version is a
  // change with a change record.
  std::vector<std::pair<std::int64_t, std::vector<Finding>>> recorded;
  std::string text = "Terms\n\nWe may share your data with our affiliates.\n\n";
  for (int i = 0; i < 80; ++i) {
    text = "Clause " + std::to_string(i) + " says the provider keeps logs for " +
           std::to_string(i + 1) + " days.\n\n" + text;
    const std::string tail = "Disputes go to arbitration in city " + std::to_string(i % 3) + ".";
    const std::string version = text + tail;
    std::vector<Finding> found = {
        finding("privacy.share_affiliates", version, "We may share your data with our affiliates."),
        finding("dispute.arbitration", version, tail),
    };
    if (i % 10 == 0) found.push_back(finding("change.logs", version, "keeps logs"));
    char when[32];
    std::snprintf(when, sizeof when, "2025-04-%02dT%02d:00:00Z", 1 + i / 24, i % 24);
    auto r = archive->record(capture(version, when, &found));
    BOOST_REQUIRE(r.ok());
    recorded.emplace_back(r->version_id, std::move(found));
  }
  archive.reset();
  auto cold = open_ok(dir.path() / "a.sqlite3");
  for (const auto& [id, in] : recorded) {
    auto out = cold->findings(id);
    BOOST_REQUIRE(out.ok());
    BOOST_REQUIRE(out->size() == in.size());
    for (std::size_t k = 0; k < in.size(); ++k) {
      BOOST_TEST(cw::engine::to_json((*out)[k]).dump() == cw::engine::to_json(in[k]).dump());
    }
    BOOST_TEST(cold->version_info(id).value().findings == static_cast<std::int64_t>(in.size()));
  }
  sqlite3* db = cold->handle();
  BOOST_TEST(scalar(db, "SELECT count(*) FROM findings WHERE rule_id = '~'") == 80);
  BOOST_TEST(scalar(db, "SELECT max(depth) FROM findings") < cw::archive::kFindingChainLength);
  BOOST_TEST(scalar(db, "SELECT count(*) FROM findings WHERE base_version_id IS NULL") >= 3);
  // A row on its predecessor holds little more than the offsets that moved.
  BOOST_TEST(scalar(db,
                    "SELECT max(length(json)) FROM findings WHERE base_version_id IS NOT NULL "
                    "AND item_count = 2") < 60);
  // Change records are stored compressed and read back as JSON.
  BOOST_TEST(scalar(db, "SELECT count(*) FROM change_records WHERE typeof(json) = 'blob'") == 79);
  auto changes = cold->changes({"", "", std::nullopt, 0, 100});
  BOOST_REQUIRE(changes.ok());
  BOOST_TEST(changes->changes.size() == 79U);
  for (const auto& c : changes->changes) {
    BOOST_TEST(c.record.is_object());
    BOOST_TEST(c.record.contains("summary"));
  }
}

BOOST_AUTO_TEST_CASE(an_archive_written_at_schema_5_upgrades_and_reads_back) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "a.sqlite3";
  const std::string text = kText;
  const std::string packed =
      R"({"f":[[0,)" + std::to_string(text.find("Disputes")) +
      R"(,27]],"r":[["dispute.arbitration","0000000000000001","risk","warning"]],"v":1})";
  const std::string change_json = R"({"items":[],"source":{"changed":false},"summary":"old"})";
  {
    // The rows as the code before migration 6 wrote them: findings packed as text ('*'), change
    // records as text.
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    BOOST_REQUIRE(cw::archive::migrate(db, 5).ok());
    auto frame = cw::archive::compress_body(text, "").value();
    const std::string rows =
        "INSERT INTO services(id, name, domain) VALUES (1, 'Storage AI', 'storage.test');"
        "INSERT INTO documents(id, service_id, terms_type) VALUES (1, 1, 'Terms of Service');"
        "INSERT INTO versions(id, document_id, hash, normalization, body_id, first_seen, "
        "last_seen, origin, verdict, analyzed) VALUES (1, 1, x'00', 1, 1, '2024-01-01T00:00:00Z', "
        "'2024-01-01T00:00:00Z', 'import', 'first', 1), (2, 1, x'01', 1, 1, "
        "'2024-02-01T00:00:00Z', '2024-02-01T00:00:00Z', 'import', 'change', 1);"
        "INSERT INTO findings(version_id, ordinal, rule_id, polarity, severity, json) VALUES "
        "(1, 0, '*', '', '', '" +
        packed + "');" +
        "INSERT INTO change_records(document_id, from_version_id, to_version_id, detected_at, "
        "json) VALUES (1, 1, 2, '2024-02-01T00:00:00Z', '" +
        change_json + "');";
    BOOST_REQUIRE(sqlite3_exec(db, rows.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO bodies(id, document_id, raw_hash, depth, size, data) VALUES "
                       "(1, 1, x'02', 0, ?, ?)",
                       -1, &st, nullptr);
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(text.size()));
    sqlite3_bind_blob(st, 2, frame.data(), static_cast<int>(frame.size()), SQLITE_TRANSIENT);
    BOOST_REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  auto archive = open_ok(path);
  sqlite3* db = archive->handle();
  BOOST_TEST(scalar(db, "PRAGMA user_version") == cw::archive::latest_schema_version());
  BOOST_TEST(archive->version_text(1).value() == text);
  auto found = archive->findings(1);
  BOOST_REQUIRE(found.ok());
  BOOST_REQUIRE(found->size() == 1U);
  BOOST_TEST((*found)[0].quote == "Disputes go to arbitration.");
  BOOST_TEST(archive->version_info(1).value().findings == 1);
  auto change = archive->change_for_version(2);
  BOOST_REQUIRE(change.ok());
  BOOST_REQUIRE(change->has_value());
  BOOST_TEST((*change)->record.dump() == nlohmann::json::parse(change_json).dump());
  // A version recorded after the upgrade compresses its findings against the old text row.
  const std::string next = text + "\n\nWe may end the service.";
  std::vector<Finding> more = {finding("dispute.arbitration", next, "Disputes go to arbitration.")};
  auto r = archive->record(capture(next, "2024-03-01T00:00:00Z", &more));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->document_id == 1);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT rule_id, base_version_id FROM findings WHERE version_id = ?", -1,
                     &st, nullptr);
  sqlite3_bind_int64(st, 1, r->version_id);
  BOOST_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  BOOST_TEST(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "~");
  BOOST_TEST(sqlite3_column_int64(st, 1) == 1);
  sqlite3_finalize(st);
  archive.reset();
  auto cold = open_ok(path);
  auto after = cold->findings(r->version_id);
  BOOST_REQUIRE(after.ok());
  BOOST_REQUIRE(after->size() == 1U);
  BOOST_TEST(cw::engine::to_json((*after)[0]).dump() == cw::engine::to_json(more[0]).dump());
  BOOST_TEST(cold->findings(1).value().size() == 1U);
}

BOOST_AUTO_TEST_CASE(keyframes_use_a_trained_dictionary_and_read_back_from_a_cold_connection) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "a.sqlite3";
  auto archive = open_ok(path);
  // Documents of different services that share boilerplate, as legal texts do.
  std::string boilerplate;
  for (int i = 0; i < 60; ++i) {
    boilerplate += "Section " + std::to_string(i) +
                   ". To the maximum extent permitted by applicable law, the provider disclaims "
                   "all warranties, express or implied, including merchantability, clause " +
                   std::to_string(i * 31 % 97) + ".\n\n";
  }
  auto document = [&](int n) {
    return "Terms of service number " + std::to_string(n) + "\n\n" +
           boilerplate.substr(static_cast<std::size_t>(n % 7) * 100) + "Contact: legal" +
           std::to_string(n) + "@example.test\n";
  };
  std::vector<std::string> texts;
  for (int n = 0; n < 40; ++n) texts.push_back(document(n));
  std::vector<std::string_view> few(texts.begin(), texts.begin() + 4);
  BOOST_TEST(!archive->train_body_dictionary(few).value());  // too few samples
  BOOST_TEST(!archive->has_body_dictionary().value());
  std::vector<std::string_view> samples(texts.begin(), texts.end());
  BOOST_REQUIRE(archive->train_body_dictionary(samples).value());
  BOOST_TEST(archive->has_body_dictionary().value());

  std::vector<std::pair<std::int64_t, std::string>> recorded;
  for (int n = 100; n < 110; ++n) {
    Capture c = capture(document(n), "2025-05-01T00:00:00Z");
    c.document.service = "Service " + std::to_string(n);
    auto r = archive->record(c);
    BOOST_REQUIRE(r.ok());
    recorded.emplace_back(r->version_id, c.text);
  }
  archive.reset();
  auto cold = open_ok(path);
  for (const auto& [id, text] : recorded) BOOST_TEST(cold->version_text(id).value() == text);
  sqlite3* db = cold->handle();
  BOOST_TEST(
      scalar(db, "SELECT count(*) FROM bodies WHERE dictionary_id = 1 AND base_id IS NULL") == 10);
  // Each keyframe is smaller than the same text compressed alone.
  const auto alone = cw::archive::compress_body(recorded[0].second, "").value();
  BOOST_TEST(scalar(db, "SELECT max(length(data)) FROM bodies") <
             static_cast<std::int64_t>(alone.size()) * 3 / 4);
  BOOST_TEST(scalar(db, "PRAGMA page_size") == cw::archive::kPageSize);

  // A keyframe written quickly (as sync writes one) uses the dictionary too, and reads back.
  const std::string synced = document(200);
  auto fast = cold->fast_keyframe(synced);
  BOOST_REQUIRE(fast.ok());
  BOOST_REQUIRE(fast->dictionary_id.has_value());
  BOOST_TEST(*fast->dictionary_id == 1);
  BOOST_TEST(fast->frame.size() < synced.size() / 4);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO bodies(document_id, raw_hash, base_id, depth, size, data, "
                     "dictionary_id) VALUES (1, x'05', NULL, 0, ?, ?, ?)",
                     -1, &st, nullptr);
  sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(synced.size()));
  sqlite3_bind_blob(st, 2, fast->frame.data(), static_cast<int>(fast->frame.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, *fast->dictionary_id);
  BOOST_REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  const auto synced_id = sqlite3_last_insert_rowid(db);
  cold.reset();
  auto again = open_ok(path);
  BOOST_TEST(again->body_text(synced_id).value() == synced);
}

BOOST_AUTO_TEST_CASE(observation_times_are_stored_as_seconds_and_read_back_as_recorded) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "a.sqlite3";
  auto archive = open_ok(path);
  // The canonical form becomes Unix seconds (migration 8); any other text is kept as it is.
  const std::vector<std::string> times = {"2025-11-19T18:09:52Z", "2025-11-19T18:09:53.250Z",
                                          "2025-02-30T07:00:02Z", "2024-02-29T23:59:59Z"};
  for (const auto& t : times) BOOST_REQUIRE(archive->record(capture(kText, t)).ok());
  BOOST_TEST(cw::archive::sql::canonical_seconds("2025-11-19T18:09:52Z").value() == 1763575792);
  BOOST_TEST(!cw::archive::sql::canonical_seconds("2025-02-30T07:00:02Z").has_value());
  BOOST_TEST(!cw::archive::sql::canonical_seconds("2025-11-19 18:09:52Z").has_value());
  archive.reset();
  auto cold = open_ok(path);
  sqlite3* db = cold->handle();
  BOOST_TEST(scalar(db, "SELECT count(*) FROM observations WHERE typeof(seen_at) = 'integer'") ==
             2);
  BOOST_TEST(scalar(db, "SELECT count(*) FROM observations WHERE origin = 1") == 4);  // import
  auto docs = cold->documents();
  BOOST_REQUIRE(docs.ok());
  BOOST_REQUIRE(docs->size() == 1U);
  auto obs = cold->observations((*docs)[0].id);
  BOOST_REQUIRE(obs.ok());
  std::vector<std::string> seen;
  for (const auto& o : *obs) seen.push_back(o.seen_at);
  std::sort(seen.begin(), seen.end());
  std::vector<std::string> expected = times;
  std::sort(expected.begin(), expected.end());
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
  BOOST_TEST((*docs)[0].first_seen == "2024-02-29T23:59:59Z");
  for (const auto& t : times) {
    BOOST_TEST(cold->has_sighting({"Storage AI", "", "Terms of Service", ""}, t, kText).value());
    // The same sighting again adds nothing.
    auto again = cold->record(capture(kText, t));
    BOOST_REQUIRE(again.ok());
    BOOST_TEST(!again->is_new_observation);
  }
  BOOST_TEST(
      !cold->has_sighting({"Storage AI", "", "Terms of Service", ""}, "2025-11-19T18:09:54Z", kText)
           .value());
}

BOOST_AUTO_TEST_CASE(change_records_get_a_trained_dictionary_and_read_back_the_same) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "a.sqlite3";
  auto archive = open_ok(path);
  std::string text = kText;
  std::vector<std::int64_t> versions;
  auto add_version = [&](int i) {
    // A new clause each time, and a different old one dropped every few: every version is a
    // meaningful change with its own record.
    text += "\n\nClause " + std::to_string(i) + ": we keep records for " + std::to_string(i * 3) +
            " days and may share them with partner number " + std::to_string(i * 7) + ".";
    char when[32];
    std::snprintf(when, sizeof when, "2025-03-%02dT%02d:00:00Z", 1 + i / 24, i % 24);
    auto r = archive->record(capture(text, when));
    BOOST_REQUIRE(r.ok());
    BOOST_REQUIRE(r->change_id.has_value());
    versions.push_back(r->version_id);
  };
  BOOST_REQUIRE(archive->record(capture(text, "2025-02-01T00:00:00Z")).ok());  // the first
  for (int i = 0; i < 8; ++i) add_version(i);
  BOOST_TEST(!archive->train_record_dictionary().value());  // too few records
  for (int i = 8; i < 90; ++i) add_version(i);
  auto before = archive->changes({"", "", std::nullopt, 0, 1000});
  BOOST_REQUIRE(before.ok());
  BOOST_REQUIRE(before->changes.size() == 90U);
  sqlite3* db = archive->handle();
  const auto size_before = scalar(db, "SELECT sum(length(json)) FROM change_records");
  BOOST_REQUIRE(archive->train_record_dictionary().value());
  BOOST_TEST(!archive->train_record_dictionary().value());  // one is enough
  // A record dictionary is not a keyframe dictionary.
  BOOST_TEST(!archive->has_body_dictionary().value());
  BOOST_TEST(scalar(db, "SELECT count(*) FROM body_dictionaries WHERE purpose = 'records'") == 1);
  const auto size_after = scalar(db, "SELECT sum(length(json)) FROM change_records");
  BOOST_TEST(size_after < size_before / 2);
  add_version(90);  // written with the dictionary
  archive.reset();
  auto cold = open_ok(path);
  auto after = cold->changes({"", "", std::nullopt, 0, 1000});
  BOOST_REQUIRE(after.ok());
  BOOST_REQUIRE(after->changes.size() == 91U);
  for (std::size_t i = 0; i < before->changes.size(); ++i) {
    BOOST_TEST(after->changes[i + 1].to_json().dump() == before->changes[i].to_json().dump());
  }
  BOOST_TEST(scalar(cold->handle(),
                    "SELECT count(*) FROM change_records WHERE "
                    "typeof(detected_at) = 'integer'") == 91);
  // Clauses 48..90 were recorded from 2025-03-03 on.
  BOOST_TEST(cold->changes({"2025-03-03", "", std::nullopt, 0, 1000}).value().total == 43);
  BOOST_TEST(cold->changes({"2025-03-02T23:00:00Z", "", std::nullopt, 0, 1000}).value().total ==
             44);
  auto newest = cold->change_for_version(versions.back());
  BOOST_REQUIRE(newest.ok());
  BOOST_REQUIRE(newest->has_value());
  BOOST_TEST((*newest)->record.is_object());
  BOOST_TEST(scalar(cold->handle(), "SELECT length(json) FROM change_records ORDER BY id DESC") <
             scalar(cold->handle(), "SELECT length(json) FROM change_records ORDER BY id") + 40);
}

BOOST_AUTO_TEST_CASE(a_drifting_document_restarts_its_chain_on_recent_text) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "a.sqlite3";
  auto archive = open_ok(path);
  std::string text;
  for (int i = 0; i < 40; ++i)
    text += "Opening clause " + std::to_string(i) + " about what the provider keeps.\n\n";
  std::vector<std::pair<std::int64_t, std::string>> recorded;
  for (int i = 0; i < 200; ++i) {
    // Each version rewrites one clause for good: after 100 versions little of the first is left.
    const std::string from = "Opening clause " + std::to_string(i % 40) + " ";
    if (auto at = text.find(from); at != std::string::npos)
      text.replace(at, from.size(),
                   "Rewritten clause " + std::to_string(i) + " (v" + std::to_string(i * 13) + ") ");
    text += "Added clause " + std::to_string(i) + ": notice of " + std::to_string(i % 29 + 1) +
            " days.\n\n";
    char when[32];
    std::snprintf(when, sizeof when, "2025-04-%02dT%02d:00:00Z", 1 + i / 24, i % 24);
    auto r = archive->record(capture(text, when));
    BOOST_REQUIRE(r.ok());
    recorded.emplace_back(r->version_id, text);
  }
  archive.reset();
  auto cold = open_ok(path);
  for (const auto& [id, t] : recorded) BOOST_TEST(cold->version_text(id).value() == t);
  sqlite3* db = cold->handle();
  BOOST_TEST(scalar(db, "SELECT max(depth) FROM bodies") < cw::archive::kKeyframeInterval);
  BOOST_TEST(scalar(db, "SELECT count(*) FROM bodies WHERE base_id IS NULL") == 1);
  // Some restart builds on an earlier restart (or the bodies just after one), not the keyframe.
  BOOST_TEST(scalar(db,
                    "SELECT count(*) FROM bodies b JOIN bodies p ON p.id = b.base_id WHERE "
                    "p.depth >= 1 AND b.id <> (SELECT min(id) FROM bodies x WHERE x.id > p.id)") >
             0);
}

BOOST_AUTO_TEST_CASE(a_body_names_its_version_and_one_without_it_still_records) {
  cw::test::TempDir dir;
  const auto path = dir.path() / "a.sqlite3";
  auto archive = open_ok(path);
  auto first = archive->record(capture(kText, "2025-06-01T00:00:00Z"));
  BOOST_REQUIRE(first.ok());
  sqlite3* db = archive->handle();
  BOOST_TEST(scalar(db, "SELECT version_id FROM bodies") == first->version_id);
  // As sync writes a body: no version named. The same text recorded again finds its version
  // the slow way, and names it.
  BOOST_REQUIRE(sqlite3_exec(db, "UPDATE bodies SET version_id = NULL", nullptr, nullptr,
                             nullptr) == SQLITE_OK);
  auto again = archive->record(capture(kText, "2025-06-02T00:00:00Z"));
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->version_id == first->version_id);
  BOOST_TEST(!again->is_new_version);
  BOOST_TEST(scalar(db, "SELECT version_id FROM bodies") == first->version_id);
  // Another raw text of the same version (other spacing) is its own body, naming the same version.
  auto spaced = archive->record(capture(kText + "\n\n", "2025-06-03T00:00:00Z"));
  BOOST_REQUIRE(spaced.ok());
  BOOST_TEST(spaced->version_id == first->version_id);
  const std::string named =
      "SELECT count(*) FROM bodies WHERE version_id = " + std::to_string(first->version_id);
  BOOST_TEST(scalar(db, named.c_str()) == 2);
  BOOST_TEST(scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'observations_by_body'") ==
             0);
}
