#include "archive/archive.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <system_error>
#include <thread>

#include <sodium.h>

#include "archive/body_codec.h"
#include "archive/finding_store.h"
#include "archive/schema.h"
#include "archive/sql.h"
#include "changes/change_record.h"
#include "changes/diff.h"
#include "changes/finding_json.h"
#include "common/limits.h"
#include "text/normalize.h"

namespace cw::archive {
namespace {

using changes::Verdict;

// Bodies are found by their raw hash through an index of its first 8 bytes (migration 11); ?1 is
// the document, ?2 the hash.
constexpr const char* kBodyHashMatch =
    "substr(raw_hash, 1, 8) = substr(?2, 1, 8) AND raw_hash = ?2";
// observations.origin as its name (stored as the Origin value since migration 11).
constexpr const char* kOriginText =
    "CASE o.origin WHEN 0 THEN 'browser' WHEN 1 THEN 'import' WHEN 2 THEN 'sync' ELSE o.origin END";

// Meaning and layout hashes are compared only between versions of one document (migration 8).
constexpr std::size_t kMeaningHashBytes = 8;

std::string blake2b_256(std::string_view data) {
  std::string out(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4U]);
    out.push_back(kDigits[c & 15U]);
  }
  return out;
}

Error not_clausewatch(const std::filesystem::path& path) {
  return Error::make(ErrorCode::ARCHIVE_NOT_CLAUSEWATCH, {{"path", path.string()}});
}

// A non-empty file that does not start with the SQLite header is not an archive; it is refused
// before SQLite touches it.
bool has_foreign_header(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 16> header{};
  in.read(header.data(), header.size());
  const auto got = in.gcount();
  if (got == 0) return false;  // empty file: SQLite treats it as a new database
  return got < 16 || std::memcmp(header.data(), "SQLite format 3\0", 16) != 0;
}

}  // namespace

std::string_view to_string(Origin origin) {
  switch (origin) {
    case Origin::kBrowser:
      return "browser";
    case Origin::kImport:
      return "import";
    case Origin::kSync:
      return "sync";
  }
  return "browser";
}

std::optional<Origin> origin_from_string(std::string_view s) {
  if (s == "browser") return Origin::kBrowser;
  if (s == "import") return Origin::kImport;
  if (s == "sync") return Origin::kSync;
  return std::nullopt;
}

nlohmann::json VersionInfo::to_json() const {
  return {{"id", id},
          {"document_id", document_id},
          {"service", service},
          {"terms_type", terms_type},
          {"variant", variant},
          {"hash", hash},
          {"first_seen", first_seen},
          {"last_seen", last_seen},
          {"origin", origin},
          {"times_seen", times_seen},
          {"verdict", verdict},
          {"meaningful", meaningful},
          {"compared_to", compared_to ? nlohmann::json(*compared_to) : nlohmann::json(nullptr)},
          {"bytes", bytes},
          {"url", url},
          {"findings", findings}};
}

nlohmann::json DocumentInfo::to_json() const {
  return {{"id", id},
          {"service", service},
          {"domain", domain},
          {"terms_type", terms_type},
          {"variant", variant},
          {"url", url},
          {"versions", versions},
          {"meaningful_versions", meaningful_versions},
          {"observations", observations},
          {"first_seen", first_seen},
          {"last_seen", last_seen}};
}

nlohmann::json StoredChange::to_json() const {
  nlohmann::json j{
      {"id", id},
      {"document_id", document_id},
      {"service", service},
      {"terms_type", terms_type},
      {"from_version", from_version ? nlohmann::json(*from_version) : nlohmann::json(nullptr)},
      {"to_version", to_version},
      {"detected_at", detected_at}};
  for (const auto& [key, value] : record.items()) j[key] = value;
  return j;
}

// Per-connection state: the most recently read or written bodies. During an import they are the
// prefix of the next body of the same document; on reads they cut the chain walk short.
struct Archive::Impl {
  explicit Impl(sqlite3* db) : statements(db) {}
  // The statements Archive::record runs on every page.
  sql::StatementCache statements;

  struct Cached {
    std::int64_t id;
    std::string text;
  };
  std::vector<Cached> cache;  // most recent last; at most kBodyCacheEntries

  const std::string* cached(std::int64_t id) const {
    for (const auto& c : cache) {
      if (c.id == id) return &c.text;
    }
    return nullptr;
  }
  void remember(std::int64_t id, std::string_view text) {
    for (auto it = cache.begin(); it != cache.end(); ++it) {
      if (it->id == id) {
        cache.erase(it);
        break;
      }
    }
    if (cache.size() >= kBodyCacheEntries) cache.erase(cache.begin());
    cache.push_back({id, std::string(text)});
  }

  Expected<std::int64_t> ensure_body(sqlite3* db, Archive& self, std::int64_t document_id,
                                     const std::string& raw_hash, std::string_view text);

  // Keyframe dictionaries by id, loaded on first use (they never change once written).
  std::map<std::int64_t, std::unique_ptr<BodyDictionary>> dictionaries;
  Expected<const BodyDictionary*> dictionary(sqlite3* db, std::int64_t id) {
    if (auto it = dictionaries.find(id); it != dictionaries.end()) return it->second.get();
    sql::Statement get(db, "SELECT size, data FROM body_dictionaries WHERE id = ?");
    get.bind(1, id);
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) {
      return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                         {{"detail", "dictionary " + std::to_string(id) + " is missing"}});
    }
    auto content = decompress_body(get.blob(1), "", static_cast<std::size_t>(get.int64(0)));
    if (!content) return content.error();
    auto loaded = BodyDictionary::load(*content);
    if (!loaded) return loaded.error();
    return (dictionaries[id] = std::move(*loaded)).get();
  }
};

Archive::Archive(sqlite3* db, std::filesystem::path path)
    : db_(db), path_(std::move(path)), impl_(std::make_unique<Impl>(db)) {}

