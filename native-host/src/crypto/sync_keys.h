// Keys of a sync folder: the random folder key, its recovery code, the Argon2id passphrase wrap,
// per-purpose subkeys and the Ed25519 device identities. All primitives are libsodium's.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/primitives.h"  // ensure_sodium
#include "protocol/errors.h"

namespace cw::crypto {

using FolderKey = std::array<unsigned char, 32>;
using SubKey = std::array<unsigned char, 32>;
using DeviceId = std::array<unsigned char, 16>;
using SignPublicKey = std::array<unsigned char, 32>;
using SignSecretKey = std::array<unsigned char, 64>;

FolderKey random_folder_key();

// The folder key as 52 base32 characters in groups of four ("ABCD-EFGH-…"), plus a 4-character
// checksum group so a typo is reported as such rather than as a wrong key.
std::string recovery_code(const FolderKey& key);
// Parses a recovery code (case-insensitive, dashes and spaces ignored). USAGE error on a bad
// checksum.
Expected<FolderKey> parse_recovery_code(std::string_view code);

// What each subkey is for; the number is the crypto_kdf subkey id (never reuse one).
enum class KeyPurpose : std::uint64_t {
  kBundle = 1,     // secretstream key for bundles and snapshots
  kEnrolment = 2,  // secretbox key for device enrolment records
  kCheck = 3,      // keyed hash that lets join tell a wrong key from a damaged folder
};
SubKey derive_subkey(const FolderKey& key, KeyPurpose purpose);

// Argon2id parameters, stored in the folder header next to the salt.
struct PwhashParams {
  std::array<unsigned char, 16> salt{};
  std::uint64_t opslimit = 0;
  std::uint64_t memlimit = 0;
};
// Interactive-grade by default (64 MiB, 2 passes: about 0.1 s); tests may pass the minimum.
PwhashParams new_pwhash_params(bool fast_for_tests);
// The key-encryption key for a passphrase. Errors: LIMIT_EXCEEDED when parameters are absurd
// (a folder header from elsewhere must not make us allocate gigabytes), INTERNAL when out of
// memory.
Expected<SubKey> passphrase_kek(std::string_view passphrase, const PwhashParams& params);

// secretbox(nonce || ciphertext) of a small plaintext, and its inverse (nullopt-like error when the
// MAC fails, which for a key wrap means a wrong passphrase).
std::string secretbox_seal(const SubKey& key, std::string_view plaintext);
bool secretbox_open(const SubKey& key, std::string_view sealed, std::string& plaintext);

// Keyed BLAKE2b check value of the folder key, stored in the header (reveals nothing about it).
std::string key_check(const FolderKey& key);

struct DeviceKeys {
  DeviceId id{};
  SignPublicKey public_key{};
  SignSecretKey secret_key{};
};
DeviceKeys new_device_keys();

std::string to_hex(const unsigned char* data, std::size_t size);
template <std::size_t N>
std::string to_hex(const std::array<unsigned char, N>& bytes) {
  return to_hex(bytes.data(), N);
}
// Parses exactly N bytes of hex; false otherwise.
template <std::size_t N>
bool from_hex(std::string_view hex, std::array<unsigned char, N>& out);

std::string to_base64(std::string_view bytes);
bool from_base64(std::string_view text, std::string& out);

}  // namespace cw::crypto
