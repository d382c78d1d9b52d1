// Structured errors: a stable numeric code, a stable name, a human message and named parameters.
// Codes come from protocol/errors.def, the single table shared with the extension.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

namespace cw {

enum class ErrorCode : int {
#define CW_ERROR(code, name, text) name = (code),
#include "errors.def"
#undef CW_ERROR
};

// The stable name ("FRAME_TOO_LARGE") and the message template of a code.
std::string_view error_name(ErrorCode code);
std::string_view error_template(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::INTERNAL;
  std::string message;    // the template with params filled in
  nlohmann::json params;  // always an object

  // Builds an error whose message is the code's template with {name} replaced by params["name"].
  static Error make(ErrorCode code, nlohmann::json params = nlohmann::json::object());

  // {code, name, message, params}, the wire form inside a reply.
  [[nodiscard]] nlohmann::json to_json() const;
  // "[FRAME_TOO_LARGE] Frame of ... bytes ...", for logs and the CLI.
  [[nodiscard]] std::string to_string() const;
};

// A value or an Error, in the spirit of std::expected (C++23), which GCC 12 lacks in C++20 mode.
template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Expected(Error error)
      : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// For operations with no value.
struct Done {};
using Status = Expected<Done>;
inline Status ok_status() {
  return Status(Done{});
}

}  // namespace cw
