// The dispatch table: one row per message type, one source file per action (src/actions/).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/context.h"
#include "protocol/errors.h"

namespace cw {

// An action gets the request payload (always an object) and returns its result or an Error.
using ActionHandler = Expected<nlohmann::json> (*)(const nlohmann::json& payload,
                                                   ActionContext& ctx);

struct ActionSpec {
  std::string_view type;  // "page.analyze"
  ActionHandler handler;
  std::string_view summary;  // one line, for `clausewatch-host --list-types`
};

// Every message type the host understands (src/actions/registry.cpp).
std::span<const ActionSpec> action_table();
const ActionSpec* find_action(std::string_view type);

// Parses a frame body, runs its action and returns the serialised reply (at most 1 MiB).
// Never throws: an exception from an action becomes an INTERNAL error reply.
std::string handle_message(std::string_view body, ActionContext& ctx);

// The serialised error reply for a failure before any request could be parsed.
std::string error_reply_text(const Error& error);

}  // namespace cw
