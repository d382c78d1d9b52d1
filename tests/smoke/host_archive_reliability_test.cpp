// Archive reliability through the real native-messaging host (issue 4, "Reliability"): two
// clausewatch-host processes recording page.analyze captures into one archive at once, and a host
// killed with SIGKILL while a capture is in flight, again and again on the same archive. The
// import-ota side of the same guarantees is tests/unit/archive/archive_reliability_test.cpp.
//
// Seeds: CW_RELIABILITY_SEED=<n> replays one run of the kill test (every round's seed is printed).
#define BOOST_TEST_MODULE host_archive_reliability
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <signal.h>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "archive/archive.h"
#include "crypto/primitives.h"
#include "host_process.h"
#include "text/normalize.h"
#include "version.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kHost = CW_HOST_BINARY;

// One legal document of a made-up service; its versions are generated, not stored.
struct Doc {
  std::string domain;  // the archive's service for a browser capture
  std::string path;
  std::string terms_type;
};

const std::vector<Doc>& docs() {
  static const std::vector<Doc> kDocs = {
      {"lanternmail.example", "/legal/terms", "Terms of Service"},
      {"lanternmail.example", "/legal/privacy", "Privacy Policy"},
      {"harborcloud.example", "/terms", "Terms of Service"},
      {"harborcloud.example", "/privacy-notice", "Privacy Policy"},
      {"quillnotes.example", "/tos", "Terms of Service"},
      {"quillnotes.example", "/data-policy", "Privacy Policy"},
  };
  return kDocs;
}

// The blocks of version `v` of document `d`: `paragraphs` clauses that differ by document, and
// from one version to the next in a number, a word and one added clause, as real policy edits do.
std::vector<std::string> page_blocks(std::size_t d, int v, int paragraphs) {
  const Doc& doc = docs()[d];
  std::vector<std::string> blocks{doc.terms_type + " of " + doc.domain};
  static const char* const kVerbs[] = {"collect", "store", "review", "share", "analyse"};
  static const char* const kThings[] = {"account details", "uploaded files",   "device identifiers",
                                        "payment records", "support messages", "usage logs"};
  for (int p = 0; p < paragraphs; ++p) {
    const auto k = static_cast<std::size_t>(p) + d;
    blocks.push_back("Section " + std::to_string(p + 1) + ". " + doc.domain + " may " +
                     kVerbs[k % 5] + " your " + kThings[(k + static_cast<std::size_t>(v)) % 6] +
                     " to run the service, and keeps them for " +
                     std::to_string(3 + (p * 7 + v * 5) % 40) +
                     " months unless the law asks for longer. You can ask us to delete them by "
                     "writing to the address in the last section.");
  }
  if (v % 2 == 1) {
    blocks.push_back(
        "Any dispute will be settled by binding arbitration, and you waive the right "
        "to a class action (revision " +
        std::to_string(v) + ").");
  }
  return blocks;
}

// What the host records: the blocks joined with blank lines (archive/service.h).
std::string joined(const std::vector<std::string>& blocks) {
  std::string out;
  for (const auto& b : blocks) {
    if (!out.empty()) out += "\n\n";
    out += b;
  }
  return out;
}

// The version hash the archive must give this text: BLAKE2b-256 of the normalised text.
std::string expected_hash(const std::string& text) {
  return cw::crypto::blake2b_hex(cw::text::normalize(text).text);
}

// One page.analyze request. `visit` goes into the URL as a per-visit token so every request is a
// distinct sighting (the archive keeps one observation per document, second, URL and text).
std::string analyze_frame(const std::string& id, std::size_t d,
                          const std::vector<std::string>& blocks, const std::string& visit) {
  const Doc& doc = docs()[d];
  json list = json::array();
  list.push_back({{"kind", "heading"}, {"text", blocks[0]}, {"level", 1}});
  for (std::size_t i = 1; i < blocks.size(); ++i) {
    list.push_back({{"kind", "paragraph"}, {"text", blocks[i]}});
  }
  json payload{{"url", "https://www." + doc.domain + doc.path + "?visit=" + visit},
               {"title", doc.terms_type},
               {"lang", "en"},
               {"doc_type", doc.terms_type},
               {"blocks", std::move(list)}};
  return cw::testing::frame(
      json{{"id", id}, {"type", "page.analyze"}, {"payload", payload}}.dump());
}

