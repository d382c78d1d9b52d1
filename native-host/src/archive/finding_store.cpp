#include "archive/finding_store.h"

#include <map>
#include <optional>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <sodium.h>
#include <zstd.h>

#include "archive/body_codec.h"
#include "archive/sql.h"
#include "changes/finding_json.h"

namespace cw::archive {
namespace {

Error corrupt(std::int64_t version_id, std::string_view what) {
  return Error::make(
      ErrorCode::ARCHIVE_CORRUPT,
      {{"detail", "findings of version " + std::to_string(version_id) + ": " + std::string(what)}});
}

// The part of a finding that depends only on its rule.
nlohmann::json rule_text(const engine::RuleText& rule) {
  nlohmann::json references = nlohmann::json::array();
  for (const auto& r : rule.references)
    references.push_back({{"law", r.law}, {"article", r.article}});
  return {{"rule_id", rule.rule_id},
          {"family", rule.family},
          {"title", rule.title},
          {"reason", rule.reason},
          {"explanation", rule.explanation},
          {"references", std::move(references)},
          {"labels", rule.labels},
          {"missing_protection", rule.missing_protection}};
}

// 64 bits of BLAKE2b, hex: unique among the few hundred rule texts an archive will ever hold.
std::string key_of(std::string_view text) {
  unsigned char out[crypto_generichash_BYTES_MIN];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 8; ++i) {
    hex.push_back(kDigits[out[i] >> 4U]);
    hex.push_back(kDigits[out[i] & 15U]);
  }
  return hex;
}

}  // namespace

Status store_findings(sqlite3* db, std::int64_t version_id, std::string_view text,
                      const std::vector<engine::Finding>& findings) {
  nlohmann::json rules = nlohmann::json::array();
  nlohmann::json items = nlohmann::json::array();
  std::map<std::string, std::size_t> rule_index;  // meta key -> index in `rules`
  sql::Statement add_rule(db, "INSERT OR IGNORE INTO finding_rules(key, json) VALUES (?, ?)");
  // Findings of one rule share its text (engine/finding.h): each text is written out once.
  std::unordered_map<const engine::RuleText*, std::size_t> index_of_text;
  std::int64_t previous_start = 0;
  for (const auto& f : findings) {
    const engine::RuleText& rule = f.rule();
    auto known = index_of_text.find(&rule);
    if (known == index_of_text.end()) {
      const std::string meta = rule_text(rule).dump();
      const std::string key = key_of(meta);
      auto [it, inserted] = rule_index.try_emplace(key, rules.size());
      if (inserted) {
        rules.push_back({rule.rule_id, key, std::string(engine::to_string(rule.polarity)),
                         std::string(engine::to_string(rule.severity))});
        add_rule.bind(1, key).bind(2, meta);
        if (auto s = add_rule.run(); !s) return s;
      }
      known = index_of_text.emplace(&rule, it->second).first;
    }
    const auto start = static_cast<std::int64_t>(f.start);
    const std::int64_t length =
        static_cast<std::int64_t>(f.end) - static_cast<std::int64_t>(f.start);
    nlohmann::json item{known->second, start - previous_start, length};
    previous_start = start;
    // Where the body holds the quote: at `start` (a plain document), or elsewhere (the offsets of
    // a captured page are within its block); if nowhere, the quote itself is kept.
    std::optional<nlohmann::json> extra;
    if (f.start > text.size() || text.substr(f.start, f.quote.size()) != f.quote ||
        length != static_cast<std::int64_t>(f.quote.size())) {
      const std::size_t at = f.quote.empty() ? std::string_view::npos : text.find(f.quote);
      if (at != std::string_view::npos && length == static_cast<std::int64_t>(f.quote.size())) {
        extra = static_cast<std::int64_t>(at);
      } else {
        extra = f.quote;
      }
    }
    if (f.block != 0 || extra) item.push_back(f.block);
    if (extra) item.push_back(std::move(*extra));
    items.push_back(std::move(item));
  }
  if (findings.empty()) return ok_status();
  const nlohmann::json packed{{"v", 1}, {"r", std::move(rules)}, {"f", std::move(items)}};
  return store_packed_findings(db, version_id, packed.dump());
}

