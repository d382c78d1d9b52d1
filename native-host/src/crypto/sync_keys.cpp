#include "crypto/sync_keys.h"

#include <cstring>

#include <sodium.h>

namespace cw::crypto {
namespace {

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "CWsync01";

// Largest Argon2id cost a folder header may ask for: 1 GiB and 20 passes. Beyond this a header is
// hostile or broken, and we refuse rather than allocate.
constexpr std::uint64_t kMaxMemlimit = 1024ULL * 1024ULL * 1024ULL;
constexpr std::uint64_t kMaxOpslimit = 20;

std::string base32(const unsigned char* data, std::size_t size) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8U) | data[i];
    bits += 8;
    while (bits >= 5) {
      out += kBase32[(buffer >> static_cast<unsigned>(bits - 5)) & 31U];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32[(buffer << static_cast<unsigned>(5 - bits)) & 31U];
  return out;
}

std::array<unsigned char, 4> code_checksum(const FolderKey& key) {
  std::array<unsigned char, 4> sum{};
  crypto_generichash(sum.data(), sum.size(), key.data(), key.size(),
                     reinterpret_cast<const unsigned char*>("CWrecovery"), 10);
  return sum;
}

}  // namespace

FolderKey random_folder_key() {
  ensure_sodium();
  FolderKey key{};
  randombytes_buf(key.data(), key.size());
  return key;
}

std::string recovery_code(const FolderKey& key) {
  ensure_sodium();
  std::string body = base32(key.data(), key.size());  // 52 characters
  const auto sum = code_checksum(key);
  body += base32(sum.data(), sum.size()).substr(0, 4);  // 20 bits of checksum
  std::string grouped;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (i > 0 && i % 4 == 0) grouped += '-';
    grouped += body[i];
  }
  return grouped;
}

Expected<FolderKey> parse_recovery_code(std::string_view code) {
  ensure_sodium();
  std::string clean;
  for (char c : code) {
    if (c == '-' || c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    clean += static_cast<char>((c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c);
  }
  auto bad = [](std::string_view detail) {
    return Error::make(ErrorCode::USAGE,
                       {{"detail", "recovery code is not valid: " + std::string(detail)}});
  };
  if (clean.size() != 56) return bad("it must have 56 characters (14 groups of 4)");
  FolderKey key{};
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t out = 0;
  for (std::size_t i = 0; i < 52; ++i) {
    const auto pos = kBase32.find(clean[i]);
    if (pos == std::string_view::npos) return bad("unexpected character");
    buffer = (buffer << 5U) | static_cast<std::uint32_t>(pos);
    bits += 5;
    if (bits >= 8) {
      if (out < key.size())
        key[out++] = static_cast<unsigned char>(buffer >> static_cast<unsigned>(bits - 8));
      bits -= 8;
      buffer &= (1U << static_cast<unsigned>(bits)) - 1U;
    }
  }
  const auto sum = code_checksum(key);
  if (base32(sum.data(), sum.size()).substr(0, 4) != clean.substr(52)) {
    return bad("checksum mismatch (a character was mistyped)");
  }
  return key;
}

SubKey derive_subkey(const FolderKey& key, KeyPurpose purpose) {
  ensure_sodium();
  SubKey sub{};
  crypto_kdf_derive_from_key(sub.data(), sub.size(), static_cast<std::uint64_t>(purpose),
                             kKdfContext, key.data());
  return sub;
}

PwhashParams new_pwhash_params(bool fast_for_tests) {
  ensure_sodium();
  PwhashParams params;
  randombytes_buf(params.salt.data(), params.salt.size());
  params.opslimit =
      fast_for_tests ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  params.memlimit =
      fast_for_tests ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  return params;
}

Expected<SubKey> passphrase_kek(std::string_view passphrase, const PwhashParams& params) {
  ensure_sodium();
  if (params.memlimit > kMaxMemlimit || params.opslimit > kMaxOpslimit ||
      params.memlimit < crypto_pwhash_MEMLIMIT_MIN ||
      params.opslimit < crypto_pwhash_OPSLIMIT_MIN) {
    return Error::make(ErrorCode::LIMIT_EXCEEDED, {{"what", "Argon2id cost in the folder header"},
                                                   {"limit", "1 GiB and 20 passes"}});
  }
  SubKey kek{};
  if (crypto_pwhash(kek.data(), kek.size(), passphrase.data(), passphrase.size(),
                    params.salt.data(), params.opslimit, static_cast<std::size_t>(params.memlimit),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error::make(ErrorCode::INTERNAL, {{"detail", "Argon2id ran out of memory"}});
  }
  return kek;
}

std::string secretbox_seal(const SubKey& key, std::string_view plaintext) {
  ensure_sodium();
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, key.data());
  return out;
}

bool secretbox_open(const SubKey& key, std::string_view sealed, std::string& plaintext) {
  ensure_sodium();
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return false;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  const std::size_t cipher_size = sealed.size() - crypto_secretbox_NONCEBYTES;
  plaintext.assign(cipher_size - crypto_secretbox_MACBYTES, '\0');
  return crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plaintext.data()),
                                    nonce + crypto_secretbox_NONCEBYTES, cipher_size, nonce,
                                    key.data()) == 0;
}

std::string key_check(const FolderKey& key) {
  const SubKey check_key = derive_subkey(key, KeyPurpose::kCheck);
  std::array<unsigned char, 16> mac{};
  crypto_generichash(mac.data(), mac.size(), reinterpret_cast<const unsigned char*>("key-check"), 9,
                     check_key.data(), check_key.size());
  return to_hex(mac);
}

DeviceKeys new_device_keys() {
  ensure_sodium();
  DeviceKeys keys;
  randombytes_buf(keys.id.data(), keys.id.size());
  crypto_sign_keypair(keys.public_key.data(), keys.secret_key.data());
  return keys;
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, size);
  out.pop_back();
  return out;
}

template <std::size_t N>
bool from_hex(std::string_view hex, std::array<unsigned char, N>& out) {
  if (hex.size() != N * 2) return false;
  std::size_t written = 0;
  return sodium_hex2bin(out.data(), N, hex.data(), hex.size(), nullptr, &written, nullptr) == 0 &&
         written == N;
}
template bool from_hex<16>(std::string_view, std::array<unsigned char, 16>&);
template bool from_hex<32>(std::string_view, std::array<unsigned char, 32>&);
template bool from_hex<64>(std::string_view, std::array<unsigned char, 64>&);

std::string to_base64(std::string_view bytes) {
  ensure_sodium();
  const std::size_t size = sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(size, '\0');
  sodium_bin2base64(out.data(), size, reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

bool from_base64(std::string_view text, std::string& out) {
  ensure_sodium();
  out.assign(text.size(), '\0');
  std::size_t written = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &written, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  out.resize(written);
  return true;
}

}  // namespace cw::crypto