struct Sent {
  std::string id;
  std::size_t doc = 0;
  std::string text;  // the recorded (joined) text
};

// The archive version a reply acknowledged, or an explanation of why it is not one.
struct Ack {
  std::string id;
  std::int64_t version_id = 0;
  std::int64_t document_id = 0;
  std::string hash;
  std::string problem;  // empty when the reply is a clean, recorded success
};

Ack read_ack(const std::string& body) {
  Ack ack;
  const auto reply = json::parse(body, nullptr, false);
  if (reply.is_discarded()) {
    ack.problem = "reply is not JSON: " + body.substr(0, 200);
    return ack;
  }
  ack.id = reply.value("id", "");
  const auto* archive = reply.contains("result") && reply["result"].contains("archive")
                            ? &reply["result"]["archive"]
                            : nullptr;
  if (!reply.value("ok", false) || archive == nullptr || archive->contains("error") ||
      !archive->contains("version")) {
    ack.problem = "not a recorded success: " + body.substr(0, 400);
    return ack;
  }
  const auto& v = (*archive)["version"];
  ack.version_id = v.value("id", std::int64_t{0});
  ack.document_id = v.value("document_id", std::int64_t{0});
  ack.hash = v.value("hash", "");
  return ack;
}

cw::testing::RunOptions host_options(const fs::path& home) {
  cw::testing::RunOptions options;
  options.env = {{"CLAUSEWATCH_HOME", home.string()}};
  return options;
}

std::unique_ptr<cw::archive::Archive> open_archive(const fs::path& home) {
  auto opened =
      cw::archive::Archive::open(home / "archive.sqlite3", cw::archive::Archive::Mode::kExisting);
  BOOST_REQUIRE_MESSAGE(
      opened.ok(), "archive does not open: " << (opened.ok() ? "" : opened.error().to_string()));
  return std::move(*opened);
}

// The archive's document for `d`, or nullptr.
std::optional<cw::archive::DocumentInfo> find_document(cw::archive::Archive& archive,
                                                       std::size_t d) {
  auto list = archive.documents(docs()[d].domain);
  BOOST_REQUIRE(list.ok());
  for (const auto& info : *list) {
    if (info.terms_type == docs()[d].terms_type && info.variant == "en") return info;
  }
  return std::nullopt;
}

// Every version of document `id` (history pages through all of them).
std::vector<cw::archive::VersionInfo> versions_of(cw::archive::Archive& archive, std::int64_t id) {
  std::vector<cw::archive::VersionInfo> out;
  cw::archive::HistoryQuery query;
  query.document_id = id;
  query.limit = 500;
  for (;;) {
    auto page = archive.history(query);
    BOOST_REQUIRE(page.ok());
    out.insert(out.end(), page->versions.begin(), page->versions.end());
    if (!page->next_offset) break;
    query.offset = *page->next_offset;
  }
  return out;
}

// Checks that an acknowledged version is in the archive and reads back as the text that was sent.
void check_acknowledged(cw::archive::Archive& archive, const Ack& ack, const Sent& sent) {
  BOOST_TEST_CONTEXT("request " << ack.id << ", version " << ack.version_id) {
    BOOST_CHECK_EQUAL(ack.hash, expected_hash(sent.text));
    auto info = archive.version_info(ack.version_id);
    BOOST_REQUIRE_MESSAGE(
        info.ok(), "acknowledged version lost: " << (info.ok() ? "" : info.error().to_string()));
    BOOST_CHECK_EQUAL(info->hash, ack.hash);
    BOOST_CHECK_EQUAL(info->document_id, ack.document_id);
    BOOST_CHECK_EQUAL(info->terms_type, docs()[sent.doc].terms_type);
    BOOST_CHECK_GE(info->times_seen, 1);
    auto text = archive.version_text(ack.version_id);
    BOOST_REQUIRE(text.ok());
    // Each distinct text is sent byte for byte the same way, so the first sighting is this one.
    BOOST_CHECK(*text == sent.text);
  }
}

