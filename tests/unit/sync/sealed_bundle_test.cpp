// The sealed bundle container: known answers for fixed keys and nonce, and every way a file can be
// damaged (truncated, tampered, wrong key, wrong signer).
#define BOOST_TEST_MODULE sealed_bundle
#include "crypto/sealed_bundle.h"

#include <boost/test/unit_test.hpp>
#include <sodium.h>

#include "crypto/sync_keys.h"

using namespace cw::crypto;

namespace {

struct Fixed {
  SubKey key{};
  DeviceId device{};
  StreamHeader stream{};
  SignPublicKey pk{};
  SignSecretKey sk{};
  Fixed() {
    ensure_sodium();
    key.fill(0x02);
    device.fill(0x04);
    stream.fill(0x03);
    std::array<unsigned char, 32> seed{};
    seed.fill(0x01);
    crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  }
};

std::string digest_hex(std::string_view bytes) {
  std::array<unsigned char, 32> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  return to_hex(h);
}

}  // namespace

BOOST_AUTO_TEST_CASE(known_answer_for_fixed_key_and_nonce) {
  Fixed f;
  const std::string payload = "ClauseWatch known answer";
  const std::string file =
      seal_bundle(BundleKind::kBundle, f.device, 7, payload, f.key, f.sk, &f.stream);
  // Size: 80 header + 4096 padded plaintext + 17 tag + 64 signature.
  BOOST_TEST(file.size() == 80U + 4096U + 17U + 64U);
  // The header, byte for byte.
  std::string expected_header = "CWBUNDL1";
  expected_header += '\x01';
  expected_header.append(7, '\0');
  expected_header.append(16, '\x04');
  expected_header += std::string("\x07\0\0\0\0\0\0\0", 8);
  const std::uint64_t size = file.size();
  for (int i = 0; i < 8; ++i) expected_header += static_cast<char>((size >> (8 * i)) & 0xFF);
  expected_header += std::string("\x00\x00\x01\x00", 4);  // 65536
  expected_header.append(4, '\0');
  expected_header.append(24, '\x03');
  BOOST_TEST(file.substr(0, 80) == expected_header);

  // Independently of open_bundle: libsodium's own pull with the same key and header recovers the
  // length-prefixed payload, with the header as additional data.
  crypto_secretstream_xchacha20poly1305_state st;
  BOOST_REQUIRE(
      crypto_secretstream_xchacha20poly1305_init_pull(&st, f.stream.data(), f.key.data()) == 0);
  std::string plain(4096, '\0');
  unsigned long long n = 0;
  unsigned char tag = 0;
  BOOST_REQUIRE(crypto_secretstream_xchacha20poly1305_pull(
                    &st, reinterpret_cast<unsigned char*>(plain.data()), &n, &tag,
                    reinterpret_cast<const unsigned char*>(file.data() + 80), 4096 + 17,
                    reinterpret_cast<const unsigned char*>(file.data()), 80) == 0);
  BOOST_TEST(tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL);
  BOOST_TEST(plain.substr(0, 8) == std::string("\x18\0\0\0\0\0\0\0", 8));
  BOOST_TEST(plain.substr(8, payload.size()) == payload);
  BOOST_TEST(plain.substr(8 + payload.size()) == std::string(4096 - 8 - payload.size(), '\0'));
  // The Ed25519ph signature over header and body verifies with the fixed public key.
  crypto_sign_state sign;
  crypto_sign_init(&sign);
  crypto_sign_update(&sign, reinterpret_cast<const unsigned char*>(file.data()), file.size() - 64);
  std::array<unsigned char, 64> sig{};
  std::copy(file.end() - 64, file.end(), sig.begin());
  BOOST_TEST(crypto_sign_final_verify(&sign, sig.data(), f.pk.data()) == 0);
  // And the whole file is stable across builds and platforms (framing + deterministic Ed25519).
  BOOST_TEST(digest_hex(file) ==
             "382eead5d850342523ad2a481933631f9c418d3915c37a6d82941e9ab63a14a6");
}

