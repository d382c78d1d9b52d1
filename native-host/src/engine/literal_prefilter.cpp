#include "engine/literal_prefilter.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <new>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "common/fnv1a.h"

namespace cw::engine {

namespace detail {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;  // x86-64 and arm64 with 4 KiB pages

// The part of a table of `bytes` backed by huge pages: whole ones, and one more for a tail of half
// a huge page or more (wasting less than half of one). 0: small pages (a table under 1 MiB).
std::size_t huge_part(std::size_t bytes) {
  const std::size_t whole = bytes / kHugePage * kHugePage;
  return bytes - whole >= kHugePage / 2 ? whole + kHugePage : whole;
}

// The length of the table's mapping.
std::size_t mapped_length(std::size_t bytes) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return std::max((bytes + page - 1) / page * page, huge_part(bytes));
}
}  // namespace
#endif

void* allocate_table(std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (huge_part(bytes) > 0) {
    // A mapping of its own, aligned to a huge page (malloc's heap would place it anywhere and
    // grow around it). A short tail keeps small pages, so the resident size hardly grows. A
    // refusal (huge pages off) changes nothing but speed.
    const std::size_t mapped = mapped_length(bytes) + kHugePage;
    void* area = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) throw std::bad_alloc();
    auto* const start = static_cast<char*>(area);
    const auto address = reinterpret_cast<std::uintptr_t>(start);
    char* const table = start + ((kHugePage - address % kHugePage) % kHugePage);
    char* const end = start + mapped;
    char* const used_end = table + mapped_length(bytes);
    if (table != start) munmap(start, static_cast<std::size_t>(table - start));
    if (used_end < end) munmap(used_end, static_cast<std::size_t>(end - used_end));
    (void)madvise(table, huge_part(bytes), MADV_HUGEPAGE);
    return table;
  }
#endif
  return ::operator new(bytes);
}

void free_table(void* table, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (huge_part(bytes) > 0) {
    munmap(table, mapped_length(bytes));
    return;
  }
#endif
  static_cast<void>(bytes);  // read only where huge pages are asked for
  ::operator delete(table);
}
}  // namespace detail

namespace {

// Strings an exact set may hold before it is summarised. At 64, pack 21's phrase alternations
// multiplied into 15,711 literals and 70,873 states, past the 16-bit table; 32 gave 12,988 and
// 58,082 (candidates on 100 KB of terms 525 -> 552, findings the same). Pack 28 had 64,983 at 32;
// 24 gives 58,576 (candidates 601 -> 612, the same findings on 596 OTA documents).
constexpr std::size_t kMaxSet = 24;
constexpr std::size_t kMaxLiteral = 64;  // bytes of one literal
constexpr std::size_t kMaxClause = 512;  // literals of one OR-clause
// Bytes of a literal the automaton looks for. Each byte less shortens the trie's deep branches:
// with pack 33, 16 bytes would need 32-bit state numbers, 15 gives 63,069 states and 481
// candidates on 100 KB of terms, 14 gives 57,000 and 519 (room for the packs to come).
constexpr std::size_t kUsefulLiteral = 14;

using Clause = std::vector<std::string>;  // sorted, unique

// Inside a literal while it is read: "no word character on this side" (from \b next to a word
// character, or \s after one). A clause keeps it at either end of a literal ("\x01use\x01",
// "\x01analy"), where the automaton checks it at the match (see LiteralPrefilter): "use" is then
// not found in "user" or "because". A literal too short to filter on is kept only as a whole word
// ("\x01us\x01"). normalize() turns control characters into spaces, so the byte never occurs in the
// text.
constexpr char kWordEdge = '\x01';

bool is_word_byte(char c) {  // RE2's \w and \b: ASCII only
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_space_byte(char c) {  // RE2's \s, and \v
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// A literal's bytes other than edge marks, as usable_literal() keeps them.
std::size_t literal_bytes(const std::string& s) {
  return s.size() - static_cast<std::size_t>(std::count(s.begin(), s.end(), kWordEdge));
}
// Cuts `s` after kUsefulLiteral bytes (edge marks not counted): only those are looked for, so a
// piece of pattern read so far stands for the strings that start with it from here on.
void cap(std::string& s) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != kWordEdge && ++bytes == kUsefulLiteral) {
      s.resize(i + 1);
      return;
    }
  }
}
bool capped(const std::string& s) {
  return s.size() >= kUsefulLiteral && literal_bytes(s) >= kUsefulLiteral;
}

// Appends `b` to every string of `run` in place, as the product with {b} would (set semantics);
// false, with `run` unchanged, when a string would grow past kMaxLiteral.
bool append_to_all(std::vector<std::string>& run, const std::string& b) {
  for (const auto& a : run) {
    if (a.size() + b.size() > kMaxLiteral && !capped(a)) return false;
  }
  bool merged = false;  // a string was cut to its first bytes and may now equal another
  for (auto& a : run) {
    if (capped(a)) continue;
    if (!a.empty() && !b.empty() && a.back() == ' ' && b.front() == ' ') {
      a.append(b, 1);
    } else {
      a += b;
    }
    if (capped(a)) {
      cap(a);
      merged = true;
    }
  }
  if (merged) {
    std::sort(run.begin(), run.end());
    run.erase(std::unique(run.begin(), run.end()), run.end());
  }
  return true;
}

// append_to_all() for one character, the bulk of a pattern. nullopt when a string would grow past
// kMaxLiteral; else whether every string is now capped, so that later characters change nothing.
std::optional<bool> append_char_to_all(std::vector<std::string>& run, char b) {
  for (const auto& a : run) {
    if (a.size() + 1 > kMaxLiteral && !capped(a)) return std::nullopt;
  }
  bool merged = false;
  bool all_capped = true;
  for (auto& a : run) {
    if (capped(a)) continue;
    if (b != ' ' || a.empty() || a.back() != ' ') a += b;
    if (capped(a)) {
      cap(a);
      merged = true;
    } else {
      all_capped = false;
    }
  }
  if (merged) {
    std::sort(run.begin(), run.end());
    run.erase(std::unique(run.begin(), run.end()), run.end());
  }
  return all_capped;
}

// a + b, with no two spaces in a row where they meet (the automaton never sees two).
std::string join_collapsed(const std::string& a, const std::string& b) {
  if (!a.empty() && !b.empty() && a.back() == ' ' && b.front() == ' ') return a + b.substr(1);
  return a + b;
}

// Whitespace in a literal: the automaton reads every whitespace byte as one space and a run of
// them as one, so `\s+` between two words is a single ' ' in a literal ("age of 13").
constexpr char kSpace = ' ';

std::size_t core_size(const std::string& literal) {
  return static_cast<std::size_t>(std::count_if(
      literal.begin(), literal.end(), [](char c) { return c != kWordEdge && c != kSpace; }));
}