Archive::~Archive() {
  impl_.reset();  // finalises the cached statements before the connection closes
  sqlite3_close_v2(db_);
}

namespace {

// Switching a new archive to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once
// instead of waiting in the busy handler; so when two processes create the archive together the
// second one retries here, for as long as the busy timeout allows.
Status enable_wal(sqlite3* db) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(limits::kArchiveBusyTimeoutMs);
  for (;;) {
    auto s = sql::exec(db, "PRAGMA journal_mode=WAL");
    if (s || s.error().code != ErrorCode::ARCHIVE_BUSY ||
        std::chrono::steady_clock::now() >= deadline) {
      return s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

Expected<std::unique_ptr<Archive>> Archive::open(const std::filesystem::path& path, Mode mode) {
  if (sodium_init() < 0) {
    return Error::make(ErrorCode::INTERNAL, {{"detail", "libsodium failed to initialise"}});
  }
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (!exists && mode == Mode::kExisting) {
    return Error::make(ErrorCode::ARCHIVE_READ_ONLY, {{"path", path.string()}});
  }
  if (exists && (!std::filesystem::is_regular_file(path, ec) || has_foreign_header(path))) {
    return not_clausewatch(path);
  }
  if (!exists && path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return Error::make(ErrorCode::ARCHIVE_UNAVAILABLE,
                         {{"path", path.string()}, {"detail", ec.message()}});
    }
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string detail = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Error::make(ErrorCode::ARCHIVE_UNAVAILABLE,
                       {{"path", path.string()}, {"detail", detail}});
  }
  std::unique_ptr<Archive> archive(new Archive(db, path));
  sqlite3_busy_timeout(db, limits::kArchiveBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);

  // Recognise the file before changing anything in it. (Each statement is finished before the
  // journal mode changes, which SQLite refuses inside an open read.)
  // One read transaction, so a second process creating the archive at this moment is seen either
  // not at all or completely (never tables without the application id).
  std::int64_t app_id = 0;
  std::int64_t user_version = 0;
  std::int64_t tables = 0;
  if (auto s = sql::exec(db, "BEGIN"); !s) return s.error();
  for (auto [sql_text, out] : {std::pair{"PRAGMA application_id", &app_id},
                               std::pair{"PRAGMA user_version", &user_version},
                               std::pair{"SELECT count(*) FROM sqlite_master", &tables}}) {
    sql::Statement st(db, sql_text);
    auto row = st.step();
    if (!row || !*row) return not_clausewatch(path);
    *out = st.int64(0);
  }
  if (auto s = sql::exec(db, "COMMIT"); !s) return s.error();
  if (app_id != kApplicationId && (app_id != 0 || user_version != 0 || tables != 0)) {
    return not_clausewatch(path);
  }
  if (user_version > latest_schema_version()) {
    return Error::make(
        ErrorCode::ARCHIVE_TOO_NEW,
        {{"path", path.string()}, {"found", user_version}, {"supported", latest_schema_version()}});
  }
  // A new archive gets small pages: most rows are small and most bodies are frames of a few hundred
  // bytes, so 4 KB pages left a quarter of the file as slack (OTA corpus: 0.36 MB of 7.3 MB).
  // SQLite applies it only while the file is still empty; existing archives keep theirs.
  if (tables == 0) {
    if (auto s = sql::exec(db, "PRAGMA page_size=" + std::to_string(kPageSize)); !s) {
      return s.error();
    }
  }
  // WAL: readers never block the writer; synchronous=NORMAL keeps every committed transaction
  // across a process crash (kill -9), which is the failure the host faces.
  if (auto s = enable_wal(db); !s) return s.error();
  if (auto s = sql::exec(db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;"); !s) {
    return s.error();
  }
  // Migrations run before foreign keys are enforced: some rebuild a table that others refer to
  // (create, copy with the same ids, drop, rename), which enforcement would refuse.
  if (auto s = migrate(db); !s) return s.error();
  if (auto s = sql::exec(db, "PRAGMA foreign_keys=ON;"); !s) return s.error();
  return archive;
}

Expected<std::int64_t> Archive::Impl::ensure_body(sqlite3* db, Archive& self,
                                                  std::int64_t document_id,
                                                  const std::string& raw_hash,
                                                  std::string_view text) {
  sql::Statement find(statements, std::string("SELECT id FROM bodies WHERE document_id = ?1 AND ") +
                                      kBodyHashMatch);
  find.bind(1, document_id).bind_blob(2, raw_hash);
  auto found = find.step();
  if (!found) return found.error();
  if (*found) return find.int64(0);

  // The base is the document's newest body, unless the chain is due for a keyframe; the prefix is
  // the texts of up to kPrefixTexts bodies back along the chain (never past a keyframe), oldest
  // first, so a text that flaps back to an older one is still one long match.
  sql::Statement last(
      db, "SELECT id, depth FROM bodies WHERE document_id = ? ORDER BY id DESC LIMIT 1");
  last.bind(1, document_id);
  auto has_last = last.step();
  if (!has_last) return has_last.error();
  std::optional<std::int64_t> base_id;
  std::int64_t depth = 0;
  std::vector<std::string> previous;  // newest first
  std::optional<std::string> frame;
  // Keyframes use the newest dictionary, if the archive has one.
  std::optional<std::int64_t> newest_dictionary;
  const BodyDictionary* dictionary = nullptr;
  {
    sql::Statement newest(db, "SELECT max(id) FROM body_dictionaries WHERE purpose = 'bodies'");
    auto row = newest.step();
    if (!row) return row.error();
    newest_dictionary = newest.opt_int64(0);
  }
  if (newest_dictionary) {
    auto d = this->dictionary(db, *newest_dictionary);
    if (!d) return d.error();
    dictionary = *d;
  }
  std::optional<std::int64_t> dictionary_id;
  auto keyframe = [&](std::string_view t) -> Expected<std::string> {
    dictionary_id = dictionary != nullptr ? newest_dictionary : std::nullopt;
    return dictionary != nullptr ? dictionary->compress(t) : compress_body(t, "");
  };
  sql::Statement up(db, "SELECT base_id FROM bodies WHERE id = ?");
  if (*has_last && last.int64(1) + 1 < kKeyframeInterval) {
    base_id = last.int64(0);
    depth = last.int64(1) + 1;
    std::optional<std::int64_t> next = base_id;
    while (next && previous.size() < static_cast<std::size_t>(kPrefixTexts)) {
      auto t = self.body_text(*next);
      if (!t) return t.error();
      previous.push_back(std::move(*t));
      up.bind(1, *next);
      auto row = up.step();
      if (!row) return row.error();
      next = *row ? up.opt_int64(0) : std::nullopt;
      up.reset();
    }
  } else if (*has_last) {
    // The chain is as long as a read may walk: restart it, as a delta on whichever shallow body of
    // the document (depth < kRestartDepth: its keyframe, earlier restarts and the bodies just
    // after them) it is smallest against, or as a keyframe when that is smaller still. Restarting
    // on recent text rather than on an ever older keyframe costs a few bodies of chain length.
    std::int64_t root = last.int64(0);
    for (int guard = 0; guard <= kKeyframeInterval; ++guard) {
      up.bind(1, root);
      auto row = up.step();
      if (!row) return row.error();
      const auto parent = *row ? up.opt_int64(0) : std::nullopt;
      up.reset();
      if (!parent) break;
      root = *parent;
    }
    std::vector<std::pair<std::int64_t, std::int64_t>> candidates{{root, 0}};  // id, depth
    {
      sql::Statement shallow(db,
                             "SELECT id, depth FROM bodies WHERE document_id = ? AND depth < ? "
                             "ORDER BY id DESC LIMIT ?");
      shallow.bind(1, document_id)
          .bind(2, std::int64_t{kRestartDepth})
          .bind(3, std::int64_t{kRestartCandidates});
      for (;;) {
        auto row = shallow.step();
        if (!row) return row.error();
        if (!*row) break;
        if (shallow.int64(0) != root) candidates.emplace_back(shallow.int64(0), shallow.int64(1));
      }
    }
    auto alone = keyframe(text);
    if (!alone) return alone.error();
    frame = std::move(*alone);
    const auto keyframe_dictionary = dictionary_id;
    std::optional<std::string> best_base_text;
    for (const auto& [id, at] : candidates) {
      auto base_text = self.body_text(id);
      if (!base_text) return base_text.error();
      auto delta = compress_body(text, *base_text);
      if (!delta) return delta.error();
      if (delta->size() < frame->size()) {
        frame = std::move(*delta);
        base_id = id;
        depth = at + 1;
        best_base_text = std::move(*base_text);
      }
    }
    if (base_id) {
      dictionary_id.reset();
      previous.push_back(std::move(*best_base_text));
    } else {
      dictionary_id = keyframe_dictionary;
    }
  } else {
    auto alone = keyframe(text);  // the document's first body
    if (!alone) return alone.error();
    frame = std::move(*alone);
  }
  if (!frame) {
    std::string prefix;
    for (auto it = previous.rbegin(); it != previous.rend(); ++it) prefix += *it;
    auto compressed = compress_body(text, prefix);
    if (!compressed) return compressed.error();
    frame = std::move(*compressed);
  }
  sql::Statement insert(
      db,
      "INSERT INTO bodies(document_id, raw_hash, base_id, depth, size, data, prefix_texts, "
      "dictionary_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, document_id)
      .bind_blob(2, raw_hash)
      .bind(3, base_id)
      .bind(4, depth)
      .bind(5, static_cast<std::int64_t>(text.size()))
      .bind_blob(6, *frame)
      .bind(7, static_cast<std::int64_t>(previous.size()))
      .bind(8, dictionary_id);
  if (auto s = insert.run(); !s) return s.error();
  const std::int64_t id = sqlite3_last_insert_rowid(db);
  remember(id, text);
  return id;
}

Expected<std::string> Archive::body_text(std::int64_t body_id) {
  if (const auto* hit = impl_->cached(body_id)) return *hit;
  // Walk back to a keyframe, or to kPrefixTexts consecutive cached bodies (enough for the prefix
  // of any frame after them), then decompress forward.
  struct Link {
    std::int64_t id = 0;
    std::int64_t size = 0;
    std::int64_t prefix_texts = 0;
    std::optional<std::int64_t> dictionary_id;
    std::string frame;
    const std::string* cached = nullptr;
  };
  std::vector<Link> chain;
  int cached_run = 0;
  sql::Statement get(
      db_, "SELECT base_id, size, data, prefix_texts, dictionary_id FROM bodies WHERE id = ?");
  std::optional<std::int64_t> next = body_id;
  while (next) {
    if (chain.size() > static_cast<std::size_t>(kKeyframeInterval) * 2) {
      return Error::make(ErrorCode::ARCHIVE_CORRUPT, {{"detail", "a body chain does not end"}});
    }
    get.bind(1, *next);
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) {
      return Error::make(ErrorCode::NOT_FOUND, {{"what", "body " + std::to_string(*next)}});
    }
    Link link;
    link.id = *next;
    link.cached = impl_->cached(*next);
    if (link.cached == nullptr) {
      link.size = get.int64(1);
      link.frame = get.blob(2);
      // A keyframe has no prefix, whatever the column says (rows written without it default to 1).
      link.prefix_texts = get.is_null(0) ? 0 : get.int64(3);
      link.dictionary_id = get.opt_int64(4);
      if (link.prefix_texts < 0 || link.prefix_texts > kPrefixTexts) {
        return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                           {{"detail", "body " + std::to_string(*next) + " has a bad prefix"}});
      }
    }
    next = get.opt_int64(0);
    get.reset();
    cached_run = link.cached != nullptr ? cached_run + 1 : 0;
    chain.push_back(std::move(link));
    if (cached_run >= kPrefixTexts) break;
  }
  // Forward: texts[i] is the text of chain[chain.size() - 1 - i].
  std::vector<std::string> texts;
  texts.reserve(chain.size());
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (it->cached != nullptr) {
      texts.push_back(*it->cached);
      continue;
    }
    const auto have = static_cast<std::int64_t>(texts.size());
    if (it->prefix_texts > have) {
      return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                         {{"detail", "body " + std::to_string(it->id) + " lacks its base"}});
    }
    if (it->dictionary_id) {
      auto dictionary = impl_->dictionary(db_, *it->dictionary_id);
      if (!dictionary) return dictionary.error();
      auto out = (*dictionary)->decompress(it->frame, static_cast<std::size_t>(it->size));
      if (!out) return out.error();
      texts.push_back(std::move(*out));
      continue;
    }
    std::string prefix;
    if (it->prefix_texts == 1) {
      prefix = texts.back();
    } else {
      for (std::int64_t k = have - it->prefix_texts; k < have; ++k)
        prefix += texts[static_cast<std::size_t>(k)];
    }
    auto out = decompress_body(it->frame, prefix, static_cast<std::size_t>(it->size));
    if (!out) return out.error();
    texts.push_back(std::move(*out));
  }
  impl_->remember(body_id, texts.back());
  return std::move(texts.back());
}

