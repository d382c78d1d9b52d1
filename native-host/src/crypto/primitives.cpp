#include "crypto/primitives.h"

#include <cstdlib>
#include <mutex>

#include <sodium.h>

namespace cw::crypto {
namespace {

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes_of(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

}  // namespace

void ensure_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no usable libsodium: nothing safe can follow
  });
}

std::string to_hex(std::string_view bytes) {
  std::string hex(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes_of(bytes), bytes.size());
  hex.pop_back();
  return hex;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string bin(hex.size() / 2, '\0');
  std::size_t written = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(bytes_of(bin), bin.size(), hex.data(), hex.size(), nullptr, &written, &end) !=
          0 ||
      written != bin.size() || end != hex.data() + hex.size()) {
    return std::nullopt;
  }
  return bin;
}

std::string blake2b_hex(std::string_view data, std::size_t bytes) {
  ensure_sodium();
  if (bytes < crypto_generichash_BYTES_MIN) bytes = crypto_generichash_BYTES_MIN;
  if (bytes > crypto_generichash_BYTES_MAX) bytes = crypto_generichash_BYTES_MAX;
  std::string digest(bytes, '\0');
  crypto_generichash(bytes_of(digest), digest.size(), bytes_of(data), data.size(), nullptr, 0);
  return to_hex(digest);
}

Ed25519KeyPair ed25519_generate() {
  ensure_sodium();
  Ed25519KeyPair pair{std::string(crypto_sign_PUBLICKEYBYTES, '\0'),
                      std::string(crypto_sign_SECRETKEYBYTES, '\0')};
  crypto_sign_keypair(bytes_of(pair.public_key), bytes_of(pair.secret_key));
  return pair;
}

std::optional<Ed25519KeyPair> ed25519_from_seed(std::string_view seed) {
  ensure_sodium();
  if (seed.size() != crypto_sign_SEEDBYTES) return std::nullopt;
  Ed25519KeyPair pair{std::string(crypto_sign_PUBLICKEYBYTES, '\0'),
                      std::string(crypto_sign_SECRETKEYBYTES, '\0')};
  crypto_sign_seed_keypair(bytes_of(pair.public_key), bytes_of(pair.secret_key), bytes_of(seed));
  return pair;
}

std::optional<std::string> ed25519_sign(std::string_view message, std::string_view secret_key) {
  ensure_sodium();
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES) return std::nullopt;
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(bytes_of(signature), nullptr, bytes_of(message), message.size(),
                       bytes_of(secret_key));
  return signature;
}

bool ed25519_verify(std::string_view message, std::string_view signature,
                    std::string_view public_key) {
  ensure_sodium();
  if (signature.size() != crypto_sign_BYTES || public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return false;
  }
  return crypto_sign_verify_detached(bytes_of(signature), bytes_of(message), message.size(),
                                     bytes_of(public_key)) == 0;
}

void wipe(std::string& secret) {
  if (!secret.empty()) sodium_memzero(secret.data(), secret.size());
  secret.clear();
}

}  // namespace cw::crypto