std::uint64_t seed_from_env_or_random() {
  if (const char* s = std::getenv("CW_RELIABILITY_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

}  // namespace

// Two browsers: two host processes, each sending its requests as fast as the pipe takes them, into
// one CLAUSEWATCH_HOME. Lanternmail is only host A's, quillnotes only host B's, harborcloud both
// hosts' (same texts, so both race to create the same versions).
BOOST_AUTO_TEST_CASE(two_hosts_recording_at_once_lose_nothing) {
  cw::testing::TempDir home;
  constexpr int kRequests = 40;
  const std::vector<std::vector<std::size_t>> host_docs = {{0, 1, 2, 3}, {2, 3, 4, 5}};
  std::vector<std::vector<Sent>> sent(2);
  std::vector<std::string> input(2);
  for (int h = 0; h < 2; ++h) {
    for (int i = 0; i < kRequests; ++i) {
      const std::size_t d = host_docs[h][static_cast<std::size_t>(i) % 4];
      // A new version every third sighting of a document; the last round goes back to version 1
      // (a revert).
      int v = i / 4 / 3;
      if (i / 4 == 9) v = 1;
      const auto blocks = page_blocks(d, v, 12);
      const std::string id = std::string(1, static_cast<char>('a' + h)) + std::to_string(i);
      sent[h].push_back({id, d, joined(blocks)});
      input[h] += analyze_frame(id, d, blocks, id);
    }
  }

  std::vector<std::vector<std::string>> replies(2);
  std::vector<int> exit_codes(2, -2);
  {
    std::vector<std::unique_ptr<cw::testing::HostSession>> hosts;
    for (int h = 0; h < 2; ++h) {
      hosts.push_back(std::make_unique<cw::testing::HostSession>(
          std::vector<std::string>{kHost, cw::kChromiumOrigin}, host_options(home.path())));
    }
    // A writer and a reader per host, so neither pipe fills while the other waits.
    std::vector<std::thread> threads;
    for (int h = 0; h < 2; ++h) {
      threads.emplace_back([&, h] {
        hosts[h]->send(input[h]);
        hosts[h]->close_input();
      });
      threads.emplace_back([&, h] {
        while (auto body = hosts[h]->read_frame()) replies[h].push_back(std::move(*body));
      });
    }
    for (auto& t : threads) t.join();
    for (int h = 0; h < 2; ++h) exit_codes[h] = hosts[h]->finish();
  }

  std::map<std::string, std::int64_t> version_of_hash;  // both hosts must agree
  std::map<std::size_t, std::set<std::string>> texts_of_doc;
  std::map<std::size_t, int> requests_of_doc;
  std::map<std::string, int> sightings_of_hash;
  auto archive = open_archive(home.path());
  BOOST_TEST((*archive).integrity_check().value() == "ok");
  for (int h = 0; h < 2; ++h) {
    BOOST_TEST_CONTEXT("host " << h) {
      BOOST_CHECK_EQUAL(exit_codes[h], 0);
      BOOST_REQUIRE_EQUAL(replies[h].size(), sent[h].size());
      for (std::size_t i = 0; i < sent[h].size(); ++i) {
        const Ack ack = read_ack(replies[h][i]);
        BOOST_TEST_CONTEXT("request " << sent[h][i].id) {
          BOOST_REQUIRE_MESSAGE(ack.problem.empty(), ack.problem);
          BOOST_CHECK_EQUAL(ack.id, sent[h][i].id);
          auto [it, fresh] = version_of_hash.emplace(ack.hash, ack.version_id);
          BOOST_CHECK_EQUAL(it->second, ack.version_id);
        }
        check_acknowledged(*archive, ack, sent[h][i]);
        texts_of_doc[sent[h][i].doc].insert(sent[h][i].text);
        ++requests_of_doc[sent[h][i].doc];
        ++sightings_of_hash[ack.hash];
      }
    }
  }
  // Per document: one version per distinct text, one observation per request, and each version
  // seen as often as it was sent.
  for (std::size_t d = 0; d < docs().size(); ++d) {
    BOOST_TEST_CONTEXT(docs()[d].domain << " " << docs()[d].terms_type) {
      const auto info = find_document(*archive, d);
      BOOST_REQUIRE(info.has_value());
      BOOST_CHECK_EQUAL(info->versions, static_cast<std::int64_t>(texts_of_doc[d].size()));
      BOOST_CHECK_EQUAL(info->observations, requests_of_doc[d]);
      auto observations = archive->observations(info->id);
      BOOST_REQUIRE(observations.ok());
      BOOST_CHECK_EQUAL(observations->size(), static_cast<std::size_t>(requests_of_doc[d]));
      for (const auto& v : versions_of(*archive, info->id)) {
        BOOST_CHECK_EQUAL(v.times_seen, sightings_of_hash[v.hash]);
      }
    }
  }
}

// A host killed with SIGKILL while captures are in flight, then a new host on the same archive,
// round after round. Every reply the extension received names a version that must survive.
BOOST_AUTO_TEST_CASE(kill_9_during_recording_keeps_every_acknowledged_version) {
  cw::testing::TempDir home;
  constexpr int kRounds = 10;
  const std::uint64_t base_seed = seed_from_env_or_random();
  BOOST_TEST_MESSAGE("kill test seed " << base_seed << " (CW_RELIABILITY_SEED to replay)");
  std::mt19937_64 rng(base_seed);

  std::map<std::string, Sent> sent_by_id;
  std::vector<Ack> acknowledged;
  std::map<std::size_t, int> newest_version;  // per document, so texts keep changing
  std::set<std::string> hashes_sent;
  int kills_in_flight = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto round_seed = rng();
    std::mt19937_64 r(round_seed);
    // Large pages (about 60 KB) so a record spends a while inside its transaction.
    auto next_request = [&](int i) {
      const std::size_t d = r() % docs().size();
      int& newest = newest_version[d];
      const auto choice = r() % 4;
      int v = newest;
      if (choice < 2) {
        v = ++newest;  // a change
      } else if (choice == 2 && newest > 0) {
        v = static_cast<int>(r() % static_cast<std::uint64_t>(newest));  // an old text again
      }
      const auto blocks = page_blocks(d, v, 300);
      const std::string id = "r" + std::to_string(round) + "-" + std::to_string(i);
      Sent s{id, d, joined(blocks)};
      hashes_sent.insert(expected_hash(s.text));
      std::string bytes = analyze_frame(id, d, blocks, id);
      sent_by_id[id] = std::move(s);
      return bytes;
    };

    const int settled = static_cast<int>(r() % 12);  // replies to wait for before the kill
    BOOST_TEST_MESSAGE("round " << round << " seed " << round_seed << ": kill after " << settled
                                << " acknowledged replies");
    cw::testing::HostSession host({kHost, cw::kChromiumOrigin}, host_options(home.path()));
    int i = 0;
    std::chrono::microseconds waited{0};
    for (; i < settled; ++i) {
      const auto start = std::chrono::steady_clock::now();
      BOOST_REQUIRE(host.send(next_request(i)));
      auto body = host.read_frame();
      BOOST_REQUIRE_MESSAGE(body.has_value(), "the host died before being killed");
      waited += std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      acknowledged.push_back(read_ack(*body));
    }
    // Then kInFlight more, written by another thread (they do not fit in the pipe at once), and
    // the kill at a random moment while the host works through them.
    constexpr int kInFlight = 4;
    std::string burst;
    for (int k = 0; k < kInFlight; ++k) burst += next_request(i++);
    const auto round_trip = settled > 0 ? waited / settled : std::chrono::microseconds(40'000);
    const auto span = static_cast<std::uint64_t>(round_trip.count()) * kInFlight * 9 / 10 + 1;
    const auto delay = std::chrono::microseconds(r() % span);
    std::thread writer([&] { host.send(burst); });  // fails with EPIPE once the host is dead
    std::this_thread::sleep_for(delay);
    ::kill(host.pid(), SIGKILL);
    // Replies written before the kill reached the extension: they are acknowledged too.
    int late = 0;
    while (auto body = host.read_frame()) {
      acknowledged.push_back(read_ack(*body));
      ++late;
    }
    writer.join();
    if (late < kInFlight) ++kills_in_flight;
    BOOST_TEST_MESSAGE("  killed after " << delay.count() << " us (mean round trip "
                                         << round_trip.count() << " us); " << late << " of "
                                         << kInFlight << " in-flight replies arrived");

    if (acknowledged.empty() && !fs::exists(home.path() / "archive.sqlite3")) continue;
    auto archive = open_archive(home.path());
    BOOST_TEST_CONTEXT("round " << round << " seed " << round_seed) {
      BOOST_TEST(archive->integrity_check().value() == "ok");
      for (const auto& ack : acknowledged) {
        BOOST_REQUIRE_MESSAGE(ack.problem.empty(), ack.problem);
        check_acknowledged(*archive, ack, sent_by_id.at(ack.id));
      }
      // Nothing but what was sent: every stored version is one of the texts of some request.
      for (std::size_t d = 0; d < docs().size(); ++d) {
        const auto info = find_document(*archive, d);
        if (!info) continue;
        for (const auto& v : versions_of(*archive, info->id)) {
          BOOST_CHECK_MESSAGE(hashes_sent.count(v.hash) == 1,
                              "version " << v.id << " holds a text never sent");
          BOOST_CHECK(archive->version_text(v.id).ok());
        }
      }
    }
  }
  BOOST_TEST_MESSAGE(acknowledged.size() << " acknowledged captures checked; " << kills_in_flight
                                         << " of " << kRounds << " kills hit a capture in flight");
  // Not a property of the archive, but a test whose kills all come too late proves little.
  BOOST_WARN_GE(kills_in_flight, kRounds / 2);

  // A host started after the last kill serves the archive: history lists every acknowledged
  // version.
  if (acknowledged.empty()) return;
  std::set<std::int64_t> doc_ids;
  for (const auto& ack : acknowledged) doc_ids.insert(ack.document_id);
  std::string input;
  for (auto id : doc_ids) {
    input += cw::testing::frame(json{{"id", std::to_string(id)},
                                     {"type", "archive.history"},
                                     {"payload", {{"document_id", id}, {"limit", 500}}}}
                                    .dump());
  }
  const auto result =
      cw::testing::run_process({kHost, cw::kChromiumOrigin}, input, host_options(home.path()));
  BOOST_CHECK_EQUAL(result.exit_code, 0);
  std::set<std::int64_t> listed;
  for (const auto& body : cw::testing::split_frames(result.out)) {
    const auto reply = json::parse(body);
    BOOST_REQUIRE_MESSAGE(reply.value("ok", false), body.substr(0, 400));
    for (const auto& v : reply["result"]["versions"]) listed.insert(v["id"].get<std::int64_t>());
  }
  for (const auto& ack : acknowledged) {
    BOOST_CHECK_MESSAGE(listed.count(ack.version_id) == 1,
                        "archive.history misses acknowledged version " << ack.version_id);
  }
}

// One browser crashes while the other records: host B is SIGKILLed at a random moment (possibly
// holding the write lock, or mid-commit) while host A keeps sending. A sees no error and loses
// nothing; what B acknowledged survives.
BOOST_AUTO_TEST_CASE(kill_9_of_one_host_while_another_records) {
  cw::testing::TempDir home;
  const std::uint64_t seed = seed_from_env_or_random();
  BOOST_TEST_MESSAGE("crash-while-sharing seed " << seed << " (CW_RELIABILITY_SEED to replay)");
  std::mt19937_64 r(seed);
  constexpr int kRequests = 40;
  // A alone writes lanternmail, B alone quillnotes, both harborcloud.
  const std::vector<std::vector<std::size_t>> host_docs = {{0, 1, 2, 3}, {2, 3, 4, 5}};
  std::vector<std::vector<Sent>> sent(2);
  std::vector<std::string> input(2);
  for (int h = 0; h < 2; ++h) {
    for (int i = 0; i < kRequests; ++i) {
      const std::size_t d = host_docs[h][static_cast<std::size_t>(i) % 4];
      const auto blocks = page_blocks(d, i / 4 / 2, 60);
      const std::string id = std::string(1, static_cast<char>('a' + h)) + std::to_string(i);
      sent[h].push_back({id, d, joined(blocks)});
      input[h] += analyze_frame(id, d, blocks, id);
    }
  }
  std::vector<std::vector<std::string>> replies(2);
  int exit_a = -2;
  // B dies after a random number of its replies, plus a random moment into the next ones.
  const int b_settled = static_cast<int>(r() % (kRequests - 4));
  const auto delay = std::chrono::microseconds(r() % 20'000);
  std::atomic<int> b_replies{0};
  {
    std::vector<std::unique_ptr<cw::testing::HostSession>> hosts;
    for (int h = 0; h < 2; ++h) {
      hosts.push_back(std::make_unique<cw::testing::HostSession>(
          std::vector<std::string>{kHost, cw::kChromiumOrigin}, host_options(home.path())));
    }
    std::vector<std::thread> threads;
    for (int h = 0; h < 2; ++h) {
      threads.emplace_back([&, h] {
        hosts[h]->send(input[h]);  // B's fails with EPIPE after the kill
        hosts[h]->close_input();
      });
      threads.emplace_back([&, h] {
        while (auto body = hosts[h]->read_frame()) {
          replies[h].push_back(std::move(*body));
          if (h == 1) ++b_replies;
        }
      });
    }
    while (b_replies < b_settled) std::this_thread::sleep_for(std::chrono::microseconds(200));
    std::this_thread::sleep_for(delay);
    ::kill(hosts[1]->pid(), SIGKILL);
    for (auto& t : threads) t.join();
    exit_a = hosts[0]->finish();
  }
  BOOST_TEST_MESSAGE("  B killed " << delay.count() << " us after reply " << b_settled
                                   << ", having acknowledged " << replies[1].size() << " of "
                                   << kRequests);

  BOOST_CHECK_EQUAL(exit_a, 0);
  BOOST_REQUIRE_EQUAL(replies[0].size(), sent[0].size());
  auto archive = open_archive(home.path());
  BOOST_TEST(archive->integrity_check().value() == "ok");
  std::map<std::size_t, int> acknowledged_of_doc;
  for (int h = 0; h < 2; ++h) {
    for (std::size_t i = 0; i < replies[h].size(); ++i) {
      const Ack ack = read_ack(replies[h][i]);
      BOOST_TEST_CONTEXT("host " << h << " request " << sent[h][i].id) {
        BOOST_REQUIRE_MESSAGE(ack.problem.empty(), ack.problem);
        BOOST_CHECK_EQUAL(ack.id, sent[h][i].id);
      }
      check_acknowledged(*archive, ack, sent[h][i]);
      ++acknowledged_of_doc[sent[h][i].doc];
    }
  }
  // Documents only A wrote hold exactly A's sightings; the shared ones at least every
  // acknowledged one, and no more than were sent.
  for (std::size_t d = 0; d < docs().size(); ++d) {
    BOOST_TEST_CONTEXT(docs()[d].domain << " " << docs()[d].terms_type) {
      const auto info = find_document(*archive, d);
      if (acknowledged_of_doc[d] == 0) continue;
      BOOST_REQUIRE(info.has_value());
      if (d < 2) {
        BOOST_CHECK_EQUAL(info->observations, acknowledged_of_doc[d]);
      } else {
        BOOST_CHECK_GE(info->observations, acknowledged_of_doc[d]);
        BOOST_CHECK_LE(info->observations, d < 4 ? 2 * kRequests / 4 : kRequests / 4);
      }
    }
  }
}
