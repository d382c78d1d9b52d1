// Test support: runs a real program (usually clausewatch-host) as a child process over real pipes,
// and builds and splits native-messaging frames. Shared by the smoke tests and
// tests/bench/host_bench.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cw::testing {

// The 4-byte native-order length followed by `body`.
std::string frame(std::string_view body);
// A frame whose header announces `length` bytes, followed by exactly `body` (which may be shorter).
std::string raw_frame(std::uint32_t length, std::string_view body);

// Splits `bytes` into frame bodies. `rest` receives bytes that do not form a whole frame.
std::vector<std::string> split_frames(std::string_view bytes, std::string* rest = nullptr);

struct RunResult {
  std::string out;
  std::string err;
  int exit_code = -1;   // -1 if killed by a signal
  int term_signal = 0;  // the signal that ended it, or 0
  bool timed_out = false;
  // wait4's ru_maxrss: includes what the parent had mapped when it forked, so it is only an upper
  // bound; HostSession::peak_rss_kib is exact.
  long max_rss_kib = 0;
  std::chrono::microseconds elapsed{0};
};

struct RunOptions {
  std::vector<std::pair<std::string, std::string>> env;  // set in the child on top of ours
  std::chrono::milliseconds timeout{30'000};
};

// Starts argv[0] with argv, writes all of `input` to its stdin while reading stdout and stderr,
// closes stdin, and waits for it to exit (killing it after the timeout).
RunResult run_process(const std::vector<std::string>& argv, std::string_view input,
                      const RunOptions& options = {});

// One long-lived child with blocking pipes, for request/reply round trips (benchmarks).
class HostSession {
 public:
  HostSession(const std::vector<std::string>& argv, const RunOptions& options = {});
  ~HostSession();
  HostSession(const HostSession&) = delete;
  HostSession& operator=(const HostSession&) = delete;

  bool send(std::string_view bytes);
  // The next frame body, or nullopt when stdout ended.
  std::optional<std::string> read_frame();
  // Closes stdin; the child sees end of input. Replies can still be read.
  void close_input();
  // The child's peak resident set so far (VmHWM in /proc), or -1. Unlike wait4's ru_maxrss this
  // excludes the parent's memory that fork() mapped into the child before exec.
  [[nodiscard]] long peak_rss_kib() const;
  // Closes stdin, drains stdout and waits; returns the exit code (-1 if signalled).
  int finish();
  [[nodiscard]] pid_t pid() const { return pid_; }
  // User + system CPU time the child used, known after finish().
  [[nodiscard]] std::chrono::microseconds cpu_time() const { return cpu_time_; }

 private:
  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  std::chrono::microseconds cpu_time_{0};
};

// A fresh temporary folder, removed when this object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace cw::testing
