#include "archive/finding_store.h"

#include <map>
#include <optional>

#include <nlohmann/json.hpp>
#include <sodium.h>

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
nlohmann::json rule_text(const engine::Finding& f) {
  nlohmann::json references = nlohmann::json::array();
  for (const auto& r : f.references) references.push_back({{"law", r.law}, {"article", r.article}});
  return {{"rule_id", f.rule_id},
          {"family", f.family},
          {"title", f.title},
          {"reason", f.reason},
          {"explanation", f.explanation},
          {"references", std::move(references)},
          {"labels", f.labels},
          {"missing_protection", f.missing_protection}};
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
  std::int64_t previous_start = 0;
  for (const auto& f : findings) {
    const std::string meta = rule_text(f).dump();
    const std::string key = key_of(meta);
    auto [it, inserted] = rule_index.try_emplace(key, rules.size());
    if (inserted) {
      rules.push_back({f.rule_id, key, std::string(engine::to_string(f.polarity)),
                       std::string(engine::to_string(f.severity))});
      add_rule.bind(1, key).bind(2, meta);
      if (auto s = add_rule.run(); !s) return s;
    }
    const auto start = static_cast<std::int64_t>(f.start);
    const std::int64_t length =
        static_cast<std::int64_t>(f.end) - static_cast<std::int64_t>(f.start);
    nlohmann::json item{it->second, start - previous_start, length};
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
  sql::Statement add(db,
                     "INSERT INTO findings(version_id, ordinal, rule_id, polarity, severity, json) "
                     "VALUES (?, 0, ?, '', '', ?)");
  add.bind(1, version_id).bind(2, kPackedFindingsRuleId).bind(3, packed.dump());
  return add.run();
}

Expected<std::vector<engine::Finding>> load_findings(
    sqlite3* db, std::int64_t version_id, const std::function<Expected<std::string>()>& text) {
  std::vector<engine::Finding> out;
  sql::Statement get(db,
                     "SELECT rule_id, json FROM findings WHERE version_id = ? ORDER BY ordinal");
  get.bind(1, version_id);
  std::optional<std::string> body;
  sql::Statement get_rule(db, "SELECT json FROM finding_rules WHERE key = ?");
  for (;;) {
    auto row = get.step();
    if (!row) return row.error();
    if (!*row) break;
    const auto parsed = nlohmann::json::parse(get.text(1), nullptr, false);
    if (get.text(0) != kPackedFindingsRuleId) {
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
      t->rule_id = r[0].get<std::string>();
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

}  // namespace cw::archive
