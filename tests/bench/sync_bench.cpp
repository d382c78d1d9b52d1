// Sync benchmark (issue 6, "Measure"): the whole shared OTA corpus imported into archive A, then
//   first sync     A publishes everything, B imports everything (a new device joining)
//   incremental    A records one new version and publishes it; B imports it (median of 7)
//   sizes          archive file vs sync folder, before and after compaction
// Usage: sync_bench [--quick] [--copies N] [--analyze]
//   --quick     a few services only, to check it runs
//   --copies N  import the corpus N times, copies 2..N under other service names ("<service> #2"),
//               as if other devices' browsers had recorded the same documents elsewhere: the corpus
//               has 1,299 distinct versions, so --copies 4 gives 5,196 (issue 6 asks for 5,000)
//   --analyze   import with `clausewatch import-ota`, which stores findings (as a browser's
//               archive has them); otherwise versions are imported without analysis
// CW_SYNC_BENCH_CACHE=FILE keeps the imported archive A there and reuses it on the next run (the
// import is not what is measured, and takes minutes on a loaded machine).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vector>

#include "archive/archive.h"
#include "archive/ota_dataset.h"
#include "sync/archive_store.h"
#include "sync/engine.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// This process's CPU time (user + system), ms: on a shared, loaded machine the wall time says as
// much about the neighbours as about sync.
double cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::uint64_t tree_bytes(const fs::path& dir) {
  std::uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

std::int64_t scalar(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
  sqlite3_step(st);
  const auto v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

template <class T>
T must(cw::Expected<T> e, const char* what) {
  if (!e) {
    std::cerr << what << ": " << e.error().to_string() << '\n';
    std::exit(1);
  }
  return std::move(*e);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  bool analyze = false;
  int copies = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") quick = true;
    if (arg == "--analyze") analyze = true;
    if (arg == "--copies" && i + 1 < argc) copies = std::max(1, std::atoi(argv[++i]));
  }
  const char* cache = std::getenv("CW_SYNC_BENCH_CACHE");
  std::string templ = (fs::temp_directory_path() / "cw-syncbench-XXXXXX").string();
  const fs::path root = ::mkdtemp(templ.data());
  std::string cmd = "tar --zstd -xf '" + std::string(CW_CORPUS_DIR) +
                    "/ota/versions.tar.zst' -C '" + root.string() + "'";
  if (quick) cmd += " 'versions/genai-contrib/Mistral AI' 'versions/genai-contrib/Bolt.new'";
  if (std::system(cmd.c_str()) != 0) return 1;

  auto t0 = Clock::now();
  const bool cached = cache != nullptr && fs::exists(cache);
  // The corpus, then copies 2..N: every service again under another name (hard links to the
  // unpacked corpus files), so the same texts become other documents' versions.
  std::vector<fs::path> sources{root / "versions"};
  for (int copy = 2; copy <= copies && !cached; ++copy) {
    const fs::path mirror = root / ("copy" + std::to_string(copy));
    for (const auto& e : fs::recursive_directory_iterator(root / "versions")) {
      if (!e.is_regular_file()) continue;
      const fs::path rel = fs::relative(e.path(), root / "versions");
      auto it = rel.begin();
      fs::path target = mirror / *it++;                      // collection
      target /= it->string() + " #" + std::to_string(copy);  // service
      for (++it; it != rel.end(); ++it) target /= *it;       // type / date.md
      fs::create_directories(target.parent_path());
      fs::create_hard_link(e.path(), target);
    }
    sources.push_back(mirror);
  }
  if (cached) {
    fs::copy_file(cache, root / "a.sqlite3");
  } else if (analyze) {
    // With findings, as the browser's archive has them: `clausewatch import-ota` analyses each new
    // version with the rule engine.
    for (const auto& source : sources) {
      t0 = Clock::now();
      const std::string run = "CLAUSEWATCH_HOME='" + (root / "ahome").string() + "' '" +
                              CW_CLI_BINARY + "' import-ota '" + source.string() + "' > /dev/null";
      if (std::system(run.c_str()) != 0) return 1;
      std::printf("setup: clausewatch import-ota %s in %.0f ms\n", source.filename().c_str(),
                  ms_since(t0));
    }
    fs::rename(root / "ahome" / "archive.sqlite3", root / "a.sqlite3");
  }
  auto a = must(cw::archive::Archive::open(root / "a.sqlite3"), "open A");
  auto b = must(cw::archive::Archive::open(root / "b.sqlite3"), "open B");
  if (!cached) {
    for (const auto& source : sources) {
      if (analyze) break;
      t0 = Clock::now();
      const auto stats = must(cw::archive::import_ota(*a, source), "import");
      std::printf("setup: imported %s: %lld files (%lld new versions) in %.0f ms\n",
                  source.filename().c_str(), static_cast<long long>(stats.recorded),
                  static_cast<long long>(stats.new_versions), ms_since(t0));
    }
    if (cache != nullptr) {
      (void)scalar(a->handle(), "PRAGMA wal_checkpoint(TRUNCATE)");
      fs::copy_file(root / "a.sqlite3", cache, fs::copy_options::overwrite_existing);
    }
  } else {
    std::printf("setup: archive A from %s\n", cache);
  }

  cw::sync::ArchiveStore store_a(*a);
  cw::sync::ArchiveStore store_b(*b);
  const fs::path folder = root / "folder";
  must(cw::sync::sync_init(store_a, folder, {std::string("bench passphrase"), "A", false}), "init");
  must(cw::sync::sync_join(store_b, folder,
                           {cw::sync::Secret::Kind::kPassphrase, "bench passphrase"}, "B"),
       "join");

  const auto versions = scalar(a->handle(), "SELECT count(*) FROM versions");
  const auto observations = scalar(a->handle(), "SELECT count(*) FROM observations");
  t0 = Clock::now();
  double c0 = cpu_ms();
  auto publish = must(cw::sync::sync_run(store_a), "A first sync");
  const double publish_ms = ms_since(t0);
  const double publish_cpu = cpu_ms() - c0;
  t0 = Clock::now();
  c0 = cpu_ms();
  auto import = must(cw::sync::sync_run(store_b), "B first sync");
  const double import_ms = ms_since(t0);
  const double import_cpu = cpu_ms() - c0;
  std::printf(
      "first sync: %lld versions, %lld observations: publish %.0f ms (A), import %.0f ms (B), "
      "total %.0f ms\n",
      static_cast<long long>(versions), static_cast<long long>(observations), publish_ms, import_ms,
      publish_ms + import_ms);
  std::printf("  CPU time: publish %.0f ms, import %.0f ms, total %.0f ms\n", publish_cpu,
              import_cpu, publish_cpu + import_cpu);
  std::printf("  per 1,000 versions: %.0f ms; scaled to 5,000 versions: %.1f s\n",
              (publish_ms + import_ms) / static_cast<double>(versions) * 1000.0,
              (publish_ms + import_ms) / static_cast<double>(versions) * 5.0);
  const bool same = must(cw::sync::archive_content_summary(a->handle()), "summary A") ==
                    must(cw::sync::archive_content_summary(b->handle()), "summary B");
  std::printf("  B identical to A after the first sync: %s\n", same ? "yes" : "NO");
  (void)publish;
  (void)import;

  // Incremental: one new version of a long document at a time.
  std::vector<double> pub, imp, pub_cpu, imp_cpu;
  for (int i = 0; i < 7; ++i) {
    cw::archive::Capture capture;
    capture.document = {"Bench Service", "bench.example", "Privacy Policy", ""};
    capture.url = "https://bench.example/privacy";
    capture.text = std::string(60'000, 'x') + " revision " + std::to_string(i) + "\n";
    capture.seen_at = "2026-11-25T10:00:0" + std::to_string(i) + "Z";
    capture.origin = cw::archive::Origin::kBrowser;
    must(a->record(capture), "record");
    t0 = Clock::now();
    c0 = cpu_ms();
    must(cw::sync::sync_run(store_a), "A incremental");
    pub.push_back(ms_since(t0));
    pub_cpu.push_back(cpu_ms() - c0);
    t0 = Clock::now();
    c0 = cpu_ms();
    must(cw::sync::sync_run(store_b), "B incremental");
    imp.push_back(ms_since(t0));
    imp_cpu.push_back(cpu_ms() - c0);
  }
  std::sort(pub.begin(), pub.end());
  std::sort(imp.begin(), imp.end());
  std::printf(
      "incremental sync of one new version: publish median %.1f ms (max %.1f), import median %.1f "
      "ms (max %.1f)\n",
      pub[3], pub.back(), imp[3], imp.back());
  std::sort(pub_cpu.begin(), pub_cpu.end());
  std::sort(imp_cpu.begin(), imp_cpu.end());
  std::printf("  CPU time: publish median %.1f ms, import median %.1f ms\n", pub_cpu[3],
              imp_cpu[3]);

  (void)scalar(a->handle(), "PRAGMA wal_checkpoint(TRUNCATE)");
  const auto archive_bytes = fs::file_size(root / "a.sqlite3");
  const auto folder_bytes = tree_bytes(folder);
  std::printf("sizes: archive A %.2f MB, sync folder %.2f MB (%.2fx the archive)\n",
              static_cast<double>(archive_bytes) / 1e6, static_cast<double>(folder_bytes) / 1e6,
              static_cast<double>(folder_bytes) / static_cast<double>(archive_bytes));
  t0 = Clock::now();
  must(cw::sync::sync_run(store_a, {true}), "compact");
  std::printf("after compaction (%.0f ms): sync folder %.2f MB\n", ms_since(t0),
              static_cast<double>(tree_bytes(folder)) / 1e6);

  std::error_code ec;
  fs::remove_all(root, ec);
  return same ? 0 : 1;
}