// The literal as a clause holds it: when it is long enough to filter on (`min_len`), with an edge
// mark at an end that has one next to a word character (a mark before it only when it holds no
// space, whose runs make its length in the text unknown); as a whole word when it is shorter but
// at least `min_word_len` and bounded on both sides; nullopt when it is of no use.
std::optional<std::string> usable_literal(const std::string& s, std::size_t min_len,
                                          std::size_t min_word_len) {
  std::size_t b = 0;
  std::size_t e = s.size();
  bool before = false;
  bool after = false;
  while (b < e && s[b] == kWordEdge) {
    before = true;
    ++b;
  }
  while (e > b && s[e - 1] == kWordEdge) {
    after = true;
    --e;
  }
  std::string core;
  core.reserve(e - b);
  for (std::size_t i = b; i < e; ++i) {
    if (s[i] == kWordEdge) continue;  // an edge inside asserts nothing the core lacks
    if (s[i] == kSpace && !core.empty() && core.back() == kSpace) continue;  // runs are one space
    core += s[i];
  }
  if (core_size(core) >= min_len) {
    // A space at an end asks only for a non-word byte there, which an edge mark checks as well:
    // ' the ', 'the ' and 'the' + mark then share one literal, and a common word found in the text
    // costs one output instead of three (stop 21: prefilter -12% on 100 KB of terms).
    if (core.front() == kSpace) {
      before = true;
      core.erase(core.begin());
    }
    if (core.back() == kSpace) {
      after = true;
      core.pop_back();
    }
    const bool mark_before =
        before && is_word_byte(core.front()) && core.find(kSpace) == std::string::npos;
    const bool mark_after = after && is_word_byte(core.back());
    return std::string(mark_before ? 1 : 0, kWordEdge) + core +
           std::string(mark_after ? 1 : 0, kWordEdge);
  }
  // Too short to filter on: a whole word at best, where a space at an end is also an edge.
  while (!core.empty() && core.front() == kSpace) {
    before = true;
    core.erase(core.begin());
  }
  while (!core.empty() && core.back() == kSpace) {
    after = true;
    core.pop_back();
  }
  if (core.find(kSpace) != std::string::npos) return std::nullopt;
  if (core.size() < std::max<std::size_t>(min_word_len, 1) || !before || !after ||
      !is_word_byte(core.front()) || !is_word_byte(core.back())) {
    return std::nullopt;
  }
  std::string word;
  word.reserve(core.size() + 2);
  word += kWordEdge;
  word += core;
  word += kWordEdge;
  return word;
}

std::optional<Clause> clause_of_set(const std::vector<std::string>& set, std::size_t min_len,
                                    std::size_t min_word_len) {
  if (set.empty() || set.size() > kMaxClause) return std::nullopt;
  Clause clause;
  clause.reserve(set.size());
  for (const auto& s : set) {
    auto literal = usable_literal(s, min_len, min_word_len);
    if (!literal) return std::nullopt;
    // Any part of a required literal is required too, and its first kUsefulLiteral bytes are
    // already rare: longer phrases would only grow the automaton. A cut literal has no end mark.
    if (literal_bytes(*literal) > kUsefulLiteral) {
      cap(*literal);
      while (!literal->empty() && literal->back() == kWordEdge) literal->pop_back();
    }
    clause.push_back(std::move(*literal));
  }
  if (!std::is_sorted(clause.begin(), clause.end())) std::sort(clause.begin(), clause.end());
  clause.erase(std::unique(clause.begin(), clause.end()), clause.end());
  // A literal that starts with another one of the clause adds nothing: the shorter one is found
  // wherever it is (unless it must end a word).
  std::size_t kept = 0;
  for (std::size_t i = 0; i < clause.size(); ++i) {
    if (kept > 0) {
      const std::string& shorter = clause[kept - 1];
      if (!shorter.empty() && shorter.back() != kWordEdge &&
          clause[i].compare(0, shorter.size(), shorter) == 0) {
        continue;
      }
    }
    if (kept != i) clause[kept] = std::move(clause[i]);
    ++kept;
  }
  clause.resize(kept);
  return clause;
}

// What is known about the strings a piece of pattern matches. `exact`: the piece matches exactly
// the (lower-cased) strings of `set`, except that a member of kUsefulLiteral bytes or more may
// stand for longer strings that start with it (see cap()). Otherwise every match contains one
// literal of each clause.
struct Info {
  bool exact = false;
  bool starts_nonword = false;  // every match starts with a non-word character (\s, \W)
  std::vector<std::string> set;
  std::vector<Clause> clauses;

