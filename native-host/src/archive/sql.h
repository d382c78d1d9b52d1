// A thin RAII layer over the SQLite C API for the archive: prepared statements with typed binds and
// columns, and errors turned into cw::Error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "protocol/errors.h"

namespace cw::archive::sql {

Error error_from(sqlite3* db, std::string_view what);

// Prepared statements kept for the life of one connection, keyed by their SQL text, so that a
// statement run on every page (Archive::record) is compiled once rather than on each call.
// Only for SQL from a fixed set of texts: the cache never forgets an entry. Destroy it before
// closing the connection.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

 private:
  friend class Statement;
  struct Entry {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3* db_;
  std::map<std::string, Entry, std::less<>> entries_;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  // Borrows the cache's statement for `sql` (prepared on first use) and resets it when done. While
  // it is borrowed, another Statement for the same text prepares its own.
  Statement(StatementCache& cache, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  [[nodiscard]] bool prepared() const { return stmt_ != nullptr; }
  [[nodiscard]] sqlite3* db() const { return db_; }
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<std::int64_t>& value);
  // An observation time (migration 8): Unix seconds when `iso` is the canonical
  // "YYYY-MM-DDTHH:MM:SSZ" form, which kObservationTime reads back as the same text; otherwise
  // the text itself.
  Statement& bind_time(int index, std::string_view iso);

  // SQLITE_ROW: true; SQLITE_DONE: false; anything else: Error.
  Expected<bool> step();
  // Runs to completion (for INSERT/UPDATE).
  Status run();
  void reset();

  std::int64_t int64(int column) const;
  std::optional<std::int64_t> opt_int64(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;
  bool is_null(int column) const;
  bool is_blob(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool* borrowed_ = nullptr;  // the cache entry's in_use flag, when borrowed
  std::string owned_sql_;
  std::string_view sql_;  // for error messages: owned_sql_ or the cache's key
};

// observations.seen_at as its ISO text, whichever form the row stores (o is the table's alias).
inline constexpr const char* kObservationTime =
    "(CASE WHEN typeof(o.seen_at) = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%SZ', o.seen_at, "
    "'unixepoch') ELSE o.seen_at END)";
// The same for an expression `e` (e.g. min(o.seen_at)).
std::string time_text(std::string_view e);
// Unix seconds of a canonical "YYYY-MM-DDTHH:MM:SSZ" text that reads back identically.
std::optional<std::int64_t> canonical_seconds(std::string_view iso);

// Runs SQL with no results (several statements allowed).
Status exec(sqlite3* db, std::string_view sql);

// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status begin();
  Status commit();

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace cw::archive::sql
