#include "archive/schema.h"

#include <array>
#include <string>

#include "archive/archive.h"
#include "archive/sql.h"

namespace cw::archive {
namespace {

// Migration 1: archive v0 (services, documents, bodies, versions, observations, findings).
constexpr const char* kMigration1 = R"sql(
CREATE TABLE services(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  domain TEXT NOT NULL DEFAULT ''
);
CREATE TABLE documents(
  id INTEGER PRIMARY KEY,
  service_id INTEGER NOT NULL REFERENCES services(id),
  terms_type TEXT NOT NULL,
  variant TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  UNIQUE(service_id, terms_type, variant)
);
-- Raw texts: a zstd frame with the base body's text as prefix (base_id NULL: a keyframe).
CREATE TABLE bodies(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  raw_hash BLOB NOT NULL,
  base_id INTEGER REFERENCES bodies(id),
  depth INTEGER NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL,
  UNIQUE(document_id, raw_hash)
);
CREATE TABLE versions(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  hash BLOB NOT NULL,
  normalization INTEGER NOT NULL,
  body_id INTEGER NOT NULL REFERENCES bodies(id),
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  origin TEXT NOT NULL CHECK(origin IN ('browser', 'import', 'sync')),
  times_seen INTEGER NOT NULL DEFAULT 1,
  url TEXT NOT NULL DEFAULT '',
  UNIQUE(document_id, hash)
);
CREATE TABLE observations(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  version_id INTEGER NOT NULL REFERENCES versions(id),
  body_id INTEGER NOT NULL REFERENCES bodies(id),
  seen_at TEXT NOT NULL,
  url TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL CHECK(origin IN ('browser', 'import', 'sync')),
  UNIQUE(version_id, body_id, seen_at, url)
);
CREATE INDEX observations_by_version ON observations(version_id, seen_at);
CREATE INDEX observations_by_document ON observations(document_id, seen_at);
CREATE TABLE findings(
  version_id INTEGER NOT NULL REFERENCES versions(id),
  ordinal INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  polarity TEXT NOT NULL,
  severity TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY(version_id, ordinal)
);
)sql";

// Migration 2: change detection (meaning keys and verdicts per version, change records).
constexpr const char* kMigration2 = R"sql(
ALTER TABLE versions ADD COLUMN meaning_hash BLOB;
ALTER TABLE versions ADD COLUMN layout_hash BLOB;
ALTER TABLE versions ADD COLUMN verdict TEXT NOT NULL DEFAULT 'change';
ALTER TABLE versions ADD COLUMN compared_to INTEGER REFERENCES versions(id);
ALTER TABLE versions ADD COLUMN analyzed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX versions_by_document ON versions(document_id, first_seen);
CREATE INDEX versions_by_meaning ON versions(document_id, meaning_hash);
CREATE TABLE change_records(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  from_version_id INTEGER REFERENCES versions(id),
  to_version_id INTEGER NOT NULL UNIQUE REFERENCES versions(id),
  detected_at TEXT NOT NULL,
  source_changed INTEGER NOT NULL DEFAULT 0,
  item_count INTEGER NOT NULL DEFAULT 0,
  json TEXT NOT NULL
);
CREATE INDEX change_records_by_time ON change_records(detected_at);
)sql";

// Migration 3: cookie-banner observations per site (banner/banner_archive.h) and the changes
// raised when a site's banner got worse. A repeat of the site's latest observation only bumps
// last_seen/times_seen, so a banner seen daily adds no rows.
constexpr const char* kMigration3 = R"sql(
CREATE TABLE banner_observations(
  id INTEGER PRIMARY KEY,
  site TEXT NOT NULL,
  seen_at TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  times_seen INTEGER NOT NULL DEFAULT 1,
  url TEXT NOT NULL DEFAULT '',
  banner_found INTEGER NOT NULL,
  observation_json TEXT NOT NULL,
  fingerprint TEXT NOT NULL
);
CREATE INDEX banner_observations_by_site ON banner_observations(site, id);
CREATE TABLE banner_changes(
  id INTEGER PRIMARY KEY,
  site TEXT NOT NULL,
  before_id INTEGER NOT NULL REFERENCES banner_observations(id),
  after_id INTEGER NOT NULL UNIQUE REFERENCES banner_observations(id),
  created_at TEXT NOT NULL,
  summary TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX banner_changes_by_site ON banner_changes(site, created_at);
)sql";

// Migration 4: find the version of a raw text seen before without normalising it again.
constexpr const char* kMigration4 = R"sql(
CREATE INDEX observations_by_body ON observations(body_id);
)sql";