Expected<bool> Archive::has_body_dictionary() {
  sql::Statement get(db_, "SELECT 1 FROM body_dictionaries WHERE purpose = 'bodies' LIMIT 1");
  return get.step();
}

Expected<bool> Archive::train_body_dictionary(const std::vector<std::string_view>& samples) {
  if (samples.size() < kDictionaryMinSamples) return false;
  auto trained = train_dictionary(samples);
  if (!trained) return false;  // nothing shared enough to be worth a dictionary
  auto frame = compress_body(*trained, "", kRecordCompressionLevel);
  if (!frame) return frame.error();
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
  sql::Transaction tx(db_);
  if (auto s = tx.begin(); !s) return s.error();
  sql::Statement add(db_, "INSERT INTO body_dictionaries(created_at, size, data) VALUES (?, ?, ?)");
  add.bind(1, std::string_view(when))
      .bind(2, static_cast<std::int64_t>(trained->size()))
      .bind_blob(3, *frame);
  if (auto s = add.run(); !s) return s.error();
  if (auto s = tx.commit(); !s) return s.error();
  return true;
}

Expected<Archive::Keyframe> Archive::fast_keyframe(std::string_view text) {
  Keyframe out;
  {
    sql::Statement newest(db_, "SELECT max(id) FROM body_dictionaries WHERE purpose = 'bodies'");
    auto row = newest.step();
    if (!row) return row.error();
    out.dictionary_id = newest.opt_int64(0);
  }
  if (out.dictionary_id) {
    auto dictionary = impl_->dictionary(db_, *out.dictionary_id);
    if (!dictionary) return dictionary.error();
    auto frame = (*dictionary)->compress_fast(text);
    if (!frame) return frame.error();
    out.frame = std::move(*frame);
    return out;
  }
  auto frame = compress_body(text, "", 1);
  if (!frame) return frame.error();
  out.frame = std::move(*frame);
  return out;
}

