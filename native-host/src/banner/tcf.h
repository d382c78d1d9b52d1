// Decoder for the core segment of an IAB TCF v2 TC string (the `euconsent-v2` value), enough to
// tell which purposes carry consent or legitimate interest and how many vendors are enabled.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/errors.h"

namespace cw::banner {

struct TcCore {
  int version = 0;
  int cmp_id = 0;
  int cmp_version = 0;
  int vendor_list_version = 0;
  int policy_version = 0;             // 4 and above: TCF 2.2
  std::vector<int> purpose_consents;  // purpose ids 1..24 with the consent bit set
  std::vector<int> purpose_legitimate_interests;
  bool purpose_one_treatment = false;
  int max_vendor_consent_id = 0;
  int vendor_consents = 0;              // vendors with consent
  int vendor_legitimate_interests = 0;  // vendors with legitimate interest established
};

// Decodes the first (core) segment. TCF_STRING_INVALID when it is not base64url, is not version 2,
// or ends early. The input is bounded by the caller (limits::kMaxTcStringBytes).
Expected<TcCore> decode_tc_string(std::string_view tc_string);

}  // namespace cw::banner
