// sync.status: whether this archive syncs, with which folder, the enrolled devices and how far
// behind each is, files skipped or refused, and the last run (PROTOCOL.md, "sync.status").
#include "actions/actions.h"
#include "sync/engine.h"
#include "sync/service.h"

namespace cw::actions {
namespace {

Expected<nlohmann::json> sync_status_action(const nlohmann::json& /*payload*/, ActionContext& ctx) {
  auto store = sync::sync_store_for(ctx);
  if (!store) return store.error();
  return sync::sync_status(**store);
}

}  // namespace

const ActionSpec kSyncStatus{"sync.status", &sync_status_action,
                             "sync configuration, devices, pending and refused bundles, last run"};

}  // namespace cw::actions
