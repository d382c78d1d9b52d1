// ping: liveness and versions (PROTOCOL.md, "ping").
#include "actions/actions.h"
#include "engine/pack_store.h"
#include "version.h"

namespace cw::actions {
namespace {

Expected<nlohmann::json> ping(const nlohmann::json& /*payload*/, ActionContext& ctx) {
  nlohmann::json types = nlohmann::json::array();
  for (const auto& spec : action_table()) types.push_back(std::string(spec.type));
  auto pack = engine::active_pack_for(ctx);
  const nlohmann::json rule_pack =
      pack ? nlohmann::json{{"version", (*pack)->engine.pack().version}} : nlohmann::json(nullptr);
  return nlohmann::json{{"version", kVersion},
                        {"protocol", kProtocolVersion},
                        {"caller", ctx.config().caller},
                        {"types", std::move(types)},
                        {"rule_pack", rule_pack}};
}

}  // namespace

const ActionSpec kPing{"ping", &ping, "liveness check; reports the host and protocol versions"};

}  // namespace cw::actions
