#include "changes/change_record.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

#include <re2/re2.h>

#include "changes/diff.h"
#include "common/limits.h"

namespace cw::changes {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string cut_quote(std::string_view quote) {
  if (quote.size() <= limits::kMaxChangeQuoteBytes) return std::string(quote);
  std::size_t n = limits::kMaxChangeQuoteBytes;
  while (n > 0 && (static_cast<unsigned char>(quote[n]) & 0xC0U) == 0x80U) --n;  // UTF-8 boundary
  return std::string(quote.substr(0, n)) + "…";
}

std::string strip_url(std::string_view url) {
  const auto cut = url.find_first_of("?#");
  std::string base(url.substr(0, cut));
  while (!base.empty() && base.back() == '/') base.pop_back();
  return lower_ascii(base);
}

// The region a document says it applies to, from its title lines ("Europe Terms of Use"); the body
// is not read, because terms for one region often mention the others.
std::string region_of(std::string_view text) {
  std::string head;
  int lines = 0;
  std::size_t pos = 0;
  while (pos < text.size() && lines < 4) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(' ') == std::string_view::npos) continue;
    ++lines;
    if (line.size() < 150) head += lower_ascii(line) + "\n";
  }
  struct Region {
    const char* name;
    const char* pattern;
  };
  static const std::array kRegions = {
      Region{"EU", R"(\b(europe|european|eea|eu)\b)"},
      Region{"UK", R"(\b(united kingdom|uk)\b)"},
      Region{"US", R"(\b(united states|u\.s\.|usa)\b)"},
      Region{"CN", R"(\b(china|prc|mainland)\b)"},
      Region{"KR", R"(\b(korea)\b)"},
      Region{"JP", R"(\b(japan)\b)"},
      Region{"IN", R"(\b(india)\b)"},
  };
  std::string found;
  for (const auto& r : kRegions) {
    const RE2 re(r.pattern);
    if (RE2::PartialMatch(head, re)) {
      if (!found.empty()) found += "+";
      found += r.name;
    }
  }
  return found;
}

// Numbers with what they count: "30 days", "$100", "12 months", "50%".
std::multiset<std::string> quantities(std::string_view quote) {
  static const RE2 kQuantity(
      R"((?i)((?:[$€£]\s?\d[\d,.]*(?:\s?(?:million|thousand|k))?)|)"
      R"((?:\d[\d,.]*\s?(?:%|percent|days?|business days?|months?|years?|hours?|weeks?|dollars|usd|eur|euros?))|)"
      R"((?:(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirty|sixty|ninety)\s(?:\(\d+\)\s)?(?:days?|months?|years?|weeks?))))");
  std::multiset<std::string> out;
  re2::StringPiece input(quote.data(), quote.size());
  std::string match;
  while (RE2::FindAndConsume(&input, kQuantity, &match)) out.insert(lower_ascii(match));
  return out;
}

// Words that widen who gets data or rights, or what for.
std::set<std::string> scope_terms(std::string_view quote) {
  static constexpr std::array kTerms = {
      "affiliates",    "subsidiaries", "partners",   "third parties",  "third-party",
      "any purpose",   "any purposes", "worldwide",  "perpetual",      "irrevocable",
      "sublicensable", "transferable", "successors", "advertis",       "service providers",
      "train",         "sell",         "share",      "without notice", "sole discretion",
  };
  const std::string lowered = lower_ascii(quote);
  std::set<std::string> out;
  for (const char* term : kTerms) {
    if (lowered.find(term) != std::string::npos) out.insert(term);
  }
  return out;
}

bool says_opt_in(std::string_view quote) {
  static const RE2 kOptIn(
      R"((?i)(\b(will not|won't|do not|don't|does not|never)\b[^.]{0,120}\bunless\b[^.]{0,60}\b(opt[- ]?in|choose|agree|consent|allow|enable)|)"
      R"(\bonly (with|if) (you|your)\b[^.]{0,40}\b(consent|opt[- ]?in|permission)|\bopt[- ]?in\b))");
  return RE2::PartialMatch(quote, kOptIn);
}

