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

#include "engine/finding.h"
#include "protocol/errors.h"

namespace cw::archive {

// The rule_id of a packed row.
inline constexpr std::string_view kPackedFindingsRuleId = "*";

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
    "(SELECT coalesce(sum(CASE WHEN f.rule_id = '*' THEN json_array_length(f.json, '$.f') ELSE 1 "
    "END), 0) FROM findings f WHERE f.version_id = v.id)";

}  // namespace cw::archive
