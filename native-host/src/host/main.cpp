// clausewatch-host: the native-messaging host the browser starts. It reads frames from stdin,
// answers each on stdout, and exits when stdin ends (Chromium kills a lingering host 2 s later).
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/allocator.h"
#include "common/paths.h"
#include "framing/frame.h"
#include "host/origin.h"
#include "protocol/dispatch.h"
#include "version.h"

namespace {

int serve(cw::ActionContext& ctx, bool caller_allowed, const std::string& caller) {
  auto reader = cw::framing::FrameReader(cw::framing::fd_reader(0));
  auto write = cw::framing::fd_writer(1);
  for (;;) {
    auto frame = reader.next();
    std::string reply;
    bool stop = false;
    switch (frame.status) {
      case cw::framing::ReadStatus::kEof:
        return 0;
      case cw::framing::ReadStatus::kFrame:
        if (caller_allowed) {
          reply = cw::handle_message(frame.body, ctx);
        } else {
          // Answer once, so the extension can show why, then leave.
          reply = cw::error_reply_text(
              cw::Error::make(cw::ErrorCode::ORIGIN_NOT_ALLOWED, {{"origin", caller}}));
          stop = true;
        }
        break;
      case cw::framing::ReadStatus::kEmpty:
      case cw::framing::ReadStatus::kTooLarge:
        reply = cw::error_reply_text(
            cw::framing::frame_error(frame, cw::limits::kMaxInboundFrameBytes));
        break;
      case cw::framing::ReadStatus::kTruncatedHeader:
      case cw::framing::ReadStatus::kTruncatedBody:
      case cw::framing::ReadStatus::kIoError:
        // The stream cannot be resynchronised: say why on stderr and leave cleanly.
        std::cerr << "clausewatch-host: "
                  << cw::framing::frame_error(frame, cw::limits::kMaxInboundFrameBytes).to_string()
                  << '\n';
        return 0;
    }
    auto encoded = cw::framing::encode_frame(reply);
    if (!encoded || !write(encoded.value())) return 0;  // the browser went away
    if (stop) return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is reported by write(), not by a signal
  (void)cw::keep_freed_memory_for_reuse();
  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (const auto arg : args) {
    if (arg == "--version") {
      std::cout << "clausewatch-host " << cw::kVersion << " (protocol " << cw::kProtocolVersion
                << ")\n";
      return 0;
    }
    if (arg == "--list-types") {
      for (const auto& spec : cw::action_table())
        std::cout << spec.type << "\t" << spec.summary << '\n';
      return 0;
    }
  }
  const auto caller = cw::host::caller_from_argv(args);
  const bool allowed = caller.has_value() && cw::host::is_allowed_caller(*caller);
  if (!allowed) {
    std::cerr << "clausewatch-host: refusing caller '" << caller.value_or("(none)")
              << "': only the ClauseWatch extension may start this host\n";
  }
  cw::ActionContext ctx(cw::HostConfig{cw::data_dir(), caller.value_or(""), "browser"});
  return serve(ctx, allowed, caller.value_or("(none)"));
}
