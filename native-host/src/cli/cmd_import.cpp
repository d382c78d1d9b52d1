// clausewatch import FILE: imports a sealed export (clausewatch export --sealed) in one
// transaction; a wrong passphrase or a damaged file changes nothing.
#include "cli/commands.h"
#include "cli/sealed_file.h"

namespace cw::cli {

void register_import(CLI::App& app, CliState& state) {
  register_sealed_file_command(
      app, state,
      {"import", "Import a sealed export into the archive (all of it or nothing)", "file",
       "The sealed export", "Passphrase of the export",
       [](sync::SyncStore& store, const std::string& file, const std::string& passphrase) {
         return sync::import_sealed(store, file, passphrase);
       },
       [](const std::string& file, const nlohmann::json& r) {
         return "imported " + file + ": " + r.at("added").dump() + " new of " +
                r.at("records").dump() + " records, signed by " +
                r.at("signed_by").get<std::string>();
       }});
}

}  // namespace cw::cli
