#include <iostream>

#include "cli/commands.h"
#include "version.h"

namespace cw::cli {

void register_version(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand("version", "Print the version");
  cmd->callback([&state] {
    std::cout << "clausewatch " << kVersion << " (protocol " << kProtocolVersion << ")\n";
    state.exit_code = 0;
  });
}

}  // namespace cw::cli
