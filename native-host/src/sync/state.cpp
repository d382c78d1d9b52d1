#include "sync/state.h"

namespace cw::sync {
namespace {

Error sql_error(sqlite3* db, const char* what) {
  return Error::make(ErrorCode::ARCHIVE_IO,
                     {{"detail", std::string(what) + ": " + sqlite3_errmsg(db)}});
}

}  // namespace

Statement::Statement(sqlite3* db, const char* sql) {
  if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
}
Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
int Statement::step() {
  return stmt_ == nullptr ? SQLITE_ERROR : sqlite3_step(stmt_);
}
void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}
std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(p),
                                    static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}
std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

Status exec_sql(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string detail = message != nullptr ? message : "unknown";
    sqlite3_free(message);
    return Error::make(ErrorCode::ARCHIVE_IO, {{"detail", detail}});
  }
  return ok_status();
}

Transaction::Transaction(sqlite3* db) : db_(db), begun_(exec_sql(db, "BEGIN IMMEDIATE")) {
  open_ = begun_.ok();
}
Transaction::~Transaction() {
  if (open_) (void)exec_sql(db_, "ROLLBACK");
}
Status Transaction::commit() {
  auto st = exec_sql(db_, "COMMIT");
  if (st) open_ = false;
  return st;
}

Status SyncState::ensure_schema() {
  return exec_sql(
      db_,
      "CREATE TABLE IF NOT EXISTS sync_config(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS sync_published(kind INTEGER NOT NULL, id TEXT NOT NULL,"
      " PRIMARY KEY(kind, id)) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS sync_imported(device TEXT PRIMARY KEY,"
      " seq INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS sync_lww(kind INTEGER NOT NULL, key TEXT NOT NULL,"
      " digest TEXT NOT NULL, hlc INTEGER NOT NULL, device TEXT NOT NULL,"
      " PRIMARY KEY(kind, key)) WITHOUT ROWID;");
}

Statement& SyncState::cached(std::unique_ptr<Statement>& slot, const char* sql) {
  if (!slot || !slot->ok()) slot = std::make_unique<Statement>(db_, sql);
  slot->reset();
  return *slot;
}

std::optional<std::string> SyncState::get(const std::string& key) {
  Statement& st = cached(get_, "SELECT value FROM sync_config WHERE key = ?1");
  st.bind(1, key);
  std::optional<std::string> out;
  if (st.step() == SQLITE_ROW) out = st.text(0);
  st.reset();
  return out;
}

Status SyncState::set(const std::string& key, const std::string& value) {
  Statement& st = cached(set_,
                         "INSERT INTO sync_config(key, value) VALUES(?1, ?2)"
                         " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  st.bind(1, key).bind(2, value);
  const int rc = st.step();
  st.reset();
  if (rc != SQLITE_DONE) return sql_error(db_, "saving sync setting");
  return ok_status();
}

Expected<crypto::DeviceKeys> SyncState::device_keys() {
  crypto::DeviceKeys keys;
  const auto id = get("device_id");
  const auto pk = get("device_public_key");
  const auto sk = get("device_secret_key");
  if (id && pk && sk && crypto::from_hex(*id, keys.id) && crypto::from_hex(*pk, keys.public_key) &&
      crypto::from_hex(*sk, keys.secret_key)) {
    return keys;
  }
  keys = crypto::new_device_keys();
  Transaction tx(db_);
  if (!tx.begun()) return tx.begun().error();
  // Another process may have created it meanwhile; keep the first.
  if (auto again = get("device_id")) {
    (void)tx.commit();
    return device_keys();
  }
  if (auto st = set("device_id", crypto::to_hex(keys.id)); !st) return st.error();
  if (auto st = set("device_public_key", crypto::to_hex(keys.public_key)); !st) return st.error();
  if (auto st = set("device_secret_key", crypto::to_hex(keys.secret_key)); !st) return st.error();
  if (auto st = tx.commit(); !st) return st.error();
  return keys;
}

std::optional<crypto::FolderKey> SyncState::folder_key() {
  const auto hex = get("folder_key");
  crypto::FolderKey key{};
  if (!hex || !crypto::from_hex(*hex, key)) return std::nullopt;
  return key;
}

std::string SyncState::published_key(RecordKind kind, const std::string& id) {
  std::string key(1, static_cast<char>('0' + static_cast<int>(kind)));
  key += id;
  return key;
}

Expected<std::unordered_set<std::string>> SyncState::published() {
  std::unordered_set<std::string> out;
  Statement st(db_, "SELECT kind, id FROM sync_published");
  int rc = 0;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.insert(published_key(static_cast<RecordKind>(st.integer(0)), st.text(1)));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "reading sync_published");
  return out;
}

