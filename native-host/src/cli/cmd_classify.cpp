// clausewatch classify --jsonl IN [--out OUT] [--patterns-only]: for every JSON line with a `text`
// field, writes the same object plus `findings` (ids of the rules that fire, by their patterns or
// their word models; --patterns-only: by their patterns alone) and `labels` (their CLAUDETTE labels
// and ToS;DR case ids as "tosdr:<id>"), so any labelled set can be scored by any scorer. An input
// field named `labels` (e.g. CLAUDETTE's gold labels) is replaced: keep gold labels under another
// name, or join the output with the input by line number.
#include <fstream>
#include <iostream>
#include <set>

#include "cli/commands.h"
#include "common/bounded_json.h"
#include "common/limits.h"
#include "engine/pack_store.h"

namespace cw::cli {

void register_classify(CLI::App& app, CliState& state) {
  auto* cmd =
      app.add_subcommand("classify", "Label JSON lines (field `text`) with rule ids and labels");
  auto in_path = std::make_shared<std::string>();
  auto out_path = std::make_shared<std::string>();
  auto doc_type = std::make_shared<std::string>();
  auto patterns_only = std::make_shared<bool>(false);
  cmd->add_option("--jsonl", *in_path, "Input: one JSON object per line with a `text` field")
      ->required();
  cmd->add_option("--out", *out_path, "Output file (default: standard output)");
  cmd->add_option("--doc-type", *doc_type, "Apply only rules for this OTA document type");
  cmd->add_flag("--patterns-only", *patterns_only,
                "Use the rules' patterns alone, without their word models");
  cmd->callback([&state, in_path, out_path, doc_type, patterns_only] {
    auto active = engine::active_pack_for(*state.ctx);
    if (!active) {
      state.exit_code = report_error(active.error());
      return;
    }
    std::ifstream in(*in_path);
    if (!in) {
      state.exit_code = report_error(
          Error::make(ErrorCode::IO_ERROR, {{"path", *in_path}, {"detail", "cannot open"}}));
      return;
    }
    std::ofstream file;
    if (!out_path->empty()) file.open(*out_path);
    std::ostream& out = out_path->empty() ? std::cout : file;
    const engine::Engine& engine = (*active)->engine;
    std::string line;
    std::size_t number = 0;
    std::size_t bad = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank: no output
      // A bad line is reported and still gets an output line ({"line", "error"}), so output line N
      // always belongs to input line N.
      auto fail = [&](const std::string& why) {
        std::cerr << "clausewatch: " << *in_path << ":" << number << ": " << why << "\n";
        out << nlohmann::json{{"line", number}, {"error", why}}.dump() << '\n';
        ++bad;
      };
      if (line.size() > limits::kMaxClassifyLineBytes) {
        fail("line longer than " + std::to_string(limits::kMaxClassifyLineBytes) + " bytes");
        continue;
      }
      auto object = parse_bounded_json(line);
      if (!object) {
        fail(object.error().message);
        continue;
      }
      if (!object->is_object() || !object->contains("text") || !(*object)["text"].is_string()) {
        fail("no string field `text`");
        continue;
      }
      auto findings = engine.analyze_text(
          (*object)["text"].get_ref<const std::string&>(), *doc_type,
          *patterns_only ? engine::Engine::Detect::kPatternsOnly : engine::Engine::Detect::kAll);
      if (!findings) {
        fail(findings.error().to_string());
        continue;
      }
      std::vector<std::string> ids;
      std::vector<std::string> labels;
      for (const auto& f : *findings) {
        if (f.rule().missing_protection)
          continue;  // a document-level judgement, not a sentence label
        if (std::find(ids.begin(), ids.end(), f.rule().rule_id) == ids.end())
          ids.push_back(f.rule().rule_id);
        for (const auto& label : f.rule().labels) {
          if (std::find(labels.begin(), labels.end(), label) == labels.end())
            labels.push_back(label);
        }
      }
      (*object)["findings"] = ids;
      (*object)["labels"] = labels;
      out << object->dump() << '\n';
    }
    if (bad > 0) std::cerr << "clausewatch: " << bad << " line(s) could not be classified\n";
    state.exit_code = bad > 0 ? 1 : 0;
  });
}

}  // namespace cw::cli
