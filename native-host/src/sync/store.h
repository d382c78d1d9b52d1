// What sync needs from an archive: a SQLite connection (sync keeps its state in the same database,
// so an imported bundle and the record of having imported it commit together), the records it holds
// by stable id, and a way to add records. The archive adapter (archive_store.h) implements it.
#pragma once

#include <functional>
#include <string>

#include <sqlite3.h>

#include "protocol/errors.h"
#include "sync/records.h"

namespace cw::sync {

class SyncStore {
 public:
  virtual ~SyncStore() = default;

  // The archive's connection. Sync opens the transactions; apply_record runs inside them.
  virtual sqlite3* db() = 0;

  // Every record the archive can share, ids only. Versions come first, grouped by document and in
  // date order, so consecutive texts compress against each other; then the records that refer to
  // versions. kDocument and kSetting ids are their stable keys.
  virtual Status list_records(const std::function<void(RecordKind, const std::string&)>& visit) = 0;

  // One record in full (for kDocument / kSetting: its current value).
  virtual Expected<Record> read_record(RecordKind kind, const std::string& id) = 0;

  // Adds a record received from another device; a record already present is left as it is (returns
  // false). For kDocument / kSetting, sets the value (sync has already decided that it is newer).
  // Errors abort the whole bundle. Called inside an open transaction; must not open its own.
  virtual Expected<bool> apply_record(const Record& record) = 0;

  // Incremental listing, optional: after set_listing_floor(mark), list_records may leave out
  // immutable records that the listing which returned `mark` (listing_mark()) already offered.
  // Sync saves the mark only once everything listed is in the folder. Mutable records are always
  // listed. An empty mark lists everything.
  virtual void set_listing_floor(const std::string& /*mark*/) {}
  virtual std::string listing_mark() { return {}; }

  // Called before and after each import transaction (committed or rolled back), so a store can drop
  // what it cached about rows that a rollback may have taken back.
  virtual void reset_caches() {}
};

}  // namespace cw::sync
