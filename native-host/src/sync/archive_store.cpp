#include "sync/archive_store.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include <sodium.h>

#include "archive/body_codec.h"
#include "archive/finding_store.h"
#include "archive/service.h"
#include "archive/sql.h"
#include "crypto/sync_keys.h"

namespace cw::sync {
namespace {

// Bodies written by sync are delta-compressed like the archive's own, at zstd's fastest level: a
// first sync of 5,000 versions must take seconds, and against the previous text most of each body
// is one long match at any level.
constexpr int kSyncBodyLevel = 1;

std::string blake(std::string_view data, std::size_t bytes) {
  std::string out(bytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), bytes,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
  return out;
}

std::string hex(std::string_view bytes) {
  return crypto::to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string unhex(std::string_view text) {
  std::string out(text.size() / 2, '\0');
  std::size_t n = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                     text.size(), nullptr, &n, nullptr) != 0) {
    return {};
  }
  out.resize(n);
  return out;
}

std::string document_stable_id(std::string_view service, std::string_view terms_type,
                               std::string_view variant) {
  std::string key(service);
  key += '\x1f';
  key += terms_type;
  key += '\x1f';
  key += variant;
  return hex(blake(key, 16));
}

std::string observation_stable_id(const std::string& version, std::string_view raw_hash,
                                  std::string_view seen_at, std::string_view url) {
  std::string key = version;
  key += '\x1f';
  key += hex(raw_hash);
  key += '\x1f';
  key += seen_at;
  key += '\x1f';
  key += url;
  return hex(blake(key, 16));
}

std::string banner_stable_id(std::string_view site, std::string_view seen_at,
                             std::string_view fingerprint) {
  std::string key(site);
  key += '\x1f';
  key += seen_at;
  key += '\x1f';
  key += fingerprint;
  return hex(blake(key, 16));
}

std::string banner_change_id(const std::string& before, const std::string& after) {
  return hex(blake(before + '\x1f' + after, 16));
}

Error invalid(std::string detail) {
  return Error::make(ErrorCode::SYNC_BUNDLE_INVALID,
                     {{"file", "?"}, {"detail", std::move(detail)}});
}

template <class T>
Expected<T> need(const nlohmann::json& meta, const char* field) {
  auto it = meta.find(field);
  if (it == meta.end()) return invalid(std::string("record lacks ") + field);
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return invalid(std::string("record field ") + field + " has the wrong type");
  }
}

nlohmann::json opt_hex(const std::string& blob) {
  return blob.empty() ? nlohmann::json(nullptr) : nlohmann::json(hex(blob));
}

}  // namespace

ArchiveStore::Use ArchiveStore::use(const char* sql) {
  // Keyed by the text (the callers pass literals, which outlive the store).
  auto& slot = statements_[std::string_view(sql)];
  if (!slot || !slot->prepared()) {
    slot = std::make_unique<archive::sql::Statement>(archive_.handle(), sql);
  }
  slot->reset();
  return Use(*slot);
}

Expected<nlohmann::json> ArchiveStore::document_json(std::int64_t document_id) {
  if (auto it = document_values_.find(document_id); it != document_values_.end()) return it->second;
  auto st =
      use("SELECT s.name, s.domain, d.terms_type, d.variant, d.url FROM documents d"
          " JOIN services s ON s.id = d.service_id WHERE d.id = ?");
  st->bind(1, document_id);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return Error::make(ErrorCode::NOT_FOUND, {{"what", "document"}});
  nlohmann::json value{{"service", st->text(0)},
                       {"domain", st->text(1)},
                       {"terms_type", st->text(2)},
                       {"variant", st->text(3)},
                       {"url", st->text(4)}};
  document_values_[document_id] = value;
  return value;
}

Expected<std::string> ArchiveStore::stable_version(std::int64_t version_row) {
  if (auto it = version_ids_.find(version_row); it != version_ids_.end()) return it->second;
  auto st =
      use("SELECT v.hash, s.name, d.terms_type, d.variant FROM versions v"
          " JOIN documents d ON d.id = v.document_id JOIN services s ON s.id = d.service_id"
          " WHERE v.id = ?");
  st->bind(1, version_row);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return Error::make(ErrorCode::NOT_FOUND, {{"what", "version"}});
  std::string id =
      hex(st->blob(0)) + "." + document_stable_id(st->text(1), st->text(2), st->text(3));
  version_ids_[version_row] = id;
  return id;
}

