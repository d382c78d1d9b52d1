// sync.init: creates a sync folder for this archive and enrols this device (PROTOCOL.md,
// "sync.init"). The passphrase is used and forgotten: it is never logged, stored or sent back; the
// result carries the recovery code, which the caller shows once.
#include <unistd.h>

#include "actions/actions.h"
#include "common/limits.h"
#include "crypto/primitives.h"
#include "protocol/payload.h"
#include "sync/engine.h"
#include "sync/service.h"

namespace cw::actions {
namespace {

constexpr std::string_view kType = "sync.init";

std::string default_device_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "this device";
  return host;
}

Expected<nlohmann::json> sync_init_action(const nlohmann::json& payload, ActionContext& ctx) {
  auto folder = payload::required_string(payload, kType, "folder", limits::kMaxSyncFolderPathBytes);
  if (!folder) return folder.error();
  if (folder->empty() || folder->front() != '/')
    return payload::invalid(kType, "'folder' must be an absolute path");
  auto name = payload::optional_string(payload, kType, "device_name",
                                       limits::kMaxSyncDeviceNameBytes, default_device_name());
  if (!name) return name.error();
  sync::InitOptions options;
  options.device_name = name->empty() ? default_device_name() : *name;
  bool no_passphrase = false;
  if (auto it = payload.find("no_passphrase"); it != payload.end()) {
    if (!it->is_boolean()) return payload::invalid(kType, "'no_passphrase' must be a boolean");
    no_passphrase = it->get<bool>();
  }
  if (!no_passphrase) {
    // The error names the field, never its value.
    auto pass = payload::optional_string(payload, kType, "passphrase", limits::kMaxSyncSecretBytes);
    if (!pass) return pass.error();
    if (pass->empty()) {
      return Error::make(ErrorCode::SYNC_PASSPHRASE_REQUIRED,
                         {{"detail",
                           "give 'passphrase', or 'no_passphrase': true to rely on the "
                           "recovery code alone"}});
    }
    options.passphrase = std::move(*pass);
  } else if (payload.contains("passphrase")) {
    return payload::invalid(kType, "give either 'passphrase' or 'no_passphrase', not both");
  }
  auto store = sync::sync_store_for(ctx);
  if (!store) return store.error();
  auto result = sync::sync_init(**store, *folder, options);
  if (options.passphrase) crypto::wipe(*options.passphrase);
  if (!result) return result.error();
  auto status = sync::sync_status(**store);
  return nlohmann::json{{"folder", status ? status->value("folder", *folder) : *folder},
                        {"folder_id", result->folder_id},
                        {"device", result->device_id},
                        {"device_name", options.device_name},
                        {"passphrase", options.passphrase.has_value()},
                        {"recovery_code", result->recovery_code}};
}

}  // namespace

const ActionSpec kSyncInit{"sync.init", &sync_init_action,
                           "create a sync folder for this archive and enrol this device"};

}  // namespace cw::actions
