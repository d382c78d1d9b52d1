// Fuzz target: the sync bundle reader (header check, signature, secretstream chunks, padding) and
// the record stream inside it. Input starting with 'R' is fed to the record reader directly,
// because the crypto layer otherwise keeps mutated inputs from reaching it; anything else is opened
// as a bundle with a fixed folder key and device key, so seeds sealed with them
// (corpus/sync_bundle) verify.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <sodium.h>

#include "crypto/sealed_bundle.h"
#include "sync/records.h"

namespace {

struct FixedKeys {
  cw::crypto::SubKey key{};
  cw::crypto::SignPublicKey pk{};
  cw::crypto::SignSecretKey sk{};
  FixedKeys() {
    cw::crypto::ensure_sodium();
    key.fill(0x02);
    std::array<unsigned char, 32> seed{};
    seed.fill(0x01);
    crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  }
};

void read_records(std::string_view stream) {
  cw::sync::RecordReader reader(stream);
  for (int i = 0; i < 100'000; ++i) {
    auto next = reader.next();
    if (!next || !next->has_value()) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const FixedKeys keys;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!input.empty() && input[0] == 'R') {
    read_records(input.substr(1));
    return 0;
  }
  const auto check = cw::crypto::check_bundle_header(
      input.substr(0, cw::crypto::kBundleHeaderBytes), input.size());
  if (check.state != cw::crypto::BundleState::kOk) return 0;
  const auto opened = cw::crypto::open_bundle(input, keys.key, keys.pk);
  if (opened.state == cw::crypto::BundleState::kOk) read_records(opened.payload);
  return 0;
}
