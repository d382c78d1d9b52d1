// sync.join: enrols this device in an existing sync folder, opened with its passphrase or its
// recovery code (PROTOCOL.md, "sync.join"). The secret is used and forgotten: never logged, stored
// or sent back, and errors name the field, never its value.
#include <unistd.h>

#include "actions/actions.h"
#include "common/limits.h"
#include "crypto/primitives.h"
#include "protocol/payload.h"
#include "sync/engine.h"
#include "sync/service.h"

namespace cw::actions {
namespace {

constexpr std::string_view kType = "sync.join";

Expected<nlohmann::json> sync_join_action(const nlohmann::json& payload, ActionContext& ctx) {
  auto folder = payload::required_string(payload, kType, "folder", limits::kMaxSyncFolderPathBytes);
  if (!folder) return folder.error();
  if (folder->empty() || folder->front() != '/')
    return payload::invalid(kType, "'folder' must be an absolute path");
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof host, "%s", "this device");
  auto name = payload::optional_string(payload, kType, "device_name",
                                       limits::kMaxSyncDeviceNameBytes, host);
  if (!name) return name.error();
  auto pass = payload::optional_string(payload, kType, "passphrase", limits::kMaxSyncSecretBytes);
  if (!pass) return pass.error();
  auto code =
      payload::optional_string(payload, kType, "recovery_code", limits::kMaxSyncSecretBytes);
  if (!code) return code.error();
  if (pass->empty() == code->empty()) {
    return Error::make(ErrorCode::SYNC_PASSPHRASE_REQUIRED,
                       {{"detail", "give exactly one of 'passphrase' and 'recovery_code'"}});
  }
  sync::Secret secret;
  if (!pass->empty()) {
    secret = {sync::Secret::Kind::kPassphrase, std::move(*pass)};
  } else {
    secret = {sync::Secret::Kind::kRecoveryCode, std::move(*code)};
  }
  auto store = sync::sync_store_for(ctx);
  if (!store) return store.error();
  auto result = sync::sync_join(**store, *folder, secret, name->empty() ? host : *name);
  crypto::wipe(secret.text);
  if (!result) return result.error();
  (*result)["device_name"] = name->empty() ? host : *name;
  return result;
}

}  // namespace

const ActionSpec kSyncJoin{"sync.join", &sync_join_action,
                           "enrol this device in an existing sync folder"};

}  // namespace cw::actions
