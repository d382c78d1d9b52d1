// The archive (archive/archive.h) as a SyncStore.
//
// Records and their stable ids (the same on every device):
//   document     id = BLAKE2b-128(service, terms type, variant); value = {service, domain,
//   terms_type,
//                variant, url}; last writer wins (the canonical URL changes)
//   version      id = <hash of the normalised text>.<document id>; carries the raw text as first
//                seen, first/last seen, verdict, meaning/layout hashes, the reference version it
//                was compared with, its findings and its change record, exactly as the device that
//                recorded it computed them, so every archive ends with identical findings and
//                changes
//   observation  id = BLAKE2b-128(version id, raw text hash, time, URL); the raw text rides along
//                only when it differs from the version's own text
// Rows are written with SQL inside sync's transaction (Archive::record opens its own, and a bundle
// must commit whole), following the archive's schema (archive/schema.cpp, version 2).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "archive/archive.h"
#include "protocol/context.h"
#include "sync/service.h"
#include "sync/store.h"

namespace cw::sync {

class ArchiveStore final : public SyncStore {
 public:
  explicit ArchiveStore(archive::Archive& archive) : archive_(archive) {}

  sqlite3* db() override { return archive_.handle(); }
  Status list_records(const std::function<void(RecordKind, const std::string&)>& visit) override;
  Expected<Record> read_record(RecordKind kind, const std::string& id) override;
  Expected<bool> apply_record(const Record& record) override;
  void reset_caches() override;

 private:
  Expected<std::int64_t> ensure_document(const nlohmann::json& meta);
  Expected<std::int64_t> ensure_body(std::int64_t document_id, std::string_view text);
  Expected<std::optional<std::int64_t>> local_version(const std::string& version_id);
  Expected<bool> apply_version(const Record& record);
  Expected<bool> apply_observation(const Record& record);
  Expected<bool> apply_document(const Record& record);

  archive::Archive& archive_;
  // Filled by list_records: stable id -> local row id.
  std::unordered_map<std::string, std::int64_t> documents_;
  std::unordered_map<std::string, std::int64_t> versions_;
  std::unordered_map<std::string, std::int64_t> observations_;
  // Texts of bodies written during the current import (the archive's own body cache must not see
  // rows that a rollback may take back).
  std::unordered_map<std::int64_t, std::string> new_bodies_;
};

// Everything two synced archives must agree on, as sorted lines (tests and `sync verify`):
// documents, versions with their verdicts, findings and change records, and observations; local row
// ids and the origin column (browser/import/sync) are left out.
Expected<std::string> archive_content_summary(sqlite3* db);

}  // namespace cw::sync
