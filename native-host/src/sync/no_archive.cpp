// sync_store_for when the build has no archive module (native-host/src/archive): sync has nothing
// to sync, and says so instead of failing to link.
#include "sync/service.h"

namespace cw::sync {

Expected<SyncStore*> sync_store_for(ActionContext& ctx) {
  return Error::make(ErrorCode::ARCHIVE_UNAVAILABLE,
                     {{"path", (ctx.config().data_dir / "archive.sqlite3").string()},
                      {"detail", "this build has no archive module"}});
}

}  // namespace cw::sync
