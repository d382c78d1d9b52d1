// The sealed container every sync bundle, snapshot and sealed export uses.
//
// Layout (integers little-endian):
//   header  80 bytes  "CWBUNDL1", kind u8, 7 zero bytes, device id [16], sequence u64,
//                     total file size u64, plaintext chunk size u32, 4 zero bytes,
//                     secretstream header [24]
//   body             crypto_secretstream_xchacha20poly1305 chunks of `chunk size` plaintext bytes
//                    (the header is the additional data of every chunk; the last chunk is
//                    TAG_FINAL)
//   trailer 64 bytes  Ed25519ph signature by the device over header and body
// The plaintext is u64 payload length, the payload, then zeros up to a size bucket, so the file
// size reveals only the bucket (steps of 25 %), never the exact amount of data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/sync_keys.h"
#include "protocol/errors.h"

namespace cw::crypto {

enum class BundleKind : std::uint8_t { kBundle = 1, kSnapshot = 2, kExport = 3 };

inline constexpr std::size_t kBundleHeaderBytes = 80;
inline constexpr std::size_t kBundleTrailerBytes = 64;
inline constexpr std::uint32_t kBundleChunkBytes = 64U * 1024U;
using StreamHeader = std::array<unsigned char, 24>;

struct BundleHeader {
  BundleKind kind = BundleKind::kBundle;
  DeviceId device{};
  std::uint64_t seq = 0;
  std::uint64_t file_bytes = 0;
  std::uint32_t chunk_bytes = kBundleChunkBytes;
  StreamHeader stream_header{};
};

// The padded plaintext size for a payload of n bytes (including the 8-byte length prefix):
// at least 4 KiB, then the next of 4, 5, 6 or 7 × a power of two.
std::uint64_t padded_plaintext_size(std::uint64_t n);

// Seals `payload` for `device`. `fixed_stream_header` is for known-answer tests only; normally the
// stream header is random.
std::string seal_bundle(BundleKind kind, const DeviceId& device, std::uint64_t seq,
                        std::string_view payload, const SubKey& key, const SignSecretKey& signer,
                        const StreamHeader* fixed_stream_header = nullptr);

// How a file that looks like a bundle turned out.
enum class BundleState {
  kOk,
  kIncomplete,  // shorter than its header says: still being written or synced; retry later
  kMalformed,   // not a bundle at all (bad magic, impossible sizes)
  kTampered,    // full length but the signature or a chunk does not verify, or it is too long
};

struct HeaderCheck {
  BundleState state = BundleState::kMalformed;
  BundleHeader header;
  std::string detail;
};
// Reads the header from the first bytes of a file of `actual_size` bytes and compares sizes.
HeaderCheck check_bundle_header(std::string_view head, std::uint64_t actual_size);

struct OpenResult {
  BundleState state = BundleState::kMalformed;
  std::string detail;   // why, when not kOk
  std::string payload;  // when kOk
};
// Verifies the signature with `signer`, then decrypts. Nothing is returned unless all of it
// verifies.
OpenResult open_bundle(std::string_view file, const SubKey& key, const SignPublicKey& signer);

}  // namespace cw::crypto
