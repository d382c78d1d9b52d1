#include "archive/sql.h"

#include <ctime>

#include "common/limits.h"

namespace cw::archive::sql {

Error error_from(sqlite3* db, std::string_view what) {
  const int code = sqlite3_errcode(db);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    return Error::make(ErrorCode::ARCHIVE_BUSY, {{"ms", limits::kArchiveBusyTimeoutMs}});
  }
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", std::string(what) + ": " + sqlite3_errmsg(db)}});
  }
  return Error::make(ErrorCode::ARCHIVE_IO,
                     {{"detail", std::string(what) + ": " + sqlite3_errmsg(db)}});
}

StatementCache::~StatementCache() {
  for (auto& [sql, entry] : entries_) sqlite3_finalize(entry.stmt);
}

Statement::Statement(sqlite3* db, std::string_view sql)
    : db_(db), owned_sql_(sql), sql_(owned_sql_) {
  sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
}

Statement::Statement(StatementCache& cache, std::string_view sql) : db_(cache.db_) {
  auto it = cache.entries_.find(sql);
  if (it == cache.entries_.end()) {
    it = cache.entries_.emplace(std::string(sql), StatementCache::Entry{}).first;
    // A failed prepare leaves stmt null, is not cached, and is reported by step().
    sqlite3_prepare_v3(db_, it->first.data(), static_cast<int>(it->first.size()),
                       SQLITE_PREPARE_PERSISTENT, &it->second.stmt, nullptr);
    if (it->second.stmt == nullptr) {
      cache.entries_.erase(it);
      owned_sql_ = std::string(sql);
      sql_ = owned_sql_;
      return;
    }
  }
  if (it->second.in_use) {  // nested use of the same text: a statement of its own
    owned_sql_ = std::string(sql);
    sql_ = owned_sql_;
    sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    return;
  }
  it->second.in_use = true;
  borrowed_ = &it->second.in_use;
  stmt_ = it->second.stmt;
  sql_ = it->first;
}

Statement::~Statement() {
  if (borrowed_ != nullptr) {
    reset();
    *borrowed_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // An empty view may have a null data(), which SQLite would bind as NULL rather than ''.
  sqlite3_bind_text64(stmt_, index, text.data() != nullptr ? text.data() : "", text.size(),
                      SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

std::optional<std::int64_t> canonical_seconds(std::string_view iso) {
  if (iso.size() != 20 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T' || iso[13] != ':' ||
      iso[16] != ':' || iso[19] != 'Z')
    return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
    if (iso[i] < '0' || iso[i] > '9') return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (iso[i] - '0');
    return v;
  };
  std::tm t{};
  t.tm_year = num(0, 4) - 1900;
  t.tm_mon = num(5, 2) - 1;
  t.tm_mday = num(8, 2);
  t.tm_hour = num(11, 2);
  t.tm_min = num(14, 2);
  t.tm_sec = num(17, 2);
  const std::time_t secs = timegm(&t);
  // Out-of-range fields (Feb 30, 24:00:00) normalise to another day: such a text stays a text.
  std::tm back{};
  if (gmtime_r(&secs, &back) == nullptr) return std::nullopt;
  char out[32];
  if (std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &back) != 20) return std::nullopt;
  if (iso != std::string_view(out, 20)) return std::nullopt;
  return static_cast<std::int64_t>(secs);
}

std::string time_text(std::string_view e) {
  const std::string x(e);
  return "(CASE WHEN typeof(" + x + ") = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%SZ', " + x +
         ", 'unixepoch') ELSE " + x + " END)";
}

Statement& Statement::bind_time(int index, std::string_view iso) {
  if (auto secs = canonical_seconds(iso)) return bind(index, *secs);
  return bind(index, iso);
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_, index, bytes.data() != nullptr ? bytes.data() : "", bytes.size(),
                      SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Expected<bool> Statement::step() {
  if (stmt_ == nullptr) {
    return error_from(db_, "prepare '" + std::string(sql_.substr(0, 60)) + "'");
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return error_from(db_, "step '" + std::string(sql_.substr(0, 60)) + "'");
}

Status Statement::run() {
  auto r = step();
  if (!r) return r.error();
  reset();
  return ok_status();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::optional<std::int64_t> Statement::opt_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::string Statement::blob(int column) const {
  const auto* p = sqlite3_column_blob(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string()
                      : std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

bool Statement::is_blob(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_BLOB;
}

Status exec(sqlite3* db, std::string_view sql) {
  const std::string owned(sql);
  char* message = nullptr;
  if (sqlite3_exec(db, owned.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    Error e = error_from(db, message != nullptr ? message : "exec");
    sqlite3_free(message);
    return e;
  }
  return ok_status();
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::begin() {
  auto s = exec(db_, "BEGIN IMMEDIATE");
  if (s) open_ = true;
  return s;
}

Status Transaction::commit() {
  auto s = exec(db_, "COMMIT");
  if (s) open_ = false;
  return s;
}

}  // namespace cw::archive::sql
