// archive_bench: figures for the archive and change detection on the shared OTA corpus.
//
//   archive_bench [--corpus DIR] [--git] [--examples N] [--keep] [--with-analysis-only]
//
// Prints: import time; archive size vs `tar | zstd -19 --long=27` of the same files (and vs git
// with
// --git), measured in this run; read of any version; diff of two ~100 KB versions; recording an
// unchanged page; then the noise report: per document and overall, how many versions count as
// meaningful changes, what was suppressed and why, with examples.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <time.h>
#include <unistd.h>
#include <vector>

#include <sqlite3.h>

#include "archive/archive.h"
#include "archive/ota_dataset.h"
#include "archive/service.h"
#include "changes/diff.h"
#include "engine/pack_store.h"
#include "protocol/dispatch.h"
#include "text/normalize.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// CPU time of this thread, and of the whole process (worker threads included), in ms: on a shared
// loaded machine the wall time also counts the time other processes held the cores.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}
double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Stats {
  double median = 0, p99 = 0, max = 0;
};

Stats stats_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return {};
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)], v.back()};
}

std::string shell_output(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::int64_t scalar(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  std::int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return v;
}

double mb(std::int64_t bytes) {
  return static_cast<double>(bytes) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path corpus = CW_CORPUS_DIR;
  bool with_git = false;
  bool keep = false;
  bool skip_plain = false;  // --with-analysis-only: one import instead of two
  int examples = 4;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--corpus" && i + 1 < argc) corpus = argv[++i];
    if (a == "--git") with_git = true;
    if (a == "--keep") keep = true;
    if (a == "--with-analysis-only") skip_plain = true;
    if (a == "--examples" && i + 1 < argc) examples = std::stoi(argv[++i]);
  }
  const fs::path tarball = corpus / "ota" / "versions.tar.zst";
  char tmpl[] = "/tmp/cw-archive-bench-XXXXXX";
  const fs::path work = mkdtemp(tmpl);
  const fs::path db_path = work / "archive.sqlite3";
  std::printf("corpus: %s\nwork dir: %s\n\n", tarball.c_str(), work.c_str());

  // --- Import, twice: without analysis, then with it (what `clausewatch import-ota` gives a user)
  auto t0 = Clock::now();
  auto entries = cw::archive::read_ota_dataset(tarball);
  if (!entries) {
    std::fprintf(stderr, "%s\n", entries.error().to_string().c_str());
    return 1;
  }
  const double read_ms = ms_since(t0);
  std::int64_t raw_bytes = 0;
  for (const auto& e : *entries) raw_bytes += static_cast<std::int64_t>(e.text.size());
  cw::ActionContext engine_ctx(cw::HostConfig{work / "engine", "bench", "import"});
  auto pack = cw::engine::active_pack_for(engine_ctx);
  if (!pack) {
    std::fprintf(stderr, "%s\n", pack.error().to_string().c_str());
    return 1;
  }
  const cw::engine::Engine* rules = &(*pack)->engine;
  if (auto s = rules->ensure_compiled(); !s) return 1;  // not part of the import time
  const fs::path plain_path = work / "plain.sqlite3";
  std::unique_ptr<cw::archive::Archive> archive;
  for (const bool analyze : {false, true}) {
    if (!analyze && skip_plain) continue;
    const fs::path path = analyze ? db_path : plain_path;
    auto opened = cw::archive::Archive::open(path);
    if (!opened) {
      std::fprintf(stderr, "%s\n", opened.error().to_string().c_str());
      return 1;
    }
    cw::archive::ImportOptions options;
    if (analyze) {
      options.analyze =
          [rules](std::string_view text,
                  std::string_view type) -> std::optional<std::vector<cw::engine::Finding>> {
        auto found = rules->analyze_text(text, type);
        if (!found) return std::nullopt;
        return std::move(*found);
      };
    }
    t0 = Clock::now();
    const double cpu0 = process_cpu_ms();
    auto stats = cw::archive::import_ota(**opened, tarball, options);
    const double import_ms = ms_since(t0);
    const double import_cpu_ms = process_cpu_ms() - cpu0;
    if (!stats) {
      std::fprintf(stderr, "%s\n", stats.error().to_string().c_str());
      return 1;
    }
    std::printf(
        "import %s analysis: %lld files (%.1f MB) in %.2f s including reading the .tar.zst "
        "(%.2f s) (target <= 20 s), %.2f s of CPU (all threads); load %s\n",
        analyze ? "with" : "without", static_cast<long long>(stats->files), mb(raw_bytes),
        import_ms / 1000, read_ms / 1000, import_cpu_ms / 1000,
        shell_output("cut -d' ' -f1-3 /proc/loadavg").c_str());
    std::printf(
        "        %lld versions (distinct normalised texts), %lld meaningful (incl. first "
        "versions)\n",
        static_cast<long long>(stats->new_versions), static_cast<long long>(stats->meaningful));
    if (analyze) {
      archive = std::move(*opened);
    } else {
      sqlite3* pdb = (*opened)->handle();
      sqlite3_exec(pdb, "VACUUM", nullptr, nullptr, nullptr);
      sqlite3_wal_checkpoint_v2(pdb, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    }
  }
  const auto plain_size =
      skip_plain ? std::int64_t{0} : static_cast<std::int64_t>(fs::file_size(plain_path));
  std::printf("\n");

  // --- Size
  // ---------------------------------------------------------------------------------------
  sqlite3* db = archive->handle();
  sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  const auto file_before_vacuum = static_cast<std::int64_t>(fs::file_size(db_path));
  sqlite3_exec(db, "VACUUM", nullptr, nullptr, nullptr);
  sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  const auto file_size = static_cast<std::int64_t>(fs::file_size(db_path));
  const std::int64_t blob_bytes = scalar(db, "SELECT sum(length(data)) FROM bodies");
  const std::int64_t bodies = scalar(db, "SELECT count(*) FROM bodies");
  const std::int64_t keyframes = scalar(db, "SELECT count(*) FROM bodies WHERE base_id IS NULL");
  t0 = Clock::now();
  const std::string peer =
      shell_output("zstd -dc '" + tarball.string() + "' | zstd -19 --long=27 -T2 -q -c | wc -c");
  const double peer_ms = ms_since(t0);
  const std::int64_t peer_bytes = std::stoll(peer.empty() ? "0" : peer);
  std::printf(
      "size:   archive file %.2f MB after VACUUM (%.2f MB before), %lld bodies (%lld keyframes), "
      "%.2f MB of zstd frames\n",
      mb(file_size), mb(file_before_vacuum), static_cast<long long>(bodies),
      static_cast<long long>(keyframes), mb(blob_bytes));
  std::printf("        tar | zstd -19 --long=27 of the same files: %.2f MB (%.0f s)\n",
              mb(peer_bytes), peer_ms / 1000);
  std::printf(
      "        ratio archive / tar|zstd: %.2f with findings (target <= 2); without analysis "
      "%.2f MB, ratio %.2f\n",
      static_cast<double>(file_size) / static_cast<double>(peer_bytes), mb(plain_size),
      static_cast<double>(plain_size) / static_cast<double>(peer_bytes));
  {
    // Where the bytes are: each table with its indexes (dbstat), in the analysed archive.
    sqlite3_stmt* st = nullptr;
    std::string line = "        by table (MB):";
    if (sqlite3_prepare_v2(
            db,
            "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d "
            "LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1 ORDER BY 2 DESC",
            -1, &st, nullptr) == SQLITE_OK) {
      while (sqlite3_step(st) == SQLITE_ROW) {
        char part[96];
        std::snprintf(part, sizeof part, " %s %.2f",
                      reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                      mb(sqlite3_column_int64(st, 1)));
        line += part;
      }
    }
    sqlite3_finalize(st);
    std::printf("%s\n", line.c_str());
    std::printf("        findings: %lld rows, %.2f MB of json\n",
                static_cast<long long>(scalar(db, "SELECT count(*) FROM findings")),
                mb(scalar(db, "SELECT sum(length(json)) FROM findings")));
  }
  if (with_git) {
    // Git storing the same history the way OTA does: one commit per version in date order, one
    // file per document, then `git gc --aggressive`. fast-import writes the commits (a `git
    // commit` process per version would measure process start-up, not storage).
    const fs::path repo = work / "git";
    fs::create_directories(repo);
    shell_output("git init -q '" + repo.string() + "'");
    std::vector<const cw::archive::OtaEntry*> by_date;
    for (const auto& e : *entries) by_date.push_back(&e);
    std::stable_sort(by_date.begin(), by_date.end(),
                     [](auto* a, auto* b) { return a->seen_at < b->seen_at; });
    t0 = Clock::now();
    FILE* fi = popen(("cd '" + repo.string() + "' && git fast-import --quiet").c_str(), "w");
    if (fi != nullptr) {
      std::int64_t when = 1700000000;
      for (const auto* e : by_date) {
        std::fprintf(fi,
                     "commit refs/heads/main\ncommitter b <b@x> %lld +0000\ndata 1\nv\n"
                     "M 644 inline \"%s/%s.md\"\ndata %zu\n",
                     static_cast<long long>(when++), e->service.c_str(), e->terms_type.c_str(),
                     e->text.size());
        std::fwrite(e->text.data(), 1, e->text.size(), fi);
        std::fputc('\n', fi);
      }
      pclose(fi);
    }
    shell_output("cd '" + repo.string() + "' && git gc -q --aggressive --prune=now");
    const std::string git_bytes =
        shell_output("du -sb '" + (repo / ".git").string() + "' | cut -f1");
    const std::string pack_bytes =
        shell_output("cd '" + repo.string() +
                     "' && git count-objects -v | grep size-pack | awk '{print $2*1024}'");
    std::printf(
        "        git (one commit per version, gc --aggressive): .git %.2f MB, pack %.2f MB (%.0f "
        "s); archive / .git = %.2f, archive / pack = %.2f\n",
        mb(std::stoll(git_bytes)), mb(std::stoll(pack_bytes)), ms_since(t0) / 1000,
        static_cast<double>(file_size) / std::stod(git_bytes),
        static_cast<double>(file_size) / std::stod(pack_bytes));
  }
  std::printf("\n");

  // --- Read any version (a new connection, so no cache helps)
  // -------------------------------------
  archive.reset();
  auto reader = cw::archive::Archive::open(db_path).value();
  std::vector<std::int64_t> ids;
  {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(reader->handle(), "SELECT id FROM versions", -1, &st, nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
  }
  std::mt19937 rng(7);
  std::shuffle(ids.begin(), ids.end(), rng);
  std::vector<double> reads, read_cpu;
  std::int64_t read_ok = 0;
  for (std::size_t i = 0; i < ids.size() && i < 2000; ++i) {
    t0 = Clock::now();
    const double c0 = thread_cpu_ms();
    auto text = reader->version_text(ids[i]);
    read_cpu.push_back(thread_cpu_ms() - c0);
    reads.push_back(ms_since(t0));
    read_ok += text.ok() ? 1 : 0;
  }
  const auto rs = stats_of(reads);
  const auto rc = stats_of(read_cpu);
  std::printf(
      "read:   any version, random order, %zu reads (%lld ok): median %.3f ms, p99 %.3f ms, max "
      "%.3f ms (target <= 2 ms)\n",
      reads.size(), static_cast<long long>(read_ok), rs.median, rs.p99, rs.max);
  std::printf(
      "        CPU time of the same reads: median %.3f ms, p99 %.3f ms, max %.3f ms; load %s\n",
      rc.median, rc.p99, rc.max, shell_output("cut -d' ' -f1-3 /proc/loadavg").c_str());

  // Exactness: every file of the corpus reads back byte for byte through the export path.
  t0 = Clock::now();
  auto exported = cw::archive::export_ota(*reader, work / "export");
  std::int64_t identical = 0;
  if (exported) {
    for (const auto& e : *entries) {
      const fs::path f = work / "export" / e.service / e.terms_type /
                         (cw::archive::iso_to_ota_date(e.seen_at) + ".md");
      std::ifstream in(f, std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      identical += s.str() == e.text ? 1 : 0;
    }
  }
  std::printf("exact:  export wrote %lld files; %lld of %zu identical to the corpus (%.1f s)\n",
              static_cast<long long>(exported ? *exported : -1), static_cast<long long>(identical),
              entries->size(), ms_since(t0) / 1000);

  // --- Diff of two ~100 KB versions
  // ----------------------------------------------------------------
  {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(
        reader->handle(),
        "SELECT v.compared_to, v.id, b.size FROM versions v JOIN bodies b ON b.id = v.body_id "
        "WHERE v.verdict = 'change' AND b.size BETWEEN 80000 AND 130000 ORDER BY abs(b.size - "
        "100000) LIMIT 20",
        -1, &st, nullptr);
    std::vector<double> diffs, diff_cpu, actions;
    cw::ActionContext ctx(cw::HostConfig{work, "bench", "browser"});
    while (sqlite3_step(st) == SQLITE_ROW) {
      const auto from = sqlite3_column_int64(st, 0), to = sqlite3_column_int64(st, 1);
      const auto a = cw::text::normalize(reader->version_text(from).value()).text;
      const auto b = cw::text::normalize(reader->version_text(to).value()).text;
      for (int rep = 0; rep < 3; ++rep) {
        t0 = Clock::now();
        const double c0 = thread_cpu_ms();
        auto d = cw::changes::diff_texts(a, b);
        diff_cpu.push_back(thread_cpu_ms() - c0);
        diffs.push_back(ms_since(t0));
        (void)d;
      }
      t0 = Clock::now();
      const nlohmann::json req{
          {"id", 1}, {"type", "archive.diff"}, {"payload", {{"from", from}, {"to", to}}}};
      auto reply = cw::handle_message(req.dump(), ctx);
      actions.push_back(ms_since(t0));
    }
    sqlite3_finalize(st);
    const auto ds = stats_of(diffs), dc = stats_of(diff_cpu), as = stats_of(actions);
    std::printf(
        "diff:   two ~100 KB versions (%zu pairs): diff_texts median %.2f ms, max %.2f ms (target "
        "<= 10 ms), CPU time median %.2f ms, max %.2f ms;\n"
        "        whole archive.diff action (read both, normalise, diff, JSON) median %.2f ms, max "
        "%.2f ms\n",
        diffs.size() / 3, ds.median, ds.max, dc.median, dc.max, as.median, as.max);
  }

  // --- Recording an unchanged page
  // -----------------------------------------------------------------
  {
    const fs::path home = work / "record";
    auto rec = cw::archive::Archive::open(home / "archive.sqlite3").value();
    // The corpus version closest to 100 KB, recorded as a browser capture over and over.
    const cw::archive::OtaEntry* page = &entries->front();
    for (const auto& e : *entries) {
      if (std::llabs(static_cast<long long>(e.text.size()) - 100000) <
          std::llabs(static_cast<long long>(page->text.size()) - 100000))
        page = &e;
    }
    std::vector<double> times;
    for (int i = 0; i < 300; ++i) {
      cw::archive::Capture c;
      c.document = {page->service, "", page->terms_type, ""};
      c.text = page->text;
      c.url = "https://example.test/terms";
      char when[32];
      std::snprintf(when, sizeof when, "2026-01-01T%02d:%02d:%02dZ", i / 3600, i / 60 % 60, i % 60);
      c.seen_at = when;
      t0 = Clock::now();
      auto r = rec->record(c);
      times.push_back(ms_since(t0));
      if (!r) return 1;
    }
    times.erase(times.begin());  // the first is a new version
    const auto ts = stats_of(times);
    std::printf(
        "record: unchanged %zu-byte page, %zu times: median %.3f ms, p99 %.3f ms (target <= 1 "
        "ms)\n\n",
        page->text.size(), times.size(), ts.median, ts.p99);
  }

  // --- Noise report
  // --------------------------------------------------------------------------------
  std::map<std::string, std::string> record_type;  // "service|type|date" -> OTA record_type
  {
    std::ifstream in(corpus / "ota" / "index.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object()) continue;
      record_type[j.value("service", "") + "|" + j.value("terms_type", "") + "|" +
                  j.value("date", "")] = j.value("record_type", "");
    }
  }
  std::printf(
      "noise report: OTA versions (files) vs what ClauseWatch counts as meaningful changes\n");
  std::printf("%-58s %6s %6s %7s %6s  %s\n", "document", "files", "texts", "versions", "changes",
              "suppressed (verdict: count)");
  std::map<std::string, std::int64_t> totals;
  std::map<std::string, std::vector<std::string>> example_lines;
  std::int64_t all_files = 0, all_versions = 0, all_meaningful = 0, all_texts = 0;
  std::int64_t tech_total = 0, tech_meaningful = 0, tech_new = 0;
  auto docs = reader->documents();
  for (const auto& d : *docs) {
    auto page = reader->history({d.id, "", "", false, 0, 100000});
    std::map<std::string, std::int64_t> by_verdict;
    std::map<std::int64_t, std::string> verdict_of;
    for (const auto& v : page->versions) {
      ++by_verdict[v.verdict];
      verdict_of[v.id] = v.verdict;
    }
    auto obs = reader->observations(d.id);
    std::set<std::int64_t> bodies_seen;
    std::set<std::int64_t> versions_counted;
    for (const auto& o : *obs) {
      bodies_seen.insert(o.body_id);
      const auto rt = record_type[d.service + "|" + d.terms_type + "|" + o.seen_at];
      if (rt == "technical_upgrade") {
        ++tech_total;
        // A technical upgrade that created a new version: was it judged a meaningful change?
        auto first = std::find_if(obs->begin(), obs->end(),
                                  [&](const auto& x) { return x.version_id == o.version_id; });
        if (first->id == o.id) {
          ++tech_new;
          const auto& vd = verdict_of[o.version_id];
          if (vd == "change" || vd == "first") ++tech_meaningful;
        }
      }
    }
    std::string suppressed;
    for (const auto& [verdict, n] : by_verdict) {
      totals[verdict] += n;
      if (verdict != "first" && verdict != "change")
        suppressed += verdict + ":" + std::to_string(n) + " ";
    }
    const std::int64_t meaningful = by_verdict["change"];
    all_files += d.observations;
    all_versions += d.versions;
    all_meaningful += meaningful;
    all_texts += static_cast<std::int64_t>(bodies_seen.size());
    const std::string name = d.service + " / " + d.terms_type;
    std::printf("%-58.58s %6lld %6zu %7lld %6lld  %s\n", name.c_str(),
                static_cast<long long>(d.observations), bodies_seen.size(),
                static_cast<long long>(d.versions), static_cast<long long>(meaningful),
                suppressed.c_str());
    // Examples: for each suppressed verdict, what changed against the reference version.
    for (const auto& v : page->versions) {
      if (v.verdict == "first" || v.verdict == "change" || !v.compared_to) continue;
      if (static_cast<int>(example_lines[v.verdict].size()) >= examples) continue;
      if (v.verdict != "unavailable" && example_lines[v.verdict].size() > 0 &&
          example_lines[v.verdict].back().find(name) != std::string::npos)
        continue;  // vary documents
      const auto a = cw::text::normalize(reader->version_text(*v.compared_to).value()).text;
      const auto b = cw::text::normalize(reader->version_text(v.id).value()).text;
      const auto diff = cw::changes::diff_texts(a, b);
      std::string shown;
      for (const auto& blk : diff.blocks) {
        if (blk.kind == cw::changes::BlockKind::kUnchanged) continue;
        std::string line = std::string(cw::changes::to_string(blk.kind)) + ": ";
        if (blk.kind == cw::changes::BlockKind::kChanged) {
          for (const auto& w : blk.words) {
            if (w.type == cw::changes::WordChange::Type::kRemoved) line += "[-" + w.text + "-]";
            if (w.type == cw::changes::WordChange::Type::kAdded) line += "{+" + w.text + "+}";
          }
        } else {
          line += blk.kind == cw::changes::BlockKind::kAdded ? blk.after : blk.before;
        }
        shown += "\n      " + line.substr(0, 160);
        if (std::count(shown.begin(), shown.end(), '\n') >= 3) break;
      }
      example_lines[v.verdict].push_back(
          "    " + name + ", version of " + v.first_seen + " vs " + std::to_string(*v.compared_to) +
          ":" +
          (shown.empty() ? std::string("\n      (no block differs after normalisation)") : shown));
    }
  }
  std::printf(
      "\noverall: %lld OTA versions (files), %lld distinct raw texts, %lld ClauseWatch versions "
      "(distinct normalised texts), %lld meaningful changes after the first versions (%lld "
      "documents)\n",
      static_cast<long long>(all_files), static_cast<long long>(all_texts),
      static_cast<long long>(all_versions), static_cast<long long>(all_meaningful),
      static_cast<long long>(docs->size()));
  std::printf("verdicts of the %lld versions:", static_cast<long long>(all_versions));
  for (const auto& [verdict, n] : totals)
    std::printf(" %s=%lld", verdict.c_str(), static_cast<long long>(n));
  std::printf(
      "\nOTA technical upgrades (re-extractions): %lld files, %lld of them a new normalised text, "
      "%lld of those judged meaningful\n\n",
      static_cast<long long>(tech_total), static_cast<long long>(tech_new),
      static_cast<long long>(tech_meaningful));
  std::printf("examples of suppressed versions, by verdict:\n");
  for (const auto& [verdict, lines] : example_lines) {
    std::printf("  %s: %s\n", verdict.c_str(),
                std::string(cw::changes::verdict_reason(cw::changes::verdict_from_string(verdict)))
                    .c_str());
    for (const auto& l : lines) std::printf("%s\n", l.c_str());
  }
  if (!keep) fs::remove_all(work);
  return 0;
}