bool says_opt_out(std::string_view quote) {
  static const RE2 kOptOut(
      R"((?i)(\bunless you\b[^.]{0,40}\bopt[- ]?out\b|\bby default\b|\byou (can|may) opt[- ]?out\b|)"
      R"(\bturn(ed)? off\b|\bdisable\b))");
  return RE2::PartialMatch(quote, kOptOut);
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

engine::Severity at_least(engine::Severity s, engine::Severity floor) {
  return static_cast<int>(s) < static_cast<int>(floor) ? s : floor;
}

ChangeItem make_item(const engine::Finding& f, ChangeKind kind) {
  ChangeItem item;
  item.provision_id = f.rule().rule_id;
  item.title = f.rule().title.empty() ? f.rule().rule_id : f.rule().title;
  item.kind = kind;
  item.severity = f.rule().severity;
  item.references = f.rule().references;
  return item;
}

// Compares two quotes of the same provision.
void compare_pair(const engine::Finding& before, const engine::Finding& after,
                  std::vector<ChangeItem>& items) {
  if (before.quote == after.quote) return;
  if (says_opt_in(before.quote) && !says_opt_in(after.quote) && says_opt_out(after.quote)) {
    ChangeItem item = make_item(after, ChangeKind::kDefaultFlipped);
    item.severity = engine::Severity::kCritical;
    item.before_quote = cut_quote(before.quote);
    item.after_quote = cut_quote(after.quote);
    item.summary = item.title + ": now on by default; you have to opt out";
    items.push_back(std::move(item));
    return;
  }
  const auto qb = quantities(before.quote);
  const auto qa = quantities(after.quote);
  if (!qb.empty() && !qa.empty() && qb != qa) {
    ChangeItem item = make_item(after, ChangeKind::kNumberChanged);
    item.severity = at_least(after.rule().severity, engine::Severity::kCaution);
    item.before_quote = cut_quote(before.quote);
    item.after_quote = cut_quote(after.quote);
    const std::string from = join(std::vector<std::string>(qb.begin(), qb.end()), ", ");
    const std::string to = join(std::vector<std::string>(qa.begin(), qa.end()), ", ");
    item.details.push_back(from + " -> " + to);
    item.summary = item.title + ": " + from + " became " + to;
    items.push_back(std::move(item));
    return;
  }
  const auto sb = scope_terms(before.quote);
  const auto sa = scope_terms(after.quote);
  std::vector<std::string> widened, narrowed;
  std::set_difference(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(widened));
  std::set_difference(sb.begin(), sb.end(), sa.begin(), sa.end(), std::back_inserter(narrowed));
  if (!widened.empty() || !narrowed.empty()) {
    const bool wider = !widened.empty();
    const bool worse = (after.rule().polarity == engine::Polarity::kRisk) == wider;
    ChangeItem item =
        make_item(after, wider ? ChangeKind::kScopeWidened : ChangeKind::kScopeNarrowed);
    item.severity = worse ? at_least(after.rule().severity, engine::Severity::kWarning)
                          : engine::Severity::kInfo;
    item.before_quote = cut_quote(before.quote);
    item.after_quote = cut_quote(after.quote);
    item.details = wider ? widened : narrowed;
    item.summary =
        item.title +
        (wider ? ": scope widened (now mentions " : ": scope narrowed (no longer mentions ") +
        join(item.details, ", ") + ")";
    items.push_back(std::move(item));
  }
}

}  // namespace

std::string_view to_string(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kProtectionRemoved:
      return "protection_removed";
    case ChangeKind::kProtectionAdded:
      return "protection_added";
    case ChangeKind::kRiskAdded:
      return "risk_added";
    case ChangeKind::kRiskRemoved:
      return "risk_removed";
    case ChangeKind::kDefaultFlipped:
      return "default_flipped";
    case ChangeKind::kScopeWidened:
      return "scope_widened";
    case ChangeKind::kScopeNarrowed:
      return "scope_narrowed";
    case ChangeKind::kNumberChanged:
      return "number_changed";
  }
  return "risk_added";
}

SourceChange detect_source_change(std::string_view before_text, std::string_view after_text,
                                  std::string_view before_url, std::string_view after_url) {
  SourceChange source;
  if (!before_url.empty() && !after_url.empty() && strip_url(before_url) != strip_url(after_url)) {
    source = {true, "url", strip_url(before_url), strip_url(after_url),
              "The page now comes from another address"};
    return source;
  }
  const std::string rb = region_of(before_text);
  const std::string ra = region_of(after_text);
  if (rb != ra && !ra.empty()) {
    source = {true, "region", rb.empty() ? "unspecified" : rb, ra,
              "A regional variant replaced the tracked text (" +
                  (rb.empty() ? std::string("unspecified") : rb) + " -> " + ra + ")"};
    return source;
  }
  const auto diff = diff_texts(before_text, after_text);
  const std::size_t total = diff.unchanged + diff.changed + diff.removed + diff.added;
  if (total >= 20 && diff.unchanged * 10 < total) {
    source = {true, "replaced", "", "", "The text was replaced by a largely different document"};
  }
  return source;
}

