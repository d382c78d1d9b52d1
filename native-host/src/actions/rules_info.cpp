// rules.info: the rule pack in force (PROTOCOL.md, "rules.info").
#include "actions/actions.h"
#include "engine/pack_store.h"

namespace cw::actions {

namespace {

Expected<nlohmann::json> rules_info(const nlohmann::json& /*payload*/, ActionContext& ctx) {
  auto pack = engine::active_pack_for(ctx);
  if (!pack) return pack.error();
  return engine::pack_info_json(**pack);
}

}  // namespace

const ActionSpec kRulesInfo{"rules.info", &rules_info,
                            "the rule pack in force: version, provisions per family, signer"};

}  // namespace cw::actions
