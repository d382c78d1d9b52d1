// clausewatch import FILE: imports a sealed export (clausewatch export --sealed) in one
// transaction; a wrong passphrase or a damaged file changes nothing.
#include <iostream>

#include "cli/commands.h"
#include "cli/secret_input.h"
#include "sync/engine.h"
#include "sync/service.h"

namespace cw::cli {

void register_import(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand("import",
                                 "Import a sealed export into the archive (all of it or nothing)");
  struct Options {
    std::string file, passphrase_file;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("file", o->file, "The sealed export")->required();
  cmd->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from this file");
  cmd->add_flag("--json", o->json, "Print the result as JSON");
  cmd->callback([&state, o] {
    auto store = sync::sync_store_for(*state.ctx);
    if (!store) {
      state.exit_code = report_error(store.error());
      return;
    }
    auto pass =
        read_secret(o->passphrase_file, "CLAUSEWATCH_PASSPHRASE", "Passphrase of the export");
    if (!pass) {
      state.exit_code = report_error(pass.error());
      return;
    }
    auto r = sync::import_sealed(**store, o->file, *pass);
    if (!r) {
      state.exit_code = report_error(r.error());
      return;
    }
    if (o->json) {
      std::cout << r->dump(2) << '\n';
    } else {
      std::cout << "imported " << o->file << ": " << r->at("added").dump() << " new of "
                << r->at("records").dump() << " records, signed by "
                << r->at("signed_by").get<std::string>() << '\n';
    }
  });
}

}  // namespace cw::cli