// Migration 5: findings stored compactly (archive/finding_store.h): each rule's text once, keyed
// by its hash; a version's findings as one packed row of `findings` that refers to it. Bodies say
// how many texts back along their chain form their zstd prefix (body_codec.h; rows written
// without it are deltas on their base alone).
constexpr const char* kMigration5 = R"sql(
ALTER TABLE bodies ADD COLUMN prefix_texts INTEGER NOT NULL DEFAULT 1;
CREATE TABLE finding_rules(
  key TEXT PRIMARY KEY,
  json TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Migration 6: a smaller file. Packed findings are stored as zstd frames against the previous
// version's (rule_id '~', finding_store.h); change records' JSON as a zstd frame (a BLOB; TEXT
// rows still read). Two indexes go: observations(version_id, ...) is served by the UNIQUE index
// that starts with version_id, and a document's versions by meaning hash are few enough to scan
// through versions_by_document.
constexpr const char* kMigration6 = R"sql(
ALTER TABLE findings ADD COLUMN base_version_id INTEGER;
ALTER TABLE findings ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN item_count INTEGER NOT NULL DEFAULT 0;
DROP INDEX observations_by_version;
DROP INDEX versions_by_meaning;
)sql";

// Migration 7: keyframes compressed with a trained zstd dictionary (body_codec.h). A body names
// the dictionary it needs (NULL: none); dictionaries are stored as zstd frames and never change,
// a newer one gets a new id.
constexpr const char* kMigration7 = R"sql(
CREATE TABLE body_dictionaries(
  id INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL
);
ALTER TABLE bodies ADD COLUMN dictionary_id INTEGER REFERENCES body_dictionaries(id);
)sql";

// Migration 8: smaller rows and fewer indexes (OTA corpus: -0.29 MB).
// - observations: seen_at as Unix seconds when it is the canonical "YYYY-MM-DDTHH:MM:SSZ" (it
//   reads back as that text, archive/sql.h kObservationTime); other texts stay as they are. The
//   UNIQUE key starts with the document and the time, so it also serves the per-document scans
//   that had an index of their own.
// - versions: a document has few versions, so the (document_id, hash) key finds them; meaning and
//   layout hashes are only compared within one document, 8 bytes suffice (compared by prefix, so
//   the 32-byte hashes of older rows and of sync peers still match).
// - finding_rules: a rowid table; rule texts are larger than a WITHOUT ROWID row keeps in a
//   1 KB page, and their overflow pages were half empty.
constexpr const char* kMigration8 = R"sql(
CREATE TABLE observations_v8(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  version_id INTEGER NOT NULL REFERENCES versions(id),
  body_id INTEGER NOT NULL REFERENCES bodies(id),
  seen_at NOT NULL,
  url TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL CHECK(origin IN ('browser', 'import', 'sync')),
  UNIQUE(document_id, seen_at, version_id, body_id, url)
);
INSERT INTO observations_v8(id, document_id, version_id, body_id, seen_at, url, origin)
  SELECT id, document_id, version_id, body_id,
    CASE WHEN seen_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'
      AND strftime('%Y-%m-%dT%H:%M:%SZ', CAST(strftime('%s', seen_at) AS INTEGER), 'unixepoch')
        = seen_at
      THEN CAST(strftime('%s', seen_at) AS INTEGER) ELSE seen_at END,
    url, origin FROM observations;
DROP TABLE observations;
ALTER TABLE observations_v8 RENAME TO observations;
CREATE INDEX observations_by_body ON observations(body_id);
DROP INDEX versions_by_document;
UPDATE versions SET meaning_hash = substr(meaning_hash, 1, 8), layout_hash = substr(layout_hash, 1, 8);
CREATE TABLE finding_rules_v8(key TEXT PRIMARY KEY, json TEXT NOT NULL);
INSERT INTO finding_rules_v8(key, json) SELECT key, json FROM finding_rules;
DROP TABLE finding_rules;
ALTER TABLE finding_rules_v8 RENAME TO finding_rules;
)sql";

// Migration 9: change records compressed with a dictionary trained on them (body_codec.h
// kRecordDictionaryBytes), kept with the keyframe dictionaries and told apart by `purpose`.
constexpr const char* kMigration9 = R"sql(
ALTER TABLE body_dictionaries ADD COLUMN purpose TEXT NOT NULL DEFAULT 'bodies';
)sql";

// Migration 10: a body names the version it was first observed as, which is what recording a
// page seen before byte for byte looks up; the index of observations by body goes (OTA: 45 KB).
// Rows without it (written by sync) get it when next recorded, and are found the slow way till
// then.
constexpr const char* kMigration10 = R"sql(
ALTER TABLE bodies ADD COLUMN version_id INTEGER REFERENCES versions(id);
UPDATE bodies SET version_id = (SELECT o.version_id FROM observations o WHERE o.body_id = bodies.id
  ORDER BY o.id LIMIT 1);
DROP INDEX observations_by_body;
)sql";

