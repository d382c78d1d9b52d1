// clausewatch banner FILE.json [--json]: judges a saved cookie-banner snapshot, exactly as the
// host's banner.analyze does. FILE holds either the snapshot or a banner.analyze payload
// {"snapshot": ...}.
#include <fstream>
#include <iostream>
#include <sstream>

#include "banner/judge.h"
#include "banner/observation.h"
#include "banner/rules.h"
#include "banner/snapshot.h"
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
}

}  // namespace cw::cli
