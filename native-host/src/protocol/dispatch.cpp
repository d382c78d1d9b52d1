#include "protocol/dispatch.h"

#include <exception>

#include "protocol/envelope.h"

namespace cw {

const ActionSpec* find_action(std::string_view type) {
  for (const auto& spec : action_table()) {
    if (spec.type == type) return &spec;
  }
  return nullptr;
}

std::string handle_message(std::string_view body, ActionContext& ctx) {
  nlohmann::json id;
  auto request = parse_request(body, id);
  if (!request) return serialize_reply(make_error_reply(id, request.error()));

  const ActionSpec* spec = find_action(request->type);
  if (spec == nullptr) {
    return serialize_reply(
        make_error_reply(id, Error::make(ErrorCode::UNKNOWN_TYPE, {{"type", request->type}})));
  }
  try {
    auto result = spec->handler(request->payload, ctx);
    if (!result) return serialize_reply(make_error_reply(id, result.error()));
    return serialize_reply(make_ok_reply(id, std::move(result.value())));
  } catch (const std::exception& e) {
    return serialize_reply(
        make_error_reply(id, Error::make(ErrorCode::INTERNAL, {{"detail", e.what()}})));
  } catch (...) {
    return serialize_reply(
        make_error_reply(id, Error::make(ErrorCode::INTERNAL, {{"detail", "unknown exception"}})));
  }
}

std::string error_reply_text(const Error& error) {
  return serialize_reply(make_error_reply(nullptr, error));
}

}  // namespace cw