Status ArchiveStore::list_records(
    const std::function<void(RecordKind, const std::string&)>& visit) {
  sqlite3* db = archive_.handle();
  documents_.clear();
  versions_.clear();
  observations_.clear();
  document_values_.clear();  // the URL may have changed since
  std::unordered_map<std::int64_t, std::string> doc_by_row;
  std::unordered_map<std::int64_t, std::string> version_by_row;
  {
    archive::sql::Statement st(db,
                               "SELECT d.id, s.name, d.terms_type, d.variant FROM documents d"
                               " JOIN services s ON s.id = d.service_id");
    for (;;) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) break;
      const std::string id = document_stable_id(st.text(1), st.text(2), st.text(3));
      documents_[id] = st.int64(0);
      doc_by_row[st.int64(0)] = id;
    }
  }
  {
    // By document, then in recording order: a version's reference always comes before it, and
    // consecutive texts of one document compress against each other.
    archive::sql::Statement st(
        db, "SELECT id, document_id, hash FROM versions WHERE id > ? ORDER BY document_id, id");
    st.bind(1, floor_versions_);
    max_versions_ = floor_versions_;
    for (;;) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) break;
      const std::string id = hex(st.blob(2)) + "." + doc_by_row[st.int64(1)];
      versions_[id] = st.int64(0);
      version_by_row[st.int64(0)] = id;
      version_ids_[st.int64(0)] = id;
      max_versions_ = std::max(max_versions_, st.int64(0));
      visit(RecordKind::kVersion, id);
    }
  }
  {
    archive::sql::Statement st(
        db, std::string("SELECT o.id, o.version_id, b.raw_hash, ") +
                archive::sql::kObservationTime +
                ", o.url FROM observations o"
                " JOIN bodies b ON b.id = o.body_id WHERE o.id > ? ORDER BY o.document_id, o.id");
    st.bind(1, floor_observations_);
    max_observations_ = floor_observations_;
    for (;;) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) break;
      max_observations_ = std::max(max_observations_, st.int64(0));
      std::string version;
      if (auto it = version_by_row.find(st.int64(1)); it != version_by_row.end()) {
        version = it->second;
      } else {
        auto known = stable_version(st.int64(1));  // a version listed before the floor
        if (!known) return known.error();
        version = std::move(*known);
      }
      const std::string id = observation_stable_id(version, st.blob(2), st.text(3), st.text(4));
      observations_[id] = st.int64(0);
      visit(RecordKind::kObservation, id);
    }
  }
  for (const auto& [id, row] : documents_) visit(RecordKind::kDocument, id);
  // Banner observations, then the change records that refer to them.
  banner_wire_.clear();
  banner_changes_.clear();
  banner_rows_.clear();
  banner_stable_.clear();
  {
    archive::sql::Statement st(
        db,
        "SELECT id, site, seen_at, fingerprint, times_seen FROM banner_observations ORDER BY id");
    for (;;) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) break;
      const std::string stable = banner_stable_id(st.text(1), st.text(2), st.text(3));
      banner_rows_[stable] = st.int64(0);
      banner_stable_[st.int64(0)] = stable;
      const std::string wire = stable + "@" + std::to_string(st.int64(4));
      banner_wire_[wire] = st.int64(0);
      visit(RecordKind::kBannerObservation, wire);
    }
  }
  banner_rows_loaded_ = true;
  {
    archive::sql::Statement st(db,
                               "SELECT id, before_id, after_id FROM banner_changes ORDER BY id");
    for (;;) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) break;
      const std::string id =
          banner_change_id(banner_stable_[st.int64(1)], banner_stable_[st.int64(2)]);
      banner_changes_[id] = st.int64(0);
      visit(RecordKind::kBannerChange, id);
    }
  }
  return ok_status();
}

void ArchiveStore::set_listing_floor(const std::string& mark) {
  floor_versions_ = 0;
  floor_observations_ = 0;
  long long v = 0;
  long long o = 0;
  if (!mark.empty() && std::sscanf(mark.c_str(), "v%lld o%lld", &v, &o) == 2 && v >= 0 && o >= 0) {
    floor_versions_ = v;
    floor_observations_ = o;
  }
}

std::string ArchiveStore::listing_mark() {
  return "v" + std::to_string(max_versions_) + " o" + std::to_string(max_observations_);
}

Status ArchiveStore::load_banner_rows() {
  if (banner_rows_loaded_) return ok_status();
  banner_rows_.clear();
  banner_stable_.clear();
  archive::sql::Statement st(archive_.handle(),
                             "SELECT id, site, seen_at, fingerprint FROM banner_observations");
  for (;;) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) break;
    const std::string stable = banner_stable_id(st.text(1), st.text(2), st.text(3));
    banner_rows_[stable] = st.int64(0);
    banner_stable_[st.int64(0)] = stable;
  }
  banner_rows_loaded_ = true;
  return ok_status();
}

void ArchiveStore::add_rule_texts(const std::string& rule_id, const std::string& json,
                                  nlohmann::json& out) {
  // A packed findings row names its rules by the key of their text in finding_rules (archive
  // migration 5); the texts travel with the version so the receiver shows the same findings.
  if (rule_id != archive::kPackedFindingsRuleId) return;
  const auto packed = nlohmann::json::parse(json, nullptr, false);
  if (!packed.is_object() || !packed.contains("r") || !packed["r"].is_array()) return;
  for (const auto& r : packed["r"]) {
    if (!r.is_array() || r.size() < 2 || !r[1].is_string()) continue;
    const std::string key = r[1].get<std::string>();
    if (out.contains(key)) continue;
    auto st = use("SELECT json FROM finding_rules WHERE key = ?");
    if (!st->prepared()) return;  // an archive without rule texts
    st->bind(1, key);
    auto row = st->step();
    if (row && *row) out[key] = st->text(0);
  }
}

