#include "engine/literal_table.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "common/fnv1a.h"
#include "text/scan_mask.h"

namespace cw::engine {
namespace {

constexpr std::string_view kMagic = "clausewatch-literals 1 ";

// Reads the encoding front to back; any inconsistency makes the whole table unusable.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool literal(std::string_view expected) {
    if (text_.substr(at_, expected.size()) != expected) return false;
    at_ += expected.size();
    return true;
  }
  std::optional<std::uint64_t> number(int base = 10) {
    std::uint64_t value = 0;
    const char* begin = text_.data() + at_;
    const auto [end, error] = std::from_chars(begin, text_.data() + text_.size(), value, base);
    if (error != std::errc{} || end == begin) return std::nullopt;
    at_ += static_cast<std::size_t>(end - begin);
    return value;
  }
  std::optional<char> byte() {
    if (at_ >= text_.size()) return std::nullopt;
    return text_[at_++];
  }
  std::optional<std::string_view> bytes(std::uint64_t count) {
    if (count > text_.size() - at_) return std::nullopt;  // checked before anything is allocated
    const auto out = text_.substr(at_, static_cast<std::size_t>(count));
    at_ += static_cast<std::size_t>(count);
    return out;
  }
  [[nodiscard]] std::size_t remaining() const { return text_.size() - at_; }
  [[nodiscard]] bool done() const { return at_ == text_.size(); }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

std::optional<RequiredLiterals> read_entry_clauses(Cursor& in, std::uint64_t clause_count) {
  // Each clause takes at least two bytes ("0\n"), so the count is bounded by what is left.
  if (clause_count > in.remaining() / 2) return std::nullopt;
  RequiredLiterals literals;
  literals.clauses.resize(static_cast<std::size_t>(clause_count));
  for (auto& clause : literals.clauses) {
    const auto count = in.number();
    if (!count || *count > in.remaining() / 3) return std::nullopt;  // " 0:" at least per literal
    clause.reserve(static_cast<std::size_t>(*count));
    for (std::uint64_t i = 0; i < *count; ++i) {
      const auto length = in.literal(" ") ? in.number() : std::nullopt;
      const auto bytes = length && in.literal(":") ? in.bytes(*length) : std::nullopt;
      if (!bytes) return std::nullopt;
      clause.emplace_back(*bytes);
    }
    if (!in.literal("\n")) return std::nullopt;
  }
  return literals;
}

void append_entry(std::string& out, char kind, std::uint64_t key, const RequiredLiterals& entry) {
  char hex[17];
  const auto [end, error] = std::to_chars(hex, hex + 16, key, 16);
  (void)error;  // 16 hex digits always fit a 64-bit value
  const std::string digits(hex, end);
  out += kind;
  out += ' ';
  out.append(16 - digits.size(), '0');
  out += digits;
  out += ' ' + std::to_string(entry.clauses.size()) + '\n';
  for (const auto& clause : entry.clauses) {
    out += std::to_string(clause.size());
    for (const auto& literal : clause) out += ' ' + std::to_string(literal.size()) + ':' + literal;
    out += '\n';
  }
}

// Entries sorted by key, so the same pack always encodes to the same bytes.
void append_sorted(std::string& out, char kind,
                   const std::unordered_map<std::uint64_t, RequiredLiterals>& entries) {
  std::vector<std::pair<std::uint64_t, const RequiredLiterals*>> sorted;
  sorted.reserve(entries.size());
  for (const auto& [key, literals] : entries) sorted.emplace_back(key, &literals);
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [key, literals] : sorted) append_entry(out, kind, key, *literals);
}

}  // namespace

std::uint64_t pattern_key(std::string_view scan_pattern) {
  return fnv1a(scan_pattern);
}

LiteralTable LiteralTable::compute(const RulePack& pack, std::size_t min_len) {
  LiteralTable table;
  table.min_len_ = min_len;
  // The engine's patterns (engine.cpp, Engine::Impl::prepare): missing-protection rules have none.
  for (const auto& provision : pack.provisions) {
    if (provision.kind == ProvisionKind::kMissingProtection) continue;
    for (const auto& pattern : provision.patterns) {
      const auto scan = text::scan_pattern(pattern);
      table.match_.try_emplace(pattern_key(scan), required_literals(scan, min_len));
    }
    for (const auto& pattern : provision.unless) {
      const auto scan = text::scan_pattern(pattern);
      table.unless_.try_emplace(pattern_key(scan), anchor_clause(required_literals(scan)));
    }
  }
  return table;
}

std::string LiteralTable::encode() const {
  std::string out(kMagic);
  out += std::to_string(min_len_) + '\n';
  append_sorted(out, 'M', match_);
  append_sorted(out, 'U', unless_);
  return out;
}

std::optional<LiteralTable> LiteralTable::decode(std::string_view encoded) {
  Cursor in(encoded);
  LiteralTable table;
  const auto min_len = in.literal(kMagic) ? in.number() : std::nullopt;
  if (!min_len || !in.literal("\n")) return std::nullopt;
  table.min_len_ = static_cast<std::size_t>(*min_len);
  while (!in.done()) {
    const auto kind = in.byte();
    if (!kind || (*kind != 'M' && *kind != 'U') || !in.literal(" ")) return std::nullopt;
    const auto key = in.number(16);
    const auto clauses = key && in.literal(" ") ? in.number() : std::nullopt;
    if (!clauses || !in.literal("\n")) return std::nullopt;
    auto literals = read_entry_clauses(in, *clauses);
    if (!literals) return std::nullopt;
    auto& into = *kind == 'M' ? table.match_ : table.unless_;
    if (!into.try_emplace(*key, std::move(*literals)).second) return std::nullopt;  // a key twice
  }
  return table;
}

const RequiredLiterals* LiteralTable::match(std::string_view scan_pattern) const {
  const auto found = match_.find(pattern_key(scan_pattern));
  return found == match_.end() ? nullptr : &found->second;
}

const RequiredLiterals* LiteralTable::unless(std::string_view scan_pattern) const {
  const auto found = unless_.find(pattern_key(scan_pattern));
  return found == unless_.end() ? nullptr : &found->second;
}

}  // namespace cw::engine