  static Info unknown() { return {}; }
  static Info strings(std::vector<std::string> s) {
    Info info;
    info.exact = true;
    if (s.size() > 1) {
      if (!std::is_sorted(s.begin(), s.end())) std::sort(s.begin(), s.end());
      s.erase(std::unique(s.begin(), s.end()), s.end());
    }
    info.set = std::move(s);
    return info;
  }
  static Info empty() { return strings({std::string()}); }
};

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_ascii_punct(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7F &&
         !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

// Reads the subset of RE2 syntax the rules use; anything else makes `failed` true (the pattern then
// gets no clauses). Case flags are irrelevant: literals and text are both lower-cased.
class Reader {
 public:
  Reader(std::string_view pattern, std::size_t min_len, std::size_t min_word_len)
      : p_(pattern), min_len_(min_len), min_word_len_(min_word_len) {}

  std::optional<Info> read() {
    Info info = alternation();
    if (failed_ || at_ != p_.size()) return std::nullopt;
    return info;
  }

 private:
  bool more() const { return at_ < p_.size(); }
  char peek(std::size_t ahead = 0) const {
    return at_ + ahead < p_.size() ? p_[at_ + ahead] : '\0';
  }
  Info fail() {
    failed_ = true;
    return Info::unknown();
  }

  std::optional<Clause> clause_of_set(const std::vector<std::string>& set) const {
    return engine::clause_of_set(set, min_len_, min_word_len_);
  }
  std::vector<Clause> clauses_of(Info info) const {
    if (!info.exact) return std::move(info.clauses);
    std::vector<Clause> out;
    if (auto clause = clause_of_set(info.set)) out.push_back(std::move(*clause));
    return out;
  }
  // The most selective clause: longest shortest literal, then fewest literals.
  std::optional<Clause> best_clause(Info info) const {
    std::optional<Clause> best;
    auto shortest = [](const Clause& c) {
      std::size_t n = kMaxLiteral;
      for (const auto& s : c) n = std::min(n, core_size(s));
      return n;
    };
    for (auto& clause : clauses_of(std::move(info))) {
      if (!best || shortest(clause) > shortest(*best) ||
          (shortest(clause) == shortest(*best) && clause.size() < best->size())) {
        best = std::move(clause);
      }
    }
    return best;
  }

  Info alternation() {
    std::vector<Info> branches;
    branches.push_back(concatenation());
    while (!failed_ && peek() == '|') {
      ++at_;
      branches.push_back(concatenation());
    }
    if (failed_) return Info::unknown();
    if (branches.size() == 1) return std::move(branches.front());
    const bool all_exact =
        std::all_of(branches.begin(), branches.end(), [](const Info& b) { return b.exact; });
    std::vector<std::string> all;
    if (all_exact) {
      for (auto& b : branches) {
        all.insert(all.end(), std::make_move_iterator(b.set.begin()),
                   std::make_move_iterator(b.set.end()));
      }
      Info joined = Info::strings(std::move(all));
      if (joined.set.size() <= kMaxSet) return joined;
      Info out;
      if (auto clause = clause_of_set(joined.set)) out.clauses.push_back(std::move(*clause));
      return out;
    }
    // Every branch must contribute a clause, or the alternation requires nothing.
    for (auto& b : branches) {
      auto clause = best_clause(std::move(b));
      if (!clause) return Info::unknown();
      all.insert(all.end(), std::make_move_iterator(clause->begin()),
                 std::make_move_iterator(clause->end()));
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    Info out;
    if (all.size() <= kMaxClause) out.clauses.push_back(std::move(all));
    return out;
  }

  Info concatenation() {
    std::vector<std::string> run{std::string()};
    bool whole = true;        // still exactly `run`
    bool run_capped = false;  // every string of `run` is capped: characters append nothing
    std::vector<Clause> clauses;
    auto flush = [&] {
      if (auto clause = clause_of_set(run)) clauses.push_back(std::move(*clause));
      run.assign(1, std::string());
      whole = false;
    };
    while (!failed_ && more() && peek() != '|' && peek() != ')') {
      if (plain_character_next()) {  // most of a pattern: read without building an Info
        const char c = peek();
        ++at_;
        if (run_capped) continue;
        if (auto capped_now = append_char_to_all(run, is_space_byte(c) ? kSpace : lower(c))) {
          run_capped = *capped_now;
          continue;
        }
        --at_;
      }
      run_capped = false;
      Info item = repeated_atom();
      if (failed_) break;
      if (item.exact && item.set.size() == 1 && append_to_all(run, item.set.front())) {
        continue;  // the common case, one more literal character: no product to build
      }
      if (item.exact) {
        std::vector<std::string> product;
        bool fits = run.size() * item.set.size() <= kMaxSet;
        for (std::size_t a = 0; fits && a < run.size(); ++a) {
          if (capped(run[a])) {  // only its first bytes are looked for: it stops growing
            product.push_back(run[a]);
            continue;
          }
          for (const auto& b : item.set) {
            if (run[a].size() + b.size() > kMaxLiteral) {
              fits = false;
              break;
            }
            product.push_back(join_collapsed(run[a], b));
            cap(product.back());
          }
        }
        if (fits) {
          run = Info::strings(std::move(product)).set;
        } else {
          flush();
          run = std::move(item.set);
        }
      } else {
        if (item.starts_nonword) {
          for (auto& literal : run) {
            if (!literal.empty() && is_word_byte(literal.back())) literal += kWordEdge;
          }
        }
        flush();
        clauses.insert(clauses.end(), std::make_move_iterator(item.clauses.begin()),
                       std::make_move_iterator(item.clauses.end()));
      }
    }
    if (failed_) return Info::unknown();
    if (whole) return Info::strings(std::move(run));
    flush();
    Info out;
    out.clauses = std::move(clauses);
    return out;
  }

  // Is the next atom one plain ASCII character with no quantifier after it?
  bool plain_character_next() const {
    switch (peek()) {
      case '\\':
      case '[':
      case ']':
      case '(':
      case ')':
      case '{':
      case '}':
      case '|':
      case '.':
      case '*':
      case '+':
      case '?':
      case '^':
      case '$':
      case '\0':
        return false;
      default:
        break;
    }
    if (static_cast<unsigned char>(peek()) >= 0x80) return false;
    const char after = peek(1);
    return after != '*' && after != '+' && after != '?' && after != '{';
  }

  // An atom with any quantifiers after it.
  Info repeated_atom() {
    Info info = atom();
    while (!failed_ && more()) {
      std::size_t min = 0;
      std::size_t max = 0;  // 0 with unbounded: no upper limit
      bool unbounded = false;
      const char c = peek();
      if (c == '*') {
        unbounded = true;
        ++at_;
      } else if (c == '+') {
        min = 1;
        unbounded = true;
        ++at_;
      } else if (c == '?') {
        max = 1;
        ++at_;
      } else if (c == '{') {
        if (!repeat_braces(min, max, unbounded)) break;  // a literal '{', read as the next atom
      } else {
        break;
      }
      if (peek() == '?') ++at_;  // non-greedy: same language
      info = repeat(std::move(info), min, max, unbounded);
    }
    return info;
  }

  // {n}, {n,}, {n,m}; anything else is not a repetition (RE2 reads '{' literally then).
  bool repeat_braces(std::size_t& min, std::size_t& max, bool& unbounded) {
    std::size_t i = at_ + 1;
    auto number = [&](std::size_t& out) {
      const std::size_t start = i;
      out = 0;
      while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9' && i - start < 5) {
        out = out * 10 + static_cast<std::size_t>(p_[i] - '0');
        ++i;
      }
      return i > start;
    };
    if (!number(min)) return false;
    if (i < p_.size() && p_[i] == '}') {
      max = min;
      at_ = i + 1;
      return true;
    }
    if (i >= p_.size() || p_[i] != ',') return false;
    ++i;
    if (i < p_.size() && p_[i] == '}') {
      unbounded = true;
      at_ = i + 1;
      return true;
    }
    if (!number(max) || i >= p_.size() || p_[i] != '}') return false;
    at_ = i + 1;
    return true;
  }

  Info repeat(Info info, std::size_t min, std::size_t max, bool unbounded) {
    if (info.exact && info.set.size() == 1 && info.set.front() == std::string(1, kSpace)) {
      // A run of whitespace is one space to the automaton, however long the run.
      return min == 0 ? Info::strings({"", info.set.front()}) : info;
    }
    if (min == 0) {
      if (!unbounded && max == 1 && info.exact && info.set.size() < kMaxSet) {
        info.set.emplace_back();
        return Info::strings(std::move(info.set));
      }
      return Info::unknown();
    }
    if (min == 1 && max == 1 && !unbounded) return info;
    Info out;
    out.starts_nonword = info.starts_nonword;
    out.clauses = clauses_of(std::move(info));
    return out;
  }

  Info atom() {
    const char c = peek();
    switch (c) {
      case '(':
        return group();
      case '[':
        return char_class();
      case '.':
        ++at_;
        return Info::unknown();
      case '^':
      case '$':
        ++at_;
        return Info::empty();
      case '\\':
        return escape();
      case '*':
      case '+':
      case '?':
        return fail();  // RE2 refuses a quantifier with nothing before it
      default:
        break;
    }
    ++at_;
    if (static_cast<unsigned char>(c) >= 0x80) return Info::unknown();  // part of a UTF-8 character
    if (is_space_byte(c)) return Info::strings({std::string(1, kSpace)});
    return Info::strings({std::string(1, lower(c))});
  }

  Info group() {
    ++at_;  // '('
    if (peek() == '?') {
      ++at_;
      if (peek() == 'P' && peek(1) == '<') ++at_;
      if (peek() == '<') {  // named group
        while (more() && peek() != '>') ++at_;
        if (!more()) return fail();
        ++at_;
      } else {  // flags: (?i) or (?i:...)
        while (more() && (peek() == 'i' || peek() == 'm' || peek() == 's' || peek() == 'U' ||
                          peek() == '-')) {
          ++at_;
        }
        if (peek() == ')') {
          ++at_;
          return Info::empty();
        }
        if (peek() != ':') return fail();
        ++at_;
      }
    }
    Info inner = alternation();
    if (failed_ || peek() != ')') return fail();
    ++at_;
    return inner;
  }

  // One character inside a class: its byte, or nullopt for a class escape (\d, \pL, ...).
  // Sets failed_ for escapes it does not know.
  std::optional<char> class_char() {
    const char c = peek();
    if (c != '\\') {
      ++at_;
      if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
      return c;
    }
    const char e = peek(1);
    at_ += 2;
    switch (e) {
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        return std::nullopt;
      case 'p':
      case 'P':
        skip_property();
        return std::nullopt;
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case 'a':
        return '\a';
      case 'x':
        return hex_escape();  // nullopt: a wide character, the class is then not enumerated
      default:
        break;
    }
    if (is_ascii_punct(e)) return e;
    failed_ = true;
    return std::nullopt;
  }

  // After \x: two hex digits or {hex}. The byte for an ASCII code point (scan_pattern() writes
  // [.\x1f] for every \.); nullopt for a wider one, which stands for a multi-byte character.
  std::optional<char> hex_escape() {
    std::size_t end = at_ + 2;
    std::size_t begin = at_;
    if (peek() == '{') {
      begin = at_ + 1;
      end = p_.find('}', begin);
      if (end == std::string_view::npos || end == begin || end - begin > 6) {
        failed_ = true;
        return std::nullopt;
      }
    } else if (end > p_.size()) {
      failed_ = true;
      return std::nullopt;
    }
    unsigned value = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const char h = p_[i];
      const int digit = (h >= '0' && h <= '9')   ? h - '0'
                        : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                        : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                 : -1;
      if (digit < 0) {
        failed_ = true;
        return std::nullopt;
      }
      value = value * 16 + static_cast<unsigned>(digit);
    }
    at_ = peek() == '{' ? end + 1 : end;
    if (value >= 0x80) return std::nullopt;
    return static_cast<char>(value);
  }

  void skip_property() {  // after \p or \P: a letter, or {Name}
    if (peek() == '{') {
      while (more() && peek() != '}') ++at_;
      if (!more()) {
        failed_ = true;
        return;
      }
    }
    if (more()) ++at_;
  }

  Info char_class() {
    ++at_;  // '['
    bool negated = false;
    if (peek() == '^') {
      negated = true;
      ++at_;
    }
    bool wide = false;  // holds something we do not enumerate
    std::vector<std::string> chars;
    bool first = true;
    while (!failed_) {
      if (!more()) return fail();
      if (peek() == ']' && !first) {
        ++at_;
        break;
      }
      first = false;
      if (peek() == '[' && peek(1) == ':') {  // [:alpha:]
        const auto close = p_.find(":]", at_ + 2);
        if (close == std::string_view::npos) return fail();
        at_ = close + 2;
        wide = true;
        continue;
      }
      const auto lo = class_char();
      if (failed_) break;
      if (peek() == '-' && peek(1) != ']' && peek(1) != '\0') {
        ++at_;
        const auto hi = class_char();
        if (failed_) break;
        if (!lo || !hi || *hi < *lo || *hi - *lo > 9) {
          wide = true;
          continue;
        }
        for (char x = *lo; x <= *hi; ++x) chars.emplace_back(1, lower(x));
        continue;
      }
      if (!lo) {
        wide = true;
        continue;
      }
      chars.emplace_back(1, lower(*lo));
    }
    if (failed_) return Info::unknown();
    if (negated || wide) return Info::unknown();
    Info info = Info::strings(std::move(chars));
    if (info.set.size() > 10) return Info::unknown();  // [0-9] still spelled out
    return info;
  }

  Info escape() {
    const char e = peek(1);
    at_ += 2;
    switch (e) {
      case 'b':
        return Info::strings({std::string(1, kWordEdge)});
      case 'B':
      case 'A':
      case 'z':
        return Info::empty();
      case 's':
      case 'n':
      case 't':
      case 'r':
      case 'f':
      case 'v':
        return Info::strings({std::string(1, kSpace)});
      case 'W': {
        Info info;
        info.starts_nonword = true;
        return info;
      }
      case 'd':
      case 'D':
      case 'S':
      case 'w':
      case 'C':
        return Info::unknown();
      case 'p':
      case 'P':
        skip_property();
        return Info::unknown();
      case 'a':
        return Info::strings({"\a"});
      case 'x': {
        const auto c = hex_escape();
        if (failed_ || !c) return Info::unknown();
        return Info::strings({std::string(1, lower(*c))});
      }
      default:
        break;
    }
    if (is_ascii_punct(e)) return Info::strings({std::string(1, e)});
    return fail();  // \Q...\E, \x.., octal, ...: not read, the pattern gets no clauses
  }

  std::string_view p_;
  std::size_t min_len_;
  std::size_t min_word_len_;
  std::size_t at_ = 0;
  bool failed_ = false;
};

}  // namespace

