// The privacy promise, checked on the real process: while serving every message type it knows, the
// host makes no network system call at all (socket, connect, bind, sendto, ...). strace records
// them.
#define BOOST_TEST_MODULE host_no_socket
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "host_process.h"
#include "version.h"

using cw::testing::frame;
using nlohmann::json;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

BOOST_AUTO_TEST_CASE(host_makes_no_network_system_call_while_serving) {
  const std::string strace = "/usr/bin/strace";
  BOOST_REQUIRE_MESSAGE(std::filesystem::exists(strace),
                        "strace is needed for this test (installer/deps.sh installs it)");
  cw::testing::TempDir home;
  const auto trace = home.path() / "trace.txt";

  // One request of every type the host serves (most with an empty payload, which may be refused:
  // the point is the code path, not the answer), plus a real page for page.analyze.
  const auto listing = cw::testing::run_process({CW_HOST_BINARY, "--list-types"}, "");
  std::string input;
  int id = 0;
  std::vector<std::string> types;
  for (const auto& line : lines_of(listing.out)) types.push_back(line.substr(0, line.find('\t')));
  BOOST_REQUIRE(!types.empty());
  for (const auto& type : types) {
    input += frame(json{{"id", ++id}, {"type", type}, {"payload", json::object()}}.dump());
  }
  const json page{{"url", "https://example.com/terms"},
                  {"title", "Terms of Service"},
                  {"lang", "en"},
                  {"blocks", json::array({{{"kind", "paragraph"},
                                           {"text",
                                            "We may sell your personal information. Any dispute "
                                            "will be resolved by binding arbitration."}}})}};
  input += frame(json{{"id", ++id}, {"type", "page.analyze"}, {"payload", page}}.dump());
  input +=
      frame(json{{"id", ++id}, {"type", "archive.history"}, {"payload", json::object()}}.dump());

  cw::testing::RunOptions options;
  options.env = {{"CLAUSEWATCH_HOME", (home.path() / "data").string()}};
  const auto result =
      cw::testing::run_process({strace, "-f", "-qq", "-e", "trace=%network,execve", "-o",
                                trace.string(), CW_HOST_BINARY, cw::kChromiumOrigin},
                               input, options);
  BOOST_REQUIRE_MESSAGE(result.exit_code == 0, "strace/host failed: " << result.err);
  const auto replies = cw::testing::split_frames(result.out);
  BOOST_CHECK_EQUAL(replies.size(), static_cast<std::size_t>(id));  // it really served them all

  std::ifstream in(trace);
  std::stringstream text;
  text << in.rdbuf();
  bool saw_exec = false;
  for (const auto& line : lines_of(text.str())) {
    if (line.find("execve(") != std::string::npos) {
      saw_exec = true;  // proves the trace recorded this process
      continue;
    }
    BOOST_ERROR("network system call by the host: " << line);
  }
  BOOST_CHECK_MESSAGE(saw_exec, "the trace is empty; strace did not trace the host");
}

// The control: the same strace filter does see a socket when a program makes one (bash's /dev/tcp
// connects to the discard port on 127.0.0.1; refused or not, socket() and connect() are recorded).
BOOST_AUTO_TEST_CASE(the_trace_filter_sees_a_socket_when_there_is_one) {
  cw::testing::TempDir dir;
  const auto trace = dir.path() / "trace.txt";
  cw::testing::run_process(
      {"/usr/bin/strace", "-f", "-qq", "-e", "trace=%network,execve", "-o", trace.string(),
       "/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9 || true"},
      "");
  std::ifstream in(trace);
  std::stringstream text;
  text << in.rdbuf();
  BOOST_CHECK_MESSAGE(text.str().find("socket(") != std::string::npos,
                      "strace recorded no socket() for bash /dev/tcp: " << text.str());
}
