// The OTA corpus tarball (corpus/ota/versions.tar.zst), read in place by tests, benches and tools:
// every Markdown entry, whole. libarchive may hand an entry over in several reads; this reads on
// until the entry is complete.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <archive.h>
#include <archive_entry.h>

namespace cw::test {

// Calls `each(path, text)` for every ".md" entry in tarball order, until it returns false.
// Returns what went wrong, or an empty string when the tarball was read.
inline std::string for_each_ota_markdown(
    const std::string& tarball,
    const std::function<bool(const std::string&, std::string&&)>& each) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  std::string problem;
  if (archive_read_open_filename(a, tarball.c_str(), 1 << 16) != ARCHIVE_OK) {
    problem = "cannot open " + tarball;
  }
  archive_entry* entry = nullptr;
  while (problem.empty()) {
    const int status = archive_read_next_header(a, &entry);
    if (status == ARCHIVE_EOF) break;
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {  // a warning: e.g. a path's charset
      problem = std::string("tarball: ") + archive_error_string(a);
      break;
    }
    const std::string path = archive_entry_pathname(entry);
    if (path.size() < 3 || path.compare(path.size() - 3, 3, ".md") != 0) continue;
    std::string text(static_cast<std::size_t>(archive_entry_size(entry)), '\0');
    std::size_t got = 0;
    while (got < text.size()) {
      const auto n = archive_read_data(a, text.data() + got, text.size() - got);
      if (n <= 0) {
        problem = "tarball: short read in " + path;
        break;
      }
      got += static_cast<std::size_t>(n);
    }
    if (problem.empty() && !each(path, std::move(text))) break;
  }
  archive_read_free(a);
  return problem;
}

}  // namespace cw::test