namespace {

// The clause a pattern is triggered by (see the LiteralPrefilter constructor); 0 if none.
std::size_t anchor_of_clauses(const std::vector<std::vector<std::string>>& clauses) {
  auto shortest = [](const std::vector<std::string>& clause) {
    std::size_t n = kMaxLiteral;
    for (const auto& s : clause) n = std::min(n, core_size(s));
    return n;
  };
  std::size_t anchor = 0;
  for (std::size_t c = 1; c < clauses.size(); ++c) {
    if (shortest(clauses[c]) > shortest(clauses[anchor]) ||
        (shortest(clauses[c]) == shortest(clauses[anchor]) &&
         clauses[c].size() < clauses[anchor].size())) {
      anchor = c;
    }
  }
  return anchor;
}

}  // namespace

RequiredLiterals anchor_clause(RequiredLiterals literals) {
  if (literals.clauses.size() > 1) {
    const std::size_t anchor = anchor_of_clauses(literals.clauses);
    std::swap(literals.clauses.front(), literals.clauses[anchor]);
    literals.clauses.resize(1);
  }
  return literals;
}

RequiredLiterals required_literals(std::string_view pattern, std::size_t min_len,
                                   std::size_t min_word_len) {
  RequiredLiterals out;
  min_len = std::max<std::size_t>(min_len, 1);
  Reader reader(pattern, min_len, min_word_len);
  auto info = reader.read();
  if (!info) return out;
  if (info->exact) {
    if (auto clause = clause_of_set(info->set, min_len, min_word_len)) {
      out.clauses.push_back(std::move(*clause));
    }
    return out;
  }
  out.clauses = std::move(info->clauses);
  // Duplicate clauses add nothing.
  std::sort(out.clauses.begin(), out.clauses.end());
  out.clauses.erase(std::unique(out.clauses.begin(), out.clauses.end()), out.clauses.end());
  return out;
}

// --- Aho-Corasick
// ---------------------------------------------------------------------------------

