// The sync engine on three test archives sharing one folder: convergence in any order, and every
// fault (truncated, tampered, renamed, unknown device, wrong passphrase, failure mid-import) leaves
// the receiving archive unchanged.
#define BOOST_TEST_MODULE sync_engine
#include "sync/engine.h"

#include <fstream>
#include <random>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "memory_store.h"
#include "sync/folder.h"

using namespace cw::sync;
using cw::ErrorCode;
using testing::TableStore;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "cw-sync-XXXXXX").string();
    path = ::mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

template <class T>
std::string why(const cw::Expected<T>& e) {
  return e.ok() ? std::string() : e.error().to_string();
}

const Secret kPass{Secret::Kind::kPassphrase, "correct horse battery staple"};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_all(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

std::vector<fs::path> bundles_of(const fs::path& folder) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(folder / "bundles")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Three archives, one folder: A created it with a passphrase, B joined with the passphrase, C with
// the recovery code.
struct Trio {
  TempDir dir;
  fs::path folder;
  std::unique_ptr<TableStore> a, b, c;
  std::string recovery;
  Trio() {
    folder = dir.path / "Sync Folder";
    a = std::make_unique<TableStore>(dir.path / "a.sqlite3");
    b = std::make_unique<TableStore>(dir.path / "b.sqlite3");
    c = std::make_unique<TableStore>(dir.path / "c.sqlite3");
    auto init = sync_init(*a, folder, {std::string(kPass.text), "laptop", true});
    BOOST_REQUIRE_MESSAGE(init.ok(), why(init));
    recovery = init->recovery_code;
    auto jb = sync_join(*b, folder, kPass, "desktop");
    BOOST_REQUIRE_MESSAGE(jb.ok(), why(jb));
    auto jc = sync_join(*c, folder, {Secret::Kind::kRecoveryCode, recovery}, "phone");
    BOOST_REQUIRE_MESSAGE(jc.ok(), why(jc));
  }
  std::vector<TableStore*> all() { return {a.get(), b.get(), c.get()}; }
};

nlohmann::json run(TableStore& s, RunOptions options = {}) {
  auto r = sync_run(s, options);
  BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
  return *r;
}

void feed(TableStore& s, const std::string& tag, int versions) {
  for (int i = 0; i < versions; ++i) {
    const std::string doc = "service-" + tag + "/Privacy Policy";
    const std::string text = "Policy text of " + tag + " version " + std::to_string(i) +
                             ". We may share your data with partners for advertising.";
    const auto id = s.add_version(doc, "2026-01-" + std::to_string(10 + i), text);
    s.add_observation(id, "https://" + tag + ".example/privacy?v=" + std::to_string(i));
  }
  s.set_watched("service-" + tag + "/Privacy Policy", true);
}

}  // namespace

BOOST_AUTO_TEST_CASE(three_archives_converge_in_random_orders) {
  Trio t;
  feed(*t.a, "alpha", 5);
  feed(*t.b, "beta", 7);
  feed(*t.c, "gamma", 3);
  // One text seen by two devices: content addressing must keep it once.
  t.a->add_version("shared/Terms", "2026-02-01", "Identical terms everyone saw.");
  t.c->add_version("shared/Terms", "2026-02-01", "Identical terms everyone saw.");
  std::mt19937 rng(20261125);
  auto stores = t.all();
  for (int round = 0; round < 4; ++round) {
    std::shuffle(stores.begin(), stores.end(), rng);
    for (auto* s : stores) run(*s);
    // New data arrives in the middle of the rounds, too.
    if (round == 1) feed(*t.b, "delta", 2);
  }
  for (auto* s : stores) run(*s);
  const std::string expected = t.a->content();
  BOOST_TEST(t.b->content() == expected);
  BOOST_TEST(t.c->content() == expected);
  BOOST_TEST(t.a->count("t_version") == 5 + 7 + 3 + 2 + 1);
  BOOST_TEST(t.a->count("t_observation") == 5 + 7 + 3 + 2);
  // Idempotent: another round imports and publishes nothing.
  for (auto* s : stores) {
    const auto again = run(*s);
    BOOST_TEST(again["published"].empty());
    BOOST_TEST(again["imported"].empty());
  }
}

BOOST_AUTO_TEST_CASE(folder_holds_no_plaintext) {
  Trio t;
  feed(*t.a, "alpha", 3);
  run(*t.a);
  t.a->set_watched("service-alpha/Privacy Policy", false);
  run(*t.a);
  for (const auto& e : fs::recursive_directory_iterator(t.folder)) {
    if (!e.is_regular_file()) continue;
    const std::string bytes = read_all(e.path());
    for (const char* needle :
         {"alpha", "https://", "example", "Policy", "advertising", "partners", "laptop"}) {
      BOOST_TEST(bytes.find(needle) == std::string::npos, e.path().filename()
                                                              << " contains " << needle);
    }
  }
}

