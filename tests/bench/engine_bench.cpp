// engine_bench: speed figures for the provision engine (not a test; run it and read the output).
//
//   engine_bench [--mb N] [--json] [--hs-timeout-ms MS] [--hs-db-timeout-ms MS] [--hs-fast-ms MS]
//                [--page-only] [--page-runs N]
//                [--prefilter-report]
//
// 1. Rule pack load: verify the embedded signature, parse and validate, compile (both strategies).
// 2. Scan throughput of the whole pack over ~1 MB of real OTA terms text (every Terms of Service in
//    the corpus tarball, newest versions first, read in place), sentence by sentence, side by
//    side with Hyperscan on the same patterns, Python `re` looping over the patterns, and
//    `grep -E -c`. Hyperscan cannot compile some patterns (long bounded gaps) in time, so the
//    like-for-like ratio runs ours and Hyperscan on exactly the patterns it compiles.
// 3. page.analyze of a 100 KB page in-process: median and p99 of repeated runs, the reply size,
//    and where the engine spends its time. --page-only runs only this part.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <hs/hs.h>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <signal.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "common/allocator.h"
#include "engine/engine.h"
#include "engine/literal_prefilter.h"
#include "engine/pack_store.h"
#include "ota_tarball.h"
#include "protocol/dispatch.h"
#include "protocol/envelope.h"
#include "text/normalize.h"
#include "text/scan_mask.h"
#include "text/segment.h"

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Terms of Service from the OTA tarball, concatenated until `bytes`: the latest version of each
// document first, then the one before it, and so on (distinct texts only), so that there is enough
// real text for the 1 MB the issue asks for.
std::string ota_terms(const std::string& tarball, std::size_t bytes) {
  std::map<std::string, std::map<std::string, std::string>> versions;  // dir -> path -> text
  const std::string problem =
      cw::test::for_each_ota_markdown(tarball, [&](const std::string& path, std::string&& text) {
        if (path.find("/Terms of Service/") != std::string::npos) {
          versions[path.substr(0, path.rfind('/'))][path] = std::move(text);
        }
        return true;
      });
  if (!problem.empty()) {
    std::cerr << problem << '\n';
    std::exit(1);
  }
  std::string out;
  std::set<std::string> seen;
  for (std::size_t rank = 0; out.size() < bytes; ++rank) {
    bool any = false;
    for (auto& [dir, by_path] : versions) {
      if (out.size() >= bytes) break;
      if (rank >= by_path.size()) continue;
      any = true;
      auto it = by_path.rbegin();  // newest first: paths sort by date
      std::advance(it, static_cast<std::ptrdiff_t>(rank));
      if (!seen.insert(it->second).second) continue;
      out += it->second;
      out += "\n\n";
    }
    if (!any) break;
  }
  return out;
}

std::vector<std::string> all_patterns(const cw::engine::RulePack& pack) {
  std::vector<std::string> out;
  for (const auto& p : pack.provisions) out.insert(out.end(), p.patterns.begin(), p.patterns.end());
  return out;
}

// Thread CPU time: on a shared, loaded machine wall time mostly measures waiting for a core.
double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Scan {
  double mb_per_s = 0;      // wall clock, best round
  double cpu_mb_per_s = 0;  // CPU time, best round
  std::size_t hits = 0;
};

// All sentences in one MatchEach(), as Engine::analyze matches a page's sentences.
Scan scan_pattern_set(const cw::engine::PatternSet& set, const std::vector<std::string>& sentences,
                      std::size_t bytes) {
  const std::vector<std::string_view> views(sentences.begin(), sentences.end());
  std::vector<std::vector<int>> hits;
  Scan best;
  for (int round = 0; round < 4; ++round) {  // the first round warms the DFA caches
    std::size_t total = 0;
    const auto start = Clock::now();
    const double start_cpu = cpu_ms();
    set.MatchEach(views, &hits);
    for (std::size_t k = 0; k < views.size(); ++k) total += hits[k].size();
    const double mbs = static_cast<double>(bytes) / 1e6 / (ms_since(start) / 1000);
    const double cpu = static_cast<double>(bytes) / 1e6 / ((cpu_ms() - start_cpu) / 1000);
    if (round > 0) {
      best.mb_per_s = std::max(best.mb_per_s, mbs);
      best.cpu_mb_per_s = std::max(best.cpu_mb_per_s, cpu);
      best.hits = total;
    }
  }
  return best;
}

// Hyperscan flags for one of our patterns: (?i) at the start becomes HS_FLAG_CASELESS. No
// HS_FLAG_UCP: RE2's \\b, \\w and \\s are ASCII too.
std::string hs_expression(const std::string& pattern, unsigned& flags) {
  flags = HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8 | HS_FLAG_ALLOWEMPTY;
  if (pattern.rfind("(?i)", 0) == 0) {
    flags |= HS_FLAG_CASELESS;
    return pattern.substr(4);
  }
  return pattern;
}

// Compiles `pattern` exactly in a child process, so one that takes forever (hs_compile has no
// budget of its own) can be stopped. Returns the compile time in ms, or a negative value on timeout
// (-1) or a compile error (-2).
double hs_probe_exact(const std::string& pattern, double timeout_ms) {
  unsigned flags = 0;
  const std::string expression = hs_expression(pattern, flags);
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    const bool ok =
        hs_compile(expression.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &error) == HS_SUCCESS;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (ms_since(start) > timeout_ms) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    usleep(2000);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -2;
  return ms_since(start);
}

struct HsResult {
  Scan scan;
  std::size_t exact = 0;
  std::size_t prefilter = 0;
  std::vector<std::size_t> prefilter_ids;
  double compile_ms = 0;
  double probe_ms = 0;
  std::vector<std::size_t> exact_ids;  // the patterns Hyperscan compiles exactly
  Scan exact_scan;                     // Hyperscan on those alone
};

