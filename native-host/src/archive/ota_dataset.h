// Open Terms Archive's dataset layout, in and out: <service>/<terms
// type>/<YYYY-MM-DDTHH-MM-SSZ>.md, possibly under collection folders (versions/<collection>/...),
// as a folder, a .zip or a .tar.zst.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/archive.h"
#include "engine/finding.h"

namespace cw::archive {

struct OtaEntry {
  std::string service;
  std::string terms_type;
  std::string seen_at;  // ISO 8601 from the file name
  std::string path;     // as found, for messages
  std::string text;
};

// "2025-11-19T18-09-52Z" -> "2025-11-19T18:09:52Z"; empty if the name is not an OTA date.
std::string ota_date_to_iso(std::string_view stem);
// The inverse, for export file names.
std::string iso_to_ota_date(std::string_view iso);

struct ImportStats {
  std::int64_t files = 0;         // dataset files read
  std::int64_t recorded = 0;      // sightings recorded by this run
  std::int64_t skipped = 0;       // already in the archive (an earlier or interrupted run)
  std::int64_t new_versions = 0;  // new versions among the recorded
  std::int64_t meaningful = 0;    // new versions judged meaningful changes (incl. first versions)
};

struct ImportOptions {
  // Called with (done, total, current document) after each file; for the progress bar.
  std::function<void(std::int64_t, std::int64_t, std::string_view)> progress;
  // Finds provisions in a text, when a rule engine is available; empty: versions are not analysed.
  // Called with (text, terms type) once per new version, from worker threads (several at once):
  // it must be thread-safe, as Engine::analyze_text is.
  std::function<std::optional<std::vector<engine::Finding>>(std::string_view, std::string_view)>
      analyze;
  // Called after each sighting is committed (the kill -9 tests read this as the acknowledgement).
  std::function<void(const OtaEntry&, const RecordResult&)> committed;
};

// Reads every dataset file under `source` (a folder, .zip, .tar, .tar.zst, .tar.gz), ordered by
// document and date. Errors: IMPORT_LAYOUT, IO_ERROR, LIMIT_EXCEEDED.
Expected<std::vector<OtaEntry>> read_ota_dataset(const std::filesystem::path& source);

// Records the dataset into the archive with origin "import". Idempotent: sightings already recorded
// are skipped, so an interrupted import resumes where it stopped.
Expected<ImportStats> import_ota(Archive& archive, const std::filesystem::path& source,
                                 const ImportOptions& options = {});

// Writes every observation back in the same layout (<service>/<terms type>/<date>.md) into `dir`,
// which must not exist or be empty. Returns the number of files written.
Expected<std::int64_t> export_ota(Archive& archive, const std::filesystem::path& dir);

}  // namespace cw::archive
