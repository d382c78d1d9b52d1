#define BOOST_TEST_MODULE archive_import
#include <algorithm>
#include <cstdlib>
#include <map>

#include <boost/test/unit_test.hpp>

#include "archive/ota_dataset.h"
#include "archive/service.h"
#include "protocol/dispatch.h"
#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kMini = fs::path(CW_TEST_DATA_DIR) / "archive" / "ota-mini";

std::unique_ptr<cw::archive::Archive> open_ok(const fs::path& p) {
  auto a = cw::archive::Archive::open(p);
  BOOST_REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error().to_string()));
  return std::move(*a);
}

// Every file under `root`, relative path -> bytes.
std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file())
      out[fs::relative(e.path(), root).generic_string()] = cw::test::read_file(e.path());
  }
  return out;
}

json call(cw::ActionContext& ctx, const std::string& type, const json& payload) {
  const json request{{"id", 1}, {"type", type}, {"payload", payload}};
  return json::parse(cw::handle_message(request.dump(), ctx));
}

}  // namespace

BOOST_AUTO_TEST_CASE(ota_dates_convert_both_ways) {
  BOOST_TEST(cw::archive::ota_date_to_iso("2025-11-19T18-09-52Z") == "2025-11-19T18:09:52Z");
  BOOST_TEST(cw::archive::iso_to_ota_date("2025-11-19T18:09:52Z") == "2025-11-19T18-09-52Z");
  BOOST_TEST(cw::archive::ota_date_to_iso("notes").empty());
  BOOST_TEST(cw::archive::ota_date_to_iso("2025-11-19").empty());
}

BOOST_AUTO_TEST_CASE(import_is_idempotent_and_export_gives_the_same_files_back) {
  cw::test::TempDir dir;
  auto archive = open_ok(dir.path() / "archive.sqlite3");
  auto first = cw::archive::import_ota(*archive, kMini);
  BOOST_REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().to_string()));
  BOOST_TEST(first->files == 10);
  BOOST_TEST(first->recorded == 10);
  auto again = cw::archive::import_ota(*archive, kMini);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->recorded == 0);
  BOOST_TEST(again->skipped == 10);

  const fs::path out = dir.path() / "export";
  auto written = cw::archive::export_ota(*archive, out);
  BOOST_REQUIRE(written.ok());
  BOOST_TEST(*written == 10);
  BOOST_TEST((tree(out) == tree(kMini)));
  // A second export into the now non-empty folder is refused rather than mixing files.
  auto refused = cw::archive::export_ota(*archive, out);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().code == cw::ErrorCode::EXPORT_TARGET_NOT_EMPTY));
}

