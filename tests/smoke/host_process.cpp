#include "host_process.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cw::testing {
namespace {

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Forks and execs argv with three pipes; returns the child's pid and our ends of the pipes.
pid_t spawn(const std::vector<std::string>& argv, const RunOptions& options, int& in_fd,
            int& out_fd, int* err_fd) {
  int in_pipe[2];
  int out_pipe[2];
  int err_pipe[2] = {-1, -1};
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 ||
      (err_fd != nullptr && ::pipe2(err_pipe, O_CLOEXEC) != 0)) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  ::signal(SIGPIPE, SIG_IGN);  // a child that exits early shows up as EPIPE, not as our death
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    if (err_fd != nullptr) ::dup2(err_pipe[1], 2);
    for (const auto& [name, value] : options.env) ::setenv(name.c_str(), value.c_str(), 1);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  in_fd = in_pipe[1];
  out_fd = out_pipe[0];
  if (err_fd != nullptr) {
    ::close(err_pipe[1]);
    *err_fd = err_pipe[0];
  }
  return pid;
}

void decode_status(int status, int& exit_code, int& term_signal) {
  if (WIFEXITED(status)) {
    exit_code = WEXITSTATUS(status);
    term_signal = 0;
  } else if (WIFSIGNALED(status)) {
    exit_code = -1;
    term_signal = WTERMSIG(status);
  }
}

}  // namespace

std::string frame(std::string_view body) {
  return raw_frame(static_cast<std::uint32_t>(body.size()), body);
}

std::string raw_frame(std::uint32_t length, std::string_view body) {
  std::string out(4, '\0');
  std::memcpy(out.data(), &length, 4);  // native byte order, as browsers write it
  out.append(body);
  return out;
}

std::vector<std::string> split_frames(std::string_view bytes, std::string* rest) {
  std::vector<std::string> frames;
  while (bytes.size() >= 4) {
    std::uint32_t length = 0;
    std::memcpy(&length, bytes.data(), 4);
    if (bytes.size() - 4 < length) break;
    frames.emplace_back(bytes.substr(4, length));
    bytes.remove_prefix(4 + std::size_t{length});
  }
  if (rest != nullptr) *rest = std::string(bytes);
  return frames;
}

RunResult run_process(const std::vector<std::string>& argv, std::string_view input,
                      const RunOptions& options) {
  RunResult result;
  const auto start = std::chrono::steady_clock::now();
  int in_fd = -1;
  int out_fd = -1;
  int err_fd = -1;
  const pid_t pid = spawn(argv, options, in_fd, out_fd, &err_fd);
  set_nonblocking(in_fd);
  set_nonblocking(out_fd);
  set_nonblocking(err_fd);
  if (input.empty()) close_fd(in_fd);

  const auto deadline = start + options.timeout;
  char buffer[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fds[3];
    nfds_t count = 0;
    auto add = [&](int fd, short events) {
      if (fd >= 0) fds[count++] = pollfd{fd, events, 0};
    };
    add(in_fd, POLLOUT);
    add(out_fd, POLLIN);
    add(err_fd, POLLIN);
    const auto wait_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    if (::poll(fds, count, static_cast<int>(wait_ms)) < 0 && errno != EINTR) break;
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in_fd) {
        const ssize_t n = ::write(in_fd, input.data(), input.size());
        if (n > 0) input.remove_prefix(static_cast<std::size_t>(n));
        // EPIPE: the child stopped reading (it exited); what it said is still in stdout.
        if (input.empty() || (n < 0 && errno != EAGAIN && errno != EINTR)) close_fd(in_fd);
      } else {
        int& fd = fds[i].fd == out_fd ? out_fd : err_fd;
        std::string& sink = fds[i].fd == out_fd ? result.out : result.err;
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
          sink.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          close_fd(fd);
        }
      }
    }
  }
  close_fd(in_fd);
  close_fd(out_fd);
  close_fd(err_fd);
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  decode_status(status, result.exit_code, result.term_signal);
  result.max_rss_kib = usage.ru_maxrss;
  result.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  return result;
}

HostSession::HostSession(const std::vector<std::string>& argv, const RunOptions& options) {
  pid_ = spawn(argv, options, in_fd_, out_fd_, nullptr);
}

HostSession::~HostSession() {
  if (pid_ > 0) {
    close_fd(in_fd_);
    close_fd(out_fd_);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

bool HostSession::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(in_fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<std::string> HostSession::read_frame() {
  auto read_exact = [this](char* to, std::size_t size) {
    std::size_t got = 0;
    while (got < size) {
      const ssize_t n = ::read(out_fd_, to + got, size - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    return true;
  };
  std::uint32_t length = 0;
  if (!read_exact(reinterpret_cast<char*>(&length), 4)) return std::nullopt;
  std::string body(length, '\0');
  if (!read_exact(body.data(), length)) return std::nullopt;
  return body;
}

void HostSession::close_input() {
  close_fd(in_fd_);
}

long HostSession::peak_rss_kib() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

int HostSession::finish() {
  close_fd(in_fd_);
  char sink[4096];
  while (::read(out_fd_, sink, sizeof sink) > 0) {
  }
  close_fd(out_fd_);
  int status = 0;
  rusage usage{};
  while (::wait4(pid_, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  cpu_time_ = std::chrono::seconds(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
              std::chrono::microseconds(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  int code = -1;
  int sig = 0;
  decode_status(status, code, sig);
  return code;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cw-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace cw::testing
