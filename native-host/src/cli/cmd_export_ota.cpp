// clausewatch export-ota DIR: writes every archived sighting back in Open Terms Archive's layout
// (<service>/<terms type>/<date>.md); an import followed by an export gives the same files back.
#include "archive/ota_dataset.h"
#include "archive/service.h"
#include "cli/archive_output.h"

namespace cw::cli {

void register_export_ota(CLI::App& app, CliState& state) {
  auto* cmd =
      app.add_subcommand("export-ota", "Write every archived sighting as an OTA dataset folder");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("dir", *dir, "A new or empty folder")->required();
  cmd->callback([&state, dir] {
    auto archive = archive::archive_for(*state.ctx);
    if (!archive) {
      state.exit_code = report_error(archive.error());
      return;
    }
    auto written = archive::export_ota(**archive, *dir);
    if (!written) {
      state.exit_code = report_error(written.error());
      return;
    }
    std::cout << "wrote " << *written << " files to " << *dir << '\n';
  });
}

}  // namespace cw::cli
