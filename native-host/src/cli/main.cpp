// clausewatch: the command-line front end on the same library and actions as the host.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/paths.h"

int main(int argc, char** argv) {
  CLI::App app{
      "ClauseWatch: know what you agree to. Checks terms, archives versions, explains changes."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "clausewatch " CW_VERSION_STRING);
  cw::ActionContext ctx(cw::HostConfig{cw::data_dir(), "cli", "import"});
  cw::cli::CliState state{&ctx, 0};
  for (auto register_command : cw::cli::command_table()) register_command(app, state);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return state.exit_code;
}