Expected<Record> ArchiveStore::read_record(RecordKind kind, const std::string& id) {
  auto not_found = [&] {
    return Error::make(ErrorCode::NOT_FOUND, {{"what", std::string(kind_name(kind)) + " " + id}});
  };
  if (kind == RecordKind::kDocument) {
    auto it = documents_.find(id);
    if (it == documents_.end()) return not_found();
    auto doc = document_json(it->second);
    if (!doc) return doc.error();
    return Record{kind, id, std::move(*doc), {}};
  }
  if (kind == RecordKind::kVersion) {
    auto it = versions_.find(id);
    if (it == versions_.end()) return not_found();
    auto use_st = use(
        "SELECT document_id, hash, normalization, body_id, first_seen, last_seen, url,"
        " meaning_hash, layout_hash, verdict, compared_to, analyzed FROM versions WHERE id = ?");
    auto& st = *use_st;
    st.bind(1, it->second);
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) return not_found();
    auto doc = document_json(st.int64(0));
    if (!doc) return doc.error();
    nlohmann::json meta{{"document", *doc},
                        {"hash", hex(st.blob(1))},
                        {"normalization", st.int64(2)},
                        {"first_seen", st.text(4)},
                        {"last_seen", st.text(5)},
                        {"url", st.text(6)},
                        {"meaning_hash", opt_hex(st.blob(7))},
                        {"layout_hash", opt_hex(st.blob(8))},
                        {"verdict", st.text(9)},
                        {"compared_to", nullptr},
                        {"analyzed", st.int64(11)}};
    const std::int64_t body_id = st.int64(3);
    if (auto ref = st.opt_int64(10)) {
      auto ref_id = stable_version(*ref);
      if (!ref_id) return ref_id.error();
      meta["compared_to"] = *ref_id;
    }
    nlohmann::json findings = nlohmann::json::array();
    nlohmann::json rule_texts = nlohmann::json::object();
    // Compressed packed rows travel as their packed text (archive/finding_store.h).
    auto rows = archive::finding_rows(archive_.handle(), it->second);
    if (!rows) return rows.error();
    for (const auto& f : *rows) {
      findings.push_back({f.ordinal, f.rule_id, f.polarity, f.severity, f.json});
      add_rule_texts(f.rule_id, f.json, rule_texts);
    }
    meta["findings"] = std::move(findings);
    if (!rule_texts.empty()) meta["finding_rules"] = std::move(rule_texts);
    meta["change"] = nullptr;
    auto use_cs =
        use("SELECT from_version_id, (CASE WHEN typeof(detected_at) = 'integer' THEN "
            "strftime('%Y-%m-%dT%H:%M:%SZ', detected_at, 'unixepoch') ELSE detected_at END),"
            " source_changed, item_count, json"
            " FROM change_records WHERE to_version_id = ?");
    auto& cs = *use_cs;
    cs.bind(1, it->second);
    auto crow = cs.step();
    if (!crow) return crow.error();
    if (*crow) {
      nlohmann::json change{{"from", nullptr},
                            {"detected_at", cs.text(1)},
                            {"source_changed", cs.int64(2)},
                            {"item_count", cs.int64(3)},
                            {"json", nullptr}};
      auto json = archive::change_json_text(cs, 4);
      if (!json) return json.error();
      change["json"] = std::move(*json);
      if (auto from = cs.opt_int64(0)) {
        auto from_id = stable_version(*from);
        if (!from_id) return from_id.error();
        change["from"] = *from_id;
      }
      meta["change"] = std::move(change);
    }
    auto text = archive_.body_text(body_id);
    if (!text) return text.error();
    return Record{kind, id, std::move(meta), std::move(*text)};
  }
  if (kind == RecordKind::kObservation) {
    auto it = observations_.find(id);
    if (it == observations_.end()) return not_found();
    // A static: use() keys its statements by the text, which must outlive the store.
    static const std::string kSql = std::string("SELECT o.version_id, o.body_id, ") +
                                    archive::sql::kObservationTime +
                                    ", o.url, v.body_id FROM observations o"
                                    " JOIN versions v ON v.id = o.version_id WHERE o.id = ?";
    auto use_st = use(kSql.c_str());
    auto& st = *use_st;
    st.bind(1, it->second);
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) return not_found();
    auto version = stable_version(st.int64(0));
    if (!version) return version.error();
    const bool same_body = st.int64(1) == st.int64(4);
    Record record{kind,
                  id,
                  {{"version", *version},
                   {"seen_at", st.text(2)},
                   {"url", st.text(3)},
                   {"same_body", same_body}},
                  {}};
    if (!same_body) {
      auto text = archive_.body_text(st.int64(1));
      if (!text) return text.error();
      record.body = std::move(*text);
    }
    return record;
  }
  if (kind == RecordKind::kBannerObservation) {
    auto it = banner_wire_.find(id);
    if (it == banner_wire_.end()) return not_found();
    auto st =
        use("SELECT site, seen_at, last_seen, times_seen, url, banner_found, observation_json,"
            " fingerprint FROM banner_observations WHERE id = ?");
    st->bind(1, it->second);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return not_found();
    return Record{kind,
                  id,
                  {{"key", banner_stable_[it->second]},
                   {"site", st->text(0)},
                   {"seen_at", st->text(1)},
                   {"last_seen", st->text(2)},
                   {"times_seen", st->int64(3)},
                   {"url", st->text(4)},
                   {"banner_found", st->int64(5)},
                   {"fingerprint", st->text(7)}},
                  st->text(6)};
  }
  if (kind == RecordKind::kBannerChange) {
    auto it = banner_changes_.find(id);
    if (it == banner_changes_.end()) return not_found();
    auto st =
        use("SELECT site, before_id, after_id, created_at, summary, json FROM banner_changes"
            " WHERE id = ?");
    st->bind(1, it->second);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return not_found();
    return Record{kind,
                  id,
                  {{"site", st->text(0)},
                   {"before", banner_stable_[st->int64(1)]},
                   {"after", banner_stable_[st->int64(2)]},
                   {"created_at", st->text(3)},
                   {"summary", st->text(4)}},
                  st->text(5)};
  }
  return not_found();
}

