// clausewatch changes [--service S] [--since DATE] [--json]: change records in the user's rights
// (archive.changes), newest first.
#include "cli/archive_output.h"

namespace cw::cli {
namespace {

void print_changes(const nlohmann::json& result) {
  for (const auto& c : result.at("changes")) {
    std::cout << str_or(c, "detected_at") << "  " << str_or(c, "service") << " / "
              << str_or(c, "terms_type") << "  (version " << num_str(c, "from_version") << " -> "
              << num_str(c, "to_version") << ")\n  " << str_or(c, "summary") << '\n';
    for (const auto& item : c.at("items")) {
      std::cout << "    [" << str_or(item, "severity") << "] " << str_or(item, "kind") << " "
                << str_or(item, "provision_id") << ": " << str_or(item, "summary") << '\n';
      if (item.at("before").is_string())
        std::cout << "      before: " << item.at("before").get<std::string>() << '\n';
      if (item.at("after").is_string())
        std::cout << "      after:  " << item.at("after").get<std::string>() << '\n';
    }
  }
  std::cout << result.at("total").dump() << " change record(s)";
  if (!result.at("next_offset").is_null())
    std::cout << "; next page: --offset " << result.at("next_offset").dump();
  std::cout << '\n';
}

}  // namespace

void register_changes(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand("changes", "List changes in your rights recorded in the archive");
  struct Options {
    std::string service, since;
    std::int64_t offset = 0, limit = 20;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--service,-s", o->service, "Only this service");
  cmd->add_option("--since", o->since, "Only changes detected on or after this date (YYYY-MM-DD)");
  cmd->add_option("--offset", o->offset, "Skip this many records");
  cmd->add_option("--limit", o->limit, "Records per page (at most 50)");
  cmd->add_flag("--json", o->json, "Print the archive.changes result as JSON");
  cmd->callback([&state, o] {
    nlohmann::json payload{{"offset", o->offset}, {"limit", o->limit}};
    if (!o->service.empty()) payload["service"] = o->service;
    if (!o->since.empty()) payload["since"] = o->since;
    auto result = run_action(state, "archive.changes", payload);
    if (!result) return;
    if (o->json) {
      std::cout << result->dump(2) << '\n';
    } else {
      print_changes(*result);
    }
  });
}

}  // namespace cw::cli
