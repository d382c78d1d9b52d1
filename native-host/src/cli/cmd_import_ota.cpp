// clausewatch import-ota PATH: records an Open Terms Archive dataset (folder, .zip, .tar.zst) into
// the archive. Idempotent and resumable; a progress bar on a terminal.
#include <cstdio>
#include <unistd.h>

#include "archive/ota_dataset.h"
#include "archive/service.h"
#include "cli/archive_output.h"
#include "engine/pack_store.h"

namespace cw::cli {

void register_import_ota(CLI::App& app, CliState& state) {
  auto* cmd =
      app.add_subcommand("import-ota", "Import an Open Terms Archive dataset into the archive");
  struct Options {
    std::string path;
    bool json = false, log_commits = false, no_analyze = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("path", o->path, "Dataset folder, .zip or .tar.zst (<service>/<type>/<date>.md)")
      ->required();
  cmd->add_flag("--json", o->json, "Print the import statistics as JSON");
  cmd->add_flag("--no-analyze", o->no_analyze,
                "Do not find provisions (faster; change records then list no provision changes)");
  cmd->add_flag("--log-commits", o->log_commits,
                "Print one line per committed sighting on stdout (for scripts and tests)");
  cmd->callback([&state, o] {
    auto archive = archive::archive_for(*state.ctx);
    if (!archive) {
      state.exit_code = report_error(archive.error());
      return;
    }
    archive::ImportOptions options;
    if (isatty(STDERR_FILENO) != 0) {
      options.progress = [last = -1](std::int64_t done, std::int64_t total,
                                     std::string_view doc) mutable {
        const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
        if (percent == last && done != total) return;
        last = percent;
        const int filled = percent * 30 / 100;
        std::fprintf(stderr, "\r[%.*s%*s] %3d%% %lld/%lld %-40.40s", filled,
                     "##############################", 30 - filled, "", percent,
                     static_cast<long long>(done), static_cast<long long>(total),
                     std::string(doc).c_str());
        if (done == total) std::fputc('\n', stderr);
      };
    }
    if (!o->no_analyze) {
      // Each new version is analysed with the rule pack in force, as page.analyze would.
      auto pack = engine::active_pack_for(*state.ctx);
      if (!pack) {
        state.exit_code = report_error(pack.error());
        return;
      }
      const engine::Engine* rules = &(*pack)->engine;
      options.analyze =
          [rules](std::string_view text,
                  std::string_view terms_type) -> std::optional<std::vector<engine::Finding>> {
        auto found = rules->analyze_text(text, terms_type);
        if (!found) return std::nullopt;
        return std::move(*found);
      };
    }
    if (o->log_commits) {
      options.committed = [](const archive::OtaEntry& entry, const archive::RecordResult& r) {
        std::printf("committed %lld %s\n", static_cast<long long>(r.version_id),
                    entry.path.c_str());
        std::fflush(stdout);
      };
    }
    auto stats = archive::import_ota(**archive, o->path, options);
    if (!stats) {
      state.exit_code = report_error(stats.error());
      return;
    }
    const nlohmann::json j{{"files", stats->files},
                           {"recorded", stats->recorded},
                           {"skipped", stats->skipped},
                           {"new_versions", stats->new_versions},
                           {"meaningful", stats->meaningful}};
    if (o->json) {
      std::cout << j.dump() << '\n';
    } else {
      std::cout << "imported " << stats->recorded << " of " << stats->files << " files ("
                << stats->skipped << " already archived): " << stats->new_versions
                << " new versions, " << stats->meaningful << " meaningful\n";
    }
  });
}

}  // namespace cw::cli
