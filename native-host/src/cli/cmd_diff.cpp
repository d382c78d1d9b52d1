// clausewatch diff A B [--all] [--json]: what changed between two archived versions (archive.diff).
#include "cli/archive_output.h"

namespace cw::cli {
namespace {

void print_diff(const nlohmann::json& result) {
  const auto& stats = result.at("stats");
  std::cout << "version " << num_str(result.at("from"), "id") << " ("
            << str_or(result.at("from"), "first_seen") << ") -> version "
            << num_str(result.at("to"), "id") << " (" << str_or(result.at("to"), "first_seen")
            << "): " << num_str(stats, "changed") << " changed, " << num_str(stats, "added")
            << " added, " << num_str(stats, "removed") << " removed blocks\n";
  const auto& change = result.at("change");
  if (change.is_object()) {
    std::cout << "change: " << str_or(change, "summary") << '\n';
    for (const auto& item : change.at("items")) {
      std::cout << "  [" << str_or(item, "severity") << "] " << str_or(item, "summary") << '\n';
    }
  }
  for (const auto& block : result.at("blocks")) {
    const std::string kind = str_or(block, "kind");
    if (kind == "unchanged") {
      std::cout << "  " << str_or(block, "text") << '\n';
    } else if (kind == "added") {
      std::cout << "+ " << str_or(block, "after") << '\n';
    } else if (kind == "removed") {
      std::cout << "- " << str_or(block, "before") << '\n';
    } else {
      std::cout << "~ ";
      for (const auto& w : block.at("words")) {
        const std::string op = str_or(w, "op");
        if (op == "same") {
          std::cout << str_or(w, "text");
        } else if (op == "added") {
          std::cout << "{+" << str_or(w, "text") << "+}";
        } else {
          std::cout << "[-" << str_or(w, "text") << "-]";
        }
      }
      std::cout << '\n';
    }
  }
  if (!result.at("next_offset").is_null()) {
    std::cout << "(more: --offset " << result.at("next_offset").dump() << ")\n";
  }
}

}  // namespace

void register_diff(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand("diff", "Show what changed between two archived versions");
  struct Options {
    std::int64_t from = 0, to = 0, offset = 0;
    bool all = false, json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("from", o->from, "The older version id (see `clausewatch history`)")->required();
  cmd->add_option("to", o->to, "The newer version id")->required();
  cmd->add_option("--offset", o->offset, "Skip this many blocks (paging)");
  cmd->add_flag("--all", o->all, "Also print unchanged blocks");
  cmd->add_flag("--json", o->json, "Print the archive.diff result as JSON");
  cmd->callback([&state, o] {
    nlohmann::json payload{
        {"from", o->from}, {"to", o->to}, {"offset", o->offset}, {"include_unchanged", o->all}};
    auto result = run_action(state, "archive.diff", payload);
    if (!result) return;
    if (o->json) {
      std::cout << result->dump(2) << '\n';
    } else {
      print_diff(*result);
    }
  });
}

}  // namespace cw::cli