LiteralPrefilter::LiteralPrefilter(const std::vector<RequiredLiterals>& patterns) {
  // Literal ids in order of first mention; the strings stay in `patterns`, which outlives this.
  std::size_t mentions = 0;
  for (const auto& pattern : patterns) {
    for (const auto& clause : pattern.clauses) mentions += clause.size();
  }
  std::unordered_map<std::string_view, std::uint32_t> literal_ids;
  literal_ids.reserve(mentions);
  std::vector<std::string_view> literal_of;                        // id -> literal
  std::vector<std::pair<std::uint32_t, std::uint32_t>> anchor_of;  // (literal, anchor clause)
  // Each pattern is triggered by one clause, its anchor: the one with the longest shortest
  // literal (then the fewest literals), i.e. the rarest words. A common word ("the", "may") found
  // in a sentence then costs nothing for the many patterns that also require it; their other
  // clauses are looked up only once the anchor is found.
  pattern_clause_begin_.push_back(0);
  clause_literal_begin_.push_back(0);
  clause_literals_.reserve(mentions);
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    const auto& clauses = patterns[p].clauses;
    if (clauses.empty()) always_.push_back(static_cast<int>(p));
    const std::size_t anchor = anchor_of_clauses(clauses);
    // The other clauses are checked in id order and a check stops at the first that fails: the
    // smallest first, so a clause that fails costs as few lookups as it can.
    std::vector<std::size_t> order(clauses.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return clauses[a].size() < clauses[b].size();
    });
    for (const std::size_t c : order) {
      const auto clause_id = static_cast<std::uint32_t>(clause_pattern_.size());
      clause_pattern_.push_back(static_cast<std::uint32_t>(p));
      for (const auto& literal : clauses[c]) {
        auto [it, added] = literal_ids.try_emplace(std::string_view(literal),
                                                   static_cast<std::uint32_t>(literal_of.size()));
        if (added) literal_of.push_back(literal);
        if (c == anchor) anchor_of.emplace_back(it->second, clause_id);
        clause_literals_.push_back(it->second);
      }
      clause_literal_begin_.push_back(static_cast<std::uint32_t>(clause_literals_.size()));
    }
    pattern_clause_begin_.push_back(static_cast<std::uint32_t>(clause_pattern_.size()));
  }
  literal_count_ = literal_of.size();
  // Each literal's anchor clauses, in clause order (a counting sort by literal).
  literal_clause_begin_.assign(literal_count_ + 1, 0);
  for (const auto& [literal, clause] : anchor_of) ++literal_clause_begin_[literal + 1];
  for (std::size_t l = 0; l < literal_count_; ++l) {
    literal_clause_begin_[l + 1] += literal_clause_begin_[l];
  }
  literal_clauses_.resize(anchor_of.size());
  {
    std::vector<std::uint32_t> fill(literal_clause_begin_.begin(), literal_clause_begin_.end() - 1);
    for (const auto& [literal, clause] : anchor_of) literal_clauses_[fill[literal]++] = clause;
  }

  // Literals with edge marks ("\x01us\x01", "\x01use") are looked for as their core; the marks
  // are checked at the match.
  // They are taken in sorted order: the trie then grows one branch at a time.
  // Sorted by their first 8 bytes as one big-endian number (zero-padded: literals hold no NUL, so
  // this is the strings' order), whole strings compared only on a tie.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> sorted_ids(literal_count_);
  for (std::size_t l = 0; l < literal_count_; ++l) {
    std::uint64_t key = 0;
    const std::string_view literal = literal_of[l];
    for (std::size_t i = 0; i < 8; ++i) {
      key = (key << 8) | (i < literal.size() ? static_cast<unsigned char>(literal[i]) : 0U);
    }
    sorted_ids[l] = {key, static_cast<std::uint32_t>(l)};
  }
  std::sort(sorted_ids.begin(), sorted_ids.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return literal_of[a.second] < literal_of[b.second];
  });
  edges_.assign(literal_count_, 0);
  std::vector<std::pair<std::string_view, std::uint32_t>> cores;
  cores.reserve(literal_count_);
  for (const auto& [key, id] : sorted_ids) {
    std::string_view literal = literal_of[id];
    std::uint8_t edges = 0;
    if (literal.size() > 1 && literal.front() == kWordEdge) {
      literal.remove_prefix(1);
      edges |= kEdgeBefore;
    }
    if (literal.size() > 1 && literal.back() == kWordEdge) {
      literal.remove_suffix(1);
      edges |= kEdgeAfter;
    }
    // The length is needed only to find the byte before (one too long to note is let through).
    if ((edges & kEdgeBefore) != 0) {
      edges = literal.size() <= kEdgeLength ? static_cast<std::uint8_t>(edges | literal.size())
                                            : static_cast<std::uint8_t>(edges & ~kEdgeBefore);
    }
    if (literal_clause_begin_[id] != literal_clause_begin_[id + 1]) edges |= kAnchor;
    edges_[id] = edges;
    cores.emplace_back(literal, id);
  }

  // Byte classes: each letter, the space, '-' and '\'' used by a literal gets its own class (upper
  // case shares the lower case one); the digits used share one, and so do the other bytes used
  // (punctuation, UTF-8). Sharing only lets more texts through ("13" is also found in "31"), and
  // it keeps a row to 32 entries. Every byte no literal uses is class 0 and leads back towards
  // the root.
  auto shared_with = [](unsigned char b) -> unsigned char {
    if (b >= '0' && b <= '9') return '0';
    if ((b >= 'a' && b <= 'z') || b == kSpace || b == '-' || b == '\'') return b;
    return '"';
  };
  std::array<std::uint8_t, 256> class_of_key{};
  for (const auto& [literal, id] : cores) {
    for (char c : literal) {
      const auto b = static_cast<unsigned char>(c);
      std::uint8_t& shared = class_of_key[shared_with(b)];
      if (shared == 0) shared = static_cast<std::uint8_t>(classes_++);
      byte_class_[b] = shared;
    }
  }
  while ((std::size_t{1} << row_shift_) < classes_) ++row_shift_;
  for (std::size_t c = 'A'; c <= 'Z'; ++c) byte_class_[c] = byte_class_[c - 'A' + 'a'];
  // Every whitespace byte reads as a space (literals hold only ' ' for whitespace).
  const std::uint8_t space_class = byte_class_[static_cast<unsigned char>(kSpace)];
  for (char c : {'\n', '\t', '\r', '\f', '\v'})
    byte_class_[static_cast<unsigned char>(c)] = space_class;

  // Trie, kept sparse while it grows (a child list per state). Each state lists the literals that
  // end exactly there (own_first/own_next, a linked list over literal ids); the ones that end in a
  // suffix of it are reached through dictionary links.
  std::size_t most_states = 1;
  for (const auto& [literal, id] : cores) most_states += literal.size();
  std::vector<std::int32_t> first_child;  // newest child first
  std::vector<std::int32_t> next_sibling;
  std::vector<std::uint32_t> parent;
  std::vector<std::uint8_t> edge_class;  // class of the byte that leads into the state
  std::vector<std::int32_t> own_first;
  std::vector<bool> after_space;  // the state's trie string ends with a space
  for (auto* v : {&first_child, &next_sibling, &own_first}) {
    v->reserve(most_states);
    v->push_back(-1);  // state 0 = root
  }
  parent.reserve(most_states);
  parent.push_back(0);
  edge_class.reserve(most_states);
  edge_class.push_back(0);
  after_space.reserve(most_states);
  after_space.push_back(false);
  std::vector<std::int32_t> own_next(literal_count_, -1);
  for (const auto& [literal, id] : cores) {
    std::size_t state = 0;
    for (char c : literal) {
      const std::uint8_t k = byte_class_[static_cast<unsigned char>(c)];
      // Literals come in sorted order, so the child wanted is nearly always the newest one.
      std::int32_t child = first_child[state];
      while (child >= 0 && edge_class[static_cast<std::size_t>(child)] != k) {
        child = next_sibling[static_cast<std::size_t>(child)];
      }
      if (child < 0) {
        child = static_cast<std::int32_t>(own_first.size());
        next_sibling.push_back(first_child[state]);
        first_child[state] = child;
        first_child.push_back(-1);
        parent.push_back(static_cast<std::uint32_t>(state));
        edge_class.push_back(k);
        own_first.push_back(-1);
        after_space.push_back(c == kSpace);
      }
      state = static_cast<std::size_t>(child);
    }
    own_next[id] = own_first[state];
    own_first[state] = static_cast<std::int32_t>(id);
  }
  const std::size_t states = own_first.size();
  // Each state's children in class order (the breadth-first order below follows it): grouped by
  // parent with a counting sort, then sorted by class within the (small) groups.
  std::vector<std::uint32_t> child_begin(states + 1, 0);
  for (std::size_t s = 1; s < states; ++s) ++child_begin[parent[s] + 1];
  for (std::size_t s = 0; s < states; ++s) child_begin[s + 1] += child_begin[s];
  std::vector<std::uint32_t> children(states > 0 ? states - 1 : 0);
  {
    std::vector<std::uint32_t> fill(child_begin.begin(), child_begin.end() - 1);
    for (std::size_t s = 1; s < states; ++s)
      children[fill[parent[s]]++] = static_cast<std::uint32_t>(s);
  }
  for (std::size_t s = 0; s < states; ++s) {
    std::sort(children.begin() + child_begin[s], children.begin() + child_begin[s + 1],
              [&](std::uint32_t a, std::uint32_t b) { return edge_class[a] < edge_class[b]; });
  }
  // The root's complete row: a byte with no child there stays at the root.
  std::vector<std::int32_t> root_row(classes_, 0);
  for (std::uint32_t k = child_begin[0]; k < child_begin[1]; ++k) {
    root_row[edge_class[children[k]]] = static_cast<std::int32_t>(children[k]);
  }
  // Failure links in breadth-first order (walking the sparse trie); a state's dictionary link is
  // the longest proper suffix state where a literal ends (-1: none).
  std::vector<std::uint32_t> fail(states, 0);
  std::vector<std::int32_t> dictionary(states, -1);
  std::vector<std::uint32_t> order;  // breadth-first, without the root; also the queue
  order.reserve(states);
  order.insert(order.end(), children.begin() + child_begin[0], children.begin() + child_begin[1]);
  auto child_of = [&](std::uint32_t s, std::uint8_t k) -> std::int32_t {
    for (std::uint32_t c = child_begin[s]; c < child_begin[s + 1]; ++c) {
      if (edge_class[children[c]] == k) return static_cast<std::int32_t>(children[c]);
    }
    return -1;
  };
  for (std::size_t at = 0; at < order.size(); ++at) {
    const std::uint32_t s = order[at];
    const std::uint32_t f = fail[s];
    dictionary[s] = own_first[f] >= 0 ? static_cast<std::int32_t>(f) : dictionary[f];
    for (std::uint32_t c = child_begin[s]; c < child_begin[s + 1]; ++c) {
      const std::uint32_t t = children[c];
      const std::uint8_t k = edge_class[t];
      // Where the automaton goes from the failure state on this byte.
      std::uint32_t g = f;
      std::int32_t next = -1;
      while (g != 0 && (next = child_of(g, k)) < 0) g = fail[g];
      fail[t] = static_cast<std::uint32_t>(g == 0 ? root_row[k] : next);
      order.push_back(t);
    }
  }
  // Renumber so that states with outputs come last (the scan loop then tests one comparison),
  // each group in breadth-first order so the shallow states, where a scan spends most of its
  // time, share cache lines. The root has no output (literals are never empty) and stays 0.
  auto has_output = [&](std::size_t s) { return own_first[s] >= 0 || dictionary[s] >= 0; };
  std::vector<std::size_t> renumber(states);
  std::vector<std::size_t> old_of(states);
  std::size_t next_id = 0;
  renumber[0] = next_id++;
  for (std::size_t s : order) {
    if (!has_output(s)) renumber[s] = next_id++;
  }
  const std::size_t first_output = next_id;
  for (std::size_t s : order) {
    if (has_output(s)) renumber[s] = next_id++;
  }
  for (std::size_t s = 0; s < states; ++s) old_of[renumber[s]] = s;
  // The complete table, written once in its final numbering: a state's row is its failure
  // state's row (complete already: it is shallower) with its own children written over it. The
  // entries of a row past classes_ are never read; they are 0, so that serialize() is exact.
  auto write_table = [&](auto* table) {
    using Entry = std::remove_pointer_t<decltype(table)>;
    auto id = [&](std::size_t s) { return static_cast<Entry>(renumber[s]); };
    const std::size_t width = std::size_t{1} << row_shift_;
    for (std::size_t k = 0; k < classes_; ++k) table[k] = id(static_cast<std::size_t>(root_row[k]));
    std::fill(table + classes_, table + width, Entry{0});
    for (const std::uint32_t s : order) {
      Entry* row = table + (renumber[s] << row_shift_);
      std::copy_n(table + (renumber[fail[s]] << row_shift_), width, row);
      for (std::uint32_t c = child_begin[s]; c < child_begin[s + 1]; ++c) {
        row[edge_class[children[c]]] = id(children[c]);
      }
    }
    // A run of whitespace reads as one space: a state just past a space stays put on another
    // one. (The root is never reached by a space when a literal starts with one: no loop there.)
    if (space_class != 0) {
      for (std::size_t s = 1; s < states; ++s) {
        if (after_space[s]) table[(renumber[s] << row_shift_) + space_class] = id(s);
      }
    }
  };
  // Not zeroed first: every entry is written.
  if (states <= std::size_t{1} << 16) {
    narrow_.resize(states << row_shift_);
    write_table(narrow_.data());
  } else {
    wide_.resize(states << row_shift_);
    write_table(wide_.data());
  }
  // Each state's outputs: its own literals, then those of its dictionary chain.
  output_begin_.assign(states + 1, 0);
  for (std::size_t n = 0; n < states; ++n) {
    output_begin_[n] = static_cast<std::uint32_t>(outputs_.size());
    for (auto t = static_cast<std::int32_t>(old_of[n]); t >= 0;
         t = dictionary[static_cast<std::size_t>(t)]) {
      for (std::int32_t id = own_first[static_cast<std::size_t>(t)]; id >= 0;
           id = own_next[static_cast<std::size_t>(id)]) {
        outputs_.push_back(static_cast<std::uint32_t>(id));
      }
    }
  }
  output_begin_[states] = static_cast<std::uint32_t>(outputs_.size());
  first_output_ = static_cast<std::uint32_t>(first_output);
  state_count_ = states;
}

