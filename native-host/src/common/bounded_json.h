// Parsing JSON from outside the process with its limits checked first: size, UTF-8 and nesting
// depth are checked by linear scans before nlohmann/json builds anything.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/limits.h"
#include "protocol/errors.h"

namespace cw {

// Offset of the first byte that is not part of well-formed UTF-8, or nullopt if all of it is.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// Deepest nesting of arrays and objects, stopping early once it exceeds `stop_above`.
int json_nesting_depth(std::string_view text, int stop_above);

// Parses `text` into JSON if it is valid UTF-8, nests at most `max_depth` levels and is valid JSON.
// Errors: INVALID_UTF8, JSON_TOO_DEEP, INVALID_JSON.
Expected<nlohmann::json> parse_bounded_json(std::string_view text,
                                            int max_depth = limits::kMaxJsonDepth);

}  // namespace cw