Expected<bool> Archive::train_record_dictionary() {
  sql::Transaction tx(db_);
  if (auto s = tx.begin(); !s) return s.error();
  {
    sql::Statement has(db_, "SELECT 1 FROM body_dictionaries WHERE purpose = 'records' LIMIT 1");
    auto row = has.step();
    if (!row) return row.error();
    if (*row) return false;
  }
  std::vector<std::pair<std::int64_t, std::string>> records;
  {
    sql::Statement get(db_, "SELECT id, json FROM change_records ORDER BY id");
    for (;;) {
      auto row = get.step();
      if (!row) return row.error();
      if (!*row) break;
      auto text = change_json_text(get, 1);
      if (!text) return text.error();
      records.emplace_back(get.int64(0), std::move(*text));
    }
  }
  if (records.size() < kRecordDictionaryMinSamples) return false;
  std::vector<std::string_view> samples;
  std::size_t sampled = 0;
  for (const auto& [id, text] : records) {
    if (sampled + text.size() > kDictionarySampleBytes) break;
    sampled += text.size();
    samples.emplace_back(text);
  }
  auto trained = train_dictionary(samples, kRecordDictionaryBytes);
  if (!trained) return false;  // nothing shared enough to be worth a dictionary
  auto frame = compress_body(*trained, "", kRecordCompressionLevel);
  if (!frame) return frame.error();
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
  sql::Statement add(db_,
                     "INSERT INTO body_dictionaries(created_at, size, data, purpose) "
                     "VALUES (?, ?, ?, 'records')");
  add.bind(1, std::string_view(when))
      .bind(2, static_cast<std::int64_t>(trained->size()))
      .bind_blob(3, *frame);
  if (auto s = add.run(); !s) return s.error();
  // Every record again with it (a record only ever gets smaller: keep the old frame otherwise).
  sql::Statement old_size(db_, "SELECT length(json) FROM change_records WHERE id = ?");
  sql::Statement set(db_, "UPDATE change_records SET json = ? WHERE id = ?");
  for (const auto& [id, text] : records) {
    auto stored = encode_change_json(db_, text);
    if (!stored) return stored.error();
    old_size.bind(1, id);
    auto row = old_size.step();
    if (!row) return row.error();
    const bool smaller = *row && static_cast<std::int64_t>(stored->size()) < old_size.int64(0);
    old_size.reset();
    if (!smaller) continue;
    set.bind_blob(1, *stored).bind(2, id);
    if (auto s = set.run(); !s) return s.error();
    set.reset();
  }
  if (auto s = tx.commit(); !s) return s.error();
  return true;
}

