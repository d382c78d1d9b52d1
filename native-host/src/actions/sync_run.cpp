// sync.run: one sync through the configured folder: import the other devices' bundles, publish
// what is new here, optionally fold this device's bundles into a snapshot (PROTOCOL.md,
// "sync.run").
#include "actions/actions.h"
#include "protocol/payload.h"
#include "sync/engine.h"
#include "sync/service.h"

namespace cw::actions {
namespace {

Expected<nlohmann::json> sync_run_action(const nlohmann::json& payload, ActionContext& ctx) {
  sync::RunOptions options;
  if (payload.contains("compact")) {
    if (!payload["compact"].is_boolean())
      return payload::invalid("sync.run", "compact must be a boolean");
    options.compact = payload["compact"].get<bool>();
  }
  auto store = sync::sync_store_for(ctx);
  if (!store) return store.error();
  return sync::sync_run(**store, options);
}

}  // namespace

const ActionSpec kSyncRun{"sync.run", &sync_run_action,
                          "import other devices' bundles and publish this archive's new records"};

}  // namespace cw::actions