BOOST_AUTO_TEST_CASE(noise_is_archived_but_only_meaning_changes_count) {
  cw::test::TempDir dir;
  auto archive = open_ok(dir.path() / "archive.sqlite3");
  BOOST_REQUIRE(cw::archive::import_ota(*archive, kMini).ok());
  auto docs = archive->documents("Example AI");
  BOOST_REQUIRE(docs.ok() && docs->size() == 2U);
  std::map<std::string, std::vector<std::string>> verdicts;  // terms type -> verdicts, oldest first
  for (const auto& d : *docs) {
    auto page = archive->history({d.id, "", "", false, 0, 100});
    BOOST_REQUIRE(page.ok());
    for (auto it = page->versions.rbegin(); it != page->versions.rend(); ++it) {
      verdicts[d.terms_type].push_back(it->verdict);
    }
  }
  // Terms: first; the Markdown/spacing/link-token edit is not a new version at all or only
  // format; the real change; the flaps back and forth are sightings of known versions; the error
  // page is archived as unavailable.
  const auto& terms = verdicts["Terms of Service"];
  BOOST_REQUIRE(terms.size() >= 3U);
  BOOST_TEST(terms.front() == "first");
  BOOST_TEST(std::count(terms.begin(), terms.end(), "change") == 1);
  BOOST_TEST(terms.back() == "unavailable");
  // Privacy: first, OS key text (format only), leaked cookie dialog (banner only), opt-out removed.
  const std::vector<std::string> privacy{"first", "format_only", "banner_only", "change"};
  BOOST_TEST(verdicts["Privacy Policy"] == privacy, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(protocol_and_cli_agree_on_history_and_changes) {
  cw::test::TempDir dir;
  {
    auto archive = open_ok(dir.path() / "archive.sqlite3");
    BOOST_REQUIRE(cw::archive::import_ota(*archive, kMini).ok());
  }
  cw::ActionContext ctx(cw::HostConfig{dir.path(), "test", "browser"});
  const json history =
      call(ctx, "archive.history", {{"service", "Example AI"}, {"terms_type", "Privacy Policy"}});
  BOOST_REQUIRE_MESSAGE(history["ok"].get<bool>(), history.dump());
  BOOST_TEST(history["result"]["versions"].size() == 4U);
  BOOST_TEST(history["result"]["documents"][0]["meaningful_versions"].get<int>() == 2);

  const json changes = call(ctx, "archive.changes", {{"since", "2025-01-01"}});
  BOOST_REQUIRE(changes["ok"].get<bool>());
  BOOST_TEST(changes["result"]["total"].get<int>() == 2);
  const json bad = call(ctx, "archive.changes", {{"since", "last tuesday"}});
  BOOST_TEST(bad["error"]["name"].get<std::string>() == "INVALID_PAYLOAD");

  const auto& versions = history["result"]["versions"];
  const json diff =
      call(ctx, "archive.diff", {{"from", versions[3]["id"]}, {"to", versions[0]["id"]}});
  BOOST_REQUIRE_MESSAGE(diff["ok"].get<bool>(), diff.dump());
  BOOST_TEST(diff["result"]["stats"]["removed"].get<int>() == 1);
  BOOST_TEST(diff["result"]["blocks"][0]["before"].get<std::string>().find("Opt-Out Rights") !=
             std::string::npos);
  const json missing = call(ctx, "archive.diff", {{"from", 1}, {"to", 999999}});
  BOOST_TEST(missing["error"]["name"].get<std::string>() == "NOT_FOUND");

  // The CLI prints the same records with --json.
  const std::string cmd = "CLAUSEWATCH_HOME='" + dir.path().string() + "' '" + CW_CLI_BINARY +
                          "' history --service 'Example AI' --type 'Privacy Policy' --json > '" +
                          (dir.path() / "cli.json").string() + "'";
  BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
  const json cli = json::parse(cw::test::read_file(dir.path() / "cli.json"));
  BOOST_TEST(cli == history["result"]);
}

BOOST_AUTO_TEST_CASE(a_folder_without_dataset_files_is_a_clear_error) {
  cw::test::TempDir dir;
  cw::test::write_file(dir.path() / "src" / "notes.txt", "hello");
  auto archive = open_ok(dir.path() / "archive.sqlite3");
  auto r = cw::archive::import_ota(*archive, dir.path() / "src");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == cw::ErrorCode::IMPORT_LAYOUT));
}

BOOST_AUTO_TEST_CASE(a_zip_and_a_tar_zst_import_like_the_folder) {
  cw::test::TempDir dir;
  const std::string zip = (dir.path() / "mini.zip").string();
  const std::string tzst = (dir.path() / "mini.tar.zst").string();
  // GNU tar with zstd is in every image installer/deps.sh sets up; zip is optional.
  const std::string make_tzst = "tar -C '" + kMini.string() + "' --zstd -cf '" + tzst + "' .";
  BOOST_REQUIRE(std::system(make_tzst.c_str()) == 0);
  auto a1 = open_ok(dir.path() / "a1.sqlite3");
  auto r1 = cw::archive::import_ota(*a1, tzst);
  BOOST_REQUIRE_MESSAGE(r1.ok(), (r1.ok() ? "" : r1.error().to_string()));
  BOOST_TEST(r1->recorded == 10);
  if (std::system("command -v zip > /dev/null") == 0) {
    const std::string make_zip = "cd '" + kMini.string() + "' && zip -qr '" + zip + "' .";
    BOOST_REQUIRE(std::system(make_zip.c_str()) == 0);
    auto a2 = open_ok(dir.path() / "a2.sqlite3");
    auto r2 = cw::archive::import_ota(*a2, zip);
    BOOST_REQUIRE(r2.ok());
    BOOST_TEST(r2->recorded == 10);
  }
}