Status store_packed_findings(sqlite3* db, std::int64_t version_id, std::string_view packed) {
  const auto parsed = nlohmann::json::parse(packed, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("f") || !parsed["f"].is_array()) {
    return corrupt(version_id, "not a packed findings object");
  }
  // The base: the packed findings of the newest earlier version of the same document, unless its
  // chain is as long as a read may walk.
  sql::Statement base(db,
                      "SELECT f.version_id, f.rule_id, f.depth FROM versions v JOIN findings f ON "
                      "f.version_id = v.id AND f.ordinal = 0 WHERE v.document_id = (SELECT "
                      "document_id FROM versions WHERE id = ?1) AND v.id < ?1 ORDER BY v.id DESC "
                      "LIMIT 1");
  base.bind(1, version_id);
  auto row = base.step();
  if (!row) return row.error();
  std::optional<std::int64_t> base_id;
  std::int64_t depth = 0;
  std::string prefix;
  const bool packed_base =
      *row && (base.text(1) == kPackedFindingsRuleId || base.text(1) == kCompressedFindingsRuleId);
  if (packed_base && base.int64(2) + 1 < kFindingChainLength) {
    base_id = base.int64(0);
    depth = base.int64(2) + 1;
    base.reset();
    auto text = packed_findings_text(db, *base_id);
    if (!text) return text.error();
    prefix = std::move(*text);
  }
  auto frame = compress_body(packed, prefix, kRecordCompressionLevel);
  if (!frame) return frame.error();
  sql::Statement add(db,
                     "INSERT INTO findings(version_id, ordinal, rule_id, polarity, severity, json, "
                     "base_version_id, depth, item_count) VALUES (?, 0, ?, '', '', ?, ?, ?, ?)");
  add.bind(1, version_id).bind(2, kCompressedFindingsRuleId).bind_blob(3, *frame);
  add.bind(4, base_id).bind(5, depth).bind(6, static_cast<std::int64_t>(parsed["f"].size()));
  return add.run();
}

Expected<std::string> packed_findings_text(sqlite3* db, std::int64_t version_id) {
  // Walk back to a row without a base, then decompress forward: each text is the next one's prefix.
  struct Link {
    std::int64_t version_id;
    std::string data;
    bool compressed;
  };
  std::vector<Link> chain;
  sql::Statement get(db,
                     "SELECT rule_id, json, base_version_id FROM findings WHERE version_id = ? AND "
                     "ordinal = 0");
  std::int64_t id = version_id;
  for (bool more = true; more;) {
    if (chain.size() > static_cast<std::size_t>(kFindingChainLength)) {
      return corrupt(version_id, "a findings chain does not end");
    }
    get.bind(1, id);
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) return corrupt(id, "the base of a findings row is missing");
    const std::string rule = get.text(0);
    const bool compressed = rule == kCompressedFindingsRuleId;
    if (!compressed && rule != kPackedFindingsRuleId) {
      return corrupt(id, "not a packed findings row");
    }
    chain.push_back({id, compressed ? get.blob(1) : get.text(1), compressed});
    const auto base = get.opt_int64(2);
    more = compressed && base.has_value();
    if (more) id = *base;
    get.reset();
  }
  std::string text;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!it->compressed) {
      text = std::move(it->data);
      continue;
    }
    auto out = decompress_record(it->data, text);
    if (!out) return corrupt(it->version_id, "a findings frame does not decompress");
    text = std::move(*out);
  }
  return text;
}

Expected<std::vector<FindingRow>> finding_rows(sqlite3* db, std::int64_t version_id) {
  std::vector<FindingRow> out;
  sql::Statement get(db,
                     "SELECT ordinal, rule_id, polarity, severity, json FROM findings WHERE "
                     "version_id = ? ORDER BY ordinal");
  get.bind(1, version_id);
  for (;;) {
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) break;
    FindingRow r{get.int64(0), get.text(1), get.text(2), get.text(3), {}};
    if (r.rule_id == kCompressedFindingsRuleId) {
      auto text = packed_findings_text(db, version_id);
      if (!text) return text.error();
      r.rule_id = std::string(kPackedFindingsRuleId);
      r.json = std::move(*text);
    } else {
      r.json = get.text(4);
    }
    out.push_back(std::move(r));
  }
  return out;
}

