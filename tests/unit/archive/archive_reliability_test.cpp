// Reliability with real processes and real signals: `clausewatch import-ota` killed with SIGKILL at
// random points, and two processes writing into one archive at once.
#define BOOST_TEST_MODULE archive_reliability
#include <cstdio>
#include <fcntl.h>
#include <map>
#include <random>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "archive/archive.h"
#include "archive/ota_dataset.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace {

// A dataset of `services` services x 2 documents x `versions` versions, each version a few KB that
// grows and changes like a real policy.
void make_dataset(const fs::path& root, int first_service, int services, int versions) {
  for (int s = first_service; s < first_service + services; ++s) {
    for (const char* type : {"Terms of Service", "Privacy Policy"}) {
      std::string text = std::string(type) + " of Service " + std::to_string(s) + "\n\n";
      for (int v = 0; v < versions; ++v) {
        text += "Section " + std::to_string(v) + ". We may process data category " +
                std::to_string(v * 13 % 97) + " for purpose " + std::to_string(v * 7 % 31) +
                " and keep it for " + std::to_string(v + 1) + " months.\n\n";
        char name[64];
        std::snprintf(name, sizeof name, "2025-%02d-%02dT%02d-00-00Z.md", 1 + v / 28, 1 + v % 28,
                      s % 24);
        cw::test::write_file(root / ("Service " + std::to_string(s)) / type / name, text);
      }
    }
  }
}

struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;  // the child's stdout
};

// Starts `clausewatch import-ota <dataset> --log-commits` on the archive in `home`.
Child start_import(const fs::path& home, const fs::path& dataset) {
  int fds[2];
  BOOST_REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDERR_FILENO);
    setenv("CLAUSEWATCH_HOME", home.c_str(), 1);
    execl(CW_CLI_BINARY, CW_CLI_BINARY, "import-ota", dataset.c_str(), "--log-commits",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  return {pid, fdopen(fds[0], "r")};
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file())
      out[fs::relative(e.path(), root).generic_string()] = cw::test::read_file(e.path());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(kill_9_during_import_keeps_every_acknowledged_version) {
  cw::test::TempDir dir;
  const fs::path dataset = dir.path() / "dataset";
  make_dataset(dataset, 0, 3, 40);  // 240 files
  const auto files = tree(dataset);
  std::mt19937 rng(20251125);
  for (int round = 0; round < 6; ++round) {
    const fs::path home = dir.path() / ("home" + std::to_string(round));
    // Kill once or twice per round, then let a final run finish.
    for (int kill_no = 0; kill_no < 2; ++kill_no) {
      Child child = start_import(home, dataset);
      const int wait_lines = std::uniform_int_distribution<int>(0, 120)(rng);
      std::vector<std::string> acknowledged;
      char line[4096];
      while (static_cast<int>(acknowledged.size()) < wait_lines &&
             std::fgets(line, sizeof line, child.out)) {
        std::string s(line);
        if (s.rfind("committed ", 0) == 0) acknowledged.push_back(s.substr(s.find(' ', 10) + 1));
      }
      usleep(std::uniform_int_distribution<int>(0, 4000)(rng));  // land inside a transaction
      kill(child.pid, SIGKILL);
      wait_exit(child.pid);
      // Read what was acknowledged before the kill, even after the line count.
      std::fclose(child.out);

      auto archive = cw::archive::Archive::open(home / "archive.sqlite3");
      BOOST_REQUIRE_MESSAGE(archive.ok(), (archive.ok() ? "" : archive.error().to_string()));
      BOOST_TEST((*archive)->integrity_check().value() == "ok");
      for (auto path : acknowledged) {
        path.pop_back();  // newline
        // path is relative to the dataset: <service>/<type>/<date>.md
        const auto first = path.find('/');
        const auto second = path.find('/', first + 1);
        cw::archive::DocumentKey key{path.substr(0, first), "",
                                     path.substr(first + 1, second - first - 1), ""};
        const std::string stem = path.substr(second + 1, path.size() - second - 4);
        auto seen =
            (*archive)->has_sighting(key, cw::archive::ota_date_to_iso(stem), files.at(path));
        BOOST_TEST((seen.ok() && *seen), "acknowledged sighting lost: " << path);
      }
    }
    // Resuming finishes the job: the archive then holds exactly the dataset.
    Child last = start_import(home, dataset);
    while (std::fgetc(last.out) != EOF) {
    }
    std::fclose(last.out);
    BOOST_REQUIRE(wait_exit(last.pid) == 0);
    auto archive = cw::archive::Archive::open(home / "archive.sqlite3");
    BOOST_REQUIRE(archive.ok());
    auto written = cw::archive::export_ota(**archive, home / "export");
    BOOST_REQUIRE(written.ok());
    BOOST_TEST(*written == static_cast<std::int64_t>(files.size()));
    BOOST_TEST((tree(home / "export") == files));
  }
}

BOOST_AUTO_TEST_CASE(two_processes_writing_at_once_lose_nothing) {
  cw::test::TempDir dir;
  // Overlapping datasets: service 2 is in both, so both processes write the same documents.
  make_dataset(dir.path() / "x", 0, 3, 30);
  make_dataset(dir.path() / "y", 2, 3, 30);
  auto expected = tree(dir.path() / "x");
  for (auto& [k, v] : tree(dir.path() / "y")) expected[k] = v;
  const fs::path home = dir.path() / "home";
  for (int round = 0; round < 2; ++round) {
    Child a = start_import(home, dir.path() / "x");
    Child b = start_import(home, dir.path() / "y");
    while (std::fgetc(a.out) != EOF) {
    }
    while (std::fgetc(b.out) != EOF) {
    }
    std::fclose(a.out);
    std::fclose(b.out);
    BOOST_TEST(wait_exit(a.pid) == 0);
    BOOST_TEST(wait_exit(b.pid) == 0);
  }
  auto archive = cw::archive::Archive::open(home / "archive.sqlite3");
  BOOST_REQUIRE(archive.ok());
  BOOST_TEST((*archive)->integrity_check().value() == "ok");
  auto written = cw::archive::export_ota(**archive, dir.path() / "export");
  BOOST_REQUIRE(written.ok());
  BOOST_TEST(*written == static_cast<std::int64_t>(expected.size()));
  BOOST_TEST((tree(dir.path() / "export") == expected));
}
