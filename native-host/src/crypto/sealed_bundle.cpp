#include "crypto/sealed_bundle.h"

#include <algorithm>
#include <cstring>

#include <sodium.h>

#include "common/limits.h"

namespace cw::crypto {
namespace {

constexpr std::string_view kMagic = "CWBUNDL1";
constexpr std::size_t kStreamAbytes = crypto_secretstream_xchacha20poly1305_ABYTES;

static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES == 24);
static_assert(crypto_sign_BYTES == kBundleTrailerBytes);

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>((v >> (8U * static_cast<unsigned>(i))) & 0xFFU);
}
void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((v >> (8U * static_cast<unsigned>(i))) & 0xFFU);
}
std::uint64_t get_u64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8U) | p[i];
  return v;
}
std::uint32_t get_u32(const unsigned char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8U) | p[i];
  return v;
}

std::uint64_t chunk_count(std::uint64_t plaintext, std::uint32_t chunk) {
  return std::max<std::uint64_t>(1, (plaintext + chunk - 1) / chunk);
}

std::string encode_header(const BundleHeader& h) {
  std::string out(kMagic);
  out += static_cast<char>(h.kind);
  out.append(7, '\0');
  out.append(reinterpret_cast<const char*>(h.device.data()), h.device.size());
  put_u64(out, h.seq);
  put_u64(out, h.file_bytes);
  put_u32(out, h.chunk_bytes);
  put_u32(out, 0);
  out.append(reinterpret_cast<const char*>(h.stream_header.data()), h.stream_header.size());
  return out;
}

}  // namespace

std::uint64_t padded_plaintext_size(std::uint64_t n) {
  constexpr std::uint64_t kMinimum = 4096;
  if (n <= kMinimum) return kMinimum;
  std::uint64_t power = 1024;  // n > 4096, so a step of 4 × 1024 or more applies
  while (power * 8 < n) power *= 2;
  for (std::uint64_t m = 4; m <= 8; ++m) {
    if (m * power >= n) return m * power;
  }
  return 8 * power;
}

std::string seal_bundle(BundleKind kind, const DeviceId& device, std::uint64_t seq,
                        std::string_view payload, const SubKey& key, const SignSecretKey& signer,
                        const StreamHeader* fixed_stream_header) {
  ensure_sodium();
  BundleHeader header;
  header.kind = kind;
  header.device = device;
  header.seq = seq;
  const std::uint64_t plain_size = padded_plaintext_size(payload.size() + 8);
  const std::uint64_t chunks = chunk_count(plain_size, header.chunk_bytes);
  header.file_bytes =
      kBundleHeaderBytes + plain_size + chunks * kStreamAbytes + kBundleTrailerBytes;

  crypto_secretstream_xchacha20poly1305_state state;
  if (fixed_stream_header != nullptr) {
    // The push and pull states are the same structure; initialising from a chosen header gives a
    // deterministic stream for known-answer tests.
    header.stream_header = *fixed_stream_header;
    crypto_secretstream_xchacha20poly1305_init_pull(&state, header.stream_header.data(),
                                                    key.data());
  } else {
    crypto_secretstream_xchacha20poly1305_init_push(&state, header.stream_header.data(),
                                                    key.data());
  }
  const std::string head = encode_header(header);

  std::string plain;
  plain.reserve(plain_size);
  put_u64(plain, payload.size());
  plain.append(payload);
  plain.resize(plain_size, '\0');

  std::string out;
  out.reserve(header.file_bytes);
  out += head;
  for (std::uint64_t i = 0; i < chunks; ++i) {
    const std::uint64_t offset = i * header.chunk_bytes;
    const std::uint64_t size = std::min<std::uint64_t>(header.chunk_bytes, plain_size - offset);
    const std::size_t at = out.size();
    out.resize(at + size + kStreamAbytes);
    const unsigned char tag = i + 1 == chunks ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                              : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    crypto_secretstream_xchacha20poly1305_push(
        &state, reinterpret_cast<unsigned char*>(out.data() + at), nullptr,
        reinterpret_cast<const unsigned char*>(plain.data() + offset), size,
        reinterpret_cast<const unsigned char*>(head.data()), head.size(), tag);
  }
  sodium_memzero(plain.data(), plain.size());

  crypto_sign_state sign_state;
  crypto_sign_init(&sign_state);
  crypto_sign_update(&sign_state, reinterpret_cast<const unsigned char*>(out.data()), out.size());
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  crypto_sign_final_create(&sign_state, signature.data(), nullptr, signer.data());
  out.append(reinterpret_cast<const char*>(signature.data()), signature.size());
  return out;
}