Expected<std::string> Archive::version_text(std::int64_t version_id) {
  sql::Statement get(db_, "SELECT body_id FROM versions WHERE id = ?");
  get.bind(1, version_id);
  auto row = get.step();
  if (!row) return row.error();
  if (!*row)
    return Error::make(ErrorCode::NOT_FOUND, {{"what", "version " + std::to_string(version_id)}});
  return body_text(get.int64(0));
}

namespace {

// A function-local static: built on first use, so a failure cannot escape static initialisation.
const std::string& version_columns() {
  static const std::string kColumns =
      std::string(
          "v.id, v.document_id, s.name, d.terms_type, d.variant, v.hash, v.first_seen, "
          "v.last_seen, "
          "v.origin, v.times_seen, v.verdict, v.compared_to, b.size, v.url, ") +
      kFindingCountSql +
      " FROM versions v JOIN documents d ON d.id = v.document_id JOIN services s ON s.id = "
      "d.service_id JOIN bodies b ON b.id = v.body_id ";
  return kColumns;
}

VersionInfo read_version_row(const sql::Statement& st) {
  VersionInfo v;
  v.id = st.int64(0);
  v.document_id = st.int64(1);
  v.service = st.text(2);
  v.terms_type = st.text(3);
  v.variant = st.text(4);
  v.hash = to_hex(st.blob(5));
  v.first_seen = st.text(6);
  v.last_seen = st.text(7);
  v.origin = st.text(8);
  v.times_seen = st.int64(9);
  v.verdict = st.text(10);
  v.meaningful = changes::is_meaningful(changes::verdict_from_string(v.verdict));
  v.compared_to = st.opt_int64(11);
  v.bytes = st.int64(12);
  v.url = st.text(13);
  v.findings = st.int64(14);
  return v;
}

constexpr const char* kDocumentColumns =
    "d.id, s.name, s.domain, d.terms_type, d.variant, d.url, "
    "(SELECT count(*) FROM versions v WHERE v.document_id = d.id), "
    "(SELECT count(*) FROM versions v WHERE v.document_id = d.id AND v.verdict IN "
    "('first','change')), "
    "(SELECT count(*) FROM observations o WHERE o.document_id = d.id), "
    "(SELECT CASE WHEN typeof(t) = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%SZ', t, 'unixepoch') "
    "ELSE t END FROM (SELECT min(seen_at) AS t FROM observations o WHERE o.document_id = d.id)), "
    "(SELECT CASE WHEN typeof(t) = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%SZ', t, 'unixepoch') "
    "ELSE t END FROM (SELECT max(seen_at) AS t FROM observations o WHERE o.document_id = d.id)) "
    "FROM documents d JOIN services s ON s.id = d.service_id ";

DocumentInfo read_document_row(const sql::Statement& st) {
  DocumentInfo d;
  d.id = st.int64(0);
  d.service = st.text(1);
  d.domain = st.text(2);
  d.terms_type = st.text(3);
  d.variant = st.text(4);
  d.url = st.text(5);
  d.versions = st.int64(6);
  d.meaningful_versions = st.int64(7);
  d.observations = st.int64(8);
  d.first_seen = st.text(9);
  d.last_seen = st.text(10);
  return d;
}

}  // namespace

Expected<VersionInfo> Archive::version_info(std::int64_t version_id) {
  sql::Statement get(db_, "SELECT " + version_columns() + "WHERE v.id = ?");
  get.bind(1, version_id);
  auto row = get.step();
  if (!row) return row.error();
  if (!*row)
    return Error::make(ErrorCode::NOT_FOUND, {{"what", "version " + std::to_string(version_id)}});
  return read_version_row(get);
}

Expected<std::vector<engine::Finding>> Archive::findings(std::int64_t version_id) {
  return load_findings(db_, version_id, [this, version_id] { return version_text(version_id); });
}

Expected<bool> Archive::has_sighting(const DocumentKey& key, std::string_view seen_at,
                                     std::string_view text) {
  sql::Statement get(
      db_,
      "SELECT 1 FROM observations o JOIN bodies b ON b.id = o.body_id "
      "JOIN documents d ON d.id = o.document_id JOIN services s ON s.id = d.service_id "
      "WHERE s.name = ? AND d.terms_type = ? AND d.variant = ? AND o.seen_at = ? "
      "AND b.raw_hash = ? LIMIT 1");
  get.bind(1, key.service).bind(2, key.terms_type).bind(3, key.variant).bind_time(4, seen_at);
  get.bind_blob(5, blake2b_256(text));
  return get.step();
}

Expected<RecordResult> Archive::record(const Capture& capture) {
  auto result = record_once(capture);
  // A failed record rolled back: the ids of bodies it cached may be given to other texts later.
  if (!result) impl_->cache.clear();
  return result;
}

