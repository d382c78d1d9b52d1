// Small libsodium wrappers used by the rule pack and the archive: one-time initialisation, BLAKE2b
// digests and detached Ed25519 signatures. Keys and signatures travel as raw bytes in std::string
// or as lower-case hex.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cw::crypto {

inline constexpr std::size_t kEd25519PublicKeyBytes = 32;
inline constexpr std::size_t kEd25519SecretKeyBytes = 64;  // libsodium's seed || public key form
inline constexpr std::size_t kEd25519SignatureBytes = 64;
inline constexpr std::size_t kBlake2bDefaultBytes = 32;

// Calls sodium_init() once per process (thread-safe); aborts if libsodium cannot initialise, since
// no signature or hash could then be trusted. Every function below calls it for you.
void ensure_sodium();

// BLAKE2b (crypto_generichash, unkeyed) of `data`, `bytes` long (16..64), as lower-case hex.
std::string blake2b_hex(std::string_view data, std::size_t bytes = kBlake2bDefaultBytes);

std::string to_hex(std::string_view bytes);
// nullopt if `hex` is not an even-length string of hex digits.
std::optional<std::string> from_hex(std::string_view hex);

struct Ed25519KeyPair {
  std::string public_key;  // 32 bytes
  std::string secret_key;  // 64 bytes; wipe with wipe() when done
};

// A fresh random key pair.
Ed25519KeyPair ed25519_generate();
// The deterministic key pair of a 32-byte seed (for known-answer tests and stored maintainer keys).
std::optional<Ed25519KeyPair> ed25519_from_seed(std::string_view seed);

// Detached signature of `message`; nullopt if the secret key has the wrong size.
std::optional<std::string> ed25519_sign(std::string_view message, std::string_view secret_key);
// True only if `signature` is a valid signature of `message` by `public_key` (sizes checked).
bool ed25519_verify(std::string_view message, std::string_view signature,
                    std::string_view public_key);

// Overwrites a secret in memory (sodium_memzero) and clears it.
void wipe(std::string& secret);

}  // namespace cw::crypto
