// Sync's own state, kept in tables of the archive database (all named sync_*), so that importing a
// bundle and remembering that it was imported commit in one transaction.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include <sqlite3.h>

#include "crypto/sync_keys.h"
#include "protocol/errors.h"
#include "sync/records.h"

namespace cw::sync {

// A prepared statement that finalises itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  [[nodiscard]] bool ok() const { return stmt_ != nullptr; }
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  void reset();
  [[nodiscard]] std::string text(int column) const;
  [[nodiscard]] std::int64_t integer(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

Status exec_sql(sqlite3* db, const char* sql);

// BEGIN IMMEDIATE … COMMIT, rolled back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(sqlite3* db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  [[nodiscard]] const Status& begun() const { return begun_; }
  Status commit();

 private:
  sqlite3* db_;
  Status begun_;
  bool open_ = false;
};

class SyncState {
 public:
  explicit SyncState(sqlite3* db) : db_(db) {}
  // Creates the sync_* tables if missing.
  Status ensure_schema();

  std::optional<std::string> get(const std::string& key);
  Status set(const std::string& key, const std::string& value);

  // This archive's device identity, created on first use.
  Expected<crypto::DeviceKeys> device_keys();

  // The folder key saved at init/join, if sync is configured.
  std::optional<crypto::FolderKey> folder_key();

  // (kind, id) pairs already present in the folder, so they are not published again.
  Expected<std::unordered_set<std::string>> published();
  Status mark_published(RecordKind kind, const std::string& id);
  // Whether a published_key() is in sync_published.
  bool is_published(const std::string& pkey);
  static std::string published_key(RecordKind kind, const std::string& id);

  // Highest sequence imported contiguously from each device.
  std::map<std::string, std::uint64_t> imported();
  Status set_imported(const std::string& device, std::uint64_t seq);

  // Last-writer-wins bookkeeping of mutable records.
  struct LwwEntry {
    std::string digest;
    std::uint64_t hlc = 0;
    std::string device;
  };
  std::optional<LwwEntry> lww(RecordKind kind, const std::string& key);
  Status set_lww(RecordKind kind, const std::string& key, const LwwEntry& entry);

  sqlite3* db() { return db_; }

 private:
  // Prepared once per SyncState: a first sync marks thousands of records, and preparing the same
  // statement each time cost more than the insert itself.
  Statement& cached(std::unique_ptr<Statement>& slot, const char* sql);

  sqlite3* db_;
  std::unique_ptr<Statement> get_, set_, mark_, is_published_, lww_get_, lww_set_;
};

}  // namespace cw::sync
