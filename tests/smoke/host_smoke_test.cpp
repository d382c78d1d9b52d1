// Smoke tests of the real clausewatch-host process over real pipes: a recorded request file, every
// kind of bad input from issue 2 ("Bad input gets a clear error, and the host keeps serving"), the
// caller check, and an intact archive afterwards. PROTOCOL.md R-FRAME-*, R-ORIGIN-1 and R-ENV-* are
// the spec.
#define BOOST_TEST_MODULE host_smoke
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "common/limits.h"
#include "host_process.h"
#include "version.h"

namespace fs = std::filesystem;
using cw::testing::frame;
using cw::testing::raw_frame;
using cw::testing::RunResult;
using nlohmann::json;

namespace {

const std::string kHost = CW_HOST_BINARY;
const std::string kOrigin = cw::kChromiumOrigin;
const std::string kPing = R"({"id":"after","type":"ping"})";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every case runs with its own CLAUSEWATCH_HOME, so no test touches a real archive.
struct HostFixture {
  cw::testing::TempDir home;

  RunResult run(std::string_view input, std::vector<std::string> args = {}) const {
    if (args.empty()) args = {kOrigin};
    args.insert(args.begin(), kHost);
    cw::testing::RunOptions options;
    options.env = {{"CLAUSEWATCH_HOME", home.path().string()}};
    return cw::testing::run_process(args, input, options);
  }

