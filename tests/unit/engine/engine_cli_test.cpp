#define BOOST_TEST_MODULE engine_cli
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

// A function, not a static path: building one may throw, and a static's exception could not be
// caught.
fs::path data_dir() {
  return fs::path(CW_TEST_DATA_DIR);
}

struct Run {
  int status = -1;
  std::string out;
};

// Runs the CLI with an empty data directory of its own, so no user pack or archive interferes.
Run cli(const std::string& args) {
  static const fs::path home =
      fs::temp_directory_path() / ("cw-engine-cli-" + std::to_string(::getpid()));
  fs::create_directories(home);
  const std::string command =
      "CLAUSEWATCH_HOME='" + home.string() + "' '" + CW_CLI_BINARY + "' " + args + " 2>&1";
  Run run;
  FILE* pipe = popen(command.c_str(), "r");
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    run.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

// Writes `markdown` to a file of its own, runs `clausewatch check` on it and removes the file.
Run check_markdown(const std::string& name, const std::string& markdown) {
  const fs::path page =
      fs::temp_directory_path() / ("cw-" + name + "-" + std::to_string(::getpid()) + ".md");
  std::ofstream(page) << markdown;
  Run run = cli("check " + quoted(page));
  fs::remove(page);
  return run;
}

// The rule ids `check --json --doc-type DOC_TYPE` finds on a Markdown page.
std::vector<std::string> check_rule_ids(const std::string& doc_type, const std::string& markdown) {
  const fs::path page =
      fs::temp_directory_path() / ("cw-ids-" + std::to_string(::getpid()) + ".md");
  std::ofstream(page) << markdown;
  const Run run = cli("check --json --doc-type '" + doc_type + "' " + quoted(page));
  fs::remove(page);
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.out);
  const auto result = nlohmann::json::parse(run.out);  // must outlive the loop below
  std::vector<std::string> ids;
  for (const auto& f : result["findings"]) ids.push_back(f["rule_id"].get<std::string>());
  return ids;
}

bool has(const std::vector<std::string>& ids, const char* id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

BOOST_AUTO_TEST_CASE(check_markdown_json_has_the_dispute_findings_with_exact_quotes) {
  const Run run = cli("check --json " + quoted(data_dir() / "pages" / "terms.md"));
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.out);
  const auto result = nlohmann::json::parse(run.out);
  BOOST_TEST(result["doc_type"].get<std::string>() == "Terms of Service");
  std::ifstream in(data_dir() / "pages" / "terms.md", std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string file = buffer.str();
  bool arbitration = false;
  for (const auto& f : result["findings"]) {
    const auto start = f["start"].get<std::size_t>();
    const auto end = f["end"].get<std::size_t>();
    BOOST_TEST(file.substr(start, end - start) ==
               f["quote"].get<std::string>());  // plain file: offsets are file offsets
    if (f["rule_id"] == "dispute.arbitration") arbitration = true;
  }
  BOOST_TEST(arbitration, run.out);
  BOOST_TEST(result["counts"]["critical"].get<int>() >= 1);
}

BOOST_AUTO_TEST_CASE(check_human_output_groups_by_severity) {
  const Run run = cli(quoted(data_dir() / "pages" / "terms.html").insert(0, "check "));
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.out);
  BOOST_TEST(run.out.find("CRITICAL (") != std::string::npos, run.out);
  BOOST_TEST(run.out.find("dispute.arbitration") != std::string::npos, run.out);
  BOOST_TEST(run.out.find("binding\u00a0arbitration") != std::string::npos,
             run.out);                                     // &nbsp; decoded
  BOOST_TEST(run.out.find("var t") == std::string::npos);  // scripts are not text
}

BOOST_AUTO_TEST_CASE(check_human_output_lists_a_repeated_provision_once) {
  const Run run =
      check_markdown("check",
                     "# Terms\n\nAll disputes will be resolved by binding arbitration.\n\n"
                     "We may suspend your account at any time.\n\n"
                     "Any claim shall be finally settled by arbitration in Oslo.\n\n"
                     "Any claim shall be finally settled by arbitration in Oslo.\n");
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.out);
  BOOST_TEST(run.out.find("CRITICAL (1)") != std::string::npos, run.out);  // one provision
  const auto title = run.out.find("[dispute.arbitration], 3 places");
  BOOST_TEST(title != std::string::npos, run.out);
  BOOST_TEST(run.out.find("[dispute.arbitration]", title + 1) == std::string::npos, run.out);
  // Both quotes follow the one title, before the next provision.
  const auto first = run.out.find("binding arbitration.\"");
  const auto second = run.out.find("arbitration in Oslo.\" (2 times)");  // repeated once, counted
  BOOST_TEST((first != std::string::npos && second != std::string::npos), run.out);
  BOOST_TEST((title < first && first < second), run.out);
}

