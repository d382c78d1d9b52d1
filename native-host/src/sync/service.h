// This process's archive as a SyncStore, for the sync actions and CLI commands. Declared apart from
// archive_store.h so front ends do not depend on the archive's headers.
#pragma once

#include "protocol/context.h"
#include "protocol/errors.h"
#include "sync/store.h"

namespace cw::sync {

// Opens the archive (archive::archive_for) on first use and keeps its SyncStore in the context.
Expected<SyncStore*> sync_store_for(ActionContext& ctx);

}  // namespace cw::sync
