// Three real archives (CLAUSEWATCH_HOME each), fed different Open Terms Archive histories with
// `clausewatch import-ota`, sync through one folder with `clausewatch sync` processes in random
// orders while a simulated sync tool delivers some bundles only partly. All three must end with
// identical content and no duplicates; faults (flipped byte, truncation, conflict copy, wrong
// passphrase, kill -9) must leave archives intact; the folder must hold no plaintext.
#define BOOST_TEST_MODULE sync_three_archives
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "archive/archive.h"
#include "sync/archive_store.h"

namespace fs = std::filesystem;

namespace {

const std::string kPassphrase = "a long passphrase for the team folder";

struct Proc {
  int code = -1;
  std::string out, err;
};

// Runs the CLI with CLAUSEWATCH_HOME=home and the passphrase in the environment.
Proc cli(const fs::path& home, const std::vector<std::string>& args, const fs::path& scratch,
         const std::string& passphrase = kPassphrase) {
  const fs::path out = scratch / "out.txt";
  const fs::path err = scratch / "err.txt";
  std::cout.flush();
  std::fflush(nullptr);  // or the child would print the parent's buffered output again
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("CLAUSEWATCH_HOME", home.c_str(), 1);
    ::setenv("CLAUSEWATCH_PASSPHRASE", passphrase.c_str(), 1);
    ::freopen(out.c_str(), "w", stdout);
    ::freopen(err.c_str(), "w", stderr);
    std::vector<char*> argv{const_cast<char*>(CW_CLI_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(CW_CLI_BINARY, argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Proc p;
  p.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream o(out), e(err);
  p.out.assign(std::istreambuf_iterator<char>(o), {});
  p.err.assign(std::istreambuf_iterator<char>(e), {});
  return p;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_all(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

std::string summary(const fs::path& home) {
  auto archive =
      cw::archive::Archive::open(home / "archive.sqlite3", cw::archive::Archive::Mode::kExisting);
  BOOST_REQUIRE_MESSAGE(archive.ok(), (archive.ok() ? std::string() : archive.error().to_string()));
  auto s = cw::sync::archive_content_summary((*archive)->handle());
  BOOST_REQUIRE(s.ok());
  return *s;
}

std::int64_t count(const fs::path& home, const std::string& sql) {
  auto archive =
      cw::archive::Archive::open(home / "archive.sqlite3", cw::archive::Archive::Mode::kExisting);
  BOOST_REQUIRE(archive.ok());
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2((*archive)->handle(), sql.c_str(), -1, &st, nullptr);
  sqlite3_step(st);
  const auto n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

std::string integrity(const fs::path& home) {
  auto archive =
      cw::archive::Archive::open(home / "archive.sqlite3", cw::archive::Archive::Mode::kExisting);
  BOOST_REQUIRE(archive.ok());
  auto r = (*archive)->integrity_check();
  return r.ok() ? *r : r.error().to_string();
}

std::vector<fs::path> bundle_files(const fs::path& folder) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(folder / "bundles")) {
    if (e.path().extension() == ".cwb" || e.path().extension() == ".cws") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The shared fixture: the OTA histories unpacked once, split into three groups with one service
// in two groups (the same sightings on two devices must still be stored once).
struct Corpus {
  fs::path root;
  std::vector<fs::path> groups;
  std::set<std::string> services;
  std::int64_t distinct_files = 0;
  std::string sample_sentence;
  Corpus() {
    std::string templ = (fs::temp_directory_path() / "cw-sync3-XXXXXX").string();
    root = ::mkdtemp(templ.data());
    const std::vector<std::vector<std::string>> plan = {{"Perplexity", "Cursor", "Qwen Chat"},
                                                        {"Mistral AI", "Kimi AI"},
                                                        {"Midjourney", "DeepSeek", "Qwen Chat"}};
    std::string cmd = "tar --zstd -xf '" + std::string(CW_CORPUS_DIR) +
                      "/ota/versions.tar.zst' -C '" + root.string() + "'";
    std::set<std::string> names;
    for (const auto& g : plan) names.insert(g.begin(), g.end());
    for (const auto& s : names) cmd += " 'versions/genai-contrib/" + s + "'";
    BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
    std::set<std::string> seen_files;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      const fs::path group = root / ("group" + std::to_string(i));
      fs::create_directories(group);
      for (const auto& s : plan[i]) {
        fs::copy(root / "versions/genai-contrib" / s, group / s, fs::copy_options::recursive);
        services.insert(s);
        for (const auto& f : fs::recursive_directory_iterator(group / s)) {
          if (f.is_regular_file()) seen_files.insert(fs::relative(f.path(), group).string());
        }
      }
      groups.push_back(group);
    }
    distinct_files = static_cast<std::int64_t>(seen_files.size());
    // A real sentence from a document, to grep the folder for.
    for (const auto& f :
         fs::recursive_directory_iterator(root / "versions/genai-contrib/Mistral AI")) {
      if (!f.is_regular_file()) continue;
      std::istringstream text(read_all(f.path()));
      std::string line;
      while (std::getline(text, line)) {
        if (line.size() > 80 && line.find('[') == std::string::npos) {
          sample_sentence = line.substr(0, 60);
          break;
        }
      }
      if (!sample_sentence.empty()) break;
    }
  }
  ~Corpus() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(three_archives_converge_and_faults_change_nothing) {
  Corpus corpus;
  const fs::path base = corpus.root / "run";
  const fs::path folder = base / "Shared Folder";
  fs::create_directories(base);
  std::vector<fs::path> homes;
  for (int i = 0; i < 3; ++i) {
    homes.push_back(base / ("home" + std::to_string(i)));
    fs::create_directories(homes.back());
    auto imported = cli(homes[i], {"import-ota", corpus.groups[i].string(), "--json"}, base);
    BOOST_REQUIRE_MESSAGE(imported.code == 0, imported.err);
  }
  const std::string before_sync_1 = summary(homes[1]);
  BOOST_TEST(summary(homes[0]) != before_sync_1);

  // Setup: device 0 creates the folder, 1 joins with the passphrase, 2 with the recovery code.
  auto init = cli(
      homes[0], {"sync", "init", "--folder", folder.string(), "--name", "laptop", "--json"}, base);
  BOOST_REQUIRE_MESSAGE(init.code == 0, init.err);
  const std::string recovery =
      nlohmann::json::parse(init.out).at("recovery_code").get<std::string>();
  // A wrong passphrase: clear error, nothing configured.
  auto wrong =
      cli(homes[1], {"sync", "join", "--folder", folder.string()}, base, "not the passphrase");
  BOOST_TEST(wrong.code == 1);
  BOOST_TEST(wrong.err.find("SYNC_WRONG_PASSPHRASE") != std::string::npos);
  BOOST_TEST(summary(homes[1]) == before_sync_1);
  BOOST_REQUIRE(
      cli(homes[1], {"sync", "join", "--folder", folder.string(), "--name", "desktop"}, base)
          .code == 0);
  write_all(base / "code.txt", recovery + "\n");
  auto j2 = cli(homes[2],
                {"sync", "join", "--folder", folder.string(), "--recovery-code-file",
                 (base / "code.txt").string(), "--name", "lab"},
                base);
  BOOST_REQUIRE_MESSAGE(j2.code == 0, j2.err);

  // Random orders, with a sync tool that has delivered some bundles only partly.
  std::mt19937 rng(1125);
  for (int round = 0; round < 4; ++round) {
    std::vector<int> order{0, 1, 2};
    std::shuffle(order.begin(), order.end(), rng);
    for (int device : order) {
      std::optional<std::pair<fs::path, std::string>> partial;
      const auto files = bundle_files(folder);
      if (!files.empty() && std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
        const auto& f = files[std::uniform_int_distribution<std::size_t>(0, files.size() - 1)(rng)];
        const std::string full = read_all(f);
        write_all(
            f, full.substr(0, std::uniform_int_distribution<std::size_t>(0, full.size() - 1)(rng)));
        partial.emplace(f, full);
      }
      auto r = cli(homes[device], {"sync", "run", "--json"}, base);
      BOOST_REQUIRE_MESSAGE(r.code == 0, "device " << device << ": " << r.err << r.out);
      if (partial) write_all(partial->first, partial->second);  // the rest arrives
    }
  }
  for (int device = 0; device < 3; ++device)
    BOOST_REQUIRE(cli(homes[device], {"sync", "run"}, base).code == 0);
  const std::string expected = summary(homes[0]);
  BOOST_TEST(std::count(expected.begin(), expected.end(), '\n') > 300);
  BOOST_TEST(summary(homes[1]) == expected);
  BOOST_TEST(summary(homes[2]) == expected);
  for (const auto& home : homes) {
    BOOST_TEST(count(home, "SELECT count(*) FROM observations") == corpus.distinct_files);
    BOOST_TEST(
        count(home,
              "SELECT count(*) - count(DISTINCT document_id || ':' || hex(hash)) FROM versions") ==
        0);
    BOOST_TEST(count(home, "SELECT count(*) FROM services") ==
               static_cast<std::int64_t>(corpus.services.size()));
  }
  BOOST_TEST(count(homes[0], "SELECT count(*) FROM change_records") > 0);

  // The folder holds no service name, URL or document sentence.
  BOOST_REQUIRE(!corpus.sample_sentence.empty());
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (!e.is_regular_file()) continue;
    const std::string bytes = read_all(e.path());
    std::vector<std::string> needles(corpus.services.begin(), corpus.services.end());
    needles.insert(needles.end(),
                   {"https://", "http://", "www.", corpus.sample_sentence, "laptop", "desktop"});
    for (const auto& n : needles) {
      BOOST_TEST(bytes.find(n) == std::string::npos, e.path().filename()
                                                         << " contains '" << n << "'");
    }
  }

  // Faults on a new bundle from device 0: flip a byte, truncate, rename like a sync tool.
  const fs::path extra = corpus.root / "extra";
  fs::create_directories(extra / "Bolt.new");
  BOOST_REQUIRE(
      std::system(("tar --zstd -xf '" + std::string(CW_CORPUS_DIR) + "/ota/versions.tar.zst' -C '" +
                   extra.string() + "' 'versions/genai-contrib/Bolt.new'")
                      .c_str()) == 0);
  BOOST_REQUIRE(cli(homes[0], {"import-ota", (extra / "versions").string()}, base).code == 0);
  const auto before_new = bundle_files(folder);
  BOOST_REQUIRE(cli(homes[0], {"sync", "run"}, base).code == 0);
  fs::path fresh;
  for (const auto& f : bundle_files(folder)) {
    if (std::find(before_new.begin(), before_new.end(), f) == before_new.end()) fresh = f;
  }
  BOOST_REQUIRE(!fresh.empty());
  const std::string good = read_all(fresh);
  const std::string settled = summary(homes[2]);

  std::string flipped = good;
  flipped[good.size() / 3] = static_cast<char>(flipped[good.size() / 3] ^ 0x10);
  write_all(fresh, flipped);
  auto tampered = cli(homes[2], {"sync", "run"}, base);
  BOOST_TEST(tampered.code == 1);
  BOOST_TEST(tampered.err.find("SYNC_BUNDLE_TAMPERED") != std::string::npos);
  BOOST_TEST(summary(homes[2]) == settled);

  write_all(fresh, good.substr(0, good.size() - 1000));
  auto truncated = cli(homes[2], {"sync", "run", "--json"}, base);
  BOOST_TEST(truncated.code == 0);
  BOOST_TEST(nlohmann::json::parse(truncated.out).at("pending").size() == 1U);
  BOOST_TEST(summary(homes[2]) == settled);

  write_all(fresh, good);
  const fs::path conflict =
      fresh.parent_path() / (fresh.stem().string() + " (conflicted copy 2026-11-25).cwb");
  fs::rename(fresh, conflict);
  auto renamed = cli(homes[2], {"sync", "run", "--json"}, base);
  BOOST_TEST(renamed.code == 0);
  BOOST_TEST(nlohmann::json::parse(renamed.out).at("skipped").size() == 1U);
  BOOST_TEST(summary(homes[2]) == settled);
  fs::rename(conflict, fresh);

  // kill -9 while device 2 imports: the archive stays intact and the next run completes.
  std::uniform_int_distribution<int> delay(1, 60);
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("CLAUSEWATCH_HOME", homes[2].c_str(), 1);
      ::freopen("/dev/null", "w", stdout);
      ::freopen("/dev/null", "w", stderr);
      ::execl(CW_CLI_BINARY, CW_CLI_BINARY, "sync", "run", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST(integrity(homes[2]) == "ok");
  }
  BOOST_REQUIRE(cli(homes[2], {"sync", "run"}, base).code == 0);
  BOOST_REQUIRE(cli(homes[1], {"sync", "run"}, base).code == 0);
  const std::string final_content = summary(homes[0]);
  BOOST_TEST(summary(homes[1]) == final_content);
  BOOST_TEST(summary(homes[2]) == final_content);
  BOOST_TEST(integrity(homes[2]) == "ok");
}