static_assert(LiteralPrefilter::kLanes < 8, "one bit per lane and one for candidates() in a byte");

// The literals one text holds so far, each once.
struct LiteralPrefilter::Found {
  std::vector<std::uint32_t> all;      // to forget them after the text
  std::vector<std::uint32_t> anchors;  // those that start a pattern's check
  void clear() {
    all.clear();
    anchors.clear();
  }
};

struct LiteralPrefilter::Scratch {
  // Per literal, one bit per lane (text being scanned) that found it.
  std::vector<std::uint8_t> literal_seen;
  // Per lane; the last one is candidates()'s, which candidates_each() may call while its lanes
  // are mid-scan.
  std::array<Found, kLanes + 1> found;
  std::vector<std::uint8_t> pattern_tried;
  std::vector<std::uint32_t> patterns;
};

LiteralPrefilter::Scratch& LiteralPrefilter::scratch() const {
  thread_local Scratch scratch;
  if (scratch.literal_seen.size() < literal_count_) scratch.literal_seen.resize(literal_count_, 0);
  if (scratch.pattern_tried.size() + 1 < pattern_clause_begin_.size())
    scratch.pattern_tried.resize(pattern_clause_begin_.size(), 0);
  return scratch;
}

void LiteralPrefilter::record_outputs(std::uint32_t state, const unsigned char* bytes,
                                      std::size_t size, std::size_t i, bool folded,
                                      std::uint8_t lane_bit, Found& found,
                                      std::vector<std::uint8_t>& seen) const {
  // Is there a word character at byte `at` (none outside the text)?
  auto word_at = [&](std::size_t at) {
    return at < size && is_word_byte(static_cast<char>(bytes[at]));
  };
  const std::size_t s = state;
  for (std::uint32_t k = output_begin_[s]; k < output_begin_[s + 1]; ++k) {
    const std::uint32_t literal = outputs_[k];
    const std::uint8_t edges = edges_[literal];
    if (!folded) {
      // No word character right after it, or right before it, as its marks ask. (After a folded
      // character the start is not known; the literal is then let through.)
      if ((edges & kEdgeAfter) != 0 && word_at(i + 1)) continue;
      const std::size_t length = edges & kEdgeLength;
      if ((edges & kEdgeBefore) != 0 && i + 1 > length && word_at(i - length)) continue;
    }
    if ((seen[literal] & lane_bit) == 0) {
      seen[literal] |= lane_bit;
      found.all.push_back(literal);
      if ((edges & kAnchor) != 0) found.anchors.push_back(literal);
    }
  }
}

void LiteralPrefilter::finish(std::uint8_t lane_bit, Found& found, Scratch& scratch,
                              std::vector<int>* candidates) const {
  auto& seen = scratch.literal_seen;
  const auto first = static_cast<std::ptrdiff_t>(candidates->size());
  candidates->insert(candidates->end(), always_.begin(), always_.end());
  if (!found.anchors.empty()) {
    auto& tried = scratch.pattern_tried;
    auto& patterns = scratch.patterns;
    patterns.clear();
    // Does the text hold a literal of every clause of pattern p other than `anchor`?
    auto rest_found = [&](std::uint32_t p, std::uint32_t anchor) {
      for (std::uint32_t c = pattern_clause_begin_[p]; c < pattern_clause_begin_[p + 1]; ++c) {
        if (c == anchor) continue;
        bool any = false;
        for (std::uint32_t k = clause_literal_begin_[c]; k < clause_literal_begin_[c + 1] && !any;
             ++k) {
          any = (seen[clause_literals_[k]] & lane_bit) != 0;
        }
        if (!any) return false;
      }
      return true;
    };
    for (std::uint32_t literal : found.anchors) {
      for (std::uint32_t k = literal_clause_begin_[literal]; k < literal_clause_begin_[literal + 1];
           ++k) {
        const std::uint32_t clause = literal_clauses_[k];
        const std::uint32_t pattern = clause_pattern_[clause];
        if (tried[pattern]) continue;
        tried[pattern] = 1;
        patterns.push_back(pattern);
        if (rest_found(pattern, clause)) candidates->push_back(static_cast<int>(pattern));
      }
    }
    for (std::uint32_t pattern : patterns) tried[pattern] = 0;
  }
  for (std::uint32_t literal : found.all) seen[literal] &= static_cast<std::uint8_t>(~lane_bit);
  found.clear();
  std::sort(candidates->begin() + first, candidates->end());
}

