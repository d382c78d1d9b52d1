// The sync folder on disk. Everything in it is sealed except the header's key-derivation
// parameters.
//
//   DIR/clausewatch-sync.json                 format, folder id, Argon2id salt and limits, the
//   folder
//                                            key wrapped by the passphrase, a key check value
//   DIR/devices/<device>.cwe                  enrolment: the device's Ed25519 key, sealed with the
//                                            folder key (only a key holder can enrol a device)
//   DIR/bundles/<device>-<seq:012>.cwb        a device's bundles, numbered from 1, never rewritten
//   DIR/bundles/<device>-<seq:012>.cws        a snapshot folding that device's bundles 1..seq
// A device writes only files named with its own id, always through a temporary file and rename.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/sync_keys.h"
#include "protocol/errors.h"

namespace cw::sync {

namespace fs = std::filesystem;

inline constexpr const char* kHeaderFileName = "clausewatch-sync.json";

struct FolderHeader {
  int format = 1;
  std::string folder_id;        // random, hex
  crypto::PwhashParams pwhash;  // only meaningful when wrapped_key is set
  std::string wrapped_key;      // secretbox(kek, folder key), base64; empty if no passphrase
  std::string key_check;        // crypto::key_check(folder key)
};

Expected<FolderHeader> read_folder_header(const fs::path& folder);
// Creates the header; SYNC_FOLDER_EXISTS if one is there already.
Status create_folder_header(const fs::path& folder, const FolderHeader& header);

// Recovers the folder key from a passphrase (SYNC_WRONG_PASSPHRASE when it does not fit) or checks
// a key recovered from a recovery code.
Expected<crypto::FolderKey> unlock_with_passphrase(const fs::path& folder,
                                                   const FolderHeader& header,
                                                   std::string_view passphrase);
Status check_folder_key(const fs::path& folder, const FolderHeader& header,
                        const crypto::FolderKey& key);

struct Enrolment {
  crypto::DeviceId device{};
  crypto::SignPublicKey public_key{};
  std::string name;
  std::int64_t enrolled_at_ms = 0;
};
Status write_enrolment(const fs::path& folder, const crypto::FolderKey& key,
                       const Enrolment& enrolment);
// Every valid enrolment by device hex id. Files that fail to open are listed in `problems`.
std::map<std::string, Enrolment> read_enrolments(const fs::path& folder,
                                                 const crypto::FolderKey& key,
                                                 std::vector<std::string>& problems);

// What a file in bundles/ is.
enum class FileClass { kBundle, kSnapshot, kConflictCopy, kTemporary, kOther };
struct ClassifiedFile {
  FileClass cls = FileClass::kOther;
  std::string device;  // hex, for bundles and snapshots
  std::uint64_t seq = 0;
};
ClassifiedFile classify_bundle_name(const std::string& name);
std::string bundle_name(const std::string& device_hex, std::uint64_t seq, bool snapshot);

// Writes `bytes` to a temporary file beside `target`, flushes it to disk and renames it into place.
Status atomic_write(const fs::path& target, std::string_view bytes);
// Reads a whole file of at most `limit` bytes (checked before allocating).
Expected<std::string> read_file_limited(const fs::path& path, std::uint64_t limit);

}  // namespace cw::sync