Expected<std::vector<engine::Finding>> load_findings(
    sqlite3* db, std::int64_t version_id, const std::function<Expected<std::string>()>& text) {
  std::vector<engine::Finding> out;
  auto rows = finding_rows(db, version_id);
  if (!rows) return rows.error();
  std::optional<std::string> body;
  sql::Statement get_rule(db, "SELECT json FROM finding_rules WHERE key = ?");
  for (const auto& row : *rows) {
    const auto parsed = nlohmann::json::parse(row.json, nullptr, false);
    if (row.rule_id != kPackedFindingsRuleId) {
      auto finding = changes::finding_from_json(parsed);  // one finding in the engine's form
      if (!finding) return finding.error();
      out.push_back(std::move(*finding));
      continue;
    }
    if (!parsed.is_object() || !parsed.contains("r") || !parsed["r"].is_array() ||
        !parsed.contains("f") || !parsed["f"].is_array()) {
      return corrupt(version_id, "not a packed findings object");
    }
    // Each rule's finding template: its text from finding_rules, or just its id when the rule
    // text did not come along (a row copied from another archive without it).
    std::vector<engine::Finding> templates;
    for (const auto& r : parsed["r"]) {
      if (!r.is_array() || r.size() < 4 || !r[0].is_string() || !r[1].is_string() ||
          !r[2].is_string() || !r[3].is_string()) {
        return corrupt(version_id, "a malformed rule entry");
      }
      nlohmann::json full;
      get_rule.bind(1, r[1].get<std::string>());
      auto found = get_rule.step();
      if (!found) return found.error();
      if (*found) full = nlohmann::json::parse(get_rule.text(0), nullptr, false);
      get_rule.reset();
      if (!full.is_object()) full = {{"rule_id", r[0]}, {"title", r[0]}};
      full["polarity"] = r[2];
      full["severity"] = r[3];
      auto t = changes::finding_from_json(full);
      if (!t) return t.error();
      t->own_rule().rule_id = r[0].get<std::string>();
      templates.push_back(std::move(*t));
    }
    std::int64_t start = 0;
    for (const auto& item : parsed["f"]) {
      if (!item.is_array() || item.size() < 3 || !item[0].is_number_unsigned() ||
          !item[1].is_number_integer() || !item[2].is_number_unsigned() ||
          item[0].get<std::size_t>() >= templates.size()) {
        return corrupt(version_id, "a malformed finding");
      }
      engine::Finding f = templates[item[0].get<std::size_t>()];
      start += item[1].get<std::int64_t>();
      const auto length = item[2].get<std::int64_t>();
      if (start < 0) return corrupt(version_id, "a negative offset");
      f.start = static_cast<std::size_t>(start);
      f.end = static_cast<std::size_t>(start + length);
      if (item.size() > 3 && item[3].is_number_unsigned()) f.block = item[3].get<std::size_t>();
      if (item.size() > 4 && item[4].is_string()) {
        f.quote = item[4].get<std::string>();
      } else {
        std::size_t at = f.start;
        if (item.size() > 4 && item[4].is_number_unsigned()) at = item[4].get<std::size_t>();
        if (!body) {
          auto t = text();
          if (!t) return t.error();
          body = std::move(*t);
        }
        if (at > body->size() || static_cast<std::size_t>(length) > body->size() - at) {
          return corrupt(version_id, "a quote beyond the end of the text");
        }
        f.quote = body->substr(at, static_cast<std::size_t>(length));
      }
      out.push_back(std::move(f));
    }
  }
  return out;
}

namespace {

// Record dictionaries by their zstd id, per thread: the id is derived from the dictionary's
// content, so one id is one dictionary whichever archive holds it. `want` 0: the archive's newest.
Expected<const BodyDictionary*> record_dictionary(sqlite3* db, unsigned want) {
  thread_local std::map<unsigned, std::unique_ptr<BodyDictionary>> loaded;
  if (want != 0) {
    if (auto it = loaded.find(want); it != loaded.end()) return it->second.get();
  }
  sql::Statement get(
      db, "SELECT size, data FROM body_dictionaries WHERE purpose = 'records' ORDER BY id DESC");
  for (;;) {
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) break;
    auto content = decompress_body(get.blob(1), "", static_cast<std::size_t>(get.int64(0)));
    if (!content) return content.error();
    const unsigned id = dictionary_id_of(*content);
    if (want == 0 || id == want) {
      auto& slot = loaded[id];
      if (!slot) {
        auto d = BodyDictionary::load(*content, BodyDictionary::Use::kRecords);
        if (!d) return d.error();
        slot = std::move(*d);
      }
      return slot.get();
    }
  }
  if (want == 0) return static_cast<const BodyDictionary*>(nullptr);
  return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                     {{"detail", "a change record names a dictionary the archive does not have"}});
}

}  // namespace

Expected<std::string> encode_change_json(std::string_view json) {
  return compress_body(json, "", kRecordCompressionLevel);
}

Expected<std::string> encode_change_json(sqlite3* db, std::string_view json) {
  auto dictionary = record_dictionary(db, 0);
  if (!dictionary) return dictionary.error();
  if (*dictionary == nullptr) return encode_change_json(json);
  return (*dictionary)->compress(json);
}

Expected<std::string> change_json_text(const sql::Statement& st, int column) {
  if (!st.is_blob(column)) return st.text(column);
  const std::string frame = st.blob(column);
  if (const unsigned id = frame_dictionary_id(frame); id != 0) {
    auto dictionary = record_dictionary(st.db(), id);
    if (!dictionary) return dictionary.error();
    const unsigned long long claimed = ZSTD_getFrameContentSize(frame.data(), frame.size());
    if (claimed == ZSTD_CONTENTSIZE_ERROR || claimed == ZSTD_CONTENTSIZE_UNKNOWN ||
        claimed > kMaxRecordBytes) {
      return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                         {{"detail", "a change record does not decompress"}});
    }
    return (*dictionary)->decompress(frame, static_cast<std::size_t>(claimed));
  }
  auto text = decompress_record(frame);
  if (!text) {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a change record does not decompress"}});
  }
  return text;
}

}  // namespace cw::archive