BOOST_AUTO_TEST_CASE(truncated_bundle_is_skipped_then_imported) {
  Trio t;
  feed(*t.a, "alpha", 4);
  run(*t.a);
  const auto files = bundles_of(t.folder);
  BOOST_REQUIRE(files.size() == 1U);
  const std::string full = read_all(files[0]);
  const std::string before = t.b->content();
  for (std::size_t keep : {std::size_t{0}, std::size_t{40}, full.size() / 2, full.size() - 1}) {
    write_all(files[0], full.substr(0, keep));
    const auto r = run(*t.b);
    BOOST_TEST(r["imported"].empty());
    BOOST_TEST(r["refused"].empty());
    BOOST_TEST(r["pending"].size() == 1U);
    BOOST_TEST(t.b->content() == before);
  }
  write_all(files[0], full);
  const auto r = run(*t.b);
  BOOST_TEST(r["imported"].size() == 1U);
  BOOST_TEST(t.b->count("t_version") == 4);
}

BOOST_AUTO_TEST_CASE(flipped_byte_is_refused_and_nothing_imported) {
  Trio t;
  feed(*t.a, "alpha", 4);
  run(*t.a);
  const auto file = bundles_of(t.folder)[0];
  const std::string full = read_all(file);
  const std::string before = t.b->content();
  std::mt19937 rng(7);
  for (int trial = 0; trial < 8; ++trial) {
    std::string bad = full;
    const auto at = std::uniform_int_distribution<std::size_t>(0, bad.size() - 1)(rng);
    bad[at] = static_cast<char>(bad[at] ^ (1 << (trial % 8)));
    write_all(file, bad);
    const auto r = run(*t.b);
    BOOST_TEST(r["imported"].empty());
    BOOST_REQUIRE_MESSAGE(r["refused"].size() == 1U, "flip at " << at << ": " << r.dump());
    const int code = r["refused"][0]["error"]["code"].get<int>();
    BOOST_TEST((code == static_cast<int>(ErrorCode::SYNC_BUNDLE_TAMPERED) ||
                code == static_cast<int>(ErrorCode::SYNC_BUNDLE_INVALID)));
    BOOST_TEST(r["ok"].get<bool>() == false);
    BOOST_TEST(t.b->content() == before);
  }
  write_all(file, full);
  BOOST_TEST(run(*t.b)["imported"].size() == 1U);
}

BOOST_AUTO_TEST_CASE(conflict_copies_are_skipped) {
  Trio t;
  feed(*t.a, "alpha", 2);
  run(*t.a);
  const auto file = bundles_of(t.folder)[0];
  const std::string stem = file.stem().string();
  const std::string before = t.b->content();
  for (const std::string& renamed :
       {stem + " (conflicted copy).cwb", stem + ".sync-conflict-20261125-142300-ABCDEFG.cwb",
        stem + " (Alice's conflicted copy 2026-11-25).cwb",
        stem + " (conflicted copy 2026-11-25 142300).cwb", stem + " (1).cwb"}) {
    fs::rename(file, file.parent_path() / renamed);
    const auto r = run(*t.b);
    BOOST_TEST(r["imported"].empty());
    BOOST_TEST(r["refused"].empty());
    BOOST_REQUIRE(r["skipped"].size() == 1U);
    BOOST_TEST(r["skipped"][0]["reason"].get<std::string>().find("conflict") != std::string::npos);
    BOOST_TEST(t.b->content() == before);
    fs::rename(file.parent_path() / renamed, file);
  }
  BOOST_TEST(run(*t.b)["imported"].size() == 1U);
}

BOOST_AUTO_TEST_CASE(unknown_device_is_refused) {
  Trio t;
  // D holds the key (joined once), but its enrolment is gone: its bundles must not be trusted.
  TableStore d(t.dir.path / "d.sqlite3");
  BOOST_REQUIRE(sync_join(d, t.folder, kPass, "intruder").ok());
  feed(d, "intruder", 2);
  run(d);
  const std::string device = sync_status(d)->at("device").get<std::string>();
  fs::remove(t.folder / "devices" / (device + ".cwe"));
  const std::string before = t.b->content();
  const auto r = run(*t.b);
  BOOST_REQUIRE(r["refused"].size() == 1U);
  BOOST_TEST(r["refused"][0]["error"]["name"].get<std::string>() == "SYNC_UNKNOWN_DEVICE");
  BOOST_TEST(t.b->content() == before);
}