Status SyncState::mark_published(RecordKind kind, const std::string& id) {
  Statement& st = cached(mark_, "INSERT OR IGNORE INTO sync_published(kind, id) VALUES(?1, ?2)");
  st.bind(1, static_cast<std::int64_t>(kind)).bind(2, id);
  const int rc = st.step();
  st.reset();
  if (rc != SQLITE_DONE) return sql_error(db_, "recording a published record");
  return ok_status();
}

bool SyncState::is_published(const std::string& pkey) {
  if (pkey.empty()) return false;
  Statement& st = cached(is_published_, "SELECT 1 FROM sync_published WHERE kind = ?1 AND id = ?2");
  st.bind(1, static_cast<std::int64_t>(pkey[0] - '0')).bind(2, std::string_view(pkey).substr(1));
  const bool found = st.step() == SQLITE_ROW;
  st.reset();
  return found;
}

std::map<std::string, std::uint64_t> SyncState::imported() {
  std::map<std::string, std::uint64_t> out;
  Statement st(db_, "SELECT device, seq FROM sync_imported");
  while (st.step() == SQLITE_ROW) out[st.text(0)] = static_cast<std::uint64_t>(st.integer(1));
  return out;
}

Status SyncState::set_imported(const std::string& device, std::uint64_t seq) {
  Statement st(db_,
               "INSERT INTO sync_imported(device, seq) VALUES(?1, ?2)"
               " ON CONFLICT(device) DO UPDATE SET seq = MAX(seq, excluded.seq)");
  st.bind(1, device).bind(2, static_cast<std::int64_t>(seq));
  if (st.step() != SQLITE_DONE) return sql_error(db_, "recording an imported bundle");
  return ok_status();
}

std::optional<SyncState::LwwEntry> SyncState::lww(RecordKind kind, const std::string& key) {
  Statement& st =
      cached(lww_get_, "SELECT digest, hlc, device FROM sync_lww WHERE kind = ?1 AND key = ?2");
  st.bind(1, static_cast<std::int64_t>(kind)).bind(2, key);
  std::optional<LwwEntry> out;
  if (st.step() == SQLITE_ROW) {
    out = LwwEntry{st.text(0), static_cast<std::uint64_t>(st.integer(1)), st.text(2)};
  }
  st.reset();
  return out;
}

Status SyncState::set_lww(RecordKind kind, const std::string& key, const LwwEntry& entry) {
  Statement& st =
      cached(lww_set_,
             "INSERT INTO sync_lww(kind, key, digest, hlc, device) VALUES(?1, ?2, ?3, ?4, ?5)"
             " ON CONFLICT(kind, key) DO UPDATE SET digest = excluded.digest,"
             " hlc = excluded.hlc, device = excluded.device");
  st.bind(1, static_cast<std::int64_t>(kind))
      .bind(2, key)
      .bind(3, entry.digest)
      .bind(4, static_cast<std::int64_t>(entry.hlc))
      .bind(5, entry.device);
  const int rc = st.step();
  st.reset();
  if (rc != SQLITE_DONE) return sql_error(db_, "recording a last-writer-wins value");
  return ok_status();
}

}  // namespace cw::sync
