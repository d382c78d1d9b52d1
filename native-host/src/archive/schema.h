// The archive's schema as an ordered list of migrations. PRAGMA user_version is the number applied;
// each migration runs in its own transaction, so a crash leaves the file at a whole version.
// APPEND-ONLY: never edit a migration that has shipped, add a new one.
#pragma once

#include <sqlite3.h>

#include "protocol/errors.h"

namespace cw::archive {

int latest_schema_version();

// Applies migrations user_version+1 .. target (default: all) to an archive that already carries
// the ClauseWatch application_id (or is empty and gets it).
Status migrate(sqlite3* db, int target = -1);

}  // namespace cw::archive
