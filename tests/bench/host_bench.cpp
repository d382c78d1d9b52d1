// host_bench: how fast the real clausewatch-host answers over real pipes (issue 2, "Measure").
//   (a) round trip of a ~100 KB page.analyze request on an open session: median, p90, p99, max;
//       the same request through handle_message in-process, i.e. the time spent inside the host
//   (b) cold start: spawn -> first ping reply, and spawn -> first page.analyze reply
//   (c) peak RSS of the host after the round-trip session (VmHWM in /proc/<pid>/status)
// Targets (issue 2): median <= 3 ms in-host, cold start <= 20 ms.
//   host_bench [--runs N] [--cold N] [--bytes N] [--quick]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <time.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/allocator.h"
#include "host_process.h"
#include "protocol/dispatch.h"
#include "version.h"

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int runs = 200;
  int cold = 30;
  std::size_t bytes = std::size_t{100} * 1024;
};

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

struct Summary {
  double median = 0, p90 = 0, p99 = 0, max = 0;
};

Summary summarize(std::vector<double> samples) {
  Summary s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    const auto index =
        static_cast<std::size_t>(std::lround(q * static_cast<double>(samples.size() - 1)));
    return samples[std::min(index, samples.size() - 1)];
  };
  s.median = at(0.5);
  s.p90 = at(0.9);
  s.p99 = at(0.99);
  s.max = samples.back();
  return s;
}

// A synthetic terms page of about `bytes` of text: numbered sections of ordinary contract prose
// with a few of the provisions the rules look for, so the engine does real work on every block.
json make_page(std::size_t bytes) {
  static const std::vector<std::string> sentences = {
      "These terms govern your use of the service and any content you create with it.",
      "We may update the service from time to time to add or remove features.",
      "Any dispute arising from these terms will be resolved by binding arbitration.",
      "You agree to indemnify and hold us harmless from any claims related to your use.",
      "In no event shall we be liable for any indirect or consequential damages.",
      "We may use the content you submit to train and improve our models.",
      "You can opt out of the sale of your personal information in your account settings.",
      "You must be at least eighteen years old, or the age of majority where you live.",
      "Payment is due at the start of each billing period and is not refundable.",
      "We may suspend your account if we reasonably believe you have broken these terms.",
  };
  json blocks = json::array();
  std::size_t total = 0;
  for (int section = 1; total < bytes; ++section) {
    const std::string heading = "Section " + std::to_string(section);
    blocks.push_back({{"kind", "heading"}, {"text", heading}, {"level", 2}});
    total += heading.size();
    std::string paragraph;
    for (std::size_t i = 0; i < 6; ++i) {
      paragraph += sentences[(static_cast<std::size_t>(section) * 7 + i) % sentences.size()];
      paragraph += ' ';
    }
    total += paragraph.size();
    blocks.push_back({{"kind", "paragraph"}, {"text", std::move(paragraph)}});
  }
  return {{"url", "https://bench.example/terms"},
          {"title", "Bench Example Terms of Service"},
          {"lang", "en"},
          {"blocks", std::move(blocks)}};
}

double thread_cpu_micros() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// The machine's load, printed with the figures: wall times on a busy shared machine mislead.
std::string load_average() {
  std::FILE* file = std::fopen("/proc/loadavg", "r");
  if (file == nullptr) return "unknown\n";
  char line[128] = {};
  const bool ok = std::fgets(line, sizeof line, file) != nullptr;
  std::fclose(file);
  return ok ? line : "unknown\n";
}

bool serves(const json& ping_reply, std::string_view type) {
  const json types = ping_reply.is_object()
                         ? ping_reply.value("/result/types"_json_pointer, json::array())
                         : json::array();
  return std::find(types.begin(), types.end(), type) != types.end();
}

}  // namespace

