// A small SQLite-backed SyncStore for testing the sync engine apart from the archive: versions
// keyed by the BLAKE2b of their text, observations keyed by id, documents as last-writer-wins
// values.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <sodium.h>
#include <sqlite3.h>

#include "sync/state.h"
#include "sync/store.h"

namespace cw::sync::testing {

inline std::string blake_hex(std::string_view text) {
  std::array<unsigned char, 32> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  return crypto::to_hex(h);
}

class TableStore final : public SyncStore {
 public:
  explicit TableStore(const std::filesystem::path& file) {
    sqlite3_open(file.c_str(), &db_);
    sqlite3_busy_timeout(db_, 5000);
    (void)exec_sql(
        db_,
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE IF NOT EXISTS t_version(id TEXT PRIMARY KEY, doc TEXT, date TEXT, text TEXT);"
        "CREATE TABLE IF NOT EXISTS t_observation(id TEXT PRIMARY KEY, version TEXT, url TEXT);"
        "CREATE TABLE IF NOT EXISTS t_document(key TEXT PRIMARY KEY, watched INTEGER);");
  }
  ~TableStore() override { sqlite3_close(db_); }

  sqlite3* db() override { return db_; }

  std::string add_version(const std::string& doc, const std::string& date,
                          const std::string& text) {
    const std::string id = blake_hex(text);
    Statement st(db_, "INSERT OR IGNORE INTO t_version VALUES(?1, ?2, ?3, ?4)");
    st.bind(1, id).bind(2, doc).bind(3, date).bind(4, text);
    st.step();
    return id;
  }
  void add_observation(const std::string& version, const std::string& url) {
    Statement st(db_, "INSERT OR IGNORE INTO t_observation VALUES(?1, ?2, ?3)");
    st.bind(1, blake_hex(version + "|" + url)).bind(2, version).bind(3, url);
    st.step();
  }
  void set_watched(const std::string& doc, bool watched) {
    Statement st(
        db_, "INSERT INTO t_document VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET watched = ?2");
    st.bind(1, doc).bind(2, std::int64_t{watched ? 1 : 0});
    st.step();
  }
  std::optional<bool> watched(const std::string& doc) {
    Statement st(db_, "SELECT watched FROM t_document WHERE key = ?1");
    st.bind(1, doc);
    if (st.step() != SQLITE_ROW) return std::nullopt;
    return st.integer(0) != 0;
  }

  // Everything a user would compare between two archives, as one sorted text.
  std::string content() {
    std::string out;
    Statement v(db_, "SELECT id, doc, date, length(text) FROM t_version ORDER BY id");
    while (v.step() == SQLITE_ROW)
      out += "V " + v.text(0) + " " + v.text(1) + " " + v.text(2) + " " + v.text(3) + "\n";
    Statement o(db_, "SELECT id, version, url FROM t_observation ORDER BY id");
    while (o.step() == SQLITE_ROW)
      out += "O " + o.text(0) + " " + o.text(1) + " " + o.text(2) + "\n";
    Statement d(db_, "SELECT key, watched FROM t_document ORDER BY key");
    while (d.step() == SQLITE_ROW) out += "D " + d.text(0) + " " + d.text(1) + "\n";
    return out;
  }
  std::int64_t count(const char* table) {
    Statement st(db_, (std::string("SELECT count(*) FROM ") + table).c_str());
    st.step();
    return st.integer(0);
  }

  Status list_records(const std::function<void(RecordKind, const std::string&)>& visit) override {
    Statement v(db_, "SELECT id FROM t_version ORDER BY doc, date");
    while (v.step() == SQLITE_ROW) visit(RecordKind::kVersion, v.text(0));
    Statement o(db_, "SELECT id FROM t_observation");
    while (o.step() == SQLITE_ROW) visit(RecordKind::kObservation, o.text(0));
    Statement d(db_, "SELECT key FROM t_document");
    while (d.step() == SQLITE_ROW) visit(RecordKind::kDocument, d.text(0));
    return ok_status();
  }

  Expected<Record> read_record(RecordKind kind, const std::string& id) override {
    if (kind == RecordKind::kVersion) {
      Statement st(db_, "SELECT doc, date, text FROM t_version WHERE id = ?1");
      st.bind(1, id);
      if (st.step() != SQLITE_ROW) return Error::make(ErrorCode::NOT_FOUND, {{"what", id}});
      return Record{kind, id, {{"doc", st.text(0)}, {"date", st.text(1)}}, st.text(2)};
    }
    if (kind == RecordKind::kObservation) {
      Statement st(db_, "SELECT version, url FROM t_observation WHERE id = ?1");
      st.bind(1, id);
      if (st.step() != SQLITE_ROW) return Error::make(ErrorCode::NOT_FOUND, {{"what", id}});
      return Record{kind, id, {{"version", st.text(0)}, {"url", st.text(1)}}, {}};
    }
    if (kind == RecordKind::kDocument) {
      auto w = watched(id);
      if (!w) return Error::make(ErrorCode::NOT_FOUND, {{"what", id}});
      return Record{kind, id, {{"watched", *w}}, {}};
    }
    return Error::make(ErrorCode::NOT_FOUND, {{"what", id}});
  }

  Expected<bool> apply_record(const Record& r) override {
    if (r.kind == RecordKind::kVersion) {
      if (blake_hex(r.body) != r.id) {
        return Error::make(ErrorCode::SYNC_BUNDLE_INVALID,
                           {{"detail", "version text does not match its hash"}});
      }
      Statement st(db_, "INSERT OR IGNORE INTO t_version VALUES(?1, ?2, ?3, ?4)");
      st.bind(1, r.id)
          .bind(2, r.meta.value("doc", ""))
          .bind(3, r.meta.value("date", ""))
          .bind(4, r.body);
      if (st.step() != SQLITE_DONE)
        return Error::make(ErrorCode::ARCHIVE_IO, {{"detail", sqlite3_errmsg(db_)}});
      return sqlite3_changes(db_) > 0;
    }
    if (r.kind == RecordKind::kObservation) {
      if (fail_on_observation_)
        return Error::make(ErrorCode::ARCHIVE_IO, {{"detail", "injected failure"}});
      Statement st(db_, "INSERT OR IGNORE INTO t_observation VALUES(?1, ?2, ?3)");
      st.bind(1, r.id).bind(2, r.meta.value("version", "")).bind(3, r.meta.value("url", ""));
      if (st.step() != SQLITE_DONE)
        return Error::make(ErrorCode::ARCHIVE_IO, {{"detail", sqlite3_errmsg(db_)}});
      return sqlite3_changes(db_) > 0;
    }
    if (r.kind == RecordKind::kDocument) {
      set_watched(r.id, r.meta.value("watched", false));
      return true;
    }
    return false;  // kinds this store does not keep
  }

  bool fail_on_observation_ = false;

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace cw::sync::testing
