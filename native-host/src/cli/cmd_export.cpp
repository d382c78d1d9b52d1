// clausewatch export --sealed FILE: the whole archive as one encrypted, signed file, for backups
// and evidence. The passphrase comes from --passphrase-file, $CLAUSEWATCH_PASSPHRASE or a prompt.
#include "cli/commands.h"
#include "cli/sealed_file.h"

namespace cw::cli {

void register_export(CLI::App& app, CliState& state) {
  register_sealed_file_command(
      app, state,
      {"export", "Write the whole archive to one sealed (encrypted, signed) file", "--sealed",
       "The file to write", "Passphrase for the export",
       [](sync::SyncStore& store, const std::string& file, const std::string& passphrase) {
         return sync::export_sealed(store, file, passphrase);
       },
       [](const std::string& file, const nlohmann::json& r) {
         return "wrote " + file + ": " + r.at("records").dump() + " records, " +
                r.at("bytes").dump() + " bytes, signed by device key " +
                r.at("signer").get<std::string>();
       }});
}

}  // namespace cw::cli
