#include "archive/ota_dataset.h"

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_set>

#include <archive.h>
#include <archive_entry.h>
#include <re2/re2.h>
#include <sodium.h>

#include "archive/body_codec.h"
#include "archive/sql.h"
#include "common/limits.h"
#include "text/normalize.h"

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

namespace {

// What the worker threads prepare for one document: each distinct raw text normalised, and the
// provisions of the first text of each normalised text the archive does not have yet (the only
// ones record() will ask for).
struct PreparedDocument {
  std::vector<std::string> normalized;  // per entry of the document; empty for a repeated raw text
  std::vector<std::optional<std::vector<engine::Finding>>> findings;  // per entry
};

struct DocumentRange {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Versions already in the archive, as "service\nterms type\nhash": their texts need no analysis.
Expected<std::unordered_set<std::string>> known_versions(Archive& archive) {
  std::unordered_set<std::string> out;
  sql::Statement get(archive.handle(),
                     "SELECT s.name, d.terms_type, v.hash FROM versions v JOIN documents d ON "
                     "d.id = v.document_id JOIN services s ON s.id = d.service_id WHERE d.variant "
                     "= ''");
  for (;;) {
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) break;
    out.insert(get.text(0) + "\n" + get.text(1) + "\n" + get.blob(2));
  }
  return out;
}

std::string blake2b_256(std::string_view data) {
  std::string out(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
  return out;
}

PreparedDocument prepare_document(const std::vector<OtaEntry>& entries, DocumentRange range,
                                  const std::unordered_set<std::string>& known,
                                  const ImportOptions& options) {
  PreparedDocument doc;
  const std::size_t n = range.end - range.begin;
  doc.normalized.resize(n);
  doc.findings.resize(n);
  std::unordered_set<std::string_view> raw_seen;
  std::unordered_set<std::string> hashes_seen;
  for (std::size_t i = 0; i < n; ++i) {
    const OtaEntry& e = entries[range.begin + i];
    if (!raw_seen.insert(e.text).second) continue;
    doc.normalized[i] = text::normalize(e.text).text;
    if (!options.analyze) continue;
    const std::string hash = blake2b_256(doc.normalized[i]);
    if (!hashes_seen.insert(hash).second) continue;
    if (known.count(e.service + "\n" + e.terms_type + "\n" + hash) != 0) continue;
    doc.findings[i] = options.analyze(e.text, e.terms_type);
  }
  return doc;
}

}  // namespace

Expected<ImportStats> import_ota(Archive& archive, const fs::path& source,
                                 const ImportOptions& options) {
  auto entries = read_ota_dataset(source);
  if (!entries) return entries.error();
  auto known = known_versions(archive);
  if (!known) return known.error();
  // Documents are independent: worker threads normalise and analyse them ahead of this thread,
  // which records them in order (SQLite and the body chains stay single-threaded). They run at
  // most kImportPrepareAhead documents ahead, to bound the memory held.
  std::vector<DocumentRange> docs;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const auto& e = (*entries)[i];
    if (docs.empty() || (*entries)[docs.back().begin].service != e.service ||
        (*entries)[docs.back().begin].terms_type != e.terms_type) {
      docs.push_back({i, i});
    }
    docs.back().end = i + 1;
  }
  std::vector<std::optional<PreparedDocument>> prepared(docs.size());
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t next_doc = 0;
  std::size_t consumed = 0;
  bool stop = false;
  auto worker = [&] {
    for (;;) {
      std::size_t d = 0;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] {
          return stop || next_doc >= docs.size() ||
                 next_doc < consumed + static_cast<std::size_t>(limits::kImportPrepareAhead);
        });
        if (stop || next_doc >= docs.size()) return;
        d = next_doc++;
      }
      auto doc = prepare_document(*entries, docs[d], *known, options);
      {
        std::lock_guard lock(mutex);
        prepared[d] = std::move(doc);
      }
      changed.notify_all();
    }
  };
  const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1U,
                                      static_cast<unsigned>(limits::kImportThreads));
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  struct Joiner {
    std::vector<std::thread>& pool;
    std::mutex& mutex;
    std::condition_variable& changed;
    bool& stop;
    ~Joiner() {
      {
        std::lock_guard lock(mutex);
        stop = true;
      }
      changed.notify_all();
      for (auto& t : pool) t.join();
    }
  } joiner{pool, mutex, changed, stop};

  // An archive's first large import trains the keyframe dictionary on the first text of each
  // document (while the workers prepare the first documents).
  auto has_dictionary = archive.has_body_dictionary();
  if (!has_dictionary) return has_dictionary.error();
  if (!*has_dictionary && docs.size() >= kDictionaryMinSamples) {
    std::vector<std::string_view> samples;
    std::size_t sampled = 0;
    for (const auto& d : docs) {
      const std::string& text = (*entries)[d.begin].text;
      if (sampled + text.size() > kDictionarySampleBytes) continue;
      sampled += text.size();
      samples.emplace_back(text);
    }
    if (auto trained = archive.train_body_dictionary(samples); !trained) return trained.error();
  }

  ImportStats stats;
  const auto total = static_cast<std::int64_t>(entries->size());
  for (std::size_t d = 0; d < docs.size(); ++d) {
    PreparedDocument doc;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return prepared[d].has_value(); });
      doc = std::move(*prepared[d]);
      prepared[d].reset();
      consumed = d + 1;
    }
    changed.notify_all();
    for (std::size_t i = docs[d].begin; i < docs[d].end; ++i) {
      const OtaEntry& entry = (*entries)[i];
      const std::size_t k = i - docs[d].begin;
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
        if (!doc.normalized[k].empty() || entry.text.empty())
          capture.normalized = &doc.normalized[k];
        if (doc.findings[k]) {
          capture.findings = &*doc.findings[k];
        } else if (options.analyze) {
          // Not prepared (the text was known when the import started): analyse here if needed.
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
  }
  if (auto trained = archive.train_record_dictionary(); !trained) return trained.error();
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
      if (name.empty() || name == "." || name == "..") name.insert(0, 1, '_');
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
