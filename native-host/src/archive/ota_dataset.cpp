#include "archive/ota_dataset.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <system_error>

#include <archive.h>
#include <archive_entry.h>
#include <re2/re2.h>

#include "common/limits.h"

namespace cw::archive {
namespace {

namespace fs = std::filesystem;

Error layout_error(const fs::path& path, std::string detail) {
  return Error::make(ErrorCode::IMPORT_LAYOUT,
                     {{"path", path.string()}, {"detail", std::move(detail)}});
}

Error io_error(const fs::path& path, std::string detail) {
  return Error::make(ErrorCode::IO_ERROR, {{"path", path.string()}, {"detail", std::move(detail)}});
}

Error too_large(std::string_view path) {
  return Error::make(ErrorCode::LIMIT_EXCEEDED,
                     {{"what", "dataset file " + std::string(path)},
                      {"limit", std::to_string(limits::kMaxImportFileBytes) + " bytes"}});
}

// Splits "a/b/Service/Terms of Service/2025-01-01T00-00-00Z.md" into an entry; false if the path is
// not a dataset version file (other files in the tree are ignored).
bool parse_dataset_path(std::string_view rel, OtaEntry& entry) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= rel.size()) {
    std::size_t end = rel.find('/', start);
    if (end == std::string_view::npos) end = rel.size();
    if (end > start) parts.push_back(rel.substr(start, end - start));
    start = end + 1;
  }
  if (parts.size() < 3) return false;
  std::string_view file = parts.back();
  if (file.size() < 4 || file.substr(file.size() - 3) != ".md") return false;
  entry.seen_at = ota_date_to_iso(file.substr(0, file.size() - 3));
  if (entry.seen_at.empty()) return false;
  entry.terms_type = std::string(parts[parts.size() - 2]);
  entry.service = std::string(parts[parts.size() - 3]);
  entry.path = std::string(rel);
  return true;
}

Status read_folder(const fs::path& root, std::vector<OtaEntry>& out) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; it != end; it.increment(ec)) {
    if (ec) return io_error(root, ec.message());
    if (!it->is_regular_file(ec)) continue;
    OtaEntry entry;
    const std::string rel = fs::relative(it->path(), root, ec).generic_string();
    if (!parse_dataset_path(rel, entry)) continue;
    const auto size = it->file_size(ec);
    if (ec) return io_error(it->path(), ec.message());
    if (size > limits::kMaxImportFileBytes) return too_large(rel);
    std::ifstream in(it->path(), std::ios::binary);
    entry.text.resize(size);
    in.read(entry.text.data(), static_cast<std::streamsize>(size));
    if (!in) return io_error(it->path(), "read failed");
    out.push_back(std::move(entry));
  }
  return ok_status();
}

struct ReaderDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

Status read_packed(const fs::path& file, std::vector<OtaEntry>& out) {
  std::unique_ptr<struct archive, ReaderDeleter> reader(archive_read_new());
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_zip(reader.get());
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_gnutar(reader.get());
  if (archive_read_open_filename(reader.get(), file.c_str(), 1 << 16) != ARCHIVE_OK) {
    return io_error(file, archive_error_string(reader.get()) ? archive_error_string(reader.get())
                                                             : "open failed");
  }
  struct archive_entry* header = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(reader.get(), &header);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      return io_error(file, archive_error_string(reader.get()) ? archive_error_string(reader.get())
                                                               : "bad entry");
    }
    if (archive_entry_filetype(header) != AE_IFREG) continue;
    const char* name = archive_entry_pathname(header);
    OtaEntry entry;
    if (name == nullptr || !parse_dataset_path(name, entry)) continue;
    // Check the size the header claims before allocating, and never read past the limit.
    const la_int64_t claimed =
        archive_entry_size_is_set(header) != 0 ? archive_entry_size(header) : -1;
    if (claimed > static_cast<la_int64_t>(limits::kMaxImportFileBytes)) return too_large(name);
    std::string text;
    if (claimed > 0) text.reserve(static_cast<std::size_t>(claimed));
    char buf[1 << 16];
    for (;;) {
      const la_ssize_t n = archive_read_data(reader.get(), buf, sizeof buf);
      if (n < 0)
        return io_error(file, archive_error_string(reader.get())
                                  ? archive_error_string(reader.get())
                                  : "read failed");
      if (n == 0) break;
      if (text.size() + static_cast<std::size_t>(n) > limits::kMaxImportFileBytes)
        return too_large(name);
      text.append(buf, static_cast<std::size_t>(n));
    }
    entry.text = std::move(text);
    out.push_back(std::move(entry));
  }
  return ok_status();
}

}  // namespace

