// Helpers shared by the archive subcommands (history, diff, changes): they run the same protocol
// action the extension calls, so `--json` prints exactly the records the protocol returns.
#pragma once

#include <iostream>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "protocol/dispatch.h"

namespace cw::cli {

// Runs action `type` in-process; on error reports it and sets the exit code, returning nullopt.
inline std::optional<nlohmann::json> run_action(CliState& state, std::string_view type,
                                                const nlohmann::json& payload) {
  const ActionSpec* spec = find_action(type);
  if (spec == nullptr) {
    state.exit_code =
        report_error(Error::make(ErrorCode::UNKNOWN_TYPE, {{"type", std::string(type)}}));
    return std::nullopt;
  }
  auto result = spec->handler(payload, *state.ctx);
  if (!result) {
    state.exit_code = report_error(result.error());
    return std::nullopt;
  }
  return std::move(*result);
}

inline std::string str_or(const nlohmann::json& j, const char* key, std::string fallback = {}) {
  auto it = j.find(key);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::move(fallback);
}

inline std::string num_str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_number()) ? it->dump() : "-";
}

}  // namespace cw::cli
