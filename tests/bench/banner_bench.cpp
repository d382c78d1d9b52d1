// Judge time in the host: parse + judge + serialise one banner snapshot, in-process, for every
// snapshot the banner_snapshots test saved (real fixtures and written pages captured in Chromium),
// plus a synthetic worst case at a tenth of the limits. Prints median and worst per snapshot.
//   banner_bench [DIR]   (default: the banner_snapshots output folder of this build)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "banner/judge.h"
#include "banner/rules.h"
#include "banner/snapshot.h"
#include "common/bounded_json.h"

namespace fs = std::filesystem;

namespace {

struct Timing {
  double median_us = 0;
  double worst_us = 0;
  // Medians of the three phases: snapshot parse, judge, reply JSON.
  double parse_us = 0;
  double judge_us = 0;
  double json_us = 0;
};

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

Timing time_judge(const nlohmann::json& snapshot_json, const cw::banner::BannerRules& rules,
                  int runs) {
  using Clock = std::chrono::steady_clock;
  auto micros = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::micro>(b - a).count();
  };
  std::vector<double> us, parse_us, judge_us, json_us;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    auto parsed = cw::banner::parse_snapshot(snapshot_json);
    if (!parsed) return {};
    const auto parsed_at = Clock::now();
    const auto verdict = cw::banner::judge(*parsed, rules);
    const auto judged_at = Clock::now();
    const auto result = cw::banner::to_json(*parsed, verdict);
    const auto end = Clock::now();
    if (result.empty()) return {};
    us.push_back(micros(start, end));
    parse_us.push_back(micros(start, parsed_at));
    judge_us.push_back(micros(parsed_at, judged_at));
    json_us.push_back(micros(judged_at, end));
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us.back(), median_of(parse_us), median_of(judge_us),
          median_of(json_us)};
}

nlohmann::json synthetic(std::size_t controls, std::size_t toggles) {
  nlohmann::json first{
      {"kind", "first"}, {"visible", true}, {"text", "We and our 300 partners use cookies."}};
  first["controls"] = nlohmann::json::array();
  for (std::size_t i = 0; i < controls; ++i) {
    first["controls"].push_back(
        {{"tag", i % 3 ? "a" : "button"},
         {"text", i % 2 ? "Accept all cookies" : "Partner " + std::to_string(i)},
         {"color", "rgb(20, 20, 20)"},
         {"background", "rgba(0, 0, 0, 0)"},
         {"effective_background", "rgb(255, 255, 255)"},
         {"box", {{"x", 1}, {"y", 2}, {"width", 100}, {"height", 30}}}});
  }
  nlohmann::json second{
      {"kind", "second"}, {"visible", false}, {"toggles", nlohmann::json::array()}};
  for (std::size_t i = 0; i < toggles; ++i) {
    second["toggles"].push_back(
        {{"label", "Legitimate interest, vendor " + std::to_string(i)}, {"checked", true}});
  }
  return {{"format", 1},
          {"url", "https://bench.example/"},
          {"found", true},
          {"text", "By continuing to browse you accept cookies."},
          {"layers", nlohmann::json::array({first, second})}};
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::path(CW_BANNER_SNAPSHOT_DIR);
  // What the first banner.analyze of a host process pays on top: compiling the rules, then the
  // first judge with cold regex DFAs (the per-snapshot figures below are warm).
  const auto compile_start = std::chrono::steady_clock::now();
  auto rules = cw::banner::BannerRules::instance();
  const auto compile_end = std::chrono::steady_clock::now();
  if (!rules) {
    std::fprintf(stderr, "%s\n", rules.error().to_string().c_str());
    return 2;
  }
  const Timing cold = time_judge(synthetic(40, 10), **rules, 1);
  std::printf(
      "rule compile %.2f ms; first judge in the process (40 controls, 10 switches) %.1f us\n",
      std::chrono::duration<double, std::milli>(compile_end - compile_start).count(),
      cold.median_us);
  constexpr int kRuns = 51;
  std::vector<std::pair<std::string, Timing>> rows;
  if (fs::is_directory(dir)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.path().string().ends_with(".snapshot.json")) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      auto json = cw::parse_bounded_json(text.str());
      if (!json) continue;
      rows.emplace_back(file.filename().string(), time_judge(*json, **rules, kRuns));
    }
  }
  if (rows.empty()) {
    std::printf(
        "No saved snapshots in %s; run `ctest -R banner_snapshots` first for the real ones.\n",
        dir.string().c_str());
  }
  std::vector<double> medians;
  std::printf("Banner judge time (parse + judge + JSON), %d runs each, microseconds\n", kRuns);
  for (const auto& [name, t] : rows) {
    std::printf("  %-60s median %8.1f  worst %8.1f  (parse %6.1f, judge %6.1f, json %6.1f)\n",
                name.c_str(), t.median_us, t.worst_us, t.parse_us, t.judge_us, t.json_us);
    medians.push_back(t.median_us);
  }
  if (!medians.empty()) {
    std::sort(medians.begin(), medians.end());
    std::printf("real snapshots: %zu; median of medians %.1f us; slowest median %.1f us\n",
                medians.size(), medians[medians.size() / 2], medians.back());
  }
  const Timing big = time_judge(synthetic(500, 500), **rules, 11);
  std::printf("synthetic 500 controls + 500 switches: median %.1f us, worst %.1f us\n",
              big.median_us, big.worst_us);
  return 0;
}
