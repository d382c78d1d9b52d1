// Findings in the archive, stored compactly (schema migration 5).
//
// The engine's JSON form of a finding is ~800 bytes, most of it the rule's own text (title,
// explanation, law references), which is the same for every finding of that rule; the quote is a
// slice of the version's body. So a version's findings are one row of `findings`:
//
//   findings(version_id, ordinal 0, rule_id '*', polarity '', severity '', json = packed)
//   packed = {"v":1,"r":[[rule_id, meta_key, polarity, severity],...],
//             "f":[[rule_index, start - previous start, end - start, block?, at|quote?],...]}
//
// and each rule's text is stored once in finding_rules(key, json), keyed by a hash of that text
// (content-addressed, so two archives agree on keys). The quote is left out when the body reads it
// back at `start` (or at `at`, for a quote found elsewhere in the recorded text, as with block
// offsets of a captured page); otherwise it is kept. Rows in the engine's JSON form (archives
// written before migration 5, or copied from one) still read back.
//
// Sync copies `findings` rows verbatim; a row whose rule text is not in finding_rules still reads
// back, with the rule id as title and no explanation, so finding_rules should travel with them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "archive/sql.h"
#include "engine/finding.h"
#include "protocol/errors.h"

namespace cw::archive {

// The rule_id of a packed row.
inline constexpr std::string_view kPackedFindingsRuleId = "*";
// The rule_id of a packed row stored compressed (migration 6): `json` is a zstd frame of the packed
// text, with the packed text of version `base_version_id` (the newest earlier version of the same
// document with findings; NULL: none) as its prefix, and `item_count` findings. Most versions
// find what their predecessor found, a few offsets apart, so the frame is a few dozen bytes; on
// the OTA corpus the findings go from 1.37 MB of JSON to ~0.14 MB. A chain is at most
// kFindingChainLength rows, so a read decompresses a bounded number of frames.
inline constexpr std::string_view kCompressedFindingsRuleId = "~";
inline constexpr int kFindingChainLength = 32;

// One row of `findings` with a compressed packed row given back as the packed text ('*'): the form
// sync sends, so an archive that does not compress reads it.
struct FindingRow {
  std::int64_t ordinal = 0;
  std::string rule_id;
  std::string polarity;
  std::string severity;
  std::string json;
};
Expected<std::vector<FindingRow>> finding_rows(sqlite3* db, std::int64_t version_id);

// The packed text of a version whose findings row is packed ('*' or '~').
Expected<std::string> packed_findings_text(sqlite3* db, std::int64_t version_id);

// Stores a packed text (as made by store_findings, or received by sync) for a new version,
// compressed against the document's previous findings.
Status store_packed_findings(sqlite3* db, std::int64_t version_id, std::string_view packed);

// Writes the findings of a new version whose recorded text is `text` (inside the caller's
// transaction).
Status store_findings(sqlite3* db, std::int64_t version_id, std::string_view text,
                      const std::vector<engine::Finding>& findings);

// Reads them back; `text` gives the version's recorded text, asked for only when a quote must be
// recovered from it. Errors: ARCHIVE_CORRUPT for a row that does not decode.
Expected<std::vector<engine::Finding>> load_findings(
    sqlite3* db, std::int64_t version_id, const std::function<Expected<std::string>()>& text);

// SQL for the number of findings of version `v.id` (packed or not), for the history listing.
inline constexpr const char* kFindingCountSql =
    "(SELECT coalesce(sum(CASE f.rule_id WHEN '~' THEN f.item_count WHEN '*' THEN "
    "json_array_length(f.json, '$.f') ELSE 1 END), 0) FROM findings f WHERE f.version_id = v.id)";

// Change records (migration 6): change_records.json holds the record's JSON as a zstd frame (a
// BLOB, ~0.4 of the text on the OTA corpus); rows written before it hold the text itself.
Expected<std::string> encode_change_json(std::string_view json);
// The same with the archive's newest change-record dictionary (migration 9), if it has one.
Expected<std::string> encode_change_json(sqlite3* db, std::string_view json);
// The JSON text of column `column` of a row of change_records, either form.
Expected<std::string> change_json_text(const sql::Statement& st, int column);

}  // namespace cw::archive
