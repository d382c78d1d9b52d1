// The archive: every version of every legal document the user has seen, in one SQLite file.
//
//   services ─< documents ─< versions ─< observations      (every sighting: time, URL, origin)
//                  │            ├─< findings             (the provisions found in that version)
//                  │            └── bodies               (raw text, zstd delta chain per document)
//                  └─< change_records                    (provision delta between meaningful
//                  versions)
//
// A version is content-addressed by BLAKE2b-256 of the normalised text (text/normalize.h), so a
// page seen again with other link tokens or spacing is an observation of the same version ("not
// changed" is an event, not a new row). The raw text of every sighting is kept as a body, so every
// version and every imported file reads back byte for byte.
//
// Concurrency: one connection per process, WAL, a busy timeout and BEGIN IMMEDIATE for every write,
// so two browsers (two hosts) and the CLI can record at once. Not thread-safe: one Archive per
// thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "changes/meaning.h"
#include "engine/finding.h"
#include "protocol/errors.h"

namespace cw::archive {

// 'CWA1': written to PRAGMA application_id so a foreign SQLite file is recognised.
inline constexpr std::int32_t kApplicationId = 0x43574131;
// The page size of a new archive file (bytes).
inline constexpr int kPageSize = 1024;
// The newest schema this build knows (PRAGMA user_version). See schema.cpp.
int latest_schema_version();

// Observations store these numbers (migration 11).
enum class Origin { kBrowser = 0, kImport = 1, kSync = 2 };
std::string_view to_string(Origin origin);
std::optional<Origin> origin_from_string(std::string_view s);

// Which document a capture belongs to.
struct DocumentKey {
  std::string service;     // "ChatGPT", or the site's registrable domain for browser captures
  std::string domain;      // "openai.com" (may be empty for imports)
  std::string terms_type;  // OTA vocabulary: "Terms of Service", "Privacy Policy", ...
  std::string variant;     // region or language variant; empty for the default
};

struct Capture {
  DocumentKey document;
  std::string url;      // where it was seen (may be empty for imports)
  std::string text;     // the captured text, exactly as received
  std::string seen_at;  // ISO 8601 UTC, "2025-11-19T18:09:52Z"
  Origin origin = Origin::kBrowser;
  // Findings of this text; stored only when the text is a new version. nullptr: none computed.
  const std::vector<engine::Finding>* findings = nullptr;
  // Or: finds them (nullopt: analysis failed), called only when the text is a new version (so an
  // import analyses each distinct text once, not every sighting).
  std::function<std::optional<std::vector<engine::Finding>>(std::string_view text)> analyze;
  // text::normalize(text).text when the caller already has it (import normalises on worker
  // threads); nullptr: record() normalises.
  const std::string* normalized = nullptr;
};

struct RecordResult {
  std::int64_t document_id = 0;
  std::int64_t version_id = 0;
  std::string hash;  // hex BLAKE2b-256 of the normalised text
  bool is_new_version = false;
  bool is_new_observation = true;  // false when the same sighting was recorded before (re-import)
  std::string first_seen;
  std::int64_t versions_seen = 0;  // versions of this document so far
  changes::Verdict verdict = changes::Verdict::kFirst;
  std::optional<std::int64_t> compared_to;  // the reference version it was compared with
  std::optional<std::int64_t> change_id;    // the change record written, if any
};

struct VersionInfo {
  std::int64_t id = 0;
  std::int64_t document_id = 0;
  std::string service;
  std::string terms_type;
  std::string variant;
  std::string hash;
  std::string first_seen;
  std::string last_seen;
  std::string origin;
  std::int64_t times_seen = 0;
  std::string verdict;  // changes::to_string(Verdict)
  bool meaningful = false;
  std::optional<std::int64_t> compared_to;
  std::int64_t bytes = 0;
  std::string url;
  std::int64_t findings = 0;
  [[nodiscard]] nlohmann::json to_json() const;
};

struct DocumentInfo {
  std::int64_t id = 0;
  std::string service;
  std::string domain;
  std::string terms_type;
  std::string variant;
  std::string url;
  std::int64_t versions = 0;
  std::int64_t meaningful_versions = 0;
  std::int64_t observations = 0;
  std::string first_seen;
  std::string last_seen;
  [[nodiscard]] nlohmann::json to_json() const;
};

struct HistoryQuery {
  std::optional<std::int64_t> document_id;
  std::string service;     // all documents of a service when document_id is not given
  std::string terms_type;  // narrows `service` to one document type
  bool meaningful_only = false;
  std::int64_t offset = 0;
  std::int64_t limit = 100;
};

struct HistoryPage {
  std::vector<DocumentInfo> documents;
  std::vector<VersionInfo> versions;  // newest first
  std::int64_t total = 0;
  std::optional<std::int64_t> next_offset;
};

struct ChangeQuery {
  std::string since;  // ISO date or date-time; empty: all
  std::string service;
  std::optional<std::int64_t> document_id;
  std::int64_t offset = 0;
  std::int64_t limit = 20;
};

struct StoredChange {
  std::int64_t id = 0;
  std::int64_t document_id = 0;
  std::string service;
  std::string terms_type;
  std::optional<std::int64_t> from_version;
  std::int64_t to_version = 0;
  std::string detected_at;  // first_seen of the new version
  nlohmann::json record;    // changes::to_json(ChangeRecord)
  [[nodiscard]] nlohmann::json to_json() const;
};

struct ChangesPage {
  std::vector<StoredChange> changes;  // newest first
  std::int64_t total = 0;
  std::optional<std::int64_t> next_offset;
};

struct Observation {
  std::int64_t id = 0;
  std::int64_t version_id = 0;
  std::int64_t body_id = 0;
  std::string seen_at;
  std::string url;
  std::string origin;
};

class Archive {
 public:
  enum class Mode { kCreate, kExisting };
  // Opens (or, with kCreate, creates) the archive and brings its schema up to date.
  // Errors: ARCHIVE_NOT_CLAUSEWATCH (a foreign or corrupt file, left untouched), ARCHIVE_TOO_NEW,
  // ARCHIVE_UNAVAILABLE, ARCHIVE_READ_ONLY (kExisting and no file).
  static Expected<std::unique_ptr<Archive>> open(const std::filesystem::path& path,
                                                 Mode mode = Mode::kCreate);
  ~Archive();
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  // Records one sighting: a new version (with its findings and, when meaningful, a change record)
  // or an observation of a known one. Atomic: after a crash either all of it is there or none.
  Expected<RecordResult> record(const Capture& capture);

