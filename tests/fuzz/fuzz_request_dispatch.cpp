// Fuzzes a whole request: envelope parsing and dispatch to every action, in-process, with the
// archive in a temporary CLAUSEWATCH_HOME. Whatever comes in, the reply is one JSON envelope of at
// most 1 MiB whose id is the request's id or null.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdlib.h>
#include <string>
#include <string_view>
#include <unistd.h>

#include "common/limits.h"
#include "protocol/dispatch.h"
#include "protocol/envelope.h"

namespace {
std::unique_ptr<cw::ActionContext> g_context;
std::filesystem::path g_home;

// Actions whose payload names files or folders could write anywhere a fuzzed path points; they get
// their own targets with a sandboxed folder instead.
bool touches_named_paths(std::string_view type) {
  return type.starts_with("sync.") || type.find("import") != std::string_view::npos ||
         type.find("export") != std::string_view::npos;
}

void remove_home() {
  std::error_code ignored;
  std::filesystem::remove_all(g_home, ignored);
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  std::string pattern = (std::filesystem::temp_directory_path() / "cw-fuzz-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  g_home = pattern;
  std::atexit(remove_home);
  ::setenv("CLAUSEWATCH_HOME", g_home.c_str(), 1);
  g_context = std::make_unique<cw::ActionContext>(
      cw::HostConfig{g_home, "chrome-extension://fuzz/", "browser"});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  nlohmann::json id;
  if (auto request = cw::parse_request(body, id); request && touches_named_paths(request->type)) {
    return 0;
  }
  const std::string reply = cw::handle_message(body, *g_context);
  if (reply.size() > cw::limits::kMaxOutboundFrameBytes) std::abort();
  const auto doc = nlohmann::json::parse(reply, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("id") || !doc.contains("ok"))
    std::abort();
  if (doc["ok"] == true) {
    if (!doc.contains("result")) std::abort();
  } else if (!doc.contains("error") || !doc["error"]["code"].is_number_integer()) {
    std::abort();
  }
  return 0;
}