// Hyperscan on the same patterns, honestly: each pattern that compiles exactly within the time
// limit is scanned exactly; the others in HS_FLAG_PREFILTER mode (a superset of matches), and each
// of their hits is confirmed with the pattern's RE2, so the count of hits is comparable with ours.
// hs_compile_multi in a child process with a time limit; the database comes back serialised
// through a pipe. Null on timeout or error.
hs_database_t* compile_with_limit(const std::vector<const char*>& expressions,
                                  const std::vector<unsigned>& flags,
                                  const std::vector<unsigned>& ids, double timeout_ms) {
  int fds[2];
  if (pipe(fds) != 0) return nullptr;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr, &db,
                         &error) != HS_SUCCESS) {
      std::fprintf(stderr, "hyperscan: %s\n", error->message);
      _exit(1);
    }
    char* bytes = nullptr;
    std::size_t length = 0;
    if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) _exit(1);
    for (std::size_t done = 0; done < length;) {
      const ssize_t n = write(fds[1], bytes + done, length - done);
      if (n <= 0) _exit(1);
      done += static_cast<std::size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  std::string data;
  const auto start = Clock::now();
  int status = 0;
  bool exited = false;
  while (true) {
    char buffer[1 << 16];
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n > 0) {
      data.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) break;  // the child closed its end
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = true;
    if (ms_since(start) > timeout_ms) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      close(fds[0]);
      return nullptr;
    }
    usleep(2000);
  }
  close(fds[0]);
  if (!exited) waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return nullptr;
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(data.data(), data.size(), &db) != HS_SUCCESS) return nullptr;
  return db;
}

// Scans every sentence with `db` (best of 3 rounds after a warm-up); a hit of a pattern with a
// `confirm` RE2 counts only when that RE2 matches the sentence too.
Scan scan_hs_database(const hs_database_t* db, const std::vector<std::string>& sentences,
                      std::size_t bytes, const std::vector<std::unique_ptr<RE2>>& confirm) {
  Scan best;
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(db, &scratch);
  struct Context {
    std::vector<unsigned> hits;
  } context;
  for (int round = 0; round < 4; ++round) {
    std::size_t total = 0;
    const auto start = Clock::now();
    const double start_cpu = cpu_ms();
    for (const auto& s : sentences) {
      context.hits.clear();
      hs_scan(
          db, s.data(), static_cast<unsigned>(s.size()), 0, scratch,
          [](unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
            static_cast<Context*>(ctx)->hits.push_back(id);
            return 0;
          },
          &context);
      for (unsigned id : context.hits) {
        if (!confirm[id] || RE2::PartialMatch(s, *confirm[id])) ++total;
      }
    }
    const double mbs = static_cast<double>(bytes) / 1e6 / (ms_since(start) / 1000);
    const double cpu = static_cast<double>(bytes) / 1e6 / ((cpu_ms() - start_cpu) / 1000);
    if (round > 0) {
      best.mb_per_s = std::max(best.mb_per_s, mbs);
      best.cpu_mb_per_s = std::max(best.cpu_mb_per_s, cpu);
      best.hits = total;
    }
  }
  hs_free_scratch(scratch);
  return best;
}

HsResult scan_hyperscan(const std::vector<std::string>& patterns,
                        const std::vector<std::string>& sentences, std::size_t bytes,
                        double timeout_ms, double db_timeout_ms, double fast_ms) {
  HsResult result;
  const auto start_probe = Clock::now();
  std::vector<bool> exact(patterns.size(), false);
  std::vector<double> probe_ms(patterns.size(), -1);
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const double ms = hs_probe_exact(patterns[i], timeout_ms);
    probe_ms[i] = ms;
    exact[i] = ms >= 0;
    if (!exact[i]) {
      result.prefilter_ids.push_back(i);
      std::cerr << "hyperscan: pattern " << i << (ms == -1 ? " timed out" : " failed")
                << " in exact mode: " << patterns[i].substr(0, 100) << '\n';
    }
  }
  result.probe_ms = ms_since(start_probe);
  std::vector<std::string> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  std::vector<std::unique_ptr<RE2>> confirm(patterns.size());
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    unsigned f = 0;
    expressions.push_back(hs_expression(patterns[i], f));
    if (!exact[i]) {
      f |= HS_FLAG_PREFILTER;
      RE2::Options options;
      options.set_max_mem(std::int64_t{8} << 20);
      confirm[i] = std::make_unique<RE2>(patterns[i], options);
      ++result.prefilter;
    } else {
      ++result.exact;
    }
    flags.push_back(f);
    ids.push_back(static_cast<unsigned>(i));
  }
  std::vector<const char*> cstrs;
  cstrs.reserve(expressions.size());
  for (auto& e : expressions) cstrs.push_back(e.c_str());
  const auto start_compile = Clock::now();
  hs_database_t* db = compile_with_limit(cstrs, flags, ids, db_timeout_ms);
  if (db == nullptr) {
    // The patterns that compile alone may still blow up together: then everything in prefilter
    // mode, every hit confirmed with RE2.
    std::cerr << "hyperscan: the mixed database did not compile in " << db_timeout_ms
              << " ms; trying all patterns in prefilter mode\n";
    result.prefilter_ids.clear();
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      flags[i] |= HS_FLAG_PREFILTER;
      if (!confirm[i]) confirm[i] = std::make_unique<RE2>(patterns[i]);
      result.prefilter_ids.push_back(i);
    }
    result.exact = 0;
    result.prefilter = patterns.size();
    db = compile_with_limit(cstrs, flags, ids, db_timeout_ms);
  }
  if (db == nullptr) {
    std::cerr << "hyperscan: no database within the time limit\n";
  } else {
    result.compile_ms = ms_since(start_compile);
    result.scan = scan_hs_database(db, sentences, bytes, confirm);
    hs_free_database(db);
  }

  // Like for like: Hyperscan on exactly the patterns it compiles in exact mode, nothing confirmed
  // by RE2 (main() scans ours on the same subset). Patterns that compile alone can still blow up
  // together, so when the database does not compile in time the slower half (by the time each took
  // alone) is left out and it is tried again: the figure then covers fewer patterns, and says so.
  std::vector<std::size_t> subset;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const bool fast_enough = fast_ms <= 0 || (probe_ms[i] >= 0 && probe_ms[i] <= fast_ms);
    if (exact[i] && fast_enough) subset.push_back(i);
  }
  std::stable_sort(subset.begin(), subset.end(),
                   [&](std::size_t a, std::size_t b) { return probe_ms[a] < probe_ms[b]; });
  constexpr std::size_t kSmallestSubset = 16;
  while (subset.size() >= kSmallestSubset) {
    std::vector<std::size_t> ordered = subset;
    std::sort(ordered.begin(), ordered.end());
    std::vector<const char*> exact_expressions;
    std::vector<unsigned> exact_flags;
    std::vector<unsigned> exact_ids;
    for (std::size_t i : ordered) {
      exact_expressions.push_back(cstrs[i]);
      exact_flags.push_back(flags[i] & ~static_cast<unsigned>(HS_FLAG_PREFILTER));
      exact_ids.push_back(static_cast<unsigned>(i));
    }
    if (hs_database_t* exact_db =
            compile_with_limit(exact_expressions, exact_flags, exact_ids, db_timeout_ms)) {
      const std::vector<std::unique_ptr<RE2>> none(patterns.size());
      result.exact_ids = ordered;
      result.exact_scan = scan_hs_database(exact_db, sentences, bytes, none);
      hs_free_database(exact_db);
      break;
    }
    std::cerr << "hyperscan: the exact-only database of " << subset.size()
              << " patterns did not compile in " << db_timeout_ms
              << " ms; trying the faster half\n";
    subset.resize(subset.size() / 2);
  }
  return result;
}

