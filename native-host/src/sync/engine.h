// Sync of one archive through one folder: enrol, publish new records as a sealed bundle, import the
// other devices' bundles, fold old bundles into a snapshot. Also the sealed single-file export.
//
// Guarantees: a sync is idempotent, order-independent and converges (versions, observations,
// findings and change records are unions by id; documents and settings are last-writer-wins by
// hybrid logical clock, device id breaking ties). A bundle is imported whole in one transaction or
// not at all; incomplete files and sync-tool conflict copies are skipped and retried on a later
// run; tampered bundles and bundles of unknown devices are refused and nothing of them is imported.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/errors.h"
#include "sync/store.h"

namespace cw::sync {

namespace fs = std::filesystem;

// A passphrase or a recovery code, as the user gave it.
struct Secret {
  enum class Kind { kPassphrase, kRecoveryCode } kind = Kind::kPassphrase;
  std::string text;
};

struct InitOptions {
  std::optional<std::string> passphrase;  // none: the folder opens only with the recovery code
  std::string device_name;                // shown in status, sealed in the folder
  bool fast_kdf = false;                  // minimum Argon2id cost, for tests only
};

struct InitResult {
  std::string folder_id;
  std::string device_id;
  std::string recovery_code;  // shown once; the folder key itself
};

// Creates a sync folder for this archive and enrols this device.
Expected<InitResult> sync_init(SyncStore& store, const fs::path& folder,
                               const InitOptions& options);
// Enrols this device in an existing folder (the passphrase holder's act of enrolment).
Expected<nlohmann::json> sync_join(SyncStore& store, const fs::path& folder, const Secret& secret,
                                   const std::string& device_name);

struct RunOptions {
  bool compact = false;                 // fold this device's bundles into a snapshot afterwards
  std::size_t auto_compact_after = 64;  // ...or when it has this many bundles
};

// Revokes an enrolled device (the act of a passphrase or recovery-code holder): bundles it
// writes after the ones already in the folder are refused by every device that has seen the
// revocation, which each keeps even if the file later disappears. The device still holds the
// folder key: revocation stops its writes from being imported, it does not rotate the key.
Expected<nlohmann::json> sync_revoke(SyncStore& store, const Secret& secret,
                                     const std::string& device_hex);

// One sync: import what others wrote, then publish what is new here. The report is also what
// sync.run returns (PROTOCOL.md "sync.run").
Expected<nlohmann::json> sync_run(SyncStore& store, const RunOptions& options = {});
// Configuration, devices, pending and refused files, the last run (PROTOCOL.md "sync.status").
Expected<nlohmann::json> sync_status(SyncStore& store);

// The portable encrypted export: every record, sealed with a key from `passphrase` and signed by
// this archive's device key.
Expected<nlohmann::json> export_sealed(SyncStore& store, const fs::path& file,
                                       std::string_view passphrase, bool fast_kdf = false);
// Imports a sealed export in one transaction. SYNC_WRONG_PASSPHRASE / SEALED_EXPORT_INVALID.
Expected<nlohmann::json> import_sealed(SyncStore& store, const fs::path& file,
                                       std::string_view passphrase);

}  // namespace cw::sync
