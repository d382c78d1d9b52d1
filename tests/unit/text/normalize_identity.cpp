// normalize_identity: one digest per document over every field of normalize() + segment(), to prove
// that a faster implementation gives byte-identical output.
//
//   normalize_identity > before.txt        (with the old code)
//   normalize_identity > after.txt && cmp before.txt after.txt
//
// Documents: every Markdown version in the OTA tarball, every CLAUDETTE sentence, every ToS;DR
// quote (all read in place from CW_CORPUS_DIR), and seeded random mixes of the byte patterns the
// normaliser treats specially. It also prints normalise and segment throughput over the OTA texts
// on stderr.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "ota_tarball.h"
#include "text/normalize.h"
#include "text/segment.h"

namespace {

// FNV-1a, 64-bit: enough to tell two outputs apart, and no dependency.
class Digest {
 public:
  void bytes(const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
      h_ ^= p[i];
      h_ *= 0x100000001b3ULL;
    }
  }
  void u64(std::uint64_t v) { bytes(&v, sizeof v); }
  [[nodiscard]] std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double normalize_ms = 0;
double segment_ms = 0;
std::size_t timed_bytes = 0;
std::size_t timed_normalized_bytes = 0;

std::uint64_t digest_of(std::string_view doc, bool timed) {
  const double t0 = cpu_ms();
  const auto n = cw::text::normalize(doc);
  const double t1 = cpu_ms();
  const auto s = cw::text::segment(n);
  const double t2 = cpu_ms();
  if (timed) {
    normalize_ms += t1 - t0;
    segment_ms += t2 - t1;
    timed_bytes += doc.size();
    timed_normalized_bytes += n.text.size();
  }
  Digest d;
  d.u64(n.text.size());
  d.bytes(n.text.data(), n.text.size());
  d.u64(n.origin_begin.size());
  d.bytes(n.origin_begin.data(), n.origin_begin.size() * sizeof(std::uint32_t));
  d.u64(n.origin_end.size());
  d.bytes(n.origin_end.data(), n.origin_end.size() * sizeof(std::uint32_t));
  d.u64(n.headings.size());
  for (const auto& h : n.headings) {
    d.u64(h.span.begin);
    d.u64(h.span.end);
    d.u64(static_cast<std::uint64_t>(h.level));
  }
  d.u64(n.list_items.size());
  for (std::size_t item : n.list_items) d.u64(item);
  d.u64(n.original_size);
  d.u64(s.sentences.size());
  for (const auto& sentence : s.sentences) {
    d.u64(sentence.span.begin);
    d.u64(sentence.span.end);
    d.u64(sentence.section);
    d.u64(sentence.is_heading ? 1 : 0);
  }
  d.u64(s.sections.size());
  for (const auto& section : s.sections) {
    d.u64(section.heading.begin);
    d.u64(section.heading.end);
    d.u64(static_cast<std::uint64_t>(section.level));
    d.u64(section.first_sentence);
  }
  return d.value();
}

std::size_t documents = 0;

void emit(const std::string& name, std::string_view doc, bool timed = false) {
  std::cout << name << ' ' << std::hex << std::setw(16) << std::setfill('0')
            << digest_of(doc, timed) << std::dec << '\n';
  ++documents;
}

void ota(const std::string& tarball) {
  std::unordered_set<std::string> seen;  // time each distinct text once
  const std::string problem =
      cw::test::for_each_ota_markdown(tarball, [&](const std::string& path, std::string&& text) {
        const bool first = seen.insert(text).second;
        emit("ota:" + path, text, first);
        return true;
      });
  if (!problem.empty()) {
    std::cerr << problem << '\n';
    std::exit(1);
  }
}

void jsonl(const std::string& path, const std::string& field, const std::string& tag) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "cannot open " << path << '\n';
    std::exit(1);
  }
  std::string line;
  std::size_t row = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    ++row;
    if (!j.is_object() || !j.contains(field) || !j[field].is_string()) continue;
    emit(tag + ":" + std::to_string(row), j[field].get_ref<const std::string&>());
  }
}