Expected<std::int64_t> ArchiveStore::ensure_document(const nlohmann::json& doc) {
  auto service = need<std::string>(doc, "service");
  auto domain = need<std::string>(doc, "domain");
  auto terms_type = need<std::string>(doc, "terms_type");
  auto variant = need<std::string>(doc, "variant");
  auto url = need<std::string>(doc, "url");
  for (const auto* e : {&service, &domain, &terms_type, &variant, &url}) {
    if (!*e) return e->error();
  }
  const std::string stable = document_stable_id(*service, *terms_type, *variant);
  if (auto it = documents_.find(stable); it != documents_.end()) return it->second;
  sqlite3* db = archive_.handle();
  std::int64_t service_id = 0;
  {
    auto svc =
        use("INSERT INTO services(name, domain) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET"
            " domain = CASE WHEN domain = '' THEN excluded.domain ELSE domain END RETURNING id");
    svc->bind(1, *service).bind(2, *domain);
    auto srow = svc->step();
    if (!srow) return srow.error();
    service_id = svc->int64(0);
  }
  std::int64_t id = 0;
  {
    auto get =
        use("SELECT id FROM documents WHERE service_id = ? AND terms_type = ? AND variant = ?");
    get->bind(1, service_id).bind(2, *terms_type).bind(3, *variant);
    auto drow = get->step();
    if (!drow) return drow.error();
    if (*drow) id = get->int64(0);
  }
  if (id == 0) {
    auto ins =
        use("INSERT INTO documents(service_id, terms_type, variant, url) VALUES (?, ?, ?, ?)");
    ins->bind(1, service_id).bind(2, *terms_type).bind(3, *variant).bind(4, *url);
    if (auto s = ins->run(); !s) return s.error();
    id = sqlite3_last_insert_rowid(db);
  }
  documents_[stable] = id;
  return id;
}

Expected<std::int64_t> ArchiveStore::ensure_body(std::int64_t document_id, std::string_view text) {
  sqlite3* db = archive_.handle();
  const std::string raw_hash = blake(text, 32);
  {
    auto find =
        use("SELECT id FROM bodies WHERE document_id = ?1 AND substr(raw_hash, 1, 8) = "
            "substr(?2, 1, 8) AND raw_hash = ?2");
    find->bind(1, document_id).bind_blob(2, raw_hash);
    auto found = find->step();
    if (!found) return found.error();
    if (*found) return find->int64(0);
  }
  std::optional<std::int64_t> base_id;
  std::int64_t depth = 0;
  {
    auto last = use("SELECT id, depth FROM bodies WHERE document_id = ? ORDER BY id DESC LIMIT 1");
    last->bind(1, document_id);
    auto has_last = last->step();
    if (!has_last) return has_last.error();
    if (*has_last && last->int64(1) + 1 < archive::kKeyframeInterval) {
      base_id = last->int64(0);
      depth = last->int64(1) + 1;
    }
  }
  // The previous text of this document: the one this import wrote last (not copied), or a
  // committed body read back from the archive.
  std::string committed;
  std::string_view prefix;
  if (base_id) {
    if (auto it = new_bodies_.find(*base_id); it != new_bodies_.end()) {
      prefix = it->second;
    } else {
      auto base = archive_.body_text(*base_id);
      if (!base) return base.error();
      committed = std::move(*base);
      prefix = committed;
    }
  }
  // A keyframe uses the archive's keyframe dictionary, as the archive's own keyframes do.
  std::optional<std::int64_t> dictionary_id;
  Expected<std::string> frame = std::string();
  if (base_id) {
    frame = archive::compress_body(text, prefix, kSyncBodyLevel);
  } else {
    auto keyframe = archive_.fast_keyframe(text);
    if (!keyframe) return keyframe.error();
    dictionary_id = keyframe->dictionary_id;
    frame = std::move(keyframe->frame);
  }
  if (!frame) return frame.error();
  auto ins =
      use("INSERT INTO bodies(document_id, raw_hash, base_id, depth, size, data, dictionary_id)"
          " VALUES (?, ?, ?, ?, ?, ?, ?)");
  ins->bind(1, document_id).bind_blob(2, raw_hash).bind(3, base_id).bind(4, depth);
  ins->bind(5, static_cast<std::int64_t>(text.size())).bind_blob(6, *frame);
  ins->bind(7, dictionary_id);
  if (auto s = ins->run(); !s) return s.error();
  const std::int64_t id = sqlite3_last_insert_rowid(db);
  if (base_id) new_bodies_.erase(*base_id);  // keep one text per document chain
  new_bodies_[id] = std::string(text);
  return id;
}

