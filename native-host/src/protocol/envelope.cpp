#include "protocol/envelope.h"

#include "common/bounded_json.h"
#include "common/limits.h"

namespace cw {
namespace {

bool valid_id(const nlohmann::json& id) {
  if (id.is_number_integer()) return true;
  return id.is_string() && !id.get_ref<const std::string&>().empty() &&
         id.get_ref<const std::string&>().size() <= limits::kMaxRequestIdBytes;
}

Error envelope_error(const char* detail) {
  return Error::make(ErrorCode::INVALID_ENVELOPE, {{"detail", detail}});
}

}  // namespace

Expected<Request> parse_request(std::string_view body, nlohmann::json& id_out) {
  id_out = nullptr;
  auto parsed = parse_bounded_json(body);
  if (!parsed) return parsed.error();
  nlohmann::json& doc = parsed.value();
  if (!doc.is_object()) return envelope_error("the message must be a JSON object");

  auto id = doc.find("id");
  if (id == doc.end()) return envelope_error("'id' is missing");
  if (!valid_id(*id)) {
    return envelope_error("'id' must be an integer or a non-empty string of at most 256 bytes");
  }
  id_out = *id;

  auto type = doc.find("type");
  if (type == doc.end()) return envelope_error("'type' is missing");
  if (!type->is_string() || type->get_ref<const std::string&>().empty() ||
      type->get_ref<const std::string&>().size() > limits::kMaxTypeBytes) {
    return envelope_error("'type' must be a non-empty string of at most 64 bytes");
  }

  Request request;
  request.id = *id;
  request.type = type->get<std::string>();
  auto payload = doc.find("payload");
  if (payload == doc.end() || payload->is_null()) {
    request.payload = nlohmann::json::object();
  } else if (payload->is_object()) {
    request.payload = std::move(*payload);
  } else {
    return envelope_error("'payload' must be an object");
  }
  return request;
}

nlohmann::json make_ok_reply(const nlohmann::json& id, nlohmann::json result) {
  return nlohmann::json{{"id", id}, {"ok", true}, {"result", std::move(result)}};
}

nlohmann::json make_error_reply(const nlohmann::json& id, const Error& error) {
  return nlohmann::json{{"id", id}, {"ok", false}, {"error", error.to_json()}};
}

std::string serialize_reply(const nlohmann::json& reply) {
  // Replace invalid UTF-8 rather than throw: quotes come from pages and must never kill the host.
  std::string text = reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() <= limits::kMaxOutboundFrameBytes) return text;
  const auto error =
      Error::make(ErrorCode::REPLY_TOO_LARGE,
                  {{"bytes", text.size()}, {"limit", limits::kMaxOutboundFrameBytes}});
  return make_error_reply(reply.value("id", nlohmann::json()), error).dump();
}

}  // namespace cw