// Seeded mixes of what the fast paths must get right: entities at run boundaries, CR/CRLF, NBSP,
// combining marks after ASCII, markup characters at line starts and inside lines, invalid UTF-8.
void synthetic(std::size_t count) {
  const std::vector<std::string> pieces = {"a",
                                           "Word",
                                           "terms",
                                           " ",
                                           "  ",
                                           "\n",
                                           "\n\n",
                                           "\r\n",
                                           "\r",
                                           "\t",
                                           "\x01",
                                           "\x7f",
                                           "&amp;",
                                           "&#8217;",
                                           "&#x41;",
                                           "&#0;",
                                           "&#x110000;",
                                           "&nbsp;",
                                           "&",
                                           "&bogus;",
                                           "&amp",
                                           "&#",
                                           "&lt;b&gt;",
                                           "\xC2\xA0",
                                           "\xCC\x81",
                                           "e\xCC\x81",
                                           "\xCC\x81\xCC\xA3",
                                           "\xE2\x80\x99",
                                           "\xE2\x80\x9C",
                                           "\xE2\x80\x94",
                                           "\xE2\x80\x8B",
                                           "\xC2\xAD",
                                           "\xC2\x85",
                                           "\xC2\x80",
                                           "\xE2\x80\xA8",
                                           "\xEF\xBB\xBF",
                                           "\xEF\xAC\x81",
                                           "\xEF\xBC\xA1",
                                           "\xC3\xA9",
                                           "\xE6\x97\xA5",
                                           "\xF0\x9F\x98\x80",
                                           "\xFF",
                                           "\xC3",
                                           "\xE2\x80",
                                           "\xED\xA0\x80",
                                           "\xC0\xAF",
                                           "*",
                                           "**",
                                           "_",
                                           "__",
                                           "`",
                                           "~",
                                           "~~",
                                           "[",
                                           "]",
                                           "(",
                                           ")",
                                           "[x](y)",
                                           "![i](u)",
                                           "[a][b]",
                                           "<b>",
                                           "</b>",
                                           "<https://x.y>",
                                           "<a@b.c>",
                                           "<",
                                           ">",
                                           "> ",
                                           "#",
                                           "## ",
                                           "###### ",
                                           "####### ",
                                           " ##",
                                           "- ",
                                           "* ",
                                           "+ ",
                                           "\xE2\x80\xA2 ",
                                           "\xC2\xB7 ",
                                           "\xE2\x97\x8F ",
                                           "---",
                                           "===",
                                           "| ",
                                           "|",
                                           ":",
                                           "=",
                                           "\\",
                                           "\\*",
                                           "\\_",
                                           "\\a",
                                           "1.",
                                           "1.2 ",
                                           "(a) ",
                                           "Section 3. ",
                                           "Inc. ",
                                           "U.S. ",
                                           "No. 5",
                                           ". ",
                                           "? ",
                                           "! ",
                                           "; ",
                                           "The ",
                                           "the ",
                                           "e.g. ",
                                           "'",
                                           "\"",
                                           "snake_case",
                                           "a_b"};
  std::mt19937_64 rng(20261126);
  for (std::size_t k = 0; k < count; ++k) {
    std::string doc;
    const std::size_t length = rng() % 120;
    for (std::size_t i = 0; i < length; ++i) doc += pieces[rng() % pieces.size()];
    emit("synthetic:" + std::to_string(k), doc);
  }
  emit("synthetic:empty", "");
  emit(
      "synthetic:marks", "a" + [] {
        std::string marks;
        for (int i = 0; i < 70; ++i) marks += "\xCC\x81";
        return marks;
      }() + " b");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string corpus = argc > 1 ? argv[1] : CW_CORPUS_DIR;
  ota(corpus + "/ota/versions.tar.zst");
  const double ota_norm = normalize_ms;
  const double ota_seg = segment_ms;
  jsonl(corpus + "/claudette/tos50-dev.jsonl", "text", "claudette");
  jsonl(corpus + "/tosdr/points-dev.jsonl", "quote", "tosdr");
  synthetic(30000);
  std::cerr << documents << " documents; distinct OTA texts "
            << static_cast<double>(timed_bytes) / 1e6 << " MB: normalize "
            << static_cast<double>(timed_bytes) / 1e3 / ota_norm << " MB/s CPU, segment "
            << static_cast<double>(timed_normalized_bytes) / 1e3 / ota_seg << " MB/s CPU\n";
  return 0;
}
