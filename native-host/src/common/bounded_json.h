// Parsing JSON from outside the process with its limits checked: a one-walk parser takes the
// common case; anything else has size, UTF-8 and nesting depth checked by linear scans before
// nlohmann/json builds anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/limits.h"
#include "protocol/errors.h"

namespace cw {

// Offset of the first byte that is not part of well-formed UTF-8, or nullopt if all of it is.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// Length of the well-formed UTF-8 sequence (RFC 3629) that starts at text[i], a byte of 0x80 or
// more; 0 if it is not one. The hot loops of the request walk and the reply writer share it.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// True if none of the 8 bytes at `at` ends a run of plain JSON string bytes: none is a control
// character, a quote, a backslash or non-ASCII (the byte loop decides for any that may be).
// Inline: both string loops call it every 8 bytes.
inline bool plain_ascii8(const void* at) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  std::uint64_t w = 0;
  std::memcpy(&w, at, sizeof w);
  const auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const std::uint64_t below_space = (w - 0x20 * kOnes) & ~w & kHigh;
  return ((w & kHigh) | below_space | has_zero(w ^ ('"' * kOnes)) | has_zero(w ^ ('\\' * kOnes))) ==
         0;
}

// Deepest nesting of arrays and objects, stopping early once it exceeds `stop_above`.
int json_nesting_depth(std::string_view text, int stop_above);

// The common case in one walk: the document `parse_bounded_json` would return, or nullopt when it
// needs the slow path (not valid, too deep, or holding what this walk leaves to nlohmann/json: a
// number with a fraction or exponent or over 18 digits, a \u escape of a surrogate).
std::optional<nlohmann::json> parse_json_one_walk(std::string_view text,
                                                  int max_depth = limits::kMaxJsonDepth);

// Parses `text` into JSON if it is valid UTF-8, nests at most `max_depth` levels and is valid JSON.
// Errors: INVALID_UTF8, JSON_TOO_DEEP, INVALID_JSON.
Expected<nlohmann::json> parse_bounded_json(std::string_view text,
                                            int max_depth = limits::kMaxJsonDepth);

}  // namespace cw