BOOST_AUTO_TEST_CASE(round_trip_across_many_chunks) {
  Fixed f;
  std::string payload(300'000, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 31 % 251);
  const std::string file = seal_bundle(BundleKind::kSnapshot, f.device, 1, payload, f.key, f.sk);
  const auto opened = open_bundle(file, f.key, f.pk);
  BOOST_REQUIRE(opened.state == BundleState::kOk);
  BOOST_TEST(opened.payload == payload);
}

BOOST_AUTO_TEST_CASE(sizes_reveal_only_a_bucket) {
  Fixed f;
  // Payloads of different sizes within one bucket give files of exactly the same size.
  const auto a = seal_bundle(BundleKind::kBundle, f.device, 1, std::string(5000, 'a'), f.key, f.sk);
  const auto b = seal_bundle(BundleKind::kBundle, f.device, 1, std::string(5100, 'b'), f.key, f.sk);
  BOOST_TEST(a.size() == b.size());
  BOOST_TEST(padded_plaintext_size(1) == 4096U);
  BOOST_TEST(padded_plaintext_size(4097) == 5120U);
  BOOST_TEST(padded_plaintext_size(1'000'000) == 1'048'576U);
  for (std::uint64_t n : {5000ULL, 70'000ULL, 1'234'567ULL, 99'999'999ULL}) {
    const auto p = padded_plaintext_size(n);
    BOOST_TEST(p >= n);
    BOOST_TEST(p <= n + n / 4 + 1024);  // at most 25 % padding
  }
}

BOOST_AUTO_TEST_CASE(every_flipped_byte_is_refused) {
  Fixed f;
  const std::string file =
      seal_bundle(BundleKind::kBundle, f.device, 3, std::string(100'000, 'x'), f.key, f.sk);
  // Header, first chunk, last chunk, signature.
  for (std::size_t at :
       {std::size_t{20}, std::size_t{60}, std::size_t{100}, file.size() - 200, file.size() - 10}) {
    std::string bad = file;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    const auto opened = open_bundle(bad, f.key, f.pk);
    BOOST_TEST((opened.state == BundleState::kTampered || opened.state == BundleState::kMalformed),
               "flip at " << at);
    BOOST_TEST(opened.payload.empty());
  }
}

BOOST_AUTO_TEST_CASE(truncation_is_incomplete_not_tampered) {
  Fixed f;
  const std::string file =
      seal_bundle(BundleKind::kBundle, f.device, 3, std::string(100'000, 'x'), f.key, f.sk);
  for (std::size_t keep : {std::size_t{0}, std::size_t{5}, std::size_t{79}, std::size_t{80},
                           file.size() / 2, file.size() - 1}) {
    const auto opened = open_bundle(file.substr(0, keep), f.key, f.pk);
    BOOST_TEST((opened.state == BundleState::kIncomplete), "kept " << keep);
  }
  // An appended byte is not a write in progress.
  BOOST_TEST((open_bundle(file + "x", f.key, f.pk).state == BundleState::kTampered));
}

BOOST_AUTO_TEST_CASE(wrong_key_or_signer_is_refused) {
  Fixed f;
  const std::string file = seal_bundle(BundleKind::kBundle, f.device, 3, "hello", f.key, f.sk);
  SubKey other{};
  other.fill(0x09);
  const auto wrong_key = open_bundle(file, other, f.pk);
  BOOST_TEST((wrong_key.state == BundleState::kTampered));
  BOOST_TEST(wrong_key.detail.find("does not decrypt") != std::string::npos);
  const auto keys = new_device_keys();
  const auto wrong_signer = open_bundle(file, f.key, keys.public_key);
  BOOST_TEST((wrong_signer.state == BundleState::kTampered));
  BOOST_TEST(wrong_signer.detail.find("signature") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(recovery_code_round_trip_and_typo) {
  const auto key = random_folder_key();
  const std::string code = recovery_code(key);
  BOOST_TEST(code.size() == 56U + 13U);
  auto back = parse_recovery_code(code);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST((*back == key));
  std::string lower = code;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  BOOST_TEST(parse_recovery_code(lower).ok());
  std::string typo = code;
  typo[5] = typo[5] == 'A' ? 'B' : 'A';
  auto bad = parse_recovery_code(typo);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().message.find("checksum") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(passphrase_wrap_and_absurd_parameters) {
  auto params = new_pwhash_params(true);
  auto a = passphrase_kek("correct horse", params);
  auto b = passphrase_kek("correct horse", params);
  auto c = passphrase_kek("wrong horse", params);
  BOOST_REQUIRE(a.ok() && b.ok() && c.ok());
  BOOST_TEST((*a == *b));
  BOOST_TEST((*a != *c));
  const std::string sealed = secretbox_seal(*a, "secret");
  std::string plain;
  BOOST_TEST(secretbox_open(*a, sealed, plain));
  BOOST_TEST(plain == "secret");
  BOOST_TEST(!secretbox_open(*c, sealed, plain));
  params.memlimit = 1ULL << 40;  // a hostile header asking for a terabyte
  auto refused = passphrase_kek("x", params);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().code == cw::ErrorCode::LIMIT_EXCEEDED));
}