BOOST_AUTO_TEST_CASE(wrong_passphrase_is_a_clear_error) {
  Trio t;
  TableStore d(t.dir.path / "d.sqlite3");
  auto r = sync_join(d, t.folder, {Secret::Kind::kPassphrase, "Tr0ub4dor&3"}, "other");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == ErrorCode::SYNC_WRONG_PASSPHRASE));
  auto status = sync_status(d);
  BOOST_REQUIRE(status.ok());
  BOOST_TEST((*status)["configured"].get<bool>() == false);
  // A recovery code of another folder is a wrong key too, not a typo.
  auto other = sync_join(
      d, t.folder,
      {Secret::Kind::kRecoveryCode, cw::crypto::recovery_code(cw::crypto::random_folder_key())},
      "x");
  BOOST_REQUIRE(!other.ok());
  BOOST_TEST((other.error().code == ErrorCode::SYNC_WRONG_PASSPHRASE));
  BOOST_TEST((sync_run(d).error().code == ErrorCode::SYNC_NOT_CONFIGURED));
}

BOOST_AUTO_TEST_CASE(failure_mid_import_rolls_the_whole_bundle_back) {
  Trio t;
  feed(*t.a, "alpha", 5);
  run(*t.a);
  const std::string before = t.b->content();
  t.b->fail_on_observation_ = true;
  const auto r = run(*t.b);
  BOOST_TEST(r["refused"].size() == 1U);
  BOOST_TEST(t.b->content() == before);  // versions applied before the failure are gone too
  t.b->fail_on_observation_ = false;
  BOOST_TEST(run(*t.b)["imported"].size() == 1U);
  BOOST_TEST(t.b->content() == t.a->content());
}

BOOST_AUTO_TEST_CASE(last_writer_wins_on_mutable_state) {
  Trio t;
  t.a->set_watched("doc", true);
  run(*t.a);
  run(*t.b);
  BOOST_TEST(t.b->watched("doc").value_or(false) == true);
  // B unwatches later; A's stale view must not win back.
  ::usleep(2000);
  t.b->set_watched("doc", false);
  run(*t.b);
  run(*t.a);
  run(*t.c);
  run(*t.a);
  for (auto* s : t.all()) BOOST_TEST(s->watched("doc").value_or(true) == false);
  // Concurrent edits on two devices: every archive ends with the same value.
  t.a->set_watched("doc", true);
  t.c->set_watched("doc", false);
  run(*t.a);
  run(*t.c);
  for (int i = 0; i < 2; ++i) {
    for (auto* s : t.all()) run(*s);
  }
  BOOST_TEST((t.a->watched("doc") == t.b->watched("doc")));
  BOOST_TEST((t.b->watched("doc") == t.c->watched("doc")));
}

BOOST_AUTO_TEST_CASE(compaction_loses_nothing_for_slow_devices) {
  Trio t;
  for (int i = 0; i < 4; ++i) {
    feed(*t.a, "alpha" + std::to_string(i), 2);
    run(*t.a);
    if (i == 1) run(*t.b);  // B reads the first two bundles, C never reads any
  }
  const auto r = run(*t.a, RunOptions{true});
  BOOST_REQUIRE(!r["compacted"].is_null());
  BOOST_TEST(r["compacted"]["files_folded"].get<int>() == 4);
  const auto files = bundles_of(t.folder);
  BOOST_REQUIRE(files.size() == 1U);
  BOOST_TEST(files[0].extension() == ".cws");
  run(*t.b);
  run(*t.c);
  BOOST_TEST(t.b->content() == t.a->content());
  BOOST_TEST(t.c->content() == t.a->content());
  // New bundles after the snapshot still flow.
  feed(*t.a, "late", 1);
  run(*t.a);
  run(*t.c);
  BOOST_TEST(t.c->content() == t.a->content());
}

BOOST_AUTO_TEST_CASE(a_missing_bundle_holds_back_later_ones) {
  Trio t;
  feed(*t.a, "one", 1);
  run(*t.a);
  feed(*t.a, "two", 1);
  run(*t.a);
  const auto files = bundles_of(t.folder);
  BOOST_REQUIRE(files.size() == 2U);
  const std::string first = read_all(files[0]);
  fs::remove(files[0]);  // the sync tool has delivered bundle 2 but not yet bundle 1
  const auto r = run(*t.b);
  BOOST_TEST(r["imported"].empty());
  BOOST_TEST(r["pending"].size() == 1U);
  write_all(files[0], first);
  BOOST_TEST(run(*t.b)["imported"].size() == 2U);
}