  // Runs the host and returns its replies, after checking it exited cleanly and left no partial
  // frame.
  std::vector<json> replies(std::string_view input, int expected_exit = 0,
                            std::vector<std::string> args = {}) const {
    const RunResult result = run(input, std::move(args));
    BOOST_REQUIRE_MESSAGE(!result.timed_out, "the host did not exit; stderr: " << result.err);
    BOOST_REQUIRE_MESSAGE(result.term_signal == 0,
                          "the host died of signal " << result.term_signal);
    BOOST_CHECK_EQUAL(result.exit_code, expected_exit);
    std::string rest;
    const auto frames = cw::testing::split_frames(result.out, &rest);
    BOOST_CHECK_MESSAGE(rest.empty(),
                        "stdout ends with a partial frame of " << rest.size() << " bytes");
    std::vector<json> parsed;
    for (const auto& body : frames) {
      BOOST_CHECK_LE(body.size(), cw::limits::kMaxOutboundFrameBytes);
      auto doc = json::parse(body, nullptr, false);
      BOOST_REQUIRE_MESSAGE(!doc.is_discarded(), "a reply is not JSON: " << body.substr(0, 200));
      parsed.push_back(std::move(doc));
    }
    return parsed;
  }
};

void check_error(const json& reply, const std::string& name, const json& id = nullptr) {
  BOOST_TEST_CONTEXT("reply " << reply.dump()) {
    BOOST_CHECK(reply.value("ok", true) == false);
    BOOST_CHECK_EQUAL(reply.value("/error/name"_json_pointer, std::string()), name);
    BOOST_CHECK(reply["error"]["code"].is_number_integer());
    BOOST_CHECK(!reply.value("/error/message"_json_pointer, std::string()).empty());
    BOOST_CHECK(reply["error"]["params"].is_object());
    BOOST_CHECK_EQUAL(reply["id"], id);
  }
}

void check_ping(const json& reply, const json& id = "after") {
  BOOST_TEST_CONTEXT("reply " << reply.dump()) {
    BOOST_CHECK(reply.value("ok", false) == true);
    BOOST_CHECK_EQUAL(reply["id"], id);
    BOOST_CHECK_EQUAL(reply.value("/result/version"_json_pointer, std::string()), cw::kVersion);
  }
}

std::vector<std::string> host_types() {
  const RunResult result = cw::testing::run_process({kHost, "--list-types"}, "");
  std::vector<std::string> types;
  std::size_t start = 0;
  while (start < result.out.size()) {
    const auto end = result.out.find('\n', start);
    const auto line = result.out.substr(start, end - start);
    types.push_back(line.substr(0, line.find('\t')));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return types;
}

bool host_serves(const std::string& type) {
  static const auto types = host_types();
  return std::find(types.begin(), types.end(), type) != types.end();
}

// A small legal page in the page.analyze payload shape (PROTOCOL.md, "page.analyze").
json sample_page(const std::string& url, const std::string& clause) {
  return {{"url", url},
          {"title", "Example Terms of Service"},
          {"lang", "en"},
          {"blocks", json::array({{{"kind", "heading"}, {"text", "Terms of Service"}, {"level", 1}},
                                  {{"kind", "paragraph"}, {"text", clause}}})}};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(recorded, HostFixture)

BOOST_AUTO_TEST_CASE(recorded_ping_file_gets_a_well_formed_reply) {
  const std::string request = read_file(fs::path(CW_TEST_DATA_DIR) / "frames" / "ping.request.bin");
  BOOST_REQUIRE_GE(request.size(), 4U);
  const auto request_frames = cw::testing::split_frames(request);
  BOOST_REQUIRE_EQUAL(request_frames.size(), 1U);  // the file is exactly one frame
  const auto request_id = json::parse(request_frames[0])["id"];

  const RunResult result = run(request);
  BOOST_CHECK_EQUAL(result.exit_code, 0);
  BOOST_REQUIRE_GE(result.out.size(), 4U);
  std::uint32_t length = 0;
  std::memcpy(&length, result.out.data(), 4);
  BOOST_CHECK_EQUAL(length, result.out.size() - 4);  // one frame, length prefix exact
  const auto reply = json::parse(result.out.substr(4));
  BOOST_CHECK_EQUAL(reply["id"], request_id);
  BOOST_CHECK(reply["ok"] == true);
  BOOST_CHECK_EQUAL(reply["result"]["version"], cw::kVersion);
  BOOST_CHECK_EQUAL(reply["result"]["protocol"], cw::kProtocolVersion);
  BOOST_CHECK_EQUAL(reply["result"]["caller"], kOrigin);
  const auto& types = reply["result"]["types"];
  BOOST_CHECK(std::find(types.begin(), types.end(), "ping") != types.end());
  BOOST_CHECK(result.err.empty());
}

BOOST_AUTO_TEST_CASE(empty_input_exits_cleanly_without_output) {
  const RunResult result = run("");
  BOOST_CHECK_EQUAL(result.exit_code, 0);
  BOOST_CHECK(result.out.empty());
}

BOOST_AUTO_TEST_CASE(many_requests_in_one_session_are_answered_in_order) {
  std::string input;
  for (int i = 0; i < 50; ++i) input += frame(json{{"id", i}, {"type", "ping"}}.dump());
  const auto replies = this->replies(input);
  BOOST_REQUIRE_EQUAL(replies.size(), 50U);
  for (int i = 0; i < 50; ++i) check_ping(replies[i], i);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(bad_frames, HostFixture)

BOOST_AUTO_TEST_CASE(length_zero_gets_frame_empty_then_serves) {
  const auto replies = this->replies(raw_frame(0, "") + frame(kPing));
  BOOST_REQUIRE_EQUAL(replies.size(), 2U);
  check_error(replies[0], "FRAME_EMPTY");
  check_ping(replies[1]);
}

BOOST_AUTO_TEST_CASE(length_over_64_mib_with_its_body_is_skipped_then_serves) {
  // Streamed in 64 KiB pieces so this process never holds the body either; the host's peak RSS
  // then shows whether it allocated the frame.
  const std::uint32_t length = cw::limits::kMaxInboundFrameBytes + 1;
  cw::testing::RunOptions options;
  options.env = {{"CLAUSEWATCH_HOME", home.path().string()}};
  cw::testing::HostSession session({kHost, kOrigin}, options);
  BOOST_REQUIRE(session.send(raw_frame(length, "")));
  const std::string chunk(64 * 1024, 'x');
  std::uint32_t sent = 0;
  while (sent < length) {
    const std::uint32_t n = std::min<std::uint32_t>(length - sent, chunk.size());
    BOOST_REQUIRE(session.send(std::string_view(chunk).substr(0, n)));
    sent += n;
  }
  BOOST_REQUIRE(session.send(frame(kPing)));
  const auto error = session.read_frame();
  const auto pong = session.read_frame();
  BOOST_REQUIRE(error && pong);
  const long peak_kib = session.peak_rss_kib();
  BOOST_CHECK_EQUAL(session.finish(), 0);
  const auto error_reply = json::parse(*error);
  check_error(error_reply, "FRAME_TOO_LARGE");
  BOOST_CHECK_EQUAL(error_reply["error"]["params"]["length"], length);
  BOOST_CHECK_EQUAL(error_reply["error"]["params"]["limit"], cw::limits::kMaxInboundFrameBytes);
  check_ping(json::parse(*pong));
  BOOST_TEST_MESSAGE("host peak RSS after skipping 64 MiB + 1: " << peak_kib << " KiB");
  BOOST_CHECK_GT(peak_kib, 0);
  BOOST_CHECK_LT(peak_kib, 32 * 1024);  // refused before allocating: never near 64 MiB
}

BOOST_AUTO_TEST_CASE(length_over_64_mib_without_a_body_gets_an_error_and_a_clean_exit) {
  const auto replies = this->replies(raw_frame(cw::limits::kMaxInboundFrameBytes + 1, ""));
  BOOST_REQUIRE_EQUAL(replies.size(), 1U);
  check_error(replies[0], "FRAME_TOO_LARGE");
}

BOOST_AUTO_TEST_CASE(length_ffffffff_gets_frame_too_large_without_allocating) {
  // The 4 GiB "body" swallows whatever follows, so the stream cannot resynchronise: at end of input
  // the host answers FRAME_TOO_LARGE once and exits 0.
  cw::testing::RunOptions options;
  options.env = {{"CLAUSEWATCH_HOME", home.path().string()}};
  cw::testing::HostSession session({kHost, kOrigin}, options);
  BOOST_REQUIRE(session.send(raw_frame(0xFFFFFFFFU, std::string(1024 * 1024, '{'))));
  // The host has read most of that megabyte (a pipe holds 64 KiB) and waits for more.
  const long peak_kib = session.peak_rss_kib();
  session.close_input();
  const auto error = session.read_frame();
  BOOST_REQUIRE(error);
  BOOST_CHECK(!session.read_frame());
  BOOST_CHECK_EQUAL(session.finish(), 0);
  const auto reply = json::parse(*error);
  check_error(reply, "FRAME_TOO_LARGE");
  BOOST_CHECK_EQUAL(reply["error"]["params"]["length"], 0xFFFFFFFFU);
  BOOST_CHECK_GT(peak_kib, 0);
  BOOST_CHECK_LT(peak_kib, 32 * 1024);
}

BOOST_AUTO_TEST_CASE(exactly_64_mib_is_accepted) {
  // R-FRAME-2's boundary: a frame of exactly the limit is a normal request.
  const std::string head = R"({"id":"big","type":"ping","payload":{"padding":")";
  const std::string tail = R"("}})";
  const std::string body =
      head + std::string(cw::limits::kMaxInboundFrameBytes - head.size() - tail.size(), 'a') + tail;
  BOOST_REQUIRE_EQUAL(body.size(), cw::limits::kMaxInboundFrameBytes);
  const auto replies = this->replies(frame(body) + frame(kPing));
  BOOST_REQUIRE_EQUAL(replies.size(), 2U);
  check_ping(replies[0], "big");
  check_ping(replies[1]);
}