Expected<RecordResult> Archive::record_once(const Capture& capture) {
  const std::string raw_hash = blake2b_256(capture.text);
  // Fast path for the common case, a page seen again byte for byte: its version is known from an
  // earlier observation of the same raw text, so normalisation is skipped.
  std::optional<std::string> known_hash;
  {
    sql::Statement known(
        impl_->statements,
        "SELECT v.hash FROM bodies b JOIN documents d ON d.id = b.document_id "
        "JOIN services s ON s.id = d.service_id "
        "JOIN versions v ON v.id = b.version_id WHERE s.name = ? AND d.terms_type = ? "
        "AND d.variant = ? AND substr(b.raw_hash, 1, 8) = substr(?4, 1, 8) AND b.raw_hash = ?4 "
        "LIMIT 1");
    known.bind(1, capture.document.service).bind(2, capture.document.terms_type);
    known.bind(3, capture.document.variant).bind_blob(4, raw_hash);
    auto row = known.step();
    if (!row) return row.error();
    if (*row) known_hash = known.blob(0);
  }
  // The normalised text: the caller's (not copied) when it has it, else made here unless the raw
  // text is already known.
  std::string normalized_here;
  if (capture.normalized == nullptr && !known_hash) {
    normalized_here = text::normalize(capture.text).text;
  }
  const std::string& normalized_text =
      capture.normalized != nullptr ? *capture.normalized : normalized_here;
  const std::string hash = known_hash ? *known_hash : blake2b_256(normalized_text);
  const std::string origin(to_string(capture.origin));

  sql::Transaction tx(db_);
  if (auto s = tx.begin(); !s) return s.error();

  sql::Statement upsert_service(
      impl_->statements,
      "INSERT INTO services(name, domain) VALUES (?, ?) ON CONFLICT(name) DO "
      "UPDATE SET domain = CASE WHEN excluded.domain <> '' THEN excluded.domain "
      "ELSE domain END RETURNING id");
  upsert_service.bind(1, capture.document.service).bind(2, capture.document.domain);
  auto srow = upsert_service.step();
  if (!srow) return srow.error();
  const std::int64_t service_id = upsert_service.int64(0);
  upsert_service.reset();

  sql::Statement get_doc(
      impl_->statements,
      "SELECT id, url FROM documents WHERE service_id = ? AND terms_type = ? AND variant = ?");
  get_doc.bind(1, service_id)
      .bind(2, capture.document.terms_type)
      .bind(3, capture.document.variant);
  auto drow = get_doc.step();
  if (!drow) return drow.error();
  std::int64_t document_id = 0;
  std::string previous_url;
  if (*drow) {
    document_id = get_doc.int64(0);
    previous_url = get_doc.text(1);
  } else {
    sql::Statement insert_doc(
        impl_->statements,
        "INSERT INTO documents(service_id, terms_type, variant, url) VALUES (?, ?, ?, ?)");
    insert_doc.bind(1, service_id).bind(2, capture.document.terms_type);
    insert_doc.bind(3, capture.document.variant).bind(4, capture.url);
    if (auto s = insert_doc.run(); !s) return s.error();
    document_id = sqlite3_last_insert_rowid(db_);
  }
  if (!capture.url.empty() && capture.url != previous_url) {
    sql::Statement set_url(impl_->statements, "UPDATE documents SET url = ? WHERE id = ?");
    set_url.bind(1, capture.url).bind(2, document_id);
    if (auto s = set_url.run(); !s) return s.error();
  }

  auto body_id = impl_->ensure_body(db_, *this, document_id, raw_hash, capture.text);
  if (!body_id) return body_id.error();

  RecordResult result;
  result.document_id = document_id;
  result.hash = to_hex(hash);

  sql::Statement find_version(impl_->statements,
                              "SELECT id, first_seen, verdict, compared_to FROM versions "
                              "WHERE document_id = ? AND hash = ?");
  find_version.bind(1, document_id).bind_blob(2, hash);
  auto vrow = find_version.step();
  if (!vrow) return vrow.error();

  if (*vrow) {
    result.version_id = find_version.int64(0);
    result.is_new_version = false;
    result.verdict = changes::verdict_from_string(find_version.text(2));
    result.compared_to = find_version.opt_int64(3);
  } else {
    // A new version: decide whether it is a meaningful change, against the reference version (the
    // most recently observed version that was not noise).
    const std::string canonical = changes::canonical_text(normalized_text);
    const std::string meaning_hash = blake2b_256(canonical).substr(0, kMeaningHashBytes);
    const std::string layout_hash =
        blake2b_256(changes::layout_key(canonical)).substr(0, kMeaningHashBytes);
    sql::Statement ref(
        impl_->statements,
        "SELECT v.id, v.meaning_hash, v.layout_hash, v.body_id, o.url FROM observations o "
        "JOIN versions v ON v.id = o.version_id WHERE o.document_id = ? AND "
        "v.verdict IN ('first', 'change', 'revert') ORDER BY o.seen_at DESC, o.id DESC LIMIT 1");
    ref.bind(1, document_id);
    auto ref_row = ref.step();
    if (!ref_row) return ref_row.error();
    std::vector<engine::Finding> analyzed_now;
    const std::vector<engine::Finding>* new_findings = capture.findings;
    if (new_findings == nullptr && capture.analyze) {
      if (auto found = capture.analyze(capture.text)) {
        analyzed_now = std::move(*found);
        new_findings = &analyzed_now;
      }
    }
    Verdict verdict = Verdict::kChange;
    std::optional<std::int64_t> ref_id;
    std::string ref_text;
    std::string ref_url;
    if (*ref_row) {
      ref_id = ref.int64(0);
      ref_url = ref.text(4);
    }
    if (changes::looks_unavailable(normalized_text)) {
      verdict = Verdict::kUnavailable;
    } else if (!ref_id) {
      verdict = Verdict::kFirst;
    } else if (ref.blob(1).substr(0, kMeaningHashBytes) == meaning_hash) {
      verdict = Verdict::kFormatOnly;
    } else {
      sql::Statement seen(impl_->statements,
                          "SELECT 1 FROM versions WHERE document_id = ? AND "
                          "substr(meaning_hash, 1, 8) = ? AND verdict <> 'unavailable' LIMIT 1");
      seen.bind(1, document_id).bind_blob(2, meaning_hash);
      auto seen_row = seen.step();
      if (!seen_row) return seen_row.error();
      if (*seen_row) {
        verdict = Verdict::kRevert;
      } else if (ref.blob(2).substr(0, kMeaningHashBytes) == layout_hash) {
        verdict = Verdict::kLayoutOnly;
      } else {
        auto raw = body_text(ref.int64(3));
        if (!raw) return raw.error();
        ref_text = text::normalize(*raw).text;
        verdict = changes::only_banner_differences(changes::canonical_text(ref_text), canonical)
                      ? Verdict::kBannerOnly
                      : Verdict::kChange;
      }
    }
    sql::Statement insert(
        impl_->statements,
        "INSERT INTO versions(document_id, hash, normalization, body_id, first_seen, "
        "last_seen, origin, times_seen, url, meaning_hash, layout_hash, verdict, "
        "compared_to, analyzed) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, document_id)
        .bind_blob(2, hash)
        .bind(3, std::int64_t{text::kNormalizationVersion});
    insert.bind(4, *body_id).bind(5, capture.seen_at).bind(6, capture.seen_at).bind(7, origin);
    insert.bind(8, capture.url).bind_blob(9, meaning_hash).bind_blob(10, layout_hash);
    insert.bind(11, changes::to_string(verdict));
    insert.bind(
        12, verdict == Verdict::kFirst || verdict == Verdict::kUnavailable ? std::nullopt : ref_id);
    insert.bind(13, std::int64_t{new_findings != nullptr ? 1 : 0});
    if (auto s = insert.run(); !s) return s.error();
    result.version_id = sqlite3_last_insert_rowid(db_);
    result.is_new_version = true;
    result.verdict = verdict;
    if (verdict != Verdict::kFirst && verdict != Verdict::kUnavailable) result.compared_to = ref_id;

    if (new_findings != nullptr) {
      if (auto s = store_findings(db_, result.version_id, capture.text, *new_findings); !s) {
        return s.error();
      }
    }

    if (verdict == Verdict::kChange && ref_id) {
      auto before = findings(*ref_id);
      if (!before) return before.error();
      sql::Statement analyzed(impl_->statements, "SELECT analyzed FROM versions WHERE id = ?");
      analyzed.bind(1, *ref_id);
      auto arow = analyzed.step();
      if (!arow) return arow.error();
      const bool both_analyzed = *arow && analyzed.int64(0) != 0 && new_findings != nullptr;
      static const std::vector<engine::Finding> kNone;
      auto source = changes::detect_source_change(ref_text, normalized_text, ref_url, capture.url);
      auto record = changes::build_change_record(
          *before, new_findings != nullptr ? *new_findings : kNone, std::move(source));
      auto json = changes::to_json(record);
      const auto diff = changes::diff_texts(ref_text, normalized_text);
      json["text"] = {{"added", diff.added}, {"removed", diff.removed}, {"changed", diff.changed}};
      json["analyzed"] = both_analyzed;
      if (!both_analyzed && !record.source.changed) {
        json["summary"] = "The wording changed; provisions were not analysed for both versions";
      }
      sql::Statement add(
          impl_->statements,
          "INSERT INTO change_records(document_id, from_version_id, to_version_id, "
          "detected_at, source_changed, item_count, json) VALUES (?, ?, ?, ?, ?, ?, ?)");
      add.bind(1, document_id).bind(2, *ref_id).bind(3, result.version_id);
      add.bind_time(4, capture.seen_at);
      add.bind(5, std::int64_t{record.source.changed ? 1 : 0});
      auto stored = encode_change_json(db_, json.dump());
      if (!stored) return stored.error();
      add.bind(6, static_cast<std::int64_t>(record.items.size())).bind_blob(7, *stored);
      if (auto s = add.run(); !s) return s.error();
      result.change_id = sqlite3_last_insert_rowid(db_);
    }
  }

  sql::Statement observe(
      impl_->statements,
      "INSERT OR IGNORE INTO observations(document_id, version_id, body_id, seen_at, url, "
      "origin) VALUES (?, ?, ?, ?, ?, ?)");
  observe.bind(1, document_id)
      .bind(2, result.version_id)
      .bind(3, *body_id)
      .bind_time(4, capture.seen_at);
  observe.bind(5, capture.url).bind(6, static_cast<std::int64_t>(capture.origin));
  if (auto s = observe.run(); !s) return s.error();
  result.is_new_observation = sqlite3_changes(db_) > 0;
  // The body's version, for the fast path above (bodies written by sync get it here).
  sql::Statement link(impl_->statements,
                      "UPDATE bodies SET version_id = ? WHERE id = ? AND version_id IS NULL");
  link.bind(1, result.version_id).bind(2, *body_id);
  if (auto s = link.run(); !s) return s.error();
  if (result.is_new_observation) {
    sql::Statement touch(
        impl_->statements,
        "UPDATE versions SET times_seen = times_seen + 1, first_seen = min(first_seen, ?), "
        "last_seen = max(last_seen, ?) WHERE id = ?");
    touch.bind(1, capture.seen_at).bind(2, capture.seen_at).bind(3, result.version_id);
    if (auto s = touch.run(); !s) return s.error();
  }
  sql::Statement stats(
      impl_->statements,
      "SELECT first_seen, (SELECT count(*) FROM versions WHERE document_id = ?) FROM "
      "versions WHERE id = ?");
  stats.bind(1, document_id).bind(2, result.version_id);
  auto st = stats.step();
  if (!st) return st.error();
  result.first_seen = stats.text(0);
  result.versions_seen = stats.int64(1);
  stats.reset();
  if (auto s = tx.commit(); !s) return s.error();
  return result;
}

Expected<std::vector<DocumentInfo>> Archive::documents(std::string_view service) {
  std::vector<DocumentInfo> out;
  sql::Statement get(db_,
                     std::string("SELECT ") + kDocumentColumns +
                         "WHERE (? = '' OR s.name = ?) ORDER BY s.name, d.terms_type, d.variant");
  get.bind(1, service).bind(2, service);
  for (;;) {
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(read_document_row(get));
  }
  return out;
}

Expected<HistoryPage> Archive::history(const HistoryQuery& query) {
  HistoryPage page;
  std::string where = "WHERE 1 ";
  if (query.document_id) {
    where += "AND d.id = ?1 ";
  } else {
    where += "AND s.name = ?2 AND (?3 = '' OR d.terms_type = ?3) ";
  }
  if (query.meaningful_only) where += "AND v.verdict IN ('first', 'change') ";
  {
    sql::Statement docs(db_, std::string("SELECT ") + kDocumentColumns +
                                 where.substr(0, where.find("AND v.")) +
                                 " ORDER BY d.terms_type, d.variant");
    if (query.document_id) docs.bind(1, *query.document_id);
    docs.bind(2, query.service).bind(3, query.terms_type);
    for (;;) {
      auto row = docs.step();
      if (!row) return row.error();
      if (!*row) break;
      page.documents.push_back(read_document_row(docs));
    }
  }
  if (page.documents.empty()) {
    return Error::make(
        ErrorCode::NOT_FOUND,
        {{"what", query.document_id ? "document " + std::to_string(*query.document_id)
                                    : "service '" + query.service + "'"}});
  }
  sql::Statement count(db_,
                       "SELECT count(*) FROM versions v JOIN documents d ON d.id = v.document_id "
                       "JOIN services s ON s.id = d.service_id " +
                           where);
  if (query.document_id) count.bind(1, *query.document_id);
  count.bind(2, query.service).bind(3, query.terms_type);
  auto crow = count.step();
  if (!crow) return crow.error();
  page.total = count.int64(0);
  sql::Statement get(db_, "SELECT " + version_columns() + where +
                              "ORDER BY v.first_seen DESC, v.id DESC LIMIT ?4 OFFSET ?5");
  if (query.document_id) get.bind(1, *query.document_id);
  get.bind(2, query.service).bind(3, query.terms_type).bind(4, query.limit).bind(5, query.offset);
  for (;;) {
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) break;
    page.versions.push_back(read_version_row(get));
  }
  if (query.offset + static_cast<std::int64_t>(page.versions.size()) < page.total) {
    page.next_offset = query.offset + static_cast<std::int64_t>(page.versions.size());
  }
  return page;
}

