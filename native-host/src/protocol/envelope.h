// The request and reply envelopes (PROTOCOL.md, "Envelope").
//   request: {id, type, payload}
//   reply:   {id, ok: true, result} | {id, ok: false, error: {code, name, message, params}}
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/errors.h"

namespace cw {

struct Request {
  nlohmann::json id;  // a string or an integer, echoed back
  std::string type;
  nlohmann::json payload;  // always an object
};

// Parses a frame body into a request. On failure `id_out` holds the request's id when it could be
// read (so the error reply can carry it), else null.
Expected<Request> parse_request(std::string_view body, nlohmann::json& id_out);

nlohmann::json make_ok_reply(const nlohmann::json& id, nlohmann::json result);
nlohmann::json make_error_reply(const nlohmann::json& id, const Error& error);

// Exactly nlohmann/json's dump(-1, ' ', false, replace): compact, UTF-8 kept, invalid UTF-8
// replaced. Written in one pass (runs of plain bytes copied whole) unless the value holds a float,
// binary or invalid UTF-8, which go to nlohmann/json.
std::string dump_compact(const nlohmann::json& value);

// Serialises a reply. A reply over the outbound limit becomes a REPLY_TOO_LARGE error reply.
std::string serialize_reply(const nlohmann::json& reply);

}  // namespace cw