Expected<std::optional<std::int64_t>> ArchiveStore::local_version(const std::string& version_id) {
  if (auto it = versions_.find(version_id); it != versions_.end())
    return std::optional<std::int64_t>(it->second);
  const auto dot = version_id.find('.');
  if (dot == std::string::npos) return invalid("malformed version id");
  const std::string hash = unhex(version_id.substr(0, dot));
  const auto doc = documents_.find(version_id.substr(dot + 1));
  if (hash.size() != 32) return invalid("malformed version id");
  if (doc == documents_.end()) return std::optional<std::int64_t>();
  auto st = use("SELECT id FROM versions WHERE document_id = ? AND hash = ?");
  st->bind(1, doc->second).bind_blob(2, hash);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::int64_t>();
  versions_[version_id] = st->int64(0);
  version_ids_[st->int64(0)] = version_id;
  return std::optional<std::int64_t>(st->int64(0));
}

Expected<bool> ArchiveStore::apply_version(const Record& r) {
  sqlite3* db = archive_.handle();
  const auto& m = r.meta;
  if (!m.contains("document") || !m["document"].is_object())
    return invalid("version lacks its document");
  auto doc = ensure_document(m["document"]);
  if (!doc) return doc.error();
  auto existing = local_version(r.id);
  if (!existing) return existing.error();
  if (*existing) return false;
  auto hash_hex = need<std::string>(m, "hash");
  if (!hash_hex) return hash_hex.error();
  const std::string hash = unhex(*hash_hex);
  if (hash.size() != 32 || r.id.substr(0, r.id.find('.')) != *hash_hex)
    return invalid("version id and hash disagree");
  auto body = ensure_body(*doc, r.body);
  if (!body) return body.error();
  std::optional<std::int64_t> compared_to;
  if (m.contains("compared_to") && m["compared_to"].is_string()) {
    auto ref = local_version(m["compared_to"].get<std::string>());
    if (!ref) return ref.error();
    compared_to = *ref;
  }
  auto first_seen = need<std::string>(m, "first_seen");
  auto last_seen = need<std::string>(m, "last_seen");
  auto url = need<std::string>(m, "url");
  auto verdict = need<std::string>(m, "verdict");
  auto normalization = need<std::int64_t>(m, "normalization");
  auto analyzed = need<std::int64_t>(m, "analyzed");
  for (const auto* e : {&first_seen, &last_seen, &url, &verdict}) {
    if (!*e) return e->error();
  }
  if (!normalization) return normalization.error();
  if (!analyzed) return analyzed.error();
  auto use_ins =
      use("INSERT INTO versions(document_id, hash, normalization, body_id, first_seen,"
          " last_seen, origin, times_seen, url, meaning_hash, layout_hash, verdict,"
          " compared_to, analyzed) VALUES (?, ?, ?, ?, ?, ?, 'sync', 0, ?, ?, ?, ?, ?, ?)");
  auto& ins = *use_ins;
  ins.bind(1, *doc).bind_blob(2, hash).bind(3, *normalization).bind(4, *body);
  ins.bind(5, *first_seen).bind(6, *last_seen).bind(7, *url);
  for (int i = 0; i < 2; ++i) {
    const char* field = i == 0 ? "meaning_hash" : "layout_hash";
    if (m.contains(field) && m[field].is_string()) {
      ins.bind_blob(8 + i, unhex(m[field].get<std::string>()));
    } else {
      ins.bind_null(8 + i);
    }
  }
  ins.bind(10, *verdict).bind(11, compared_to).bind(12, *analyzed);
  if (auto s = ins.run(); !s) return invalid("version row refused: " + s.error().message);
  const std::int64_t version_row = sqlite3_last_insert_rowid(db);
  versions_[r.id] = version_row;
  version_ids_[version_row] = r.id;

  if (m.contains("finding_rules") && m["finding_rules"].is_object()) {
    auto add = use("INSERT OR IGNORE INTO finding_rules(key, json) VALUES (?, ?)");
    for (const auto& [key, text] : m["finding_rules"].items()) {
      if (!text.is_string()) return invalid("malformed finding rule text");
      add->bind(1, key).bind(2, text.get<std::string>());
      if (auto st = add->run(); !st) return invalid("finding rule refused: " + st.error().message);
    }
  }
  if (m.contains("findings") && m["findings"].is_array()) {
    auto use_add =
        use("INSERT INTO findings(version_id, ordinal, rule_id, polarity, severity, json)"
            " VALUES (?, ?, ?, ?, ?, ?)");
    auto& add = *use_add;
    for (const auto& f : m["findings"]) {
      if (!f.is_array() || f.size() != 5 || !f[0].is_number_integer() || !f[1].is_string() ||
          f[1].get<std::string>() == archive::kCompressedFindingsRuleId || !f[4].is_string())
        return invalid("malformed finding");
      if (f[0].get<std::int64_t>() == 0 &&
          f[1].get<std::string>() == archive::kPackedFindingsRuleId) {
        // Stored compressed against this document's previous findings, as a local record would.
        if (auto s = archive::store_packed_findings(db, version_row, f[4].get<std::string>()); !s)
          return invalid("finding refused: " + s.error().message);
        continue;
      }
      try {
        add.bind(1, version_row).bind(2, f[0].get<std::int64_t>()).bind(3, f[1].get<std::string>());
        add.bind(4, f[2].get<std::string>())
            .bind(5, f[3].get<std::string>())
            .bind(6, f[4].get<std::string>());
      } catch (const nlohmann::json::exception&) {
        return invalid("malformed finding");
      }
      if (auto s = add.run(); !s) return invalid("finding refused: " + s.error().message);
    }
  }
  if (m.contains("change") && m["change"].is_object()) {
    const auto& c = m["change"];
    std::optional<std::int64_t> from;
    if (c.contains("from") && c["from"].is_string()) {
      auto ref = local_version(c["from"].get<std::string>());
      if (!ref) return ref.error();
      from = *ref;
    }
    auto detected = need<std::string>(c, "detected_at");
    auto source_changed = need<std::int64_t>(c, "source_changed");
    auto items = need<std::int64_t>(c, "item_count");
    auto json = need<std::string>(c, "json");
    if (!detected) return detected.error();
    if (!source_changed) return source_changed.error();
    if (!items) return items.error();
    if (!json) return json.error();
    auto use_add =
        use("INSERT OR IGNORE INTO change_records(document_id, from_version_id, to_version_id,"
            " detected_at, source_changed, item_count, json) VALUES (?, ?, ?, ?, ?, ?, ?)");
    auto& add = *use_add;
    add.bind(1, *doc).bind(2, from).bind(3, version_row).bind_time(4, *detected);
    auto stored = archive::encode_change_json(db, *json);
    if (!stored) return stored.error();
    add.bind(5, *source_changed).bind(6, *items).bind_blob(7, *stored);
    if (auto s = add.run(); !s) return invalid("change record refused: " + s.error().message);
  }
  return true;
}