// Migration 11: three tables rebuilt with the same ids (archive.cpp runs migrations before it
// enforces foreign keys). bodies: the UNIQUE (document_id, raw_hash) key, 32 bytes a row, becomes
// an index of the hash's first 8 bytes (lookups compare the whole hash; a writer checks before it
// inserts, inside its write transaction). observations: origin as the Origin number.
// change_records: detected_at as Unix seconds when canonical, like observation times.
constexpr const char* kMigration11 = R"sql(
CREATE TABLE bodies_v11(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  raw_hash BLOB NOT NULL,
  base_id INTEGER REFERENCES bodies(id),
  depth INTEGER NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL,
  prefix_texts INTEGER NOT NULL DEFAULT 1,
  dictionary_id INTEGER REFERENCES body_dictionaries(id),
  version_id INTEGER REFERENCES versions(id)
);
INSERT INTO bodies_v11(id, document_id, raw_hash, base_id, depth, size, data, prefix_texts,
                       dictionary_id, version_id)
  SELECT id, document_id, raw_hash, base_id, depth, size, data, prefix_texts, dictionary_id,
         version_id FROM bodies ORDER BY id;
DROP TABLE bodies;
ALTER TABLE bodies_v11 RENAME TO bodies;
CREATE INDEX bodies_by_hash ON bodies(document_id, substr(raw_hash, 1, 8));
CREATE TABLE observations_v11(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  version_id INTEGER NOT NULL REFERENCES versions(id),
  body_id INTEGER NOT NULL REFERENCES bodies(id),
  seen_at NOT NULL,
  url TEXT NOT NULL DEFAULT '',
  origin INTEGER NOT NULL CHECK(origin IN (0, 1, 2)),
  UNIQUE(document_id, seen_at, version_id, body_id, url)
);
INSERT INTO observations_v11(id, document_id, version_id, body_id, seen_at, url, origin)
  SELECT id, document_id, version_id, body_id, seen_at, url,
    CASE origin WHEN 'browser' THEN 0 WHEN 'import' THEN 1 ELSE 2 END FROM observations ORDER BY id;
DROP TABLE observations;
ALTER TABLE observations_v11 RENAME TO observations;
CREATE TABLE change_records_v11(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  from_version_id INTEGER REFERENCES versions(id),
  to_version_id INTEGER NOT NULL UNIQUE REFERENCES versions(id),
  detected_at NOT NULL,
  source_changed INTEGER NOT NULL DEFAULT 0,
  item_count INTEGER NOT NULL DEFAULT 0,
  json NOT NULL
);
INSERT INTO change_records_v11(id, document_id, from_version_id, to_version_id, detected_at,
                               source_changed, item_count, json)
  SELECT id, document_id, from_version_id, to_version_id,
    CASE WHEN detected_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'
      AND strftime('%Y-%m-%dT%H:%M:%SZ', CAST(strftime('%s', detected_at) AS INTEGER), 'unixepoch')
        = detected_at
      THEN CAST(strftime('%s', detected_at) AS INTEGER) ELSE detected_at END,
    source_changed, item_count, json FROM change_records ORDER BY id;
DROP TABLE change_records;
ALTER TABLE change_records_v11 RENAME TO change_records;
CREATE INDEX change_records_by_time ON change_records(detected_at);
)sql";

// Migration 12: change records are listed newest first after a filter on the text of their time
// (Archive::changes), which an index of the stored time cannot serve; they are few (one per
// meaningful change), so a scan is cheap (OTA: 1,069 records, 30 KB of index).
constexpr const char* kMigration12 = R"sql(
DROP INDEX change_records_by_time;
)sql";

constexpr std::array kMigrations = {kMigration1, kMigration2,  kMigration3,  kMigration4,
                                    kMigration5, kMigration6,  kMigration7,  kMigration8,
                                    kMigration9, kMigration10, kMigration11, kMigration12};

}  // namespace

int latest_schema_version() {
  return static_cast<int>(kMigrations.size());
}

Status migrate(sqlite3* db, int target) {
  if (target < 0) target = latest_schema_version();
  for (;;) {
    sql::Transaction tx(db);
    if (auto s = tx.begin(); !s) return s;
    // Read the version inside the write lock, so two processes never apply the same migration.
    sql::Statement get(db, "PRAGMA user_version");
    auto row = get.step();
    if (!row) return row.error();
    const int current = static_cast<int>(get.int64(0));
    get.reset();  // a pending statement would make DROP INDEX fail (SQLITE_LOCKED)
    if (current >= target) return ok_status();
    if (current == 0) {
      if (auto s = sql::exec(db, "PRAGMA application_id = " + std::to_string(kApplicationId)); !s) {
        return s;
      }
    }
    if (auto s = sql::exec(db, kMigrations[static_cast<std::size_t>(current)]); !s) return s;
    if (auto s = sql::exec(db, "PRAGMA user_version = " + std::to_string(current + 1)); !s)
      return s;
    if (auto s = tx.commit(); !s) return s;
  }
}

}  // namespace cw::archive
