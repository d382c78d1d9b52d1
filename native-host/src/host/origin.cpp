#include "host/origin.h"

#include <array>

#include "version.h"

namespace cw::host {

std::optional<std::string> caller_from_argv(std::span<const std::string_view> args) {
  // args excludes argv[0].
  for (const auto arg : args) {
    if (arg.starts_with("chrome-extension://")) return std::string(arg);
  }
  if (args.size() >= 2 && args[0].ends_with(".json") && !args[1].starts_with("-")) {
    return std::string(args[1]);
  }
  return std::nullopt;
}

bool is_allowed_caller(std::string_view caller) {
  const std::array<std::string_view, 2> allowed = {kChromiumOrigin, kGeckoId};
  for (const auto candidate : allowed) {
    if (caller == candidate) return true;
  }
  return false;
}

}  // namespace cw::host
