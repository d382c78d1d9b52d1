// clausewatch call TYPE [PAYLOAD]: runs one protocol action in-process, exactly as the host would,
// and prints the reply envelope. Useful for scripting and for reproducing what the extension sees.
#include <iostream>

#include "cli/commands.h"
#include "protocol/dispatch.h"

namespace cw::cli {

void register_call(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand("call", "Run one protocol message in-process and print the reply");
  auto type = std::make_shared<std::string>();
  auto payload = std::make_shared<std::string>("{}");
  cmd->add_option("type", *type, "Message type, e.g. ping")->required();
  cmd->add_option("payload", *payload, "Payload as a JSON object");
  cmd->callback([&state, type, payload] {
    nlohmann::json request{{"id", 1}, {"type", *type}};
    auto parsed = nlohmann::json::parse(*payload, nullptr, false);
    if (parsed.is_discarded()) {
      state.exit_code =
          report_error(Error::make(ErrorCode::USAGE, {{"detail", "payload is not valid JSON"}}));
      return;
    }
    request["payload"] = parsed;
    const std::string reply = handle_message(request.dump(), *state.ctx);
    std::cout << reply << '\n';
    state.exit_code = nlohmann::json::parse(reply).value("ok", false) ? 0 : 1;
  });
}

}  // namespace cw::cli