BOOST_AUTO_TEST_CASE(sealed_export_round_trip_and_faults) {
  TempDir dir;
  TableStore a(dir.path / "a.sqlite3");
  TableStore b(dir.path / "b.sqlite3");
  feed(a, "alpha", 6);
  const fs::path file = dir.path / "evidence.cwx";
  auto exported = export_sealed(a, file, "export pass", true);
  BOOST_REQUIRE_MESSAGE(exported.ok(), why(exported));
  const std::string bytes = read_all(file);
  BOOST_TEST(bytes.find("alpha") == std::string::npos);
  BOOST_TEST(bytes.find("https") == std::string::npos);

  auto wrong = import_sealed(b, file, "not it");
  BOOST_REQUIRE(!wrong.ok());
  BOOST_TEST((wrong.error().code == ErrorCode::SYNC_WRONG_PASSPHRASE));
  BOOST_TEST(b.count("t_version") == 0);

  std::string bad = bytes;
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x20);
  write_all(dir.path / "bad.cwx", bad);
  auto tampered = import_sealed(b, dir.path / "bad.cwx", "export pass");
  BOOST_REQUIRE(!tampered.ok());
  BOOST_TEST((tampered.error().code == ErrorCode::SEALED_EXPORT_INVALID));
  write_all(dir.path / "short.cwx", bytes.substr(0, bytes.size() - 100));
  BOOST_TEST((import_sealed(b, dir.path / "short.cwx", "export pass").error().code ==
              ErrorCode::SEALED_EXPORT_INVALID));
  BOOST_TEST(b.count("t_version") == 0);

  auto imported = import_sealed(b, file, "export pass");
  BOOST_REQUIRE_MESSAGE(imported.ok(), why(imported));
  BOOST_TEST(b.content() == a.content());
  // Importing twice adds nothing.
  auto twice = import_sealed(b, file, "export pass");
  BOOST_REQUIRE(twice.ok());
  BOOST_TEST((*twice)["added"].get<int>() == 0);
  BOOST_TEST(b.content() == a.content());
}

BOOST_AUTO_TEST_CASE(init_refuses_an_existing_folder) {
  Trio t;
  TableStore d(t.dir.path / "d.sqlite3");
  auto again = sync_init(d, t.folder, {std::string("x"), "d", true});
  BOOST_REQUIRE(!again.ok());
  BOOST_TEST((again.error().code == ErrorCode::SYNC_FOLDER_EXISTS));
  auto other = sync_join(*t.a, t.dir.path / "nowhere", kPass, "a");
  BOOST_REQUIRE(!other.ok());
  BOOST_TEST((other.error().code == ErrorCode::SYNC_FOLDER_INVALID));
}

BOOST_AUTO_TEST_CASE(a_revoked_device_is_refused_after_its_last_bundle) {
  Trio t;
  feed(*t.b, "beta", 2);
  run(*t.b);  // B's bundle 1
  const auto b_status = sync_status(*t.b);
  BOOST_REQUIRE(b_status.ok());
  const std::string b_hex = b_status->at("device").get<std::string>();
  // Only a holder of the passphrase may revoke.
  BOOST_TEST(!sync_revoke(*t.a, {Secret::Kind::kPassphrase, "not it"}, b_hex).ok());
  auto revoked = sync_revoke(*t.a, kPass, b_hex);
  BOOST_REQUIRE_MESSAGE(revoked.ok(), why(revoked));
  BOOST_TEST(revoked->at("after_seq").get<std::uint64_t>() == 1U);

  feed(*t.b, "later", 1);
  run(*t.b);  // B's bundle 2, written after the revocation
  const auto a_run = run(*t.a);
  BOOST_TEST(a_run.at("imported").size() == 1U);  // bundle 1 is still accepted
  BOOST_REQUIRE(a_run.at("refused").size() == 1U);
  BOOST_TEST(a_run.at("refused")[0].at("error").at("name").get<std::string>() ==
             "SYNC_UNKNOWN_DEVICE");
  const auto c_run = run(*t.c);  // C learns it from the folder
  BOOST_TEST(c_run.at("refused").size() == 1U);

  // Deleting the revocation (as the revoked device could) does not undo it where it was seen.
  fs::remove(t.folder / "devices" / (b_hex + ".cwr"));
  BOOST_TEST(run(*t.a).at("refused").size() == 1U);
  auto status = sync_status(*t.a);
  BOOST_REQUIRE(status.ok());
  bool shown = false;
  for (const auto& d : status->at("devices")) {
    if (d.at("device") == b_hex) shown = d.at("revoked").get<bool>();
  }
  BOOST_TEST(shown);
}