BOOST_AUTO_TEST_CASE(truncated_header_exits_cleanly_after_answering_what_came_before) {
  const RunResult result = run(frame(kPing) + std::string("\x05\x00", 2));
  BOOST_CHECK_EQUAL(result.exit_code, 0);
  const auto frames = cw::testing::split_frames(result.out);
  BOOST_REQUIRE_EQUAL(frames.size(), 1U);
  check_ping(json::parse(frames[0]));
  BOOST_CHECK_MESSAGE(result.err.find("FRAME_TRUNCATED") != std::string::npos,
                      "stderr should say why: " << result.err);
}

BOOST_AUTO_TEST_CASE(truncated_body_exits_cleanly_after_answering_what_came_before) {
  const RunResult result = run(frame(kPing) + raw_frame(100, R"({"id":2,"ty)"));
  BOOST_CHECK_EQUAL(result.exit_code, 0);
  const auto frames = cw::testing::split_frames(result.out);
  BOOST_REQUIRE_EQUAL(frames.size(), 1U);
  check_ping(json::parse(frames[0]));
  BOOST_CHECK_MESSAGE(result.err.find("FRAME_TRUNCATED") != std::string::npos,
                      "stderr should say why: " << result.err);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(bad_json, HostFixture)

BOOST_AUTO_TEST_CASE(invalid_utf8_gets_invalid_utf8_then_serves) {
  const std::string body = "{\"id\":3,\"type\":\"ping\",\"payload\":{\"s\":\"\xC3\x28\"}}";
  const std::string overlong = "{\"id\":4,\"type\":\"ping\",\"payload\":{\"s\":\"\xC0\xAF\"}}";
  const std::string surrogate = "{\"id\":5,\"type\":\"ping\",\"payload\":{\"s\":\"\xED\xA0\x80\"}}";
  const auto replies =
      this->replies(frame(body) + frame(overlong) + frame(surrogate) + frame(kPing));
  BOOST_REQUIRE_EQUAL(replies.size(), 4U);
  for (int i = 0; i < 3; ++i) {
    check_error(replies[i], "INVALID_UTF8");
    BOOST_CHECK(replies[i]["error"]["params"]["offset"].is_number_integer());
  }
  check_ping(replies[3]);
}

BOOST_AUTO_TEST_CASE(json_nested_100000_deep_gets_json_too_deep_then_serves) {
  const std::string arrays = std::string(100'000, '[') + std::string(100'000, ']');
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100'000, '}');
  const std::string in_payload = R"({"id":6,"type":"ping","payload":{"deep":)" + arrays + "}}";
  const auto replies =
      this->replies(frame(arrays) + frame(objects) + frame(in_payload) + frame(kPing));
  BOOST_REQUIRE_EQUAL(replies.size(), 4U);
  for (int i = 0; i < 3; ++i) check_error(replies[i], "JSON_TOO_DEEP");
  check_ping(replies[3]);
}

BOOST_AUTO_TEST_CASE(invalid_json_gets_invalid_json_then_serves) {
  const auto replies = this->replies(frame(R"({"id":7,"type":)") + frame("not json") +
                                     frame(R"({"id":1}{"id":2})") + frame(kPing));
  BOOST_REQUIRE_EQUAL(replies.size(), 4U);
  for (int i = 0; i < 3; ++i) check_error(replies[i], "INVALID_JSON");
  check_ping(replies[3]);
}

BOOST_AUTO_TEST_CASE(number_outside_double_range_gets_invalid_json_then_serves) {
  // Found by fuzz_bounded_json: nlohmann/json throws out_of_range.406 for 1e400 even when asked not
  // to throw, which ended the host with std::terminate.
  const auto replies =
      this->replies(frame(R"({"id":30,"type":"ping","payload":{"n":1e400}})") +
                    frame(R"({"id":31,"type":"ping","payload":{"n":-1e400}})") + frame(kPing));
  BOOST_REQUIRE_EQUAL(replies.size(), 3U);
  check_error(replies[0], "INVALID_JSON");
  check_error(replies[1], "INVALID_JSON");
  check_ping(replies[2]);
}

BOOST_AUTO_TEST_CASE(non_object_json_gets_invalid_envelope_then_serves) {
  const auto replies = this->replies(frame("[]") + frame(R"("ping")") + frame("42") +
                                     frame("null") + frame("true") + frame(kPing));
  BOOST_REQUIRE_EQUAL(replies.size(), 6U);
  for (int i = 0; i < 5; ++i) check_error(replies[i], "INVALID_ENVELOPE");
  check_ping(replies[5]);
}

BOOST_AUTO_TEST_CASE(missing_id_gets_invalid_envelope_with_null_id) {
  const auto replies = this->replies(frame(R"({"type":"ping","payload":{}})") + frame(kPing));
  BOOST_REQUIRE_EQUAL(replies.size(), 2U);
  check_error(replies[0], "INVALID_ENVELOPE");
  check_ping(replies[1]);
}

BOOST_AUTO_TEST_CASE(wrong_field_types_get_invalid_envelope_then_serves) {
  // Unreadable ids come back as null; a readable id is echoed even when another field is wrong.
  const std::vector<std::pair<std::string, json>> cases = {
      {R"({"id":true,"type":"ping"})", nullptr},
      {R"({"id":{"a":1},"type":"ping"})", nullptr},
      {R"({"id":1.5,"type":"ping"})", nullptr},
      {R"({"id":"","type":"ping"})", nullptr},
      {R"({"id":")" + std::string(300, 'i') + R"(","type":"ping"})", nullptr},
      {R"({"id":8,"type":5})", 8},
      {R"({"id":9,"type":""})", 9},
      {R"({"id":10,"type":["ping"]})", 10},
      {R"({"id":11})", 11},
      {R"({"id":12,"type":"ping","payload":[]})", 12},
      {R"({"id":13,"type":"ping","payload":"x"})", 13},
  };
  std::string input;
  for (const auto& [body, id] : cases) input += frame(body);
  input += frame(kPing);
  const auto replies = this->replies(input);
  BOOST_REQUIRE_EQUAL(replies.size(), cases.size() + 1);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    BOOST_TEST_CONTEXT("request " << cases[i].first.substr(0, 80)) {
      check_error(replies[i], "INVALID_ENVELOPE", cases[i].second);
    }
  }
  check_ping(replies.back());
}

BOOST_AUTO_TEST_CASE(unknown_type_gets_unknown_type_then_serves) {
  const auto replies =
      this->replies(frame(R"({"id":"u1","type":"page.explode","payload":{}})") + frame(kPing));
  BOOST_REQUIRE_EQUAL(replies.size(), 2U);
  check_error(replies[0], "UNKNOWN_TYPE", "u1");
  BOOST_CHECK_EQUAL(replies[0]["error"]["params"]["type"], "page.explode");
  check_ping(replies[1]);
}

BOOST_AUTO_TEST_CASE(wrong_payload_types_get_invalid_payload_then_serves) {
  if (!host_serves("page.analyze")) {
    BOOST_TEST_MESSAGE("this host has no page.analyze yet; skipped");
    return;
  }
  const std::vector<std::string> cases = {
      R"({"id":20,"type":"page.analyze","payload":{"url":5,"blocks":[]}})",
      R"({"id":21,"type":"page.analyze","payload":{"blocks":"text"}})",
      R"({"id":22,"type":"page.analyze","payload":{"blocks":[{"kind":"poem","text":"x"}]}})",
      R"({"id":23,"type":"page.analyze","payload":{"blocks":[{"kind":"paragraph","text":7}]}})",
      R"({"id":24,"type":"page.analyze","payload":{"blocks":[42]}})",
  };
  std::string input;
  for (const auto& body : cases) input += frame(body);
  input += frame(kPing);
  const auto replies = this->replies(input);
  BOOST_REQUIRE_EQUAL(replies.size(), cases.size() + 1);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    check_error(replies[i], "INVALID_PAYLOAD", static_cast<int>(20 + i));
    BOOST_CHECK_EQUAL(replies[i]["error"]["params"]["type"], "page.analyze");
  }
  check_ping(replies.back());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(caller_check, HostFixture)

BOOST_AUTO_TEST_CASE(foreign_chromium_extension_is_refused) {
  const std::string foreign = "chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/";
  const auto replies = this->replies(frame(kPing) + frame(kPing), 1, {foreign});
  BOOST_REQUIRE_EQUAL(replies.size(), 1U);  // one refusal, then the host leaves
  check_error(replies[0], "ORIGIN_NOT_ALLOWED");
  BOOST_CHECK_EQUAL(replies[0]["error"]["params"]["origin"], foreign);
}

BOOST_AUTO_TEST_CASE(origin_without_trailing_slash_is_refused) {
  const std::string almost = kOrigin.substr(0, kOrigin.size() - 1);
  const auto replies = this->replies(frame(kPing), 1, {almost});
  BOOST_REQUIRE_EQUAL(replies.size(), 1U);
  check_error(replies[0], "ORIGIN_NOT_ALLOWED");
}

BOOST_AUTO_TEST_CASE(firefox_with_a_wrong_addon_id_is_refused) {
  const std::string manifest = (home.path() / "org.clausewatch.host.json").string();
  const auto replies = this->replies(frame(kPing), 1, {manifest, "evil@example.com"});
  BOOST_REQUIRE_EQUAL(replies.size(), 1U);
  check_error(replies[0], "ORIGIN_NOT_ALLOWED");
  BOOST_CHECK_EQUAL(replies[0]["error"]["params"]["origin"], "evil@example.com");
}

BOOST_AUTO_TEST_CASE(firefox_with_the_pinned_addon_id_is_served) {
  const std::string manifest = (home.path() / "org.clausewatch.host.json").string();
  const auto replies = this->replies(frame(kPing), 0, {manifest, cw::kGeckoId});
  BOOST_REQUIRE_EQUAL(replies.size(), 1U);
  check_ping(replies[0]);
  BOOST_CHECK_EQUAL(replies[0]["result"]["caller"], cw::kGeckoId);
}

BOOST_AUTO_TEST_CASE(windows_style_argv_with_parent_window_is_served) {
  const auto replies = this->replies(frame(kPing), 0, {kOrigin, "--parent-window=0"});
  BOOST_REQUIRE_EQUAL(replies.size(), 1U);
  check_ping(replies[0]);
}

BOOST_AUTO_TEST_CASE(no_caller_at_all_is_refused) {
  const auto replies = this->replies(frame(kPing), 1, {"--unrelated"});
  BOOST_REQUIRE_EQUAL(replies.size(), 1U);
  check_error(replies[0], "ORIGIN_NOT_ALLOWED");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(archive_safety, HostFixture)

// Every bad input from the suites above, sent in one session that also writes to the archive.
BOOST_AUTO_TEST_CASE(archive_stays_intact_after_bad_input) {
  if (!host_serves("page.analyze") || !host_serves("archive.history")) {
    BOOST_TEST_MESSAGE("this host has no page.analyze/archive.history yet; skipped");
    return;
  }
  const std::string clause =
      "Any dispute arising from these terms shall be resolved by binding arbitration.";
  const auto analyze = [&](int id, const std::string& url) {
    return frame(
        json{{"id", id}, {"type", "page.analyze"}, {"payload", sample_page(url, clause)}}.dump());
  };
  std::string input = analyze(1, "https://one.example/terms");
  input += raw_frame(0, "");
  input += frame("{\"id\":3,\"type\":\"ping\",\"payload\":{\"s\":\"\xC3\x28\"}}");
  input += frame(std::string(100'000, '[') + std::string(100'000, ']'));
  input += frame(R"({"id":true})") + frame("[]") + frame(R"({"id":4,"type":"nope"})");
  input += frame(R"({"id":5,"type":"page.analyze","payload":{"blocks":"x"}})");
  input += frame(R"({"id":6,"type":"archive.history","payload":{"limit":"all"}})");
  const std::uint32_t big = cw::limits::kMaxInboundFrameBytes + 1;
  input += raw_frame(big, std::string(big, '{'));
  input += analyze(7, "https://two.example/terms");
  input += frame(R"({"id":8,"type":"archive.history","payload":{}})");
  input += raw_frame(50, "{\"id\":9,");  // truncated: the host stops here
  const auto replies = this->replies(input);
  BOOST_REQUIRE_EQUAL(replies.size(), 12U);
  BOOST_CHECK(replies[0]["ok"] == true);
  for (int i = 1; i <= 9; ++i) BOOST_CHECK(replies[i]["ok"] == false);
  BOOST_CHECK(replies[10]["ok"] == true);
  BOOST_CHECK(replies[11]["ok"] == true);

  const fs::path db = home.path() / "archive.sqlite3";
  if (!fs::exists(db)) {
    BOOST_TEST_MESSAGE(
        "page.analyze does not record into the archive yet; integrity check skipped");
    return;
  }
  sqlite3* handle = nullptr;
  BOOST_REQUIRE_EQUAL(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr),
                      SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  BOOST_REQUIRE_EQUAL(sqlite3_prepare_v2(handle, "PRAGMA integrity_check", -1, &stmt, nullptr),
                      SQLITE_OK);
  BOOST_REQUIRE_EQUAL(sqlite3_step(stmt), SQLITE_ROW);
  BOOST_CHECK_EQUAL(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))), "ok");
  sqlite3_finalize(stmt);
  sqlite3_close(handle);

  // And a fresh host still reads both recorded documents.
  const auto after = this->replies(frame(R"({"id":"h","type":"archive.history","payload":{}})"));
  BOOST_REQUIRE_EQUAL(after.size(), 1U);
  BOOST_CHECK(after[0]["ok"] == true);
  BOOST_CHECK_GE(after[0].value("/result/documents"_json_pointer, json::array()).size(), 2U);
}

BOOST_AUTO_TEST_SUITE_END()