Expected<bool> ArchiveStore::apply_observation(const Record& r) {
  sqlite3* db = archive_.handle();
  auto version = need<std::string>(r.meta, "version");
  auto seen_at = need<std::string>(r.meta, "seen_at");
  auto url = need<std::string>(r.meta, "url");
  auto same_body = need<bool>(r.meta, "same_body");
  if (!version) return version.error();
  if (!seen_at) return seen_at.error();
  if (!url) return url.error();
  if (!same_body) return same_body.error();
  auto local = local_version(*version);
  if (!local) return local.error();
  if (!*local) return invalid("observation of a version this archive does not have");
  std::int64_t document_id = 0;
  std::int64_t body_id = 0;
  {
    auto v = use("SELECT document_id, body_id FROM versions WHERE id = ?");
    v->bind(1, **local);
    auto vrow = v->step();
    if (!vrow) return vrow.error();
    document_id = v->int64(0);
    body_id = v->int64(1);
  }
  if (!*same_body) {
    auto body = ensure_body(document_id, r.body);
    if (!body) return body.error();
    body_id = *body;
  }
  {
    auto ins =
        use("INSERT OR IGNORE INTO observations(document_id, version_id, body_id, seen_at,"
            " url, origin) VALUES (?, ?, ?, ?, ?, 2)");
    ins->bind(1, document_id).bind(2, **local).bind(3, body_id).bind_time(4, *seen_at);
    ins->bind(5, *url);
    if (auto s = ins->run(); !s) return s.error();
  }
  if (sqlite3_changes(db) == 0) return false;
  auto touch =
      use("UPDATE versions SET times_seen = times_seen + 1, first_seen = min(first_seen, ?),"
          " last_seen = max(last_seen, ?) WHERE id = ?");
  touch->bind(1, *seen_at).bind(2, *seen_at).bind(3, **local);
  if (auto s = touch->run(); !s) return s.error();
  return true;
}

Expected<bool> ArchiveStore::apply_document(const Record& r) {
  auto doc = ensure_document(r.meta);
  if (!doc) return doc.error();
  auto st = use("UPDATE documents SET url = ? WHERE id = ?");
  st->bind(1, r.meta.value("url", "")).bind(2, *doc);
  if (auto s = st->run(); !s) return s.error();
  document_values_.erase(*doc);
  return true;
}

