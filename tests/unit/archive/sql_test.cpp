// The SQLite layer's statement cache: a cached statement is prepared once, comes back reset with
// no bindings, and a nested use of the same text gets a statement of its own.
#define BOOST_TEST_MODULE archive_sql
#include "archive/sql.h"

#include <memory>

#include <boost/test/unit_test.hpp>
#include <sqlite3.h>

#include "archive/archive.h"
#include "test_support.h"

namespace sql = cw::archive::sql;

namespace {

struct MemoryDb {
  sqlite3* db = nullptr;
  MemoryDb() {
    BOOST_REQUIRE_EQUAL(sqlite3_open(":memory:", &db), SQLITE_OK);
    BOOST_REQUIRE(sql::exec(db,
                            "CREATE TABLE t(k INTEGER, v TEXT);"
                            "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three');")
                      .ok());
  }
  ~MemoryDb() { sqlite3_close_v2(db); }
  MemoryDb(const MemoryDb&) = delete;
  MemoryDb& operator=(const MemoryDb&) = delete;
};

int live_statements(sqlite3* db) {
  int n = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s != nullptr; s = sqlite3_next_stmt(db, s))
    ++n;
  return n;
}

constexpr const char* kByKey = "SELECT v FROM t WHERE k = ?";

}  // namespace

BOOST_AUTO_TEST_CASE(a_cached_statement_is_prepared_once_and_reused) {
  MemoryDb m;
  {
    sql::StatementCache cache(m.db);
    for (int k = 1; k <= 3; ++k) {
      sql::Statement get(cache, kByKey);
      get.bind(1, std::int64_t{k});
      auto row = get.step();
      BOOST_REQUIRE(row.ok());
      BOOST_REQUIRE(*row);
      BOOST_CHECK_EQUAL(get.text(0), k == 1 ? "one" : k == 2 ? "two" : "three");
    }
    BOOST_CHECK_EQUAL(live_statements(m.db), 1);
  }
  BOOST_CHECK_EQUAL(live_statements(m.db), 0);  // the cache finalises what it kept
}

BOOST_AUTO_TEST_CASE(a_borrowed_statement_comes_back_without_bindings) {
  MemoryDb m;
  sql::StatementCache cache(m.db);
  {
    sql::Statement get(cache, kByKey);
    get.bind(1, std::int64_t{2});
    auto row = get.step();
    BOOST_REQUIRE(row.ok() && *row);
  }
  sql::Statement again(cache, kByKey);  // no bind: ? is NULL, which matches no row
  auto row = again.step();
  BOOST_REQUIRE(row.ok());
  BOOST_CHECK(!*row);
}

BOOST_AUTO_TEST_CASE(nested_uses_of_one_text_do_not_share_a_statement) {
  MemoryDb m;
  sql::StatementCache cache(m.db);
  constexpr const char* kAll = "SELECT k FROM t WHERE k >= ? ORDER BY k";
  sql::Statement outer(cache, kAll);
  outer.bind(1, std::int64_t{1});
  std::vector<std::int64_t> seen;
  for (;;) {
    auto row = outer.step();
    BOOST_REQUIRE(row.ok());
    if (!*row || seen.size() > 3) break;  // a reset outer would start again forever
    seen.push_back(outer.int64(0));
    sql::Statement inner(cache, kAll);  // mid-iteration of outer: must not reset it
    inner.bind(1, std::int64_t{3});
    auto inner_row = inner.step();
    BOOST_REQUIRE(inner_row.ok() && *inner_row);
    BOOST_CHECK_EQUAL(inner.int64(0), 3);
  }
  const std::vector<std::int64_t> expected{1, 2, 3};
  BOOST_CHECK_EQUAL_COLLECTIONS(seen.begin(), seen.end(), expected.begin(), expected.end());
}

BOOST_AUTO_TEST_CASE(sql_that_does_not_prepare_is_an_error_and_is_not_kept) {
  MemoryDb m;
  sql::StatementCache cache(m.db);
  {
    sql::Statement bad(cache, "SELECT nothing FROM no_such_table");
    BOOST_CHECK(!bad.prepared());
    auto row = bad.step();
    BOOST_REQUIRE(!row.ok());
    BOOST_CHECK_NE(row.error().to_string().find("no_such_table"), std::string::npos);
  }
  BOOST_CHECK_EQUAL(live_statements(m.db), 0);
}

BOOST_AUTO_TEST_CASE(recording_a_page_again_prepares_no_new_statements) {
  cw::test::TempDir dir;
  auto opened = cw::archive::Archive::open(dir.path() / "a.sqlite3");
  BOOST_REQUIRE(opened.ok());
  auto& archive = **opened;
  cw::archive::Capture capture;
  capture.document = {"Cache AI", "cache.test", "Terms of Service", ""};
  capture.text = "We may change these terms at any time.";
  capture.seen_at = "2026-11-26T07:00:00Z";
  BOOST_REQUIRE(archive.record(capture).ok());
  const int after_first = live_statements(archive.handle());
  BOOST_CHECK_GT(after_first, 0);
  for (int i = 1; i <= 3; ++i) {
    capture.seen_at = "2026-11-26T07:0" + std::to_string(i) + ":00Z";
    auto recorded = archive.record(capture);
    BOOST_REQUIRE(recorded.ok());
    BOOST_CHECK(!recorded->is_new_version);
    BOOST_CHECK(recorded->is_new_observation);
  }
  BOOST_CHECK_EQUAL(live_statements(archive.handle()), after_first);
}
