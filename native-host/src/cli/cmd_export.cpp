// clausewatch export --sealed FILE: the whole archive as one encrypted, signed file, for backups
// and evidence. The passphrase comes from --passphrase-file, $CLAUSEWATCH_PASSPHRASE or a prompt.
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/secret_input.h"
#include "sync/engine.h"
#include "sync/service.h"

namespace cw::cli {

void register_export(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand("export",
                                 "Write the whole archive to one sealed (encrypted, signed) file");
  struct Options {
    std::string file, passphrase_file;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--sealed", o->file, "The file to write")->required();
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from this file");
  cmd->add_flag("--json", o->json, "Print the result as JSON");
  cmd->callback([&state, o] {
    auto store = sync::sync_store_for(*state.ctx);
    if (!store) {
      state.exit_code = report_error(store.error());
      return;
    }
    auto pass =
        read_secret(o->passphrase_file, "CLAUSEWATCH_PASSPHRASE", "Passphrase for the export");
    if (!pass) {
      state.exit_code = report_error(pass.error());
      return;
    }
    auto r = sync::export_sealed(**store, o->file, *pass);
    if (!r) {
      state.exit_code = report_error(r.error());
      return;
    }
    if (o->json) {
      std::cout << r->dump(2) << '\n';
    } else {
      std::cout << "wrote " << o->file << ": " << r->at("records").dump() << " records, "
                << r->at("bytes").dump() << " bytes, signed by device key "
                << r->at("signer").get<std::string>() << '\n';
    }
  });
}

}  // namespace cw::cli
