#include "common/bounded_json.h"

#include <utf8proc.h>

namespace cw {

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  std::size_t offset = 0;
  while (offset < text.size()) {
    // ASCII fast path: most legal text is ASCII.
    if (bytes[offset] < 0x80) {
      ++offset;
      continue;
    }
    utf8proc_int32_t codepoint = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(
        bytes + offset, static_cast<utf8proc_ssize_t>(text.size() - offset), &codepoint);
    if (n <= 0) return offset;
    offset += static_cast<std::size_t>(n);
  }
  return std::nullopt;
}

int json_nesting_depth(std::string_view text, int stop_above) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > stop_above) return deepest;
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

Expected<nlohmann::json> parse_bounded_json(std::string_view text, int max_depth) {
  if (auto bad = find_invalid_utf8(text)) {
    return Error::make(ErrorCode::INVALID_UTF8, {{"offset", *bad}});
  }
  if (json_nesting_depth(text, max_depth) > max_depth) {
    return Error::make(ErrorCode::JSON_TOO_DEEP, {{"limit", max_depth}});
  }
  nlohmann::json parsed;
  try {
    // Even with allow_exceptions=false, nlohmann throws out_of_range (406) for numbers beyond a
    // double ("1e400"); found by fuzz_bounded_json.
    parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  } catch (const nlohmann::json::exception& e) {
    return Error::make(ErrorCode::INVALID_JSON, {{"detail", e.what()}});
  }
  if (parsed.is_discarded()) {
    // Re-parse with exceptions only to get nlohmann's position-bearing message.
    try {
      const auto unused = nlohmann::json::parse(text);
      (void)unused;
    } catch (const nlohmann::json::parse_error& e) {
      return Error::make(ErrorCode::INVALID_JSON, {{"detail", e.what()}, {"byte", e.byte}});
    } catch (const nlohmann::json::exception& e) {
      return Error::make(ErrorCode::INVALID_JSON, {{"detail", e.what()}});
    }
    return Error::make(ErrorCode::INVALID_JSON, {{"detail", "unparseable"}});
  }
  return parsed;
}

}  // namespace cw