void LiteralPrefilter::candidates(std::string_view text, std::vector<int>* candidates) const {
  if (const auto* table = narrow_table()) {
    candidates_in(table, text, candidates);
  } else if (const auto* wide = wide_table()) {
    candidates_in(wide, text, candidates);
  }
}

void LiteralPrefilter::candidates_each(std::span<const std::string_view> texts,
                                       std::vector<std::vector<int>>* out) const {
  if (out->size() < texts.size()) out->resize(texts.size());
  candidates_each(texts, std::span(*out).first(texts.size()));
}

void LiteralPrefilter::candidates_each(std::span<const std::string_view> texts,
                                       std::span<std::vector<int>> out) const {
  for (auto& candidates : out) candidates.clear();
  if (const auto* table = narrow_table()) {
    candidates_each_in(table, texts, out);
  } else if (const auto* wide = wide_table()) {
    candidates_each_in(wide, texts, out);
  }
}

template <class Entry>
void LiteralPrefilter::candidates_in(const Entry* table, std::string_view text,
                                     std::vector<int>* candidates) const {
  Scratch& scratch = this->scratch();
  constexpr auto kBit = static_cast<std::uint8_t>(1U << kLanes);
  auto& found = scratch.found[kLanes];
  found.clear();
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  const std::uint8_t* klass = byte_class_.data();
  const std::uint32_t first_output = first_output_;
  const std::size_t shift = row_shift_;
  std::uint32_t state = 0;
  bool folded = false;  // a multi-byte character was read as one letter: lengths do not add up
  for (std::size_t i = 0; i < size; ++i) {
    unsigned char b = bytes[i];
    // Case-insensitive RE2 also matches KELVIN SIGN for 'k' and LONG S for 's': fold them here.
    if (b == 0xE2 || b == 0xC5) [[unlikely]] {
      if (b == 0xE2 && i + 2 < size && bytes[i + 1] == 0x84 && bytes[i + 2] == 0xAA) {
        b = 'k';
        i += 2;
        folded = true;
      } else if (b == 0xC5 && i + 1 < size && bytes[i + 1] == 0xBF) {
        b = 's';
        i += 1;
        folded = true;
      }
    }
    state = table[(static_cast<std::size_t>(state) << shift) + klass[b]];
    if (state >= first_output) [[unlikely]] {
      record_outputs(state, bytes, size, i, folded, kBit, found, scratch.literal_seen);
    }
  }
  finish(kBit, found, scratch, candidates);
}

template <class Entry>
void LiteralPrefilter::candidates_each_in(const Entry* table,
                                          std::span<const std::string_view> texts,
                                          std::span<std::vector<int>> out) const {
  Scratch& scratch = this->scratch();
  // The scan is bound by the latency of one table load per byte; kLanes texts scanned in step
  // keep that many loads in flight. A text holding a character that folds to a letter (KELVIN
  // SIGN, LONG S) is rare and takes the one-text path; other characters starting with those
  // bytes (the euro sign, Polish and Czech letters) stay in the lanes.
  struct Lane {
    const unsigned char* bytes = nullptr;
    std::size_t size = 0;
    std::size_t at = 0;
    std::uint32_t state = 0;
    std::size_t text = 0;
    bool active = false;
  };
  std::array<Lane, kLanes> lanes{};
  std::size_t next = 0;
  auto refill = [&](Lane& lane) {
    lane.active = false;
    while (next < texts.size()) {
      const std::string_view text = texts[next];
      const std::size_t t = next++;
      if (text.find("\xE2\x84\xAA") != std::string_view::npos ||
          text.find("\xC5\xBF") != std::string_view::npos) {
        candidates_in(table, text, &out[t]);
        continue;
      }
      lane = Lane{reinterpret_cast<const unsigned char*>(text.data()), text.size(), 0, 0, t, true};
      return;
    }
  };
  for (auto& lane : lanes) refill(lane);
  const std::uint8_t* klass = byte_class_.data();
  const std::uint32_t first_output = first_output_;
  const std::size_t shift = row_shift_;
  auto step = [&](std::size_t l) {
    Lane& lane = lanes[l];
    lane.state =
        table[(static_cast<std::size_t>(lane.state) << shift) + klass[lane.bytes[lane.at]]];
    if (lane.state >= first_output) [[unlikely]] {
      record_outputs(lane.state, lane.bytes, lane.size, lane.at, false,
                     static_cast<std::uint8_t>(1U << l), scratch.found[l], scratch.literal_seen);
    }
    ++lane.at;
  };
  for (;;) {
    std::size_t round = static_cast<std::size_t>(-1);
    bool all_active = true;
    bool any_active = false;
    for (std::size_t l = 0; l < kLanes; ++l) {
      Lane& lane = lanes[l];
      while (lane.active && lane.at == lane.size) {
        finish(static_cast<std::uint8_t>(1U << l), scratch.found[l], scratch, &out[lane.text]);
        refill(lane);
      }
      all_active = all_active && lane.active;
      any_active = any_active || lane.active;
      if (lane.active) round = std::min(round, lane.size - lane.at);
    }
    if (!any_active) break;
    if (all_active) {
      static_assert(kLanes == 4);
      for (std::size_t k = 0; k < round; ++k) {
        step(0);
        step(1);
        step(2);
        step(3);
      }
    } else {
      for (std::size_t l = 0; l < kLanes; ++l) {
        while (lanes[l].active && lanes[l].at < lanes[l].size) step(l);
      }
    }
  }
}

// --- The automaton as bytes
// ---------------------------------------------------------------------------------

std::uint64_t prefilter_key(std::span<const std::string_view> patterns, std::size_t min_len) {
  std::uint64_t hash = fnv1a(std::to_string(min_len));
  for (const std::string_view pattern : patterns) {
    hash = fnv1a(pattern, fnv1a(std::string_view("\0", 1), hash));
  }
  return hash;
}

