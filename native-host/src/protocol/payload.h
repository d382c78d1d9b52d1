// Typed access to request payload fields with limits, so every action validates the same way.
// Each getter returns INVALID_PAYLOAD naming the field and the problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/errors.h"

namespace cw::payload {

Error invalid(std::string_view type, std::string_view detail);

// A required string field of at most max_bytes.
Expected<std::string> required_string(const nlohmann::json& payload, std::string_view type,
                                      const char* field, std::size_t max_bytes);
// An optional string field; `fallback` when absent or null.
Expected<std::string> optional_string(const nlohmann::json& payload, std::string_view type,
                                      const char* field, std::size_t max_bytes,
                                      std::string fallback = {});
// An optional integer field within [min, max]; `fallback` when absent.
Expected<std::int64_t> optional_int(const nlohmann::json& payload, std::string_view type,
                                    const char* field, std::int64_t min, std::int64_t max,
                                    std::int64_t fallback);

}  // namespace cw::payload
