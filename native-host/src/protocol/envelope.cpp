#include "protocol/envelope.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

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

// Appends `text` as a JSON string the way nlohmann/json's dump does with ensure_ascii off: only
// '"', '\\' and control characters are escaped, runs of other bytes are copied whole. False if
// `text` is not valid UTF-8 (checked in the same walk).
bool append_string(std::string_view text, std::string& out) {
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    while (text.size() - i >= 8 && plain_ascii8(text.data() + i)) i += 8;
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) return false;
      i += n - 1;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        constexpr char kHex[] = "0123456789abcdef";
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
  return true;
}

// False when the value holds what is left to nlohmann/json: a float (its shortest round-trip
// form), binary, or a string that is not valid UTF-8 (replaced by U+FFFD there).
bool append_compact(const nlohmann::json& value, std::string& out) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        if (!append_string(key, out)) return false;
        out.push_back(':');
        if (!append_compact(member, out)) return false;
      }
      out.push_back('}');
      return true;
    }
    case nlohmann::json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value.get_ref<const nlohmann::json::array_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        if (!append_compact(item, out)) return false;
      }
      out.push_back(']');
      return true;
    }
    case nlohmann::json::value_t::string: {
      return append_string(value.get_ref<const std::string&>(), out);
    }
    case nlohmann::json::value_t::boolean:
      out.append(value.get<bool>() ? "true" : "false");
      return true;
    case nlohmann::json::value_t::null:
      out.append("null");
      return true;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: {
      std::array<char, 24> digits{};
      const auto end = value.is_number_unsigned()
                           ? std::to_chars(digits.data(), digits.data() + digits.size(),
                                           value.get<std::uint64_t>())
                           : std::to_chars(digits.data(), digits.data() + digits.size(),
                                           value.get<std::int64_t>());
      out.append(digits.data(), end.ptr);
      return true;
    }
    default:
      return false;
  }
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

std::string dump_compact(const nlohmann::json& value) {
  std::string text;
  if (append_compact(value, text)) return text;
  // Replace invalid UTF-8 rather than throw: quotes come from pages and must never kill the host.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string serialize_reply(const nlohmann::json& reply) {
  std::string text = dump_compact(reply);
  if (text.size() <= limits::kMaxOutboundFrameBytes) return text;
  const auto error =
      Error::make(ErrorCode::REPLY_TOO_LARGE,
                  {{"bytes", text.size()}, {"limit", limits::kMaxOutboundFrameBytes}});
  return make_error_reply(reply.value("id", nlohmann::json()), error).dump();
}

}  // namespace cw
