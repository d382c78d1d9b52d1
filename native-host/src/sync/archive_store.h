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
//   banner observation  id = BLAKE2b-128(site, first seen, fingerprint); sent as <id>@<times seen>
//                so a grown count travels again; the receiver keeps the larger count and last
//                sighting; body = the observation JSON
//   banner change  id = BLAKE2b-128(before id, after id); body = the change JSON
// Rows are written with SQL inside sync's transaction (Archive::record opens its own, and a bundle
// must commit whole), following the archive's schema (archive/schema.cpp, version 2).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "archive/archive.h"
#include "archive/sql.h"
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
  void set_listing_floor(const std::string& mark) override;
  std::string listing_mark() override;

 private:
  Expected<std::int64_t> ensure_document(const nlohmann::json& doc);
  Expected<std::int64_t> ensure_body(std::int64_t document_id, std::string_view text);
  Expected<std::optional<std::int64_t>> local_version(const std::string& version_id);
  Expected<bool> apply_version(const Record& record);
  Expected<bool> apply_observation(const Record& record);
  Expected<bool> apply_document(const Record& record);
  Expected<bool> apply_banner_observation(const Record& record);
  Expected<bool> apply_banner_change(const Record& record);
  // Stable id -> local row of every banner observation (built on first use in an import).
  Status load_banner_rows();

  // Prepared statements, one per SQL text, prepared on first use and reset after each use: a first
  // sync runs the same dozen statements for every version, and preparing them each time cost more
  // than running them.
  class Use {
   public:
    explicit Use(archive::sql::Statement& st) : st_(st) {}
    ~Use() { st_.reset(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    archive::sql::Statement* operator->() { return &st_; }
    archive::sql::Statement& operator*() { return st_; }

   private:
    archive::sql::Statement& st_;
  };
  Use use(const char* sql);
  Expected<nlohmann::json> document_json(std::int64_t document_id);
  Expected<std::string> stable_version(std::int64_t version_row);
  void add_rule_texts(const std::string& rule_id, const std::string& json, nlohmann::json& out);

  archive::Archive& archive_;
  std::unordered_map<std::string_view, std::unique_ptr<archive::sql::Statement>> statements_;
  // Local row -> stable id, and document values, learnt while listing or applying.
  std::unordered_map<std::int64_t, std::string> version_ids_;
  std::unordered_map<std::int64_t, nlohmann::json> document_values_;
  // Filled by list_records: stable id -> local row id.
  std::unordered_map<std::string, std::int64_t> documents_;
  std::unordered_map<std::string, std::int64_t> versions_;
  std::unordered_map<std::string, std::int64_t> observations_;
  // Banner observations by wire id (<stable id>@<times seen>, so a count that grew is sent again)
  // and banner changes by stable id; banner rows by stable id and back.
  std::unordered_map<std::string, std::int64_t> banner_wire_;
  std::unordered_map<std::string, std::int64_t> banner_changes_;
  std::unordered_map<std::string, std::int64_t> banner_rows_;
  std::unordered_map<std::int64_t, std::string> banner_stable_;
  bool banner_rows_loaded_ = false;
  // Incremental listing: versions and observations with row ids above these (rows are never
  // deleted, and SQLite gives a new row an id above every committed one).
  std::int64_t floor_versions_ = 0, floor_observations_ = 0;
  std::int64_t max_versions_ = 0, max_observations_ = 0;
  // Texts of bodies written during the current import (the archive's own body cache must not see
  // rows that a rollback may take back).
  std::unordered_map<std::int64_t, std::string> new_bodies_;
};

// Everything two synced archives must agree on, as sorted lines (tests and `sync verify`):
// documents, versions with their verdicts, findings and change records, and observations; local row
// ids and the origin column (browser/import/sync) are left out.
Expected<std::string> archive_content_summary(sqlite3* db);

}  // namespace cw::sync
