#include "protocol/errors.h"

#include <array>

namespace cw {
namespace {

struct ErrorRow {
  ErrorCode code;
  std::string_view name;
  std::string_view text;
};

constexpr std::array kErrorTable = {
#define CW_ERROR(code, name, text) ErrorRow{ErrorCode::name, #name, text},
#include "errors.def"
#undef CW_ERROR
};

const ErrorRow* find_row(ErrorCode code) {
  for (const auto& row : kErrorTable) {
    if (row.code == code) return &row;
  }
  return nullptr;
}

std::string param_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::string_view error_name(ErrorCode code) {
  const auto* row = find_row(code);
  return row != nullptr ? row->name : "UNKNOWN";
}

std::string_view error_template(ErrorCode code) {
  const auto* row = find_row(code);
  return row != nullptr ? row->text : "Unknown error";
}

Error Error::make(ErrorCode code, nlohmann::json params) {
  if (!params.is_object()) params = nlohmann::json::object();
  const std::string_view tmpl = error_template(code);
  std::string message;
  message.reserve(tmpl.size() + 32);
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{') {
      const auto close = tmpl.find('}', i);
      if (close != std::string_view::npos) {
        const std::string key(tmpl.substr(i + 1, close - i - 1));
        auto it = params.find(key);
        message += it != params.end() ? param_text(*it) : "?";
        i = close;
        continue;
      }
    }
    message += tmpl[i];
  }
  return Error{code, std::move(message), std::move(params)};
}

nlohmann::json Error::to_json() const {
  return nlohmann::json{{"code", static_cast<int>(code)},
                        {"name", std::string(error_name(code))},
                        {"message", message},
                        {"params", params.is_object() ? params : nlohmann::json::object()}};
}

std::string Error::to_string() const {
  return "[" + std::string(error_name(code)) + "] " + message;
}

}  // namespace cw