// Each quote names its section; an underlined ("setext") Markdown heading counts as one, so the
// change clause below is not placed under the earlier '#' heading.
BOOST_AUTO_TEST_CASE(check_names_the_section_of_each_quote) {
  const Run run = check_markdown("check-sections",
                                 "# Support\n\nWe answer email within two days.\n\n"
                                 "Changes to these terms\n----------------------\n\n"
                                 "We may modify these terms at any time.\n\n"
                                 "| a | b |\n|---|---|\n| c | d |\n");
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.out);
  BOOST_TEST(run.out.find("\"We may modify these terms at any time.\"  [section: Changes to these "
                          "terms]") != std::string::npos,
             run.out);
  BOOST_TEST(run.out.find("[section: Support]") == std::string::npos, run.out);
}

// Whom a quote applies to follows it, from a scoping phrase in the sentence ("applies to") or from
// its heading ("in the part for", weaker); an ordinary clause says nothing of the kind, and --json
// carries the scope.
BOOST_AUTO_TEST_CASE(check_says_whom_a_scoped_quote_applies_to) {
  const std::string page =
      "# Terms\n\nAll disputes will be resolved by binding arbitration.\n\n"
      "# Notice to California residents\n\nWe may sell your personal information to data "
      "brokers.\n\n"
      "# Other terms\n\nIf you live in the EEA, any claim shall be finally settled by "
      "arbitration in Oslo.\n";
  const Run run = check_markdown("check-scopes", page);
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.out);
  BOOST_TEST(
      run.out.find("brokers.\"  [section: Notice to California residents]  [in the part for: "
                   "People in California]") != std::string::npos,
      run.out);
  BOOST_TEST(run.out.find("in Oslo.\"  [section: Other terms]  [applies to: People in the EEA, UK "
                          "or Switzerland]") != std::string::npos,
             run.out);
  BOOST_TEST(run.out.find("binding arbitration.\"  [section: Terms]\n") != std::string::npos,
             run.out);
  const fs::path file =
      fs::temp_directory_path() / ("cw-check-scopes-json-" + std::to_string(::getpid()) + ".md");
  std::ofstream(file) << page;
  const Run json_run = cli("check --json " + quoted(file));
  fs::remove(file);
  BOOST_REQUIRE_MESSAGE(json_run.status == 0, json_run.out);
  std::vector<std::string> scopes;
  const auto result = nlohmann::json::parse(json_run.out);
  for (const auto& f : result["findings"]) {
    if (f.contains("scope")) {
      scopes.push_back(f["scope"]["id"].get<std::string>() + "/" +
                       f["scope"]["from"].get<std::string>());
    }
  }
  BOOST_TEST(std::count(scopes.begin(), scopes.end(), "region.california/section") >= 1);
  BOOST_TEST(std::count(scopes.begin(), scopes.end(), "region.eea_uk/sentence") >= 1);
}

// A sentence that says the risk and a second, risky way of it ("without notice") stays a quote of
// the risk: only a protection's sentence is left out of a risk that has sentences of its own.
BOOST_AUTO_TEST_CASE(check_keeps_a_risky_sentence_that_names_another_risk) {
  const Run run =
      check_markdown("check-risks",
                     "# Terms\n\nWe may modify these terms at any time without notice.\n\n"
                     "We may also change these terms.\n");
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.out);
  BOOST_TEST(run.out.find("[change.unilateral_change], 2 places") != std::string::npos, run.out);
}

// The built-in pack warns when terms reserve changes and never promise to tell the user; a promise
// anywhere on the page (here in another paragraph) withdraws the warning.
BOOST_AUTO_TEST_CASE(check_warns_of_changes_without_a_promise_of_notice) {
  auto rule_ids = [](const std::string& text) { return check_rule_ids("Terms of Service", text); };
  const std::string change = "# Changes\n\nWe may change these terms at any time.\n";
  const auto silent = rule_ids(change);
  BOOST_TEST(has(silent, "change.unilateral_change"));
  BOOST_TEST(has(silent, "change.changes_without_notice"));
  const auto promised =
      rule_ids(change + "\nIf we do, we will notify you by email of the changes.\n");
  BOOST_TEST(has(promised, "change.changes_notified"));
  BOOST_TEST(!has(promised, "change.changes_without_notice"));
}

// A privacy policy that sends data abroad is warned about only while it names no legal safeguard;
// the safeguard here sits in a later section, as real policies put it.
BOOST_AUTO_TEST_CASE(check_warns_of_transfers_abroad_without_a_named_safeguard) {
  const std::string transfer =
      "# Where we keep data\n\nYour personal data may be transferred to and stored on servers in "
      "other countries, including the United States.\n";
  const auto bare = check_rule_ids("Privacy Policy", transfer);
  BOOST_TEST(has(bare, "privacy.international_transfer"));
  BOOST_TEST(has(bare, "privacy.transfer_without_safeguards"));
  const auto safeguarded = check_rule_ids(
      "Privacy Policy", transfer +
                            "\n# For EEA users\n\nSuch transfers rely on the standard contractual "
                            "clauses adopted by the European Commission.\n");
  BOOST_TEST(has(safeguarded, "privacy.transfer_safeguards"));
  BOOST_TEST(!has(safeguarded, "privacy.transfer_without_safeguards"));
}