Scan run_python(const std::filesystem::path& dir, std::size_t bytes) {
  const auto script = dir / "scan.py";
  std::ofstream(script) << R"(import json, re, sys, time
pats = [re.compile(p) for p in json.load(open(sys.argv[1]))]
lines = open(sys.argv[2], encoding='utf-8').read().split('\n')
start = time.perf_counter()
start_cpu = time.process_time()
hits = 0
for line in lines:
    for p in pats:
        if p.search(line):
            hits += 1
print(time.perf_counter() - start, time.process_time() - start_cpu, hits)
)";
  const std::string command = "python3 '" + script.string() + "' '" +
                              (dir / "patterns.json").string() + "' '" +
                              (dir / "sentences.txt").string() + "'";
  FILE* pipe = popen(command.c_str(), "r");
  double seconds = 0;
  double cpu_seconds = 0;
  std::size_t hits = 0;
  if (pipe == nullptr || std::fscanf(pipe, "%lf %lf %zu", &seconds, &cpu_seconds, &hits) != 3) {
    return {};
  }
  pclose(pipe);
  return {static_cast<double>(bytes) / 1e6 / seconds,
          static_cast<double>(bytes) / 1e6 / cpu_seconds, hits};
}

Scan run_grep(const std::filesystem::path& dir, const std::vector<std::string>& patterns,
              std::size_t bytes, std::size_t& usable) {
  // GNU grep -E has no inline (?i) or (?:...): case-fold everything with -i and plain groups.
  std::ofstream out(dir / "patterns.ere");
  usable = 0;
  for (auto p : patterns) {
    if (p.rfind("(?i)", 0) == 0) p = p.substr(4);
    for (std::size_t at = p.find("(?:"); at != std::string::npos; at = p.find("(?:"))
      p.erase(at + 1, 2);
    out << p << '\n';
    ++usable;
  }
  out.close();
  const std::string command = "grep -E -i -c -f '" + (dir / "patterns.ere").string() + "' '" +
                              (dir / "sentences.txt").string() + "' > /dev/null";
  rusage before{};
  getrusage(RUSAGE_CHILDREN, &before);
  const auto start = Clock::now();
  const int status = std::system(command.c_str());
  const double seconds = ms_since(start) / 1000;
  rusage after{};
  getrusage(RUSAGE_CHILDREN, &after);
  if (status == -1) return {};
  auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  const double cpu =
      secs(after.ru_utime) + secs(after.ru_stime) - secs(before.ru_utime) - secs(before.ru_stime);
  return {static_cast<double>(bytes) / 1e6 / seconds, static_cast<double>(bytes) / 1e6 / cpu, 0};
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

// --prefilter-report: per pattern (as the engine compiles it), its required literal clauses and
// how many sentences of the 100 KB page it is a candidate in against how many it matches; the
// patterns that cost RE2 runs for nothing come first.
void prefilter_report(const std::vector<std::string>& sentences, const cw::engine::RulePack& pack) {
  std::vector<std::string> page;
  std::size_t page_bytes = 0;
  for (const auto& s : sentences) {
    if (page_bytes >= 100'000) break;
    page.push_back(s);
    page_bytes += s.size();
  }
  const std::vector<std::string> pack_patterns = all_patterns(pack);
  std::vector<std::string> patterns;
  patterns.reserve(pack_patterns.size());
  for (const auto& p : pack_patterns) patterns.push_back(cw::text::scan_pattern(p));
  std::vector<cw::engine::RequiredLiterals> required;
  required.reserve(patterns.size());
  for (const auto& p : patterns) required.push_back(cw::engine::required_literals(p));
  const cw::engine::LiteralPrefilter prefilter(required);
  std::vector<std::size_t> candidate(patterns.size(), 0);
  std::vector<std::size_t> confirmed(patterns.size(), 0);
  std::vector<std::unique_ptr<RE2>> each;
  each.reserve(patterns.size());
  for (const auto& p : patterns) each.push_back(std::make_unique<RE2>(p));
  std::vector<double> cost_us(patterns.size(), 0);  // CPU per pattern, warm (best of 5 rounds)
  std::vector<int> hits;
  std::string masked;
  for (int round = 0; round < 6; ++round) {
    std::vector<double> round_us(patterns.size(), 0);
    for (const auto& s : page) {
      const std::string_view view = cw::text::scan_view(s, masked);
      hits.clear();
      prefilter.candidates(view, &hits);
      for (int h : hits) {
        const auto index = static_cast<std::size_t>(h);
        const double start = cpu_ms();
        const bool matched =
            RE2::PartialMatch(re2::StringPiece(view.data(), view.size()), *each[index]);
        round_us[index] += (cpu_ms() - start) * 1e3;
        if (round > 0) continue;
        ++candidate[index];
        if (matched) ++confirmed[index];
      }
    }
    if (round == 0) continue;  // the first round builds the DFAs
    for (std::size_t i = 0; i < patterns.size(); ++i)
      cost_us[i] = round == 1 ? round_us[i] : std::min(cost_us[i], round_us[i]);
  }
  {
    std::vector<std::size_t> by_cost(patterns.size());
    for (std::size_t i = 0; i < by_cost.size(); ++i) by_cost[i] = i;
    std::sort(by_cost.begin(), by_cost.end(),
              [&](std::size_t a, std::size_t b) { return cost_us[a] > cost_us[b]; });
    double total_us = 0;
    for (double c : cost_us) total_us += c;
    std::cout << "RE2 confirm cost, warm, whole page: " << total_us << " us; costliest:\n";
    for (std::size_t k = 0; k < 25 && k < by_cost.size(); ++k) {
      const std::size_t i = by_cost[k];
      std::cout << "  " << cost_us[i] << " us, " << candidate[i] << " cand, " << confirmed[i]
                << " match: " << patterns[i].substr(0, 140) << "\n";
    }
  }
  std::vector<std::size_t> order(patterns.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return candidate[a] - confirmed[a] > candidate[b] - confirmed[b];
  });
  std::size_t total = 0;
  std::size_t total_confirmed = 0;
  for (std::size_t i : order) {
    total += candidate[i];
    total_confirmed += confirmed[i];
    if (candidate[i] == confirmed[i]) continue;
    std::cout << candidate[i] << " candidates, " << confirmed[i] << " matched: " << patterns[i]
              << "\n   clauses:";
    for (const auto& clause : required[i].clauses) {
      std::cout << " {";
      for (std::size_t k = 0; k < clause.size() && k < 8; ++k)
        std::cout << (k ? "|" : "") << clause[k];
      if (clause.size() > 8) std::cout << "|...(" << clause.size() << ")";
      std::cout << "}";
    }
    std::cout << '\n';
  }
  std::cout << page.size() << " sentences, " << total << " candidates, " << total_confirmed
            << " matched, prefilter " << prefilter.literal_count() << " literals, "
            << prefilter.state_count() << " states\n";
}

// 3. page.analyze of a 100 KB page (the first sentences of the text), in-process through the
// dispatcher, then the engine alone on the same blocks.
void page_figures(const std::vector<std::string>& sentences, const cw::engine::TrustAnchor& anchor,
                  int runs_wanted, nlohmann::json& report) {
  nlohmann::json blocks = nlohmann::json::array();
  std::size_t page_bytes = 0;
  for (const auto& s : sentences) {
    if (page_bytes >= 100'000) break;
    blocks.push_back({{"kind", "paragraph"}, {"text", s}});
    page_bytes += s.size();
  }
  const std::string request = nlohmann::json{
      {"id", 1},
      {"type", "page.analyze"},
      {"payload",
       {{"url", "https://example.com/terms"},
        {"title", "Terms"},
        {"blocks", blocks}}}}.dump();
  cw::ActionContext ctx(
      cw::HostConfig{std::filesystem::temp_directory_path() / "cw-bench-none", "bench", "bench"});
  std::vector<double> runs;
  std::vector<double> runs_cpu;
  double first_ms = 0;
  std::size_t reply_bytes = 0;
  for (int i = 0; i < 10 + runs_wanted; ++i) {
    const auto start = Clock::now();
    const double start_cpu = cpu_ms();
    const std::string reply = cw::handle_message(request, ctx);
    reply_bytes = reply.size();
    if (i == 0) first_ms = ms_since(start);  // loads the pack, compiles the patterns it needs
    if (i >= 10) {
      runs.push_back(ms_since(start));
      runs_cpu.push_back(cpu_ms() - start_cpu);
    }
  }
  if (const char* dump =
          std::getenv("CW_BENCH_DUMP_REPLY")) {  // the whole reply, to compare builds
    std::ofstream(dump) << cw::handle_message(request, ctx) << '\n';
  }
  // The dispatch path in its parts (CPU ms, medians): parsing the request, the action (engine,
  // reply building, archive), serialising the reply.
  std::vector<double> parse_cpu;
  std::vector<double> action_cpu;
  std::vector<double> dump_cpu;
  const cw::ActionSpec* page_action = cw::find_action("page.analyze");
  for (int i = 0; i < 10 + runs_wanted; ++i) {
    nlohmann::json id;
    double t0 = cpu_ms();
    auto parsed = cw::parse_request(request, id);
    double t1 = cpu_ms();
    auto result = page_action->handler(parsed->payload, ctx);
    double t2 = cpu_ms();
    const std::string text = cw::serialize_reply(cw::make_ok_reply(id, std::move(*result)));
    double t3 = cpu_ms();
    if (i >= 10) {
      parse_cpu.push_back(t1 - t0);
      action_cpu.push_back(t2 - t1);
      dump_cpu.push_back(t3 - t2);
    }
  }
  // The engine alone on the same blocks (page.analyze above also records the page in the archive).
  auto active = cw::engine::load_active_pack({}, anchor);
  std::vector<cw::engine::PageBlock> page_blocks;
  for (const auto& b : blocks)
    page_blocks.push_back({b["text"].get_ref<const std::string&>(), false});
  std::vector<double> engine_runs;
  std::vector<double> engine_cpu;
  for (int i = 0; i < 10 + runs_wanted; ++i) {
    const auto start = Clock::now();
    const double start_cpu = cpu_ms();
    auto findings = active->engine.analyze(page_blocks, "Terms of Service");
    if (i >= 10) {
      engine_runs.push_back(ms_since(start));
      engine_cpu.push_back(cpu_ms() - start_cpu);
    }
  }
  if (const char* dump = std::getenv("CW_BENCH_DUMP_FINDINGS")) {  // to compare two builds
    std::ofstream out(dump);
    auto findings = active->engine.analyze(page_blocks, "Terms of Service");
    for (const auto& f : *findings) out << cw::engine::to_json(f).dump() << '\n';
  }
  // Where the engine's time goes: normalise + segment the joined page (as Engine::analyze does),
  // the literal prefilter alone, then the pattern set (prefilter + RE2) on every sentence.
  std::string joined;
  std::vector<std::size_t> block_begin;
  cw::engine::join_blocks(page_blocks, joined, block_begin);
  std::vector<double> text_cpu;
  std::vector<double> match_cpu;
  std::vector<double> prefilter_cpu;
  std::vector<double> prefilter_one_by_one_cpu;  // one candidates() call per sentence
  std::vector<std::string> page_sentences;
  for (int i = 0; i < 30; ++i) {
    const double start_text = cpu_ms();
    const auto normalized = cw::text::normalize(joined);
    const auto segments = cw::text::segment(normalized);
    text_cpu.push_back(cpu_ms() - start_text);
    if (i == 0) {
      for (const auto& s : segments.sentences)
        page_sentences.push_back(normalized.text.substr(s.span.begin, s.span.end - s.span.begin));
    }
  }
  // Building the prefilter (part of every host start): reading the patterns' literals, then the
  // automaton; best of 5.
  std::vector<cw::engine::RequiredLiterals> required;
  double read_ms = 1e9;
  double automaton_ms = 1e9;
  for (int i = 0; i < 5; ++i) {
    required.clear();
    const double start_read = cpu_ms();
    for (const auto& p : all_patterns(active->engine.pack()))  // as the engine compiles them
      required.push_back(cw::engine::required_literals(cw::text::scan_pattern(p)));
    const double start_automaton = cpu_ms();
    const cw::engine::LiteralPrefilter built(required);
    read_ms = std::min(read_ms, start_automaton - start_read);
    automaton_ms = std::min(automaton_ms, cpu_ms() - start_automaton);
  }
  const cw::engine::LiteralPrefilter prefilter(required);
  report["prefilter_build"] = {{"read_literals_cpu_ms", read_ms},
                               {"automaton_cpu_ms", automaton_ms},
                               {"literals", prefilter.literal_count()},
                               {"states", prefilter.state_count()},
                               {"table_bytes", prefilter.table_bytes()}};
  // The sentences as the rules scan them (dots masked), as Engine::analyze hands them over.
  std::vector<std::string> scan_texts;
  scan_texts.reserve(page_sentences.size());
  std::string masked;
  for (const auto& s : page_sentences) scan_texts.emplace_back(cw::text::scan_view(s, masked));
  const std::vector<std::string_view> views(scan_texts.begin(), scan_texts.end());
  std::size_t candidate_count = 0;
  std::size_t confirmed = 0;
  std::vector<int> hits;
  std::vector<std::vector<int>> each;
  for (int i = 0; i < 30; ++i) {
    const double start_prefilter = cpu_ms();
    prefilter.candidates_each(views, &each);
    prefilter_cpu.push_back(cpu_ms() - start_prefilter);
    candidate_count = 0;
    for (std::size_t k = 0; k < views.size(); ++k) candidate_count += each[k].size();
    // One call per sentence instead, to show what scanning sentences in step saves.
    const double start_one_by_one = cpu_ms();
    for (const auto& v : views) {
      hits.clear();
      prefilter.candidates(v, &hits);
    }
    prefilter_one_by_one_cpu.push_back(cpu_ms() - start_one_by_one);
    const double start_match = cpu_ms();
    active->engine.patterns().MatchEach(views, &each);
    match_cpu.push_back(cpu_ms() - start_match);
    confirmed = 0;
    for (std::size_t k = 0; k < views.size(); ++k) confirmed += each[k].size();
  }
  report["engine_analyze_100kb"]["sentences"] = page_sentences.size();
  report["engine_analyze_100kb"]["prefilter_candidates"] = candidate_count;
  report["engine_analyze_100kb"]["confirmed_by_re2"] = confirmed;
  report["engine_analyze_100kb"]["prefilter_cpu_ms"] = percentile(prefilter_cpu, 0.5);
  report["engine_analyze_100kb"]["prefilter_one_call_per_sentence_cpu_ms"] =
      percentile(prefilter_one_by_one_cpu, 0.5);
  report["engine_analyze_100kb"].update(
      nlohmann::json{{"normalize_segment_cpu_ms", percentile(text_cpu, 0.5)},
                     {"pattern_match_cpu_ms", percentile(match_cpu, 0.5)},
                     {"median_ms", percentile(engine_runs, 0.5)},
                     {"min_cpu_ms", percentile(engine_cpu, 0)},  // steadier on a busy machine
                     {"p99_ms", percentile(engine_runs, 0.99)},
                     {"median_cpu_ms", percentile(engine_cpu, 0.5)}});
  report["page_analyze_100kb"] = {{"bytes", page_bytes},
                                  {"reply_bytes", reply_bytes},
                                  {"first_ms", first_ms},
                                  {"median_ms", percentile(runs, 0.5)},
                                  {"p99_ms", percentile(runs, 0.99)},
                                  {"median_cpu_ms", percentile(runs_cpu, 0.5)},
                                  {"min_cpu_ms", percentile(runs_cpu, 0)},
                                  {"parse_request_cpu_ms", percentile(parse_cpu, 0.5)},
                                  {"action_cpu_ms", percentile(action_cpu, 0.5)},
                                  {"serialize_reply_cpu_ms", percentile(dump_cpu, 0.5)}};
}

}  // namespace

int main(int argc, char** argv) {
  (void)
      cw::keep_freed_memory_for_reuse();  // as the host process does, for the page.analyze figures
  double target_mb = 1.0;
  bool as_json = false;
  bool page_only = false;
  double hs_timeout_ms = 5000;
  double hs_db_timeout_ms = 60000;
  double hs_fast_ms = 0;
  int page_runs = 50;
  bool report_prefilter = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--mb" && i + 1 < argc)
      target_mb = std::atof(argv[++i]);
    else if (arg == "--json")
      as_json = true;
    else if (arg == "--hs-timeout-ms" && i + 1 < argc)
      hs_timeout_ms = std::atof(argv[++i]);
    else if (arg == "--hs-db-timeout-ms" && i + 1 < argc)
      hs_db_timeout_ms = std::atof(argv[++i]);
    else if (arg == "--hs-fast-ms" && i + 1 < argc)
      hs_fast_ms = std::atof(argv[++i]);
    else if (arg == "--page-only")  // only the page.analyze figures (for profiling)
      page_only = true;
    else if (arg == "--prefilter-report")  // per-pattern candidates vs matches on the page
      report_prefilter = true;
    else if (arg == "--page-runs" && i + 1 < argc)  // timed runs of each (for profiling)
      page_runs = std::max(1, std::atoi(argv[++i]));
  }
  nlohmann::json report;

  // 1. Load.
  const auto anchor = cw::engine::builtin_anchor();
  std::vector<double> loads;
  std::vector<double> compiles;
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    auto active = cw::engine::load_active_pack({}, anchor);
    loads.push_back(ms_since(start));
    if (!active) {
      std::cerr << active.error().to_string() << '\n';
      return 1;
    }
    const auto start_compile = Clock::now();
    if (auto status = active->engine.ensure_compiled(); !status) {
      std::cerr << status.error().to_string() << '\n';
      return 1;
    }
    compiles.push_back(ms_since(start_compile));
  }
  // load_active_pack: verify the signature, parse and validate, build the literal prefilter. Each
  // pattern's RE2 is compiled when first needed; "deferred_compile" is all of them at once.
  report["load_verify_ms_median"] = percentile(loads, 0.5);
  report["deferred_compile_ms_median"] = percentile(compiles, 0.5);
  report["load_verify_compile_ms_median"] = report["load_verify_ms_median"].get<double>() +
                                            report["deferred_compile_ms_median"].get<double>();
  auto pack = cw::engine::parse_pack_blob(anchor.blob, "built-in");
  const auto patterns = all_patterns(*pack);
  report["provisions"] = pack->provisions.size();
  report["patterns"] = patterns.size();

  auto compile_set = [&](cw::engine::PatternSet::Strategy strategy, double& ms) {
    cw::engine::PatternSet::Options options;
    options.strategy = strategy;
    cw::engine::PatternSet set(options);
    const auto start = Clock::now();
    for (const auto& p : patterns) set.Add(p, nullptr);
    set.Compile(nullptr);
    ms = ms_since(start);
    return set;
  };
  double prefilter_ms = 0;
  double set_ms = 0;
  auto prefiltered = compile_set(cw::engine::PatternSet::Strategy::kPrefiltered, prefilter_ms);
  auto whole_set = compile_set(cw::engine::PatternSet::Strategy::kSet, set_ms);
  report["compile_ms"] = {{"prefiltered", prefilter_ms}, {"re2_set", set_ms}};
  report["prefilter_atoms"] = prefiltered.atom_count();

  // 2. Throughput over real text, per normalised sentence.
  const std::string corpus = std::string(CW_CORPUS_DIR) + "/ota/versions.tar.zst";
  const std::string text = ota_terms(corpus, static_cast<std::size_t>(target_mb * 1e6));
  const auto normalized = cw::text::normalize(text);
  const auto segments = cw::text::segment(normalized);
  std::vector<std::string> sentences;
  std::size_t bytes = 0;
  for (const auto& s : segments.sentences) {
    std::string sentence = normalized.text.substr(s.span.begin, s.span.end - s.span.begin);
    std::replace(sentence.begin(), sentence.end(), '\n', ' ');
    bytes += sentence.size();
    sentences.push_back(std::move(sentence));
  }
  report["text_bytes"] = bytes;
  report["sentences"] = sentences.size();
  double norm_cpu = 1e9;
  double seg_cpu = 1e9;
  std::size_t normalized_bytes = 0;
  for (int round = 0; round < 3; ++round) {
    const double start_norm = cpu_ms();
    const auto again = cw::text::normalize(text);
    norm_cpu = std::min(norm_cpu, cpu_ms() - start_norm);
    const double start_seg = cpu_ms();
    const auto again_segments = cw::text::segment(again);
    seg_cpu = std::min(seg_cpu, cpu_ms() - start_seg);
    normalized_bytes = again.text.size();
  }
  report["normalize_cpu_mb_per_s"] = static_cast<double>(text.size()) / 1e6 / (norm_cpu / 1000);
  report["segment_cpu_mb_per_s"] = static_cast<double>(normalized_bytes) / 1e6 / (seg_cpu / 1000);

  if (report_prefilter) {
    prefilter_report(sentences, *pack);
    return 0;
  }
  if (page_only) {
    page_figures(sentences, anchor, page_runs, report);
    std::cout << report.dump(2) << '\n';
    return 0;
  }
  const Scan ours = scan_pattern_set(prefiltered, sentences, bytes);
  const Scan set_scan = scan_pattern_set(whole_set, sentences, bytes);
  std::cerr << "clausewatch " << ours.cpu_mb_per_s << " MB/s CPU, RE2::Set "
            << set_scan.cpu_mb_per_s << " MB/s CPU\n";
  // The prefilter must never lose a match: compare with every pattern run on every sentence.
  std::size_t mismatches = 0;
  {
    std::vector<std::unique_ptr<RE2>> each;
    each.reserve(patterns.size());
    for (const auto& p : patterns) each.push_back(std::make_unique<RE2>(p));
    std::vector<int> hits;
    std::vector<int> expected;
    const std::vector<std::string_view> views(sentences.begin(), sentences.end());
    std::vector<std::vector<int>> together;
    prefiltered.MatchEach(views, &together);
    for (std::size_t k = 0; k < sentences.size(); ++k) {
      const std::string& s = sentences[k];
      prefiltered.Match(s, &hits);
      expected.clear();
      for (std::size_t i = 0; i < each.size(); ++i) {
        if (RE2::PartialMatch(s, *each[i])) expected.push_back(static_cast<int>(i));
      }
      if (hits != expected || together[k] != expected) ++mismatches;
    }
  }
  report["prefilter_sentences_differing_from_plain_re2"] = mismatches;

  const auto dir =
      std::filesystem::temp_directory_path() / ("cw-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "patterns.json") << nlohmann::json(patterns).dump();
  {
    std::ofstream out(dir / "sentences.txt");
    for (const auto& s : sentences) out << s << '\n';
  }
  const Scan python = run_python(dir, bytes);
  std::size_t grep_patterns = 0;
  const Scan grep = run_grep(dir, patterns, bytes, grep_patterns);
  std::filesystem::remove_all(dir);
  std::cerr << "python re " << python.cpu_mb_per_s << " MB/s CPU, grep " << grep.cpu_mb_per_s
            << " MB/s CPU\n";

  page_figures(sentences, anchor, page_runs, report);
  std::cerr << "page.analyze median " << report["page_analyze_100kb"]["median_ms"] << " ms, engine "
            << report["engine_analyze_100kb"]["median_ms"] << " ms\n";

  const HsResult hs_result =
      scan_hyperscan(patterns, sentences, bytes, hs_timeout_ms, hs_db_timeout_ms, hs_fast_ms);
  const Scan& hs = hs_result.scan;
  const auto hs_patterns = static_cast<int>(hs_result.exact + hs_result.prefilter);
  const double hs_compile_ms = hs_result.compile_ms;
  report["hyperscan"] = {{"exact_patterns", hs_result.exact},
                         {"prefilter_patterns_confirmed_with_re2", hs_result.prefilter},
                         {"prefilter_pattern_ids", hs_result.prefilter_ids},
                         {"probe_timeout_ms", hs_timeout_ms},
                         {"probe_ms", hs_result.probe_ms}};
  report["scan_mb_per_s"] = {{"clausewatch_prefiltered", ours.mb_per_s},
                             {"re2_set_256MiB", set_scan.mb_per_s},
                             {"hyperscan", hs.mb_per_s},
                             {"python_re", python.mb_per_s},
                             {"grep_E_c", grep.mb_per_s}};
  report["scan_cpu_mb_per_s"] = {{"clausewatch_prefiltered", ours.cpu_mb_per_s},
                                 {"re2_set_256MiB", set_scan.cpu_mb_per_s},
                                 {"hyperscan", hs.cpu_mb_per_s},
                                 {"python_re", python.cpu_mb_per_s},
                                 {"grep_E_c", grep.cpu_mb_per_s}};
  report["hits"] = {{"clausewatch_prefiltered", ours.hits},
                    {"re2_set", set_scan.hits},
                    {"hyperscan", hs.hits},
                    {"python_re", python.hits}};
  // Like for like: ours and Hyperscan on exactly the patterns Hyperscan compiles exactly.
  cw::engine::PatternSet subset;
  for (std::size_t i : hs_result.exact_ids) subset.Add(patterns[i], nullptr);
  subset.Compile(nullptr);
  const Scan ours_subset = scan_pattern_set(subset, sentences, bytes);
  const Scan& hs_subset = hs_result.exact_scan;
  report["like_for_like"] = {
      {"patterns", hs_result.exact_ids.size()},
      {"each_compiles_alone_within_ms", hs_fast_ms > 0 ? hs_fast_ms : hs_timeout_ms},
      {"clausewatch_cpu_mb_per_s", ours_subset.cpu_mb_per_s},
      {"hyperscan_cpu_mb_per_s", hs_subset.cpu_mb_per_s},
      {"clausewatch_mb_per_s", ours_subset.mb_per_s},
      {"hyperscan_mb_per_s", hs_subset.mb_per_s},
      {"hits", {{"clausewatch", ours_subset.hits}, {"hyperscan", hs_subset.hits}}},
      {"ratio_vs_hyperscan_cpu",
       hs_subset.cpu_mb_per_s > 0 ? ours_subset.cpu_mb_per_s / hs_subset.cpu_mb_per_s : 0},
      {"ratio_vs_hyperscan_wall",
       hs_subset.mb_per_s > 0 ? ours_subset.mb_per_s / hs_subset.mb_per_s : 0}};
  report["hyperscan_patterns_compiled"] = hs_patterns;
  report["hyperscan_compile_ms"] = hs_compile_ms;
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0; };
  // Ratios on CPU time (the machine is shared; wall-clock ratios are in "ratios_wall").
  report["ratios"] = {{"vs_hyperscan", ratio(ours.cpu_mb_per_s, hs.cpu_mb_per_s)},
                      {"vs_python_re", ratio(ours.cpu_mb_per_s, python.cpu_mb_per_s)},
                      {"vs_grep", ratio(ours.cpu_mb_per_s, grep.cpu_mb_per_s)},
                      {"re2_set_vs_hyperscan", ratio(set_scan.cpu_mb_per_s, hs.cpu_mb_per_s)}};
  report["ratios_wall"] = {{"vs_hyperscan", ratio(ours.mb_per_s, hs.mb_per_s)},
                           {"vs_python_re", ratio(ours.mb_per_s, python.mb_per_s)},
                           {"vs_grep", ratio(ours.mb_per_s, grep.mb_per_s)}};
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) report["load_average"] = {load[0], load[1], load[2]};

  if (as_json) {
    std::cout << report.dump(2) << '\n';
    return 0;
  }
  std::cout << "rule pack: " << report["provisions"] << " provisions, " << report["patterns"]
            << " patterns\n"
            << "host start, verify+validate+prefilter (median of 5): "
            << report["load_verify_ms_median"]
            << " ms; every RE2 at once: " << report["deferred_compile_ms_median"]
            << " ms (done lazily per pattern)\n"
            << "compile: prefiltered " << prefilter_ms << " ms, RE2::Set " << set_ms
            << " ms, Hyperscan " << hs_compile_ms << " ms\n"
            << "text: " << bytes << " bytes in " << sentences.size()
            << " sentences of OTA Terms of Service\n"
            << "normalize " << report["normalize_cpu_mb_per_s"] << " MB/s CPU, segment "
            << report["segment_cpu_mb_per_s"] << " MB/s CPU\n"
            << "scan MB/s (CPU time): clausewatch " << ours.cpu_mb_per_s << ", RE2::Set "
            << set_scan.cpu_mb_per_s << ", Hyperscan " << hs.cpu_mb_per_s << " (" << hs_result.exact
            << " exact + " << hs_result.prefilter << " prefilter confirmed by RE2, of "
            << patterns.size() << " patterns), Python re " << python.cpu_mb_per_s << ", grep -E -c "
            << grep.cpu_mb_per_s << "\n"
            << "hits: " << report["hits"].dump() << ", prefilter vs plain RE2: " << mismatches
            << " sentences differ\n"
            << "like for like, the " << hs_result.exact_ids.size()
            << " patterns Hyperscan compiles exactly: clausewatch " << ours_subset.cpu_mb_per_s
            << " MB/s CPU, Hyperscan " << hs_subset.cpu_mb_per_s << " MB/s CPU, ratio "
            << report["like_for_like"]["ratio_vs_hyperscan_cpu"] << " (wall "
            << report["like_for_like"]["ratio_vs_hyperscan_wall"] << "), hits "
            << report["like_for_like"]["hits"].dump() << "\n"
            << "ratios (CPU): " << report["ratios"].dump() << "\n"
            << "ratios (wall): " << report["ratios_wall"].dump() << "\n"
            << "page.analyze 100 KB: first " << report["page_analyze_100kb"]["first_ms"]
            << " ms, median " << report["page_analyze_100kb"]["median_ms"] << " ms, p99 "
            << report["page_analyze_100kb"]["p99_ms"] << " ms, median CPU "
            << report["page_analyze_100kb"]["median_cpu_ms"]
            << " ms (through dispatch, with archive recording), reply "
            << report["page_analyze_100kb"]["reply_bytes"] << " bytes\n"
            << "engine.analyze 100 KB: median " << report["engine_analyze_100kb"]["median_ms"]
            << " ms, p99 " << report["engine_analyze_100kb"]["p99_ms"] << " ms, median CPU "
            << report["engine_analyze_100kb"]["median_cpu_ms"]
            << " ms; of which (CPU) normalise+segment "
            << report["engine_analyze_100kb"]["normalize_segment_cpu_ms"] << " ms, prefilter "
            << report["engine_analyze_100kb"]["prefilter_cpu_ms"] << " ms, prefilter+RE2 "
            << report["engine_analyze_100kb"]["pattern_match_cpu_ms"] << " ms ("
            << report["engine_analyze_100kb"]["prefilter_candidates"] << " candidates, "
            << report["engine_analyze_100kb"]["confirmed_by_re2"] << " confirmed, "
            << report["engine_analyze_100kb"]["sentences"] << " sentences)\n"
            << "load average: " << report["load_average"].dump() << "\n";
  return 0;
}