Expected<bool> ArchiveStore::apply_banner_observation(const Record& r) {
  auto key = need<std::string>(r.meta, "key");
  auto site = need<std::string>(r.meta, "site");
  auto seen_at = need<std::string>(r.meta, "seen_at");
  auto last_seen = need<std::string>(r.meta, "last_seen");
  auto times = need<std::int64_t>(r.meta, "times_seen");
  auto url = need<std::string>(r.meta, "url");
  auto found = need<std::int64_t>(r.meta, "banner_found");
  auto fingerprint = need<std::string>(r.meta, "fingerprint");
  for (const auto* e : {&key, &site, &seen_at, &last_seen, &url, &fingerprint}) {
    if (!*e) return e->error();
  }
  if (!times) return times.error();
  if (!found) return found.error();
  if (*key != banner_stable_id(*site, *seen_at, *fingerprint) || r.id.rfind(*key + "@", 0) != 0) {
    return invalid("banner observation id does not match its content");
  }
  if (auto st = load_banner_rows(); !st) return st.error();
  sqlite3* db = archive_.handle();
  if (auto it = banner_rows_.find(*key); it != banner_rows_.end()) {
    // Seen here too: counters merge by maximum, which converges whatever the order.
    auto up =
        use("UPDATE banner_observations SET times_seen = max(times_seen, ?),"
            " last_seen = max(last_seen, ?) WHERE id = ? AND (times_seen < ? OR last_seen < ?)");
    up->bind(1, *times).bind(2, *last_seen).bind(3, it->second).bind(4, *times).bind(5, *last_seen);
    if (auto s = up->run(); !s) return s.error();
    return sqlite3_changes(db) > 0;
  }
  auto ins =
      use("INSERT INTO banner_observations(site, seen_at, last_seen, times_seen, url, banner_found,"
          " observation_json, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  ins->bind(1, *site).bind(2, *seen_at).bind(3, *last_seen).bind(4, *times).bind(5, *url);
  ins->bind(6, *found).bind(7, std::string_view(r.body)).bind(8, *fingerprint);
  if (auto s = ins->run(); !s) return invalid("banner observation refused: " + s.error().message);
  const std::int64_t row = sqlite3_last_insert_rowid(db);
  banner_rows_[*key] = row;
  banner_stable_[row] = *key;
  return true;
}

Expected<bool> ArchiveStore::apply_banner_change(const Record& r) {
  auto site = need<std::string>(r.meta, "site");
  auto before = need<std::string>(r.meta, "before");
  auto after = need<std::string>(r.meta, "after");
  auto created = need<std::string>(r.meta, "created_at");
  auto summary = need<std::string>(r.meta, "summary");
  for (const auto* e : {&site, &before, &after, &created, &summary}) {
    if (!*e) return e->error();
  }
  if (r.id != banner_change_id(*before, *after))
    return invalid("banner change id does not match its content");
  if (auto st = load_banner_rows(); !st) return st.error();
  const auto b = banner_rows_.find(*before);
  const auto a = banner_rows_.find(*after);
  if (b == banner_rows_.end() || a == banner_rows_.end())
    return invalid("banner change of an observation this archive does not have");
  auto ins = use(
      "INSERT OR IGNORE INTO banner_changes(site, before_id, after_id, created_at, summary, json)"
      " VALUES (?, ?, ?, ?, ?, ?)");
  ins->bind(1, *site).bind(2, b->second).bind(3, a->second).bind(4, *created).bind(5, *summary);
  ins->bind(6, std::string_view(r.body));
  if (auto s = ins->run(); !s) return invalid("banner change refused: " + s.error().message);
  return sqlite3_changes(archive_.handle()) > 0;
}

Expected<bool> ArchiveStore::apply_record(const Record& record) {
  switch (record.kind) {
    case RecordKind::kVersion:
      return apply_version(record);
    case RecordKind::kObservation:
      return apply_observation(record);
    case RecordKind::kDocument:
      return apply_document(record);
    case RecordKind::kBannerObservation:
      return apply_banner_observation(record);
    case RecordKind::kBannerChange:
      return apply_banner_change(record);
    default:
      return false;  // kinds a newer build may send; nothing to store here
  }
}

void ArchiveStore::reset_caches() {
  new_bodies_.clear();
  // Row ids learnt during a rolled-back import may be gone; relearn them from the database.
  documents_.clear();
  versions_.clear();
  observations_.clear();
  version_ids_.clear();
  document_values_.clear();
  banner_rows_loaded_ = false;
  archive::sql::Statement st(archive_.handle(),
                             "SELECT d.id, s.name, d.terms_type, d.variant FROM documents d"
                             " JOIN services s ON s.id = d.service_id");
  for (;;) {
    auto row = st.step();
    if (!row || !*row) break;
    documents_[document_stable_id(st.text(1), st.text(2), st.text(3))] = st.int64(0);
  }
}

Expected<std::string> archive_content_summary(sqlite3* db) {
  std::vector<std::string> lines;
  std::unordered_map<std::int64_t, std::string> doc_key;
  std::unordered_map<std::int64_t, std::string> version_key;
  {
    archive::sql::Statement st(
        db,
        "SELECT d.id, s.name, s.domain, d.terms_type, d.variant, d.url FROM documents d"
        " JOIN services s ON s.id = d.service_id");
    for (;;) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) break;
      doc_key[st.int64(0)] = st.text(1) + "|" + st.text(3) + "|" + st.text(4);
      lines.push_back("D " + st.text(1) + "|" + st.text(2) + "|" + st.text(3) + "|" + st.text(4) +
                      "|" + st.text(5));
    }
  }
  {
    archive::sql::Statement st(db, "SELECT id, document_id, hash FROM versions");
    for (;;) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) break;
      version_key[st.int64(0)] = doc_key[st.int64(1)] + "#" + hex(st.blob(2));
    }
  }
  {
    archive::sql::Statement st(
        db,
        "SELECT v.id, v.first_seen, v.last_seen, v.times_seen, v.verdict, v.compared_to,"
        " v.normalization, v.url, b.size, v.analyzed, NULL,"
        " c.from_version_id, (CASE WHEN typeof(c.detected_at) = 'integer' THEN"
        " strftime('%Y-%m-%dT%H:%M:%SZ', c.detected_at, 'unixepoch') ELSE c.detected_at END),"
        " c.json"
        " FROM versions v JOIN bodies b ON b.id = v.body_id"
        " LEFT JOIN change_records c ON c.to_version_id = v.id");
    for (;;) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) break;
      const auto ref = st.opt_int64(5);
      const auto from = st.opt_int64(11);
      // Findings and change records compare as texts, whichever form the archive stores.
      auto rows = archive::finding_rows(db, st.int64(0));
      if (!rows) return rows.error();
      std::string findings;
      for (const auto& f : *rows) {
        if (!findings.empty()) findings += '\n';
        findings += f.json;
      }
      auto change = archive::change_json_text(st, 13);
      if (!change) return change.error();
      lines.push_back(
          "V " + version_key[st.int64(0)] + " " + st.text(1) + " " + st.text(2) + " x" +
          std::to_string(st.int64(3)) + " " + st.text(4) +
          " ref=" + (ref ? version_key[*ref] : "-") + " n" + std::to_string(st.int64(6)) + " " +
          st.text(7) + " " + std::to_string(st.int64(8)) + "B a" + std::to_string(st.int64(9)) +
          " findings=" + hex(blake(findings, 16)) + " change=" + (from ? version_key[*from] : "-") +
          "/" + st.text(12) + "/" + hex(blake(*change, 16)));
    }
  }
  {
    archive::sql::Statement st(db, std::string("SELECT o.version_id, b.raw_hash, ") +
                                       archive::sql::kObservationTime +
                                       ", o.url FROM observations o"
                                       " JOIN bodies b ON b.id = o.body_id");
    for (;;) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) break;
      lines.push_back("O " + version_key[st.int64(0)] + " " + hex(st.blob(1)) + " " + st.text(2) +
                      " " + st.text(3));
    }
  }
  {
    std::unordered_map<std::int64_t, std::string> banner_key;
    archive::sql::Statement st(
        db,
        "SELECT id, site, seen_at, last_seen, times_seen, url, banner_found, fingerprint,"
        " observation_json FROM banner_observations");
    for (;;) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) break;
      banner_key[st.int64(0)] = st.text(1) + "|" + st.text(2) + "|" + st.text(7);
      lines.push_back("B " + banner_key[st.int64(0)] + " " + st.text(3) + " x" +
                      std::to_string(st.int64(4)) + " " + st.text(5) + " f" +
                      std::to_string(st.int64(6)) + " " + hex(blake(st.text(8), 16)));
    }
    archive::sql::Statement cs(
        db, "SELECT before_id, after_id, created_at, summary, json FROM banner_changes");
    for (;;) {
      auto row = cs.step();
      if (!row) return row.error();
      if (!*row) break;
      lines.push_back("C " + banner_key[cs.int64(0)] + " -> " + banner_key[cs.int64(1)] + " " +
                      cs.text(2) + " " + cs.text(3) + " " + hex(blake(cs.text(4), 16)));
    }
  }
  {
    // Rule texts that findings refer to (absent from archives before migration 5).
    archive::sql::Statement st(db, "SELECT key, json FROM finding_rules");
    while (st.prepared()) {
      auto row = st.step();
      if (!row) return row.error();
      if (!*row) break;
      lines.push_back("R " + st.text(0) + " " + hex(blake(st.text(1), 16)));
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) {
    out += l;
    out += '\n';
  }
  return out;
}

Expected<SyncStore*> sync_store_for(ActionContext& ctx) {
  if (auto* existing = ctx.find<ArchiveStore>()) return static_cast<SyncStore*>(existing);
  auto archive = archive::archive_for(ctx);
  if (!archive) return archive.error();
  return static_cast<SyncStore*>(&ctx.put<ArchiveStore>(std::make_unique<ArchiveStore>(**archive)));
}

}  // namespace cw::sync
