// Fuzzes parse_bounded_json, the gate for all JSON from outside: it must never crash or recurse
// deeply, and it must agree with its own pre-checks: valid UTF-8 within the depth limit parses
// exactly when nlohmann/json accepts it. The one-walk fast path, when it answers, gives exactly
// nlohmann/json's document (values and number types).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/bounded_json.h"
#include "protocol/envelope.h"

namespace {

bool identical(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt) {
      if (it.key() != jt.key() || !identical(it.value(), jt.value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!identical(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = cw::parse_bounded_json(text);
  if (const auto fast = cw::parse_json_one_walk(text)) {
    if (!parsed || !identical(*fast, parsed.value())) std::abort();
    const auto reference = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (reference.is_discarded() || !identical(*fast, reference)) std::abort();
  }
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
    // The reply writer's one-pass dump is exactly nlohmann/json's.
    if (cw::dump_compact(parsed.value()) !=
        parsed.value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) {
      std::abort();
    }
  }
  return 0;
}
