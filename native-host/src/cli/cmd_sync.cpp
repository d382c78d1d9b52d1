// clausewatch sync init|join|run|status|revoke --folder DIR: end-to-end encrypted sync through a
// folder that Syncthing, Nextcloud, Dropbox or a USB stick moves between machines. The passphrase
// comes from --passphrase-file, $CLAUSEWATCH_PASSPHRASE or a prompt; a recovery code likewise from
// --recovery-code-file, $CLAUSEWATCH_RECOVERY_CODE or a prompt.
#include <fstream>
#include <iostream>
#include <unistd.h>
#include <utility>

#include "cli/commands.h"
#include "cli/secret_input.h"
#include "sync/engine.h"
#include "sync/service.h"

namespace cw::cli {
namespace {

// The recovery code (from its file, $CLAUSEWATCH_RECOVERY_CODE or a prompt) when `recovery`, else
// the passphrase (from its file, $CLAUSEWATCH_PASSPHRASE or a prompt).
Expected<sync::Secret> read_sync_secret(bool recovery, const std::string& recovery_file,
                                        const std::string& passphrase_file) {
  auto text = recovery ? read_secret(recovery_file, "CLAUSEWATCH_RECOVERY_CODE", "Recovery code")
                       : read_secret(passphrase_file, "CLAUSEWATCH_PASSPHRASE", "Sync passphrase");
  if (!text) return text.error();
  return sync::Secret{
      recovery ? sync::Secret::Kind::kRecoveryCode : sync::Secret::Kind::kPassphrase,
      std::move(*text)};
}

void print_report(const nlohmann::json& r) {
  for (const auto& i : r.at("imported")) {
    std::cout << "imported  " << i.at("file").get<std::string>() << " from "
              << i.value("device_name", "?") << ": " << i.at("added").dump() << " new of "
              << i.at("records").dump() << " records\n";
  }
  for (const auto& p : r.at("published")) {
    std::cout << "published " << p.at("file").get<std::string>() << ": " << p.at("records").dump()
              << " records, " << p.at("bytes").dump() << " bytes\n";
  }
  for (const auto& p : r.at("pending")) {
    std::cout << "pending   " << p.at("file").get<std::string>() << ": "
              << p.at("reason").get<std::string>() << '\n';
  }
  for (const auto& p : r.at("skipped")) {
    std::cout << "skipped   " << p.at("file").get<std::string>() << ": "
              << p.at("reason").get<std::string>() << '\n';
  }
  for (const auto& p : r.at("refused")) {
    std::cout << "REFUSED   " << p.at("error").at("message").get<std::string>() << '\n';
  }
  if (!r.at("compacted").is_null()) {
    std::cout << "compacted " << r["compacted"].at("files_folded").dump() << " bundles into "
              << r["compacted"].at("snapshot").get<std::string>() << '\n';
  }
  for (const auto& p : r.at("problems")) std::cout << "problem   " << p.get<std::string>() << '\n';
  if (r.at("imported").empty() && r.at("published").empty() && r.at("refused").empty()) {
    std::cout << "up to date\n";
  }
}

void print_status(const nlohmann::json& s) {
  if (!s.at("configured").get<bool>()) {
    std::cout << "sync is not set up; run: clausewatch sync init --folder DIR\n";
    return;
  }
  std::cout << "folder  " << s.at("folder").get<std::string>()
            << (s.value("folder_available", false) ? "" : "  (NOT AVAILABLE)") << '\n';
  std::cout << "device  " << s.at("device_name").get<std::string>() << " ("
            << s.at("device").get<std::string>() << ")\n";
  for (const auto& d : s.at("devices")) {
    std::cout << (d.at("this_device").get<bool>() ? "  * " : "    ")
              << d.at("name").get<std::string>() << (d.value("revoked", false) ? "  (REVOKED)" : "")
              << "  bundles up to " << d.at("latest_seq").dump() << ", "
              << (d.at("this_device").get<bool>() ? std::string("this device")
                                                  : d.at("behind").dump() + " not yet imported")
              << '\n';
  }
  if (s.contains("folder_error"))
    std::cout << "error   " << s["folder_error"].at("message").get<std::string>() << '\n';
}

}  // namespace

void register_sync(CLI::App& app, CliState& state) {
  auto* sync =
      app.add_subcommand("sync", "End-to-end encrypted sync of the archive through a folder");
  sync->require_subcommand(1);
  struct Options {
    std::string folder, passphrase_file, recovery_file, name, device;
    bool no_passphrase = false, recovery = false, compact = false, json = false;
  };
  auto o = std::make_shared<Options>();
  char host[256] = "this device";
  ::gethostname(host, sizeof host - 1);
  o->name = host;

  auto with_store = [&state](const std::function<void(sync::SyncStore&)>& body) {
    auto store = sync::sync_store_for(*state.ctx);
    if (!store) {
      state.exit_code = report_error(store.error());
      return;
    }
    body(**store);
  };
  auto print_json_or = [o](const nlohmann::json& j, const std::function<void()>& human) {
    if (o->json) {
      std::cout << j.dump(2) << '\n';
    } else {
      human();
    }
  };

  auto* init =
      sync->add_subcommand("init", "Create a sync folder for this archive and enrol this device");
  init->add_option("--folder", o->folder, "The folder to sync through")->required();
  init->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from this file");
  init->add_flag("--no-passphrase", o->no_passphrase,
                 "Only the recovery code will open the folder");
  init->add_option("--name", o->name, "This device's name, shown to the others");
  init->add_flag("--json", o->json, "Print the result as JSON");
  init->callback([&state, o, with_store, print_json_or] {
    with_store([&](sync::SyncStore& store) {
      sync::InitOptions options{std::nullopt, o->name, false};
      if (!o->no_passphrase) {
        auto pass =
            read_secret(o->passphrase_file, "CLAUSEWATCH_PASSPHRASE", "New sync passphrase");
        if (!pass) {
          state.exit_code = report_error(pass.error());
          return;
        }
        options.passphrase = *pass;
      }
      auto r = sync::sync_init(store, o->folder, options);
      if (!r) {
        state.exit_code = report_error(r.error());
        return;
      }
      const nlohmann::json j{{"folder_id", r->folder_id},
                             {"device", r->device_id},
                             {"recovery_code", r->recovery_code}};
      print_json_or(j, [&] {
        std::cout << "Sync folder created. Recovery code (shown once; keep it somewhere safe, it "
                     "opens the folder):\n\n  "
                  << r->recovery_code
                  << "\n\nOn another device: clausewatch sync join --folder <the same folder>\n";
      });
    });
  });

  auto* join = sync->add_subcommand("join", "Enrol this device in an existing sync folder");
  join->add_option("--folder", o->folder, "The sync folder")->required();
  join->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from this file");
  join->add_flag("--recovery-code", o->recovery, "Open the folder with its recovery code instead");
  join->add_option("--recovery-code-file", o->recovery_file,
                   "Read the recovery code from this file");
  join->add_option("--name", o->name, "This device's name, shown to the others");
  join->add_flag("--json", o->json, "Print the result as JSON");
  join->callback([&state, o, with_store, print_json_or] {
    with_store([&](sync::SyncStore& store) {
      const bool recovery =
          o->recovery || !o->recovery_file.empty() ||
          (o->passphrase_file.empty() && std::getenv("CLAUSEWATCH_PASSPHRASE") == nullptr &&
           std::getenv("CLAUSEWATCH_RECOVERY_CODE") != nullptr);
      auto secret = read_sync_secret(recovery, o->recovery_file, o->passphrase_file);
      if (!secret) {
        state.exit_code = report_error(secret.error());
        return;
      }
      auto r = sync::sync_join(store, o->folder, *secret, o->name);
      if (!r) {
        state.exit_code = report_error(r.error());
        return;
      }
      print_json_or(*r, [&] {
        std::cout << "Joined " << r->at("folder").get<std::string>() << " ("
                  << r->at("devices").dump() << " devices). Run: clausewatch sync run\n";
      });
    });
  });

  auto* run =
      sync->add_subcommand("run", "Import the other devices' bundles and publish what is new here");
  run->add_option("--folder", o->folder, "The sync folder (must be the configured one)");
  run->add_flag("--compact", o->compact, "Fold this device's bundles into one snapshot afterwards");
  run->add_flag("--json", o->json, "Print the sync.run result as JSON");
  run->callback([&state, o, with_store, print_json_or] {
    with_store([&](sync::SyncStore& store) {
      auto r = sync::sync_run(store, {o->compact});
      if (!r) {
        state.exit_code = report_error(r.error());
        return;
      }
      print_json_or(*r, [&] { print_report(*r); });
      // Refused bundles are errors the user must see; the rest of the sync still happened.
      if (!r->at("refused").empty()) {
        for (const auto& f : r->at("refused")) {
          std::cerr << "clausewatch: [" << f.at("error").at("name").get<std::string>() << "] "
                    << f.at("error").at("message").get<std::string>() << '\n';
        }
        state.exit_code = 1;
      }
    });
  });

  auto* revoke = sync->add_subcommand(
      "revoke", "Refuse a device's bundles from now on (needs the passphrase or recovery code)");
  revoke->add_option("--device", o->device, "The device id (see 'sync status')")->required();
  revoke->add_option("--passphrase-file", o->passphrase_file, "Read the passphrase from this file");
  revoke->add_flag("--recovery-code", o->recovery, "Prove it with the recovery code instead");
  revoke->add_option("--recovery-code-file", o->recovery_file,
                     "Read the recovery code from this file");
  revoke->add_flag("--json", o->json, "Print the result as JSON");
  revoke->callback([&state, o, with_store, print_json_or] {
    with_store([&](sync::SyncStore& store) {
      const bool recovery = o->recovery || !o->recovery_file.empty();
      auto secret = read_sync_secret(recovery, o->recovery_file, o->passphrase_file);
      if (!secret) {
        state.exit_code = report_error(secret.error());
        return;
      }
      auto r = sync::sync_revoke(store, *secret, o->device);
      if (!r) {
        state.exit_code = report_error(r.error());
        return;
      }
      print_json_or(*r, [&] {
        std::cout << "Revoked " << r->at("name").get<std::string>() << " (" << o->device
                  << "): bundles after " << r->at("after_seq").dump() << " will be refused\n";
      });
    });
  });

  auto* status = sync->add_subcommand("status", "Show the sync folder, devices and the last run");
  status->add_option("--folder", o->folder, "The sync folder (informational)");
  status->add_flag("--json", o->json, "Print the sync.status result as JSON");
  status->callback([&state, o, with_store, print_json_or] {
    with_store([&](sync::SyncStore& store) {
      auto r = sync::sync_status(store);
      if (!r) {
        state.exit_code = report_error(r.error());
        return;
      }
      print_json_or(*r, [&] { print_status(*r); });
    });
  });
}

}  // namespace cw::cli
