// Fuzzes parse_bounded_json, the gate for all JSON from outside: it must never crash or recurse
// deeply, and it must agree with its own pre-checks: valid UTF-8 within the depth limit parses
// exactly when nlohmann/json accepts it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/bounded_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = cw::parse_bounded_json(text);
  const bool utf8_ok = !cw::find_invalid_utf8(text).has_value();
  const int depth = cw::json_nesting_depth(text, cw::limits::kMaxJsonDepth);
  if (!utf8_ok) {
    if (parsed || parsed.error().code != cw::ErrorCode::INVALID_UTF8) std::abort();
    return 0;
  }
  if (depth > cw::limits::kMaxJsonDepth) {
    if (parsed || parsed.error().code != cw::ErrorCode::JSON_TOO_DEEP) std::abort();
    return 0;
  }
  const bool accepted = nlohmann::json::accept(text);
  if (accepted != parsed.ok()) std::abort();
  if (parsed) {
    // A parsed document serialises and reads back to itself.
    const auto again = nlohmann::json::parse(parsed.value().dump());
    if (again != parsed.value()) std::abort();
  }
  return 0;
}
