#include "cli/sealed_file.h"

#include <iostream>
#include <memory>
#include <utility>

#include "cli/secret_input.h"
#include "sync/service.h"

namespace cw::cli {

void register_sealed_file_command(CLI::App& app, CliState& state, SealedFileCommand command) {
  auto* cmd = app.add_subcommand(command.name, command.description);
  struct Options {
    std::string file, passphrase_file;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option(command.file_option, o->file, command.file_help)->required();
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from this file");
  cmd->add_flag("--json", o->json, "Print the result as JSON");
  cmd->callback([&state, o, command = std::move(command)] {
    auto store = sync::sync_store_for(*state.ctx);
    if (!store) {
      state.exit_code = report_error(store.error());
      return;
    }
    auto pass =
        read_secret(o->passphrase_file, "CLAUSEWATCH_PASSPHRASE", command.passphrase_prompt);
    if (!pass) {
      state.exit_code = report_error(pass.error());
      return;
    }
    auto result = command.run(**store, o->file, *pass);
    if (!result) {
      state.exit_code = report_error(result.error());
      return;
    }
    if (o->json) {
      std::cout << result->dump(2) << '\n';
    } else {
      std::cout << command.summary(o->file, *result) << '\n';
    }
  });
}

}  // namespace cw::cli