std::string ota_date_to_iso(std::string_view stem) {
  static const RE2 kStem(R"((\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})(\.\d+)?Z)");
  std::string day, h, m, s, frac;
  if (!RE2::FullMatch(stem, kStem, &day, &h, &m, &s, &frac)) return {};
  return day + "T" + h + ":" + m + ":" + s + frac + "Z";
}

std::string iso_to_ota_date(std::string_view iso) {
  std::string out(iso);
  std::replace(out.begin(), out.end(), ':', '-');
  return out;
}

Expected<std::vector<OtaEntry>> read_ota_dataset(const fs::path& source) {
  std::error_code ec;
  if (!fs::exists(source, ec)) return io_error(source, "no such file or folder");
  std::vector<OtaEntry> entries;
  const Status read =
      fs::is_directory(source, ec) ? read_folder(source, entries) : read_packed(source, entries);
  if (!read) return read.error();
  if (entries.empty()) {
    return layout_error(source, "no <service>/<terms type>/<YYYY-MM-DDTHH-MM-SSZ>.md files found");
  }
  // Each document's versions in date order, so each body is a delta on its predecessor.
  std::sort(entries.begin(), entries.end(), [](const OtaEntry& a, const OtaEntry& b) {
    return std::tie(a.service, a.terms_type, a.seen_at, a.path) <
           std::tie(b.service, b.terms_type, b.seen_at, b.path);
  });
  return entries;
}

Expected<ImportStats> import_ota(Archive& archive, const fs::path& source,
                                 const ImportOptions& options) {
  auto entries = read_ota_dataset(source);
  if (!entries) return entries.error();
  ImportStats stats;
  const auto total = static_cast<std::int64_t>(entries->size());
  for (const auto& entry : *entries) {
    ++stats.files;
    DocumentKey key{entry.service, "", entry.terms_type, ""};
    auto seen = archive.has_sighting(key, entry.seen_at, entry.text);
    if (!seen) return seen.error();
    if (*seen) {
      ++stats.skipped;
    } else {
      Capture capture;
      capture.document = key;
      capture.text = entry.text;
      capture.seen_at = entry.seen_at;
      capture.origin = Origin::kImport;
      if (options.analyze) {
        capture.analyze = [&options, &entry](std::string_view text) {
          return options.analyze(text, entry.terms_type);
        };
      }
      auto recorded = archive.record(capture);
      if (!recorded) return recorded.error();
      ++stats.recorded;
      if (recorded->is_new_version) {
        ++stats.new_versions;
        if (changes::is_meaningful(recorded->verdict)) ++stats.meaningful;
      }
      if (options.committed) options.committed(entry, *recorded);
    }
    if (options.progress)
      options.progress(stats.files, total, entry.service + "/" + entry.terms_type);
  }
  return stats;
}

Expected<std::int64_t> export_ota(Archive& archive, const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec))) {
    return Error::make(ErrorCode::EXPORT_TARGET_NOT_EMPTY, {{"path", dir.string()}});
  }
  auto docs = archive.documents();
  if (!docs) return docs.error();
  std::int64_t written = 0;
  for (const auto& doc : *docs) {
    // Names come from the archive, which may hold anything a page said: keep them one path
    // component each, so an export never writes outside `dir`.
    auto safe = [](std::string name) {
      std::replace(name.begin(), name.end(), '/', '_');
      if (name.empty() || name == "." || name == "..") name = "_" + name;
      return name;
    };
    const std::string type =
        doc.variant.empty() ? doc.terms_type : doc.terms_type + " (" + doc.variant + ")";
    const fs::path folder = dir / safe(doc.service) / safe(type);
    fs::create_directories(folder, ec);
    if (ec) return io_error(folder, ec.message());
    auto observations = archive.observations(doc.id);
    if (!observations) return observations.error();
    for (const auto& obs : *observations) {
      auto body = archive.body_text(obs.body_id);
      if (!body) return body.error();
      const fs::path file = folder / (iso_to_ota_date(obs.seen_at) + ".md");
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out.write(body->data(), static_cast<std::streamsize>(body->size()));
      if (!out) return io_error(file, "write failed");
      ++written;
    }
  }
  return written;
}

}  // namespace cw::archive
