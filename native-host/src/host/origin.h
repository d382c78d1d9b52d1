// Who started the host. Chromium passes "chrome-extension://ID/" as argv[1] (Windows adds
// --parent-window=N); Firefox passes the host manifest's path and then the add-on id.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cw::host {

// The caller's origin (Chromium) or add-on id (Firefox), or nullopt if argv names neither.
std::optional<std::string> caller_from_argv(std::span<const std::string_view> args);

// True for the pinned ClauseWatch extension in Chromium-family browsers and in Firefox.
bool is_allowed_caller(std::string_view caller);

}  // namespace cw::host