HeaderCheck check_bundle_header(std::string_view head, std::uint64_t actual_size) {
  HeaderCheck check;
  if (head.size() < kBundleHeaderBytes) {
    // An empty or short file whose bytes so far match the magic is a write in progress.
    const std::size_t n = std::min(head.size(), kMagic.size());
    if (head.substr(0, n) == kMagic.substr(0, n)) {
      check.state = BundleState::kIncomplete;
      check.detail = "header not complete yet";
    } else {
      check.detail = "not a ClauseWatch bundle";
    }
    return check;
  }
  if (head.substr(0, kMagic.size()) != kMagic) {
    check.detail = "not a ClauseWatch bundle";
    return check;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(head.data());
  const unsigned kind = p[8];
  if (kind < 1 || kind > 3) {
    check.detail = "unknown bundle kind";
    return check;
  }
  BundleHeader& h = check.header;
  h.kind = static_cast<BundleKind>(kind);
  std::memcpy(h.device.data(), p + 16, h.device.size());
  h.seq = get_u64(p + 32);
  h.file_bytes = get_u64(p + 40);
  h.chunk_bytes = get_u32(p + 48);
  std::memcpy(h.stream_header.data(), p + 56, h.stream_header.size());
  if (h.chunk_bytes != kBundleChunkBytes) {
    check.detail = "unsupported chunk size";
    return check;
  }
  if (h.file_bytes > limits::kMaxBundleFileBytes) {
    check.detail = "declared size exceeds the bundle limit";
    return check;
  }
  if (h.file_bytes < kBundleHeaderBytes + kStreamAbytes + 4096 + kBundleTrailerBytes) {
    check.detail = "declared size too small";
    return check;
  }
  if (actual_size < h.file_bytes) {
    check.state = BundleState::kIncomplete;
    check.detail =
        std::to_string(actual_size) + " of " + std::to_string(h.file_bytes) + " bytes present";
    return check;
  }
  if (actual_size > h.file_bytes) {
    check.state = BundleState::kTampered;
    check.detail = "file is longer than its header says";
    return check;
  }
  check.state = BundleState::kOk;
  return check;
}

OpenResult open_bundle(std::string_view file, const SubKey& key, const SignPublicKey& signer) {
  ensure_sodium();
  OpenResult result;
  const HeaderCheck check = check_bundle_header(file.substr(0, kBundleHeaderBytes), file.size());
  if (check.state != BundleState::kOk) {
    result.state = check.state;
    result.detail = check.detail;
    return result;
  }
  const BundleHeader& h = check.header;
  const std::string_view signed_part = file.substr(0, file.size() - kBundleTrailerBytes);
  const auto* signature =
      reinterpret_cast<const unsigned char*>(file.data() + file.size() - kBundleTrailerBytes);
  crypto_sign_state sign_state;
  crypto_sign_init(&sign_state);
  crypto_sign_update(&sign_state, reinterpret_cast<const unsigned char*>(signed_part.data()),
                     signed_part.size());
  if (crypto_sign_final_verify(&sign_state, signature, signer.data()) != 0) {
    result.state = BundleState::kTampered;
    result.detail = "device signature does not verify";
    return result;
  }

  const std::uint64_t body = signed_part.size() - kBundleHeaderBytes;
  const std::uint64_t full = h.chunk_bytes + kStreamAbytes;
  const std::uint64_t chunks = (body + full - 1) / full;
  const std::uint64_t plain_size = body - chunks * kStreamAbytes;
  if (body < kStreamAbytes || chunks == 0 || body - (chunks - 1) * full <= kStreamAbytes) {
    result.state = BundleState::kTampered;
    result.detail = "impossible chunk layout";
    return result;
  }
  crypto_secretstream_xchacha20poly1305_state state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state, h.stream_header.data(), key.data()) !=
      0) {
    result.state = BundleState::kTampered;
    result.detail = "bad stream header";
    return result;
  }
  std::string plain(plain_size, '\0');
  const auto* ad = reinterpret_cast<const unsigned char*>(file.data());
  std::uint64_t in = kBundleHeaderBytes;
  std::uint64_t out = 0;
  for (std::uint64_t i = 0; i < chunks; ++i) {
    const std::uint64_t size = std::min<std::uint64_t>(full, signed_part.size() - in);
    unsigned char tag = 0;
    unsigned long long written = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(
            &state, reinterpret_cast<unsigned char*>(plain.data() + out), &written, &tag,
            reinterpret_cast<const unsigned char*>(file.data() + in), size, ad,
            kBundleHeaderBytes) != 0) {
      result.state = BundleState::kTampered;
      result.detail = "chunk " + std::to_string(i) + " does not decrypt with the folder key";
      return result;
    }
    const bool last = i + 1 == chunks;
    if (last != (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)) {
      result.state = BundleState::kTampered;
      result.detail = "stream end marker misplaced";
      return result;
    }
    in += size;
    out += written;
  }
  if (plain.size() < 8 ||
      get_u64(reinterpret_cast<const unsigned char*>(plain.data())) > plain.size() - 8) {
    result.state = BundleState::kTampered;
    result.detail = "payload length out of range";
    return result;
  }
  const std::uint64_t length = get_u64(reinterpret_cast<const unsigned char*>(plain.data()));
  result.payload.assign(plain, 8, length);
  sodium_memzero(plain.data(), plain.size());
  result.state = BundleState::kOk;
  return result;
}

}  // namespace cw::crypto