BOOST_AUTO_TEST_CASE(check_reports_a_missing_file) {
  const Run run = cli("check /nonexistent/terms.md");
  BOOST_TEST(run.status == 1);
  BOOST_TEST(run.out.find("IO_ERROR") != std::string::npos, run.out);
}

BOOST_AUTO_TEST_CASE(classify_adds_findings_and_labels_to_each_line) {
  const fs::path out =
      fs::temp_directory_path() / ("cw-classify-" + std::to_string(::getpid()) + ".jsonl");
  const Run run = cli("classify --jsonl " + quoted(data_dir() / "pages" / "classify_sample.jsonl") +
                      " --out " + quoted(out));
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.out);
  std::ifstream in(out);
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  fs::remove(out);
  BOOST_REQUIRE_EQUAL(rows.size(), 3U);
  BOOST_TEST(rows[0]["id"].get<int>() == 1);  // the input object is kept
  const auto& ids = rows[0]["findings"];
  BOOST_TEST((std::find(ids.begin(), ids.end(), "dispute.arbitration") != ids.end()),
             rows[0].dump());
  const auto& labels = rows[0]["labels"];
  BOOST_TEST((std::find(labels.begin(), labels.end(), "A") != labels.end()), rows[0].dump());
  BOOST_TEST(rows[1]["findings"].empty());
  BOOST_TEST(rows[1]["labels"].empty());
}

BOOST_AUTO_TEST_CASE(classify_reports_bad_lines_and_keeps_going) {
  const fs::path in =
      fs::temp_directory_path() / ("cw-classify-bad-" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream(in) << "{\"text\": \"binding arbitration applies\"}\nnot json\n{\"no_text\": 1}\n";
  const Run run = cli("classify --jsonl " + quoted(in));
  fs::remove(in);
  BOOST_TEST(run.status == 1);
  BOOST_TEST(run.out.find(":2:") != std::string::npos, run.out);
  BOOST_TEST(run.out.find(":3: no string field `text`") != std::string::npos, run.out);
  BOOST_TEST(run.out.find("\"findings\"") != std::string::npos, run.out);
  BOOST_TEST(run.out.find("{\"error\":") != std::string::npos,
             run.out);  // one output line per input line
}

BOOST_AUTO_TEST_CASE(rules_info_and_fixture_examples) {
  const Run info = cli("rules info --json");
  BOOST_REQUIRE_MESSAGE(info.status == 0, info.out);
  BOOST_TEST(nlohmann::json::parse(info.out)["origin"].get<std::string>() == "built-in");
  const Run test = cli("rules test " + quoted(data_dir() / "rules" / "valid"));
  BOOST_TEST(test.status == 0, test.out);
  BOOST_TEST(test.out.find("2 examples passed, 0 failed") != std::string::npos, test.out);
  BOOST_TEST(test.out.find("scopes: 2 examples passed, 0 failed") != std::string::npos, test.out);
  // The built-in pack's rule and scope examples hold, and info counts its scopes.
  const Run builtin = cli("rules test");
  BOOST_TEST(builtin.status == 0, builtin.out);
  BOOST_TEST(builtin.out.find("scopes: 0 examples") == std::string::npos, builtin.out);
  BOOST_TEST(nlohmann::json::parse(info.out)["scopes"].get<int>() > 0);
  BOOST_TEST(cli("rules info").out.find(" scopes, loaded in ") != std::string::npos);
  const Run bad = cli("rules test " + quoted(data_dir() / "rules" / "invalid"));
  BOOST_TEST(bad.status != 0);
}

BOOST_AUTO_TEST_CASE(rules_sign_then_verify_and_tamper) {
  const fs::path key = CW_BUILD_LOCAL_RULES_KEY;
  if (!fs::exists(key)) {
    BOOST_TEST_MESSAGE("built with a maintainer key: the build-local key does not exist, skipped");
    return;
  }
  const fs::path dir = fs::temp_directory_path() / ("cw-rules-sign-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const Run sign = cli("rules sign --key " + quoted(key) + " " +
                       quoted(data_dir() / "rules" / "valid") + " --out " + quoted(dir));
  BOOST_REQUIRE_MESSAGE(sign.status == 0, sign.out);
  const Run verify = cli("rules verify " + quoted(dir / "pack.json"));
  BOOST_TEST(verify.status == 0, verify.out);
  BOOST_TEST(verify.out.find("signature valid, version 3") != std::string::npos, verify.out);
  {
    std::ofstream append(dir / "pack.json", std::ios::app);
    append << " ";
  }
  const Run tampered = cli("rules verify " + quoted(dir / "pack.json"));
  BOOST_TEST(tampered.status == 1);
  BOOST_TEST(tampered.out.find("RULE_PACK_SIGNATURE") != std::string::npos, tampered.out);
  fs::remove(dir / "pack.sig");
  const Run unsigned_pack = cli("rules verify " + quoted(dir / "pack.json"));
  BOOST_TEST(unsigned_pack.out.find("RULE_PACK_UNSIGNED") != std::string::npos, unsigned_pack.out);
  fs::remove_all(dir);
}
