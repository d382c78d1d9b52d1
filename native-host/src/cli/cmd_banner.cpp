// clausewatch banner FILE.json [--json]: judges a saved cookie-banner snapshot, exactly as the
// host's banner.analyze does. FILE holds either the snapshot or a banner.analyze payload
// {"snapshot": ...}.
// clausewatch banner-history [SITE] [--json]: a site's banner observations and the changes where
// its banner got worse (archive.banner_changes).
#include <fstream>
#include <iostream>
#include <sstream>

#include "banner/judge.h"
#include "banner/observation.h"
#include "banner/rules.h"
#include "banner/snapshot.h"
#include "cli/archive_output.h"
#include "cli/commands.h"
#include "common/bounded_json.h"
#include "common/limits.h"

namespace cw::cli {
namespace {

Expected<nlohmann::json> read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Error::make(ErrorCode::IO_ERROR, {{"path", path}, {"detail", "cannot open"}});
  const auto size = static_cast<std::uint64_t>(in.tellg());
  if (size > limits::kMaxInboundFrameBytes) {
    return Error::make(ErrorCode::LIMIT_EXCEEDED, {{"what", "snapshot file " + path},
                                                   {"limit", limits::kMaxInboundFrameBytes}});
  }
  std::string text(size, '\0');
  in.seekg(0);
  in.read(text.data(), static_cast<std::streamsize>(size));
  return parse_bounded_json(text);
}

void print_text(const nlohmann::json& result) {
  if (!result.value("banner_found", false)) {
    std::cout << "No visible cookie banner in this snapshot.\n";
    return;
  }
  const auto& cmp = result["cmp"];
  std::cout << "Banner: " << cmp.value("name", "") << " (" << cmp.value("id", "") << ")\n";
  const auto& summary = result["summary"];
  std::cout << "First layer: accept " << (summary.value("first_layer_accept", false) ? "yes" : "no")
            << ", reject " << (summary.value("first_layer_reject", false) ? "yes" : "no") << '\n';
  const auto& findings = result["findings"];
  if (findings.empty()) {
    std::cout << "No problems found.\n";
    return;
  }
  for (const auto& f : findings) {
    std::cout << '\n'
              << f.value("criterion", "") << " [" << f.value("severity", "") << "] "
              << f.value("title", "") << '\n'
              << "  " << f.value("reason", "") << '\n'
              << "  Evidence: " << f.value("quote", "") << '\n'
              << "  Why it matters: " << f.value("explanation", "") << '\n';
    for (const auto& ref : f["references"]) {
      std::cout << "  See: " << ref.value("law", "")
                << (ref.value("article", "").empty() ? "" : " " + ref.value("article", "")) << '\n';
    }
  }
}

std::string join(const nlohmann::json& list) {
  std::string out;
  for (const auto& item : list) {
    if (!item.is_string()) continue;
    if (!out.empty()) out += ", ";
    out += item.get<std::string>();
  }
  return out.empty() ? "none" : out;
}

void print_history(const nlohmann::json& result) {
  // Changes first: they are what the user needs to know; then the visits behind them.
  const auto& changes = result.at("changes");
  if (changes.empty()) {
    std::cout << "No banner got worse.\n";
  } else {
    std::cout << "Banner got worse (" << result.at("changes_total").dump() << "):\n";
  }
  for (const auto& c : changes) {
    std::cout << "  " << str_or(c, "created_at") << "  " << str_or(c, "site") << "  (observation "
              << num_str(c, "before_id") << " -> " << num_str(c, "after_id") << ")\n";
    for (const auto& item : c.at("changes")) {
      std::cout << "    " << str_or(item, "kind") << ": " << str_or(item, "detail") << '\n';
    }
  }
  std::cout << "\nObservations, newest first:\n";
  for (const auto& o : result.at("observations")) {
    std::cout << "  #" << num_str(o, "id") << "  " << str_or(o, "seen_at") << " .. "
              << str_or(o, "last_seen") << "  x" << num_str(o, "times_seen") << "  "
              << str_or(o, "site") << "  ";
    if (!o.value("banner_found", false)) {
      std::cout << "no banner shown\n";
      continue;
    }
    std::cout << str_or(o, "cmp", "banner") << ", reject on first layer "
              << (o.value("first_layer_reject", false) ? "yes" : "no")
              << ", criteria: " << join(o.value("criteria", nlohmann::json::array())) << '\n';
  }
  std::cout << result.at("total").dump() << " observation(s)";
  if (!result.at("next_offset").is_null())
    std::cout << "; next page: --offset " << result.at("next_offset").dump();
  std::cout << '\n';
}

void register_banner_history(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand(
      "banner-history", "List a site's cookie-banner observations and where its banner got worse");
  struct Options {
    std::string site;
    std::int64_t offset = 0, limit = 50;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("site", o->site, "Host or URL of the site (all sites when omitted)");
  cmd->add_option("--offset", o->offset, "Skip this many observations");
  cmd->add_option("--limit", o->limit, "Observations per page (at most 500)");
  cmd->add_flag("--json", o->json, "Print the archive.banner_changes result as JSON");
  cmd->callback([&state, o] {
    nlohmann::json payload{{"offset", o->offset}, {"limit", o->limit}};
    if (!o->site.empty()) payload["site"] = o->site;
    auto result = run_action(state, "archive.banner_changes", payload);
    if (!result) return;
    if (o->json) {
      std::cout << result->dump(2) << '\n';
    } else {
      print_history(*result);
    }
  });
}

}  // namespace

void register_banner(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand("banner", "Judge a saved cookie-banner snapshot");
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("file", *file, "Snapshot JSON (as the capture script sends it)")->required();
  cmd->add_flag("--json", *json, "Print the banner.analyze result as JSON");
  cmd->callback([&state, file, json] {
    auto parsed = read_json_file(*file);
    if (!parsed) {
      state.exit_code = report_error(parsed.error());
      return;
    }
    const nlohmann::json& document = *parsed;
    const nlohmann::json& snapshot_json =
        document.is_object() && document.contains("snapshot") ? document["snapshot"] : document;
    auto snapshot = banner::parse_snapshot(snapshot_json);
    if (!snapshot) {
      state.exit_code = report_error(snapshot.error());
      return;
    }
    auto rules = banner::BannerRules::instance();
    if (!rules) {
      state.exit_code = report_error(rules.error());
      return;
    }
    const banner::Verdict verdict = banner::judge(*snapshot, **rules);
    nlohmann::json result = banner::to_json(*snapshot, verdict);
    result["observation"] = banner::make_observation(*snapshot, verdict);  // as banner.analyze
    if (*json) {
      std::cout << result.dump(2) << '\n';
    } else {
      print_text(result);
    }
    state.exit_code = 0;
  });
  register_banner_history(app, state);
}

}  // namespace cw::cli