ChangeRecord build_change_record(const std::vector<engine::Finding>& before,
                                 const std::vector<engine::Finding>& after, SourceChange source) {
  ChangeRecord record;
  record.source = std::move(source);
  if (record.source.changed) {
    record.summary = record.source.summary + "; provisions are not compared across sources";
    return record;
  }
  std::map<std::string, std::vector<const engine::Finding*>> by_rule_before, by_rule_after;
  for (const auto& f : before) by_rule_before[f.rule().rule_id].push_back(&f);
  for (const auto& f : after) by_rule_after[f.rule().rule_id].push_back(&f);
  std::vector<ChangeItem> items;
  // A default that flipped often shows as two rules: "no training unless you opt in" disappears and
  // "training unless you opt out" appears. Report that pair as one default_flipped item.
  std::set<std::string> merged;
  for (const auto& [rule, list] : by_rule_before) {
    if (by_rule_after.count(rule) != 0U) continue;
    const auto& old_f = *list.front();
    static const RE2 kNegated(R"((?i)\b(not|never|no|won't|don't|doesn't)\b)");
    if (!says_opt_in(old_f.quote) && !(old_f.rule().polarity == engine::Polarity::kProtection &&
                                       RE2::PartialMatch(old_f.quote, kNegated))) {
      continue;
    }
    for (const auto& [new_rule, new_list] : by_rule_after) {
      const auto& new_f = *new_list.front();
      if (by_rule_before.count(new_rule) != 0U || merged.count(new_rule) != 0U) continue;
      if (new_f.rule().family != old_f.rule().family ||
          new_f.rule().polarity != engine::Polarity::kRisk)
        continue;
      if (!says_opt_out(new_f.quote)) continue;
      ChangeItem item = make_item(new_f, ChangeKind::kDefaultFlipped);
      item.severity = engine::Severity::kCritical;
      item.before_quote = cut_quote(old_f.quote);
      item.after_quote = cut_quote(new_f.quote);
      item.details = {old_f.rule().rule_id + " -> " + new_f.rule().rule_id};
      item.summary = item.title + ": now on by default; you have to opt out";
      items.push_back(std::move(item));
      merged.insert(rule);
      merged.insert(new_rule);
      break;
    }
  }
  for (const auto& [rule, list] : by_rule_before) {
    if (by_rule_after.count(rule) != 0U || merged.count(rule) != 0U) continue;
    const auto& f = *list.front();
    const bool protection =
        f.rule().polarity == engine::Polarity::kProtection && !f.rule().missing_protection;
    ChangeItem item =
        make_item(f, protection ? ChangeKind::kProtectionRemoved : ChangeKind::kRiskRemoved);
    item.severity = protection ? at_least(f.rule().severity, engine::Severity::kWarning)
                               : engine::Severity::kInfo;
    item.before_quote = cut_quote(f.quote);
    item.summary = (protection ? "Protection removed: " : "Risk removed: ") + item.title;
    items.push_back(std::move(item));
  }
  for (const auto& [rule, list] : by_rule_after) {
    if (merged.count(rule) != 0U) continue;
    auto it = by_rule_before.find(rule);
    if (it == by_rule_before.end()) {
      const auto& f = *list.front();
      const bool protection =
          f.rule().polarity == engine::Polarity::kProtection && !f.rule().missing_protection;
      ChangeItem item =
          make_item(f, protection ? ChangeKind::kProtectionAdded : ChangeKind::kRiskAdded);
      item.severity = protection ? engine::Severity::kInfo : f.rule().severity;
      item.after_quote = cut_quote(f.quote);
      item.summary = (protection ? "Protection added: " : "New risk: ") + item.title;
      items.push_back(std::move(item));
      continue;
    }
    // Pair quotes in order; a provision found in both versions is compared quote by quote.
    const auto& old_list = it->second;
    for (std::size_t i = 0; i < list.size() && i < old_list.size(); ++i) {
      // Prefer the most similar old quote, so reordering does not produce false changes.
      const engine::Finding* best = old_list[i];
      double best_score = -1;
      for (const auto* candidate : old_list) {
        const double s = similarity(candidate->quote, list[i]->quote);
        if (s > best_score) {
          best_score = s;
          best = candidate;
        }
      }
      if (best_score >= 0.999) continue;
      compare_pair(*best, *list[i], items);
    }
  }
  std::stable_sort(items.begin(), items.end(), [](const ChangeItem& a, const ChangeItem& b) {
    return static_cast<int>(a.severity) < static_cast<int>(b.severity);
  });
  if (items.size() > limits::kMaxChangeItems) {
    items.resize(limits::kMaxChangeItems);
    record.truncated = true;
  }
  record.items = std::move(items);
  if (record.items.empty()) {
    record.summary = "The wording changed; no provision changed";
  } else {
    record.summary = record.items.front().summary;
    if (record.items.size() > 1) {
      record.summary += " (+" + std::to_string(record.items.size() - 1) + " more)";
    }
  }
  return record;
}

nlohmann::json to_json(const ChangeRecord& record) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : record.items) {
    nlohmann::json refs = nlohmann::json::array();
    for (const auto& r : item.references) refs.push_back({{"law", r.law}, {"article", r.article}});
    items.push_back({{"provision_id", item.provision_id},
                     {"title", item.title},
                     {"kind", std::string(to_string(item.kind))},
                     {"severity", std::string(engine::to_string(item.severity))},
                     {"summary", item.summary},
                     {"before", item.before_quote.empty() ? nlohmann::json(nullptr)
                                                          : nlohmann::json(item.before_quote)},
                     {"after", item.after_quote.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json(item.after_quote)},
                     {"details", item.details},
                     {"references", std::move(refs)}});
  }
  nlohmann::json source{{"changed", record.source.changed}};
  if (record.source.changed) {
    source["reason"] = record.source.reason;
    source["before"] = record.source.before;
    source["after"] = record.source.after;
    source["summary"] = record.source.summary;
  }
  return nlohmann::json{{"summary", record.summary},
                        {"source", std::move(source)},
                        {"items", std::move(items)},
                        {"truncated", record.truncated}};
}

}  // namespace cw::changes
