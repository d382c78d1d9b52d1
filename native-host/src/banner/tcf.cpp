#include "banner/tcf.h"

#include <string>

#include "common/limits.h"

namespace cw::banner {
namespace {

Error tc_invalid(std::string detail) {
  return Error::make(ErrorCode::TCF_STRING_INVALID, {{"detail", std::move(detail)}});
}

class BitReader {
 public:
  explicit BitReader(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
  [[nodiscard]] bool has(std::size_t bits) const { return position_ + bits <= bytes_.size() * 8; }
  // Reads `bits` (at most 36) big-endian bits; the caller checked has().
  std::uint64_t read(std::size_t bits) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < bits; ++i, ++position_) {
      const std::uint8_t byte = bytes_[position_ / 8];
      value = (value << 1U) | ((byte >> (7U - position_ % 8)) & 1U);
    }
    return value;
  }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t position_ = 0;
};

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

// Counts vendors with the bit set in a vendor section (bitfield or ranges).
Expected<int> read_vendor_section(BitReader& bits, int* max_vendor_id) {
  if (!bits.has(17)) return tc_invalid("vendor section ends early");
  const auto max_id = static_cast<int>(bits.read(16));
  if (max_vendor_id != nullptr) *max_vendor_id = max_id;
  const bool range_encoding = bits.read(1) == 1;
  int count = 0;
  if (!range_encoding) {
    if (!bits.has(static_cast<std::size_t>(max_id)))
      return tc_invalid("vendor bitfield ends early");
    for (int i = 0; i < max_id; ++i) count += static_cast<int>(bits.read(1));
    return count;
  }
  if (!bits.has(12)) return tc_invalid("vendor range count missing");
  const auto entries = static_cast<int>(bits.read(12));
  for (int i = 0; i < entries; ++i) {
    if (!bits.has(17)) return tc_invalid("vendor range entry ends early");
    const bool is_range = bits.read(1) == 1;
    const auto start = static_cast<int>(bits.read(16));
    int end = start;
    if (is_range) {
      if (!bits.has(16)) return tc_invalid("vendor range end missing");
      end = static_cast<int>(bits.read(16));
    }
    if (end < start || end > max_id) return tc_invalid("vendor range outside 1..MaxVendorId");
    count += end - start + 1;
  }
  return count;
}

}  // namespace

Expected<TcCore> decode_tc_string(std::string_view tc_string) {
  if (tc_string.size() > limits::kMaxTcStringBytes)
    return tc_invalid("longer than the TC string limit");
  const std::string_view core = tc_string.substr(0, tc_string.find('.'));
  if (core.empty()) return tc_invalid("empty string");
  std::vector<std::uint8_t> bytes;
  bytes.reserve(core.size() * 3 / 4 + 1);
  std::uint32_t buffer = 0;
  int buffered = 0;
  for (char c : core) {
    if (c == '=') break;
    const int v = base64url_value(c);
    if (v < 0) return tc_invalid("not base64url");
    buffer = (buffer << 6U) | static_cast<std::uint32_t>(v);
    buffered += 6;
    if (buffered >= 8) {
      buffered -= 8;
      bytes.push_back(
          static_cast<std::uint8_t>((buffer >> static_cast<unsigned>(buffered)) & 0xFFU));
    }
  }
  if (buffered > 0) bytes.push_back(static_cast<std::uint8_t>((buffer << (8U - buffered)) & 0xFFU));
  BitReader bits(std::move(bytes));
  // Version(6) Created(36) LastUpdated(36) CmpId(12) CmpVersion(12) ConsentScreen(6)
  // ConsentLanguage(12) VendorListVersion(12) TcfPolicyVersion(6) IsServiceSpecific(1)
  // UseNonStandardTexts(1) SpecialFeatureOptIns(12) PurposesConsent(24) PurposesLITransparency(24)
  // PurposeOneTreatment(1) PublisherCC(12) = 213 bits before the vendor sections.
  if (!bits.has(213)) return tc_invalid("core segment shorter than 213 bits");
  TcCore tc;
  tc.version = static_cast<int>(bits.read(6));
  if (tc.version != 2) return tc_invalid("version " + std::to_string(tc.version) + ", expected 2");
  bits.read(36);
  bits.read(36);
  tc.cmp_id = static_cast<int>(bits.read(12));
  tc.cmp_version = static_cast<int>(bits.read(12));
  bits.read(6);
  bits.read(12);
  tc.vendor_list_version = static_cast<int>(bits.read(12));
  tc.policy_version = static_cast<int>(bits.read(6));
  bits.read(1);
  bits.read(1);
  bits.read(12);
  for (int purpose = 1; purpose <= 24; ++purpose) {
    if (bits.read(1) == 1) tc.purpose_consents.push_back(purpose);
  }
  for (int purpose = 1; purpose <= 24; ++purpose) {
    if (bits.read(1) == 1) tc.purpose_legitimate_interests.push_back(purpose);
  }
  tc.purpose_one_treatment = bits.read(1) == 1;
  bits.read(12);
  auto consents = read_vendor_section(bits, &tc.max_vendor_consent_id);
  if (!consents) return consents.error();
  tc.vendor_consents = *consents;
  auto interests = read_vendor_section(bits, nullptr);
  if (!interests) return interests.error();
  tc.vendor_legitimate_interests = *interests;
  return tc;
}

}  // namespace cw::banner