  // The exact text of a version as first seen, or of the body an observation saw.
  Expected<std::string> version_text(std::int64_t version_id);
  Expected<std::string> body_text(std::int64_t body_id);
  Expected<VersionInfo> version_info(std::int64_t version_id);
  Expected<std::vector<engine::Finding>> findings(std::int64_t version_id);

  Expected<HistoryPage> history(const HistoryQuery& query);
  Expected<ChangesPage> changes(const ChangeQuery& query);
  Expected<std::optional<StoredChange>> change_for_version(std::int64_t version_id);
  Expected<std::vector<DocumentInfo>> documents(std::string_view service = {});
  // Every observation of a document, oldest first (export-ota).
  Expected<std::vector<Observation>> observations(std::int64_t document_id);

  // Whether this exact sighting (document, time, text) is already recorded: import resumes with it.
  Expected<bool> has_sighting(const DocumentKey& key, std::string_view seen_at,
                              std::string_view text);

  // Trains a zstd dictionary on `samples` (texts of many documents, e.g. the first version of
  // each document of an import) that new keyframes then use (body_codec.h). False: too few
  // samples, or nothing worth a dictionary.
  Expected<bool> train_body_dictionary(const std::vector<std::string_view>& samples);
  Expected<bool> has_body_dictionary();
  // A keyframe for `text` written quickly (sync): a zstd frame with the archive's newest keyframe
  // dictionary, named by `dictionary_id` (nullopt: the archive has none, the frame is plain).
  struct Keyframe {
    std::string frame;
    std::optional<std::int64_t> dictionary_id;
  };
  Expected<Keyframe> fast_keyframe(std::string_view text);
  // Once an archive holds kRecordDictionaryMinSamples change records and no record dictionary,
  // trains one on them and stores every record again with it (body_codec.h); import-ota calls it
  // when it ends. False: not (yet) worth one, or the archive has one.
  Expected<bool> train_record_dictionary();

  // Runs PRAGMA integrity_check; "ok" or the first problem.
  Expected<std::string> integrity_check();
  const std::filesystem::path& path() const { return path_; }
  sqlite3* handle() { return db_; }

 private:
  Archive(sqlite3* db, std::filesystem::path path);
  Expected<RecordResult> record_once(const Capture& capture);
  struct Impl;
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cw::archive