int main(int argc, char** argv) {
  (void)cw::keep_freed_memory_for_reuse();  // as the host process does, for the in-process figures
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::atol(argv[++i]) : 0L; };
    if (arg == "--runs")
      options.runs = static_cast<int>(next());
    else if (arg == "--cold")
      options.cold = static_cast<int>(next());
    else if (arg == "--bytes")
      options.bytes = static_cast<std::size_t>(next());
    else if (arg == "--quick") {
      options.runs = 5;
      options.cold = 3;
    } else {
      std::fprintf(stderr, "usage: host_bench [--runs N] [--cold N] [--bytes N] [--quick]\n");
      return 2;
    }
  }
  if (options.runs < 1 || options.cold < 1) return 2;

  cw::testing::TempDir home;
  cw::testing::RunOptions run_options;
  run_options.env = {{"CLAUSEWATCH_HOME", home.path().string()}};
  const std::vector<std::string> argv_host = {CW_HOST_BINARY, cw::kChromiumOrigin};
  const std::string ping = cw::testing::frame(R"({"id":0,"type":"ping"})");

  // Which request: page.analyze if this host has it, else a ping padded to the same size.
  json ping_reply;
  {
    cw::testing::HostSession probe(argv_host, run_options);
    probe.send(ping);
    ping_reply = json::parse(probe.read_frame().value_or("{}"), nullptr, false);
    probe.finish();
  }
  const bool analyze = serves(ping_reply, "page.analyze");
  json request{{"id", 1}};
  if (analyze) {
    request["type"] = "page.analyze";
    request["payload"] = make_page(options.bytes);
  } else {
    request["type"] = "ping";
    request["payload"] = {{"padding", std::string(options.bytes, 'a')}};
  }
  const std::string body = request.dump();
  const std::string request_frame = cw::testing::frame(body);

  // (a) round trips on one open session, as the extension's port does.
  std::vector<double> round_trips;
  long peak_rss_kib = 0;
  std::size_t reply_bytes = 0;
  bool reply_ok = false;
  {
    cw::testing::HostSession session(argv_host, run_options);
    for (int i = 0; i < 3; ++i) {  // warm-up: first use compiles the rule pack, opens the archive
      session.send(request_frame);
      session.read_frame();
    }
    for (int i = 0; i < options.runs; ++i) {
      const auto start = Clock::now();
      if (!session.send(request_frame)) break;
      const auto reply = session.read_frame();
      round_trips.push_back(micros_since(start));
      if (!reply) break;
      reply_bytes = reply->size();
      reply_ok = json::parse(*reply, nullptr, false).value("ok", false);
    }
    peak_rss_kib = session.peak_rss_kib();
    session.finish();
  }

  // The same request in-process: the host's own time, without pipes and process switches.
  std::vector<double> in_process;
  std::vector<double> in_process_cpu;
  {
    cw::ActionContext ctx(
        cw::HostConfig{home.path() / "in-process", cw::kChromiumOrigin, "browser"});
    for (int i = 0; i < 3; ++i) cw::handle_message(body, ctx);
    for (int i = 0; i < options.runs; ++i) {
      const auto start = Clock::now();
      const double cpu_start = thread_cpu_micros();
      const std::string reply = cw::handle_message(body, ctx);
      in_process_cpu.push_back(thread_cpu_micros() - cpu_start);
      in_process.push_back(micros_since(start));
      if (reply.empty()) return 1;
    }
  }

  // (b) cold starts, a new process per request as sendNativeMessage does: wall time to the first
  // reply, and the CPU time the whole short-lived process used.
  auto cold_start = [&](const std::string& first_request) {
    std::vector<double> wall;
    std::vector<double> cpu;
    for (int i = 0; i < options.cold; ++i) {
      const auto start = Clock::now();
      cw::testing::HostSession session(argv_host, run_options);
      session.send(first_request);
      const auto reply = session.read_frame();
      wall.push_back(micros_since(start));
      session.finish();
      cpu.push_back(static_cast<double>(session.cpu_time().count()));
      if (!reply) break;
    }
    return std::make_pair(summarize(wall), summarize(cpu));
  };
  const auto [cold_ping, cold_ping_cpu] = cold_start(ping);
  const auto [cold_analyze, cold_analyze_cpu] = cold_start(request_frame);

  const Summary rt = summarize(round_trips);
  const Summary ip = summarize(in_process);
  std::printf("clausewatch-host %s benchmark (%s)\n", cw::kVersion, CW_HOST_BINARY);
  std::printf("request: %s, %zu bytes; reply %zu bytes, ok=%s\n",
              analyze ? "page.analyze" : "ping padded (no page.analyze in this host)", body.size(),
              reply_bytes, reply_ok ? "true" : "false");
  std::printf("\n%-44s %6s %9s %9s %9s %9s\n", "measure (ms)", "n", "median", "p90", "p99", "max");
  auto row = [](const char* name, std::size_t n, const Summary& s) {
    std::printf("%-44s %6zu %9.3f %9.3f %9.3f %9.3f\n", name, n, s.median / 1000, s.p90 / 1000,
                s.p99 / 1000, s.max / 1000);
  };
  row("round trip over pipes (open session)", round_trips.size(), rt);
  row("in-host: handle_message in-process", in_process.size(), ip);
  row("  the same, CPU time of the thread", in_process_cpu.size(), summarize(in_process_cpu));
  const auto cold_n = static_cast<std::size_t>(options.cold);
  row("cold start: spawn -> ping reply", cold_n, cold_ping);
  row("  CPU time of that host process (whole run)", cold_n, cold_ping_cpu);
  row(analyze ? "cold start: spawn -> page.analyze reply"
              : "cold start: spawn -> padded ping reply",
      cold_n, cold_analyze);
  row("  CPU time of that host process (whole run)", cold_n, cold_analyze_cpu);
  std::printf("\npeak RSS of the host after %zu round trips: %.1f MiB\n", round_trips.size(),
              static_cast<double>(peak_rss_kib) / 1024.0);
  std::printf("load average at the end: %s", load_average().c_str());
  std::printf("targets: in-host median <= 3 ms (%s), cold start <= 20 ms (%s)\n",
              ip.median <= 3000 ? "met" : "MISSED", cold_ping.median <= 20000 ? "met" : "MISSED");
  return reply_ok ? 0 : 1;
}
