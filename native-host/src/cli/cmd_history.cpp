// clausewatch history [--service S] [--type T] [--document ID] [--meaningful] [--json]:
// the versions of a document or service (archive.history); without a filter, the documents.
#include <iomanip>

#include "cli/archive_output.h"

namespace cw::cli {
namespace {

void print_history(const nlohmann::json& result) {
  const auto& versions = result.at("versions");
  if (versions.empty()) {
    std::cout
        << "service / document                                  versions  changes  last seen\n";
    for (const auto& d : result.at("documents")) {
      const std::string name =
          str_or(d, "service") + " / " + str_or(d, "terms_type") +
          (str_or(d, "variant").empty() ? "" : " (" + str_or(d, "variant") + ")");
      std::cout << std::left << std::setw(52) << name << std::right << std::setw(8)
                << num_str(d, "versions") << std::setw(9) << num_str(d, "meaningful_versions")
                << "  " << str_or(d, "last_seen") << "  [document " << num_str(d, "id") << "]\n";
    }
    return;
  }
  for (const auto& d : result.at("documents")) {
    std::cout << str_or(d, "service") << " / " << str_or(d, "terms_type") << "  [document "
              << num_str(d, "id") << ", " << num_str(d, "versions") << " versions, "
              << num_str(d, "meaningful_versions") << " meaningful]\n";
  }
  std::cout << "version  first seen             verdict       seen  bytes    findings  hash\n";
  for (const auto& v : versions) {
    std::cout << std::left << std::setw(9) << num_str(v, "id") << std::setw(23)
              << str_or(v, "first_seen") << std::setw(14) << str_or(v, "verdict") << std::setw(6)
              << num_str(v, "times_seen") << std::setw(9) << num_str(v, "bytes") << std::setw(10)
              << num_str(v, "findings") << str_or(v, "hash").substr(0, 16) << '\n';
  }
  if (!result.at("next_offset").is_null()) {
    std::cout << "(" << result.at("total").dump() << " in all; next page: --offset "
              << result.at("next_offset").dump() << ")\n";
  }
}

}  // namespace

void register_history(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand("history", "List the archived versions of a document or service");
  struct Options {
    std::string service, terms_type;
    std::int64_t document_id = 0, offset = 0, limit = 100;
    bool meaningful = false, json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--service,-s", o->service, "Service name, e.g. ChatGPT");
  cmd->add_option("--type,-t", o->terms_type, "Document type, e.g. \"Terms of Service\"");
  cmd->add_option("--document,-d", o->document_id, "Document id (from `clausewatch history`)");
  cmd->add_flag("--meaningful", o->meaningful, "Only versions that are meaningful changes");
  cmd->add_option("--offset", o->offset, "Skip this many versions");
  cmd->add_option("--limit", o->limit, "Versions per page (at most 500)");
  cmd->add_flag("--json", o->json, "Print the archive.history result as JSON");
  cmd->callback([&state, o] {
    nlohmann::json payload{
        {"offset", o->offset}, {"limit", o->limit}, {"meaningful_only", o->meaningful}};
    if (!o->service.empty()) payload["service"] = o->service;
    if (!o->terms_type.empty()) payload["terms_type"] = o->terms_type;
    if (o->document_id != 0) payload["document_id"] = o->document_id;
    auto result = run_action(state, "archive.history", payload);
    if (!result) return;
    if (o->json) {
      std::cout << result->dump(2) << '\n';
    } else {
      print_history(*result);
    }
  });
}

}  // namespace cw::cli
