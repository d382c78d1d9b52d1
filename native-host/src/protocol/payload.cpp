#include "protocol/payload.h"

namespace cw::payload {

Error invalid(std::string_view type, std::string_view detail) {
  return Error::make(ErrorCode::INVALID_PAYLOAD,
                     {{"type", std::string(type)}, {"detail", std::string(detail)}});
}

Expected<std::string> required_string(const nlohmann::json& payload, std::string_view type,
                                      const char* field, std::size_t max_bytes) {
  auto it = payload.find(field);
  if (it == payload.end() || it->is_null()) {
    return invalid(type, std::string("'") + field + "' is missing");
  }
  return optional_string(payload, type, field, max_bytes);
}

Expected<std::string> optional_string(const nlohmann::json& payload, std::string_view type,
                                      const char* field, std::size_t max_bytes,
                                      std::string fallback) {
  auto it = payload.find(field);
  if (it == payload.end() || it->is_null()) return fallback;
  if (!it->is_string()) return invalid(type, std::string("'") + field + "' must be a string");
  const auto& value = it->get_ref<const std::string&>();
  if (value.size() > max_bytes) {
    return invalid(type, std::string("'") + field + "' is longer than " +
                             std::to_string(max_bytes) + " bytes");
  }
  return value;
}

Expected<std::int64_t> optional_int(const nlohmann::json& payload, std::string_view type,
                                    const char* field, std::int64_t min, std::int64_t max,
                                    std::int64_t fallback) {
  auto it = payload.find(field);
  if (it == payload.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) {
    return invalid(type, std::string("'") + field + "' must be an integer");
  }
  const auto value = it->get<std::int64_t>();
  if (value < min || value > max) {
    return invalid(type, std::string("'") + field + "' must be between " + std::to_string(min) +
                             " and " + std::to_string(max));
  }
  return value;
}

}  // namespace cw::payload