namespace {

// Layout (host byte order, checked by kByteOrder): the header, byte_class_, then each array,
// every one starting on a multiple of 64 bytes so the table can be read in place.
constexpr std::string_view kAutomatonMagic{"cwauto3\0", 8};  // 3: edges_ marks anchors
constexpr std::uint32_t kByteOrder = 0x01020304;
constexpr std::size_t kArrayAlign = 64;

struct AutomatonCounts {
  std::uint32_t entry_bytes, classes, row_shift, states, first_output, literals, outputs,
      literal_clauses, clauses, clause_literals, patterns, always;
};

void pad(std::string& out) {
  out.resize((out.size() + kArrayAlign - 1) / kArrayAlign * kArrayAlign);
}

template <class T>
void put_array(std::string& out, const T* data, std::size_t count) {
  pad(out);
  out.append(reinterpret_cast<const char*>(data), count * sizeof(T));
}

// Reads the layout front to back; every count is checked against the bytes left first.
class AutomatonReader {
 public:
  explicit AutomatonReader(std::string_view bytes) : bytes_(bytes) {}
  template <class T>
  bool value(T& out) {
    if (sizeof(T) > bytes_.size() - at_) return false;
    std::memcpy(&out, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }
  // `count` elements at the next aligned offset, in place; null if they do not fit.
  template <class T>
  const char* array(std::size_t count) {
    at_ = std::min(bytes_.size(), (at_ + kArrayAlign - 1) / kArrayAlign * kArrayAlign);
    if (count > (bytes_.size() - at_) / sizeof(T)) return nullptr;
    const char* start = bytes_.data() + at_;
    at_ += count * sizeof(T);
    return start;
  }
  template <class T>
  bool copy(std::vector<T>& out, std::size_t count) {
    const char* start = array<T>(count);
    if (start == nullptr) return false;
    out.resize(count);
    if (count > 0) std::memcpy(out.data(), start, count * sizeof(T));
    return true;
  }
  [[nodiscard]] bool done() const { return at_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
};

// begin[] is a valid list of ranges over `size` elements: starts at 0, never falls, ends at size.
bool valid_ranges(const std::vector<std::uint32_t>& begin, std::size_t size) {
  if (begin.empty() || begin.front() != 0 || begin.back() != size) return false;
  return std::is_sorted(begin.begin(), begin.end());
}

template <class T>
bool all_below(const std::vector<T>& values, std::size_t bound) {
  return std::all_of(values.begin(), values.end(),
                     [bound](T v) { return static_cast<std::size_t>(v) < bound; });
}

}  // namespace

std::string LiteralPrefilter::serialize(std::uint64_t key) const {
  const bool narrow = narrow_table() != nullptr;
  const AutomatonCounts counts{narrow ? 2U : 4U,
                               static_cast<std::uint32_t>(classes_),
                               static_cast<std::uint32_t>(row_shift_),
                               static_cast<std::uint32_t>(state_count_),
                               first_output_,
                               static_cast<std::uint32_t>(literal_count_),
                               static_cast<std::uint32_t>(outputs_.size()),
                               static_cast<std::uint32_t>(literal_clauses_.size()),
                               static_cast<std::uint32_t>(clause_pattern_.size()),
                               static_cast<std::uint32_t>(clause_literals_.size()),
                               static_cast<std::uint32_t>(pattern_clause_begin_.size() - 1),
                               static_cast<std::uint32_t>(always_.size())};
  static_assert(sizeof(AutomatonCounts) == 12 * sizeof(std::uint32_t));
  std::string out(kAutomatonMagic);
  out.append(reinterpret_cast<const char*>(&kByteOrder), sizeof(kByteOrder));
  out.append(reinterpret_cast<const char*>(&key), sizeof(key));
  out.append(reinterpret_cast<const char*>(&counts), sizeof(counts));
  out.append(reinterpret_cast<const char*>(byte_class_.data()), byte_class_.size());
  const std::size_t entries = state_count_ << row_shift_;
  if (narrow) {
    put_array(out, narrow_table(), entries);
  } else {
    put_array(out, wide_table(), entries);
  }
  put_array(out, output_begin_.data(), output_begin_.size());
  put_array(out, outputs_.data(), outputs_.size());
  put_array(out, edges_.data(), edges_.size());
  put_array(out, literal_clause_begin_.data(), literal_clause_begin_.size());
  put_array(out, literal_clauses_.data(), literal_clauses_.size());
  put_array(out, clause_pattern_.data(), clause_pattern_.size());
  put_array(out, clause_literal_begin_.data(), clause_literal_begin_.size());
  put_array(out, clause_literals_.data(), clause_literals_.size());
  put_array(out, pattern_clause_begin_.data(), pattern_clause_begin_.size());
  put_array(out, always_.data(), always_.size());
  return out;
}

std::optional<LiteralPrefilter> LiteralPrefilter::view(std::string_view bytes, std::uint64_t key,
                                                       std::string* error) {
  auto fail = [error](const char* why) -> std::optional<LiteralPrefilter> {
    if (error != nullptr) *error = why;
    return std::nullopt;
  };
  AutomatonReader in(bytes);
  char magic[8] = {};
  std::uint32_t order = 0;
  std::uint64_t labelled = 0;
  AutomatonCounts n{};
  if (!in.value(magic) || std::string_view(magic, sizeof(magic)) != kAutomatonMagic) {
    return fail("not a prefilter automaton of this version");
  }
  if (!in.value(order) || order != kByteOrder) return fail("written with another byte order");
  if (!in.value(labelled) || labelled != key) return fail("built for other patterns");
  if (!in.value(n)) return fail("truncated header");
  if ((n.entry_bytes != 2 && n.entry_bytes != 4) || n.classes == 0 || n.classes > 256 ||
      n.row_shift > 8 || (std::size_t{1} << n.row_shift) < n.classes || n.states == 0 ||
      (n.entry_bytes == 2 && n.states > (std::size_t{1} << 16)) || n.first_output > n.states ||
      n.outputs > bytes.size() || n.literals > bytes.size() || n.clauses > bytes.size() ||
      n.patterns > bytes.size()) {
    return fail("inconsistent header");
  }
  LiteralPrefilter out;
  out.classes_ = n.classes;
  out.row_shift_ = n.row_shift;
  out.state_count_ = n.states;
  out.first_output_ = n.first_output;
  out.literal_count_ = n.literals;
  std::array<std::uint8_t, 256> classes{};
  if (!in.value(classes)) return fail("truncated byte classes");
  out.byte_class_.assign(classes.begin(), classes.end());
  if (!all_below(out.byte_class_, n.classes)) return fail("a byte class out of range");
  // The table: read in place when aligned (else copied); every entry, padding included, must
  // name a state.
  const std::size_t entries = std::size_t{n.states} << n.row_shift;
  auto take_table = [&](auto& owned, auto& viewed) {
    using Entry = typename std::remove_reference_t<decltype(owned)>::value_type;
    const char* table = in.array<Entry>(entries);
    if (table == nullptr) return false;
    const Entry* entry = nullptr;
    if (reinterpret_cast<std::uintptr_t>(table) % alignof(Entry) == 0) {
      entry = viewed = reinterpret_cast<const Entry*>(table);
    } else {
      owned.resize(entries);
      std::memcpy(owned.data(), table, entries * sizeof(Entry));
      entry = owned.data();
    }
    return std::all_of(entry, entry + entries,
                       [&](Entry state) { return static_cast<std::size_t>(state) < n.states; });
  };
  if (!(n.entry_bytes == 2 ? take_table(out.narrow_, out.narrow_view_)
                           : take_table(out.wide_, out.wide_view_))) {
    return fail("a truncated transition table or a transition out of range");
  }
  if (!in.copy(out.output_begin_, std::size_t{n.states} + 1) || !in.copy(out.outputs_, n.outputs) ||
      !in.copy(out.edges_, n.literals) ||
      !in.copy(out.literal_clause_begin_, std::size_t{n.literals} + 1) ||
      !in.copy(out.literal_clauses_, n.literal_clauses) ||
      !in.copy(out.clause_pattern_, n.clauses) ||
      !in.copy(out.clause_literal_begin_, std::size_t{n.clauses} + 1) ||
      !in.copy(out.clause_literals_, n.clause_literals) ||
      !in.copy(out.pattern_clause_begin_, std::size_t{n.patterns} + 1) ||
      !in.copy(out.always_, n.always) || !in.done()) {
    return fail("truncated or overlong arrays");
  }
  if (!valid_ranges(out.output_begin_, n.outputs) || !all_below(out.outputs_, n.literals) ||
      !valid_ranges(out.literal_clause_begin_, n.literal_clauses) ||
      !all_below(out.literal_clauses_, n.clauses) || !all_below(out.clause_pattern_, n.patterns) ||
      !valid_ranges(out.clause_literal_begin_, n.clause_literals) ||
      !all_below(out.clause_literals_, n.literals) ||
      !valid_ranges(out.pattern_clause_begin_, n.clauses) ||
      !std::all_of(out.always_.begin(), out.always_.end(),
                   [&](int p) { return p >= 0 && static_cast<std::size_t>(p) < n.patterns; })) {
    return fail("a state, literal, clause or pattern number out of range");
  }
  return out;
}
}  // namespace cw::engine