Expected<ChangesPage> Archive::changes(const ChangeQuery& query) {
  ChangesPage page;
  const std::string where =
      "WHERE " + sql::time_text("c.detected_at") +
      " >= ?1 AND (?2 = '' OR s.name = ?2) AND (?3 IS NULL OR c.document_id = "
      "?3) ";
  const std::string from =
      "FROM change_records c JOIN documents d ON d.id = c.document_id JOIN services s ON s.id = "
      "d.service_id ";
  sql::Statement count(db_, "SELECT count(*) " + from + where);
  count.bind(1, query.since).bind(2, query.service).bind(3, query.document_id);
  auto crow = count.step();
  if (!crow) return crow.error();
  page.total = count.int64(0);
  sql::Statement get(
      db_,
      "SELECT c.id, c.document_id, s.name, d.terms_type, c.from_version_id, c.to_version_id, " +
          sql::time_text("c.detected_at") + ", c.json " + from + where +
          "ORDER BY c.detected_at DESC, c.id DESC LIMIT ?4 OFFSET ?5");
  get.bind(1, query.since).bind(2, query.service).bind(3, query.document_id);
  get.bind(4, query.limit).bind(5, query.offset);
  for (;;) {
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) break;
    StoredChange c;
    c.id = get.int64(0);
    c.document_id = get.int64(1);
    c.service = get.text(2);
    c.terms_type = get.text(3);
    c.from_version = get.opt_int64(4);
    c.to_version = get.int64(5);
    c.detected_at = get.text(6);
    auto text = change_json_text(get, 7);
    if (!text) return text.error();
    c.record = nlohmann::json::parse(*text, nullptr, false);
    if (!c.record.is_object()) {
      return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                         {{"detail", "change record " + std::to_string(c.id)}});
    }
    page.changes.push_back(std::move(c));
  }
  if (query.offset + static_cast<std::int64_t>(page.changes.size()) < page.total) {
    page.next_offset = query.offset + static_cast<std::int64_t>(page.changes.size());
  }
  return page;
}

Expected<std::optional<StoredChange>> Archive::change_for_version(std::int64_t version_id) {
  sql::Statement get(
      db_,
      "SELECT c.id, c.document_id, s.name, d.terms_type, c.from_version_id, c.to_version_id, " +
          sql::time_text("c.detected_at") +
          ", c.json FROM change_records c JOIN documents d ON d.id = c.document_id "
          "JOIN services s ON s.id = d.service_id WHERE c.to_version_id = ?");
  get.bind(1, version_id);
  auto row = get.step();
  if (!row) return row.error();
  if (!*row) return std::optional<StoredChange>();
  StoredChange c;
  c.id = get.int64(0);
  c.document_id = get.int64(1);
  c.service = get.text(2);
  c.terms_type = get.text(3);
  c.from_version = get.opt_int64(4);
  c.to_version = get.int64(5);
  c.detected_at = get.text(6);
  auto text = change_json_text(get, 7);
  if (!text) return text.error();
  c.record = nlohmann::json::parse(*text, nullptr, false);
  return std::optional<StoredChange>(std::move(c));
}

Expected<std::vector<Observation>> Archive::observations(std::int64_t document_id) {
  std::vector<Observation> out;
  sql::Statement get(db_, std::string("SELECT o.id, o.version_id, o.body_id, ") +
                              sql::kObservationTime + ", o.url, " + kOriginText +
                              " FROM observations o "
                              "WHERE o.document_id = ? ORDER BY o.seen_at, o.id");
  get.bind(1, document_id);
  for (;;) {
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(
        {get.int64(0), get.int64(1), get.int64(2), get.text(3), get.text(4), get.text(5)});
  }
  return out;
}

Expected<std::string> Archive::integrity_check() {
  sql::Statement get(db_, "PRAGMA integrity_check");
  auto row = get.step();
  if (!row) return row.error();
  return get.text(0);
}

}  // namespace cw::archive
