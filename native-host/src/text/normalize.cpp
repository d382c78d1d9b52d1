// normalize(): see normalize.h for what each stage does. The text moves through the stages as a
// vector of Units (one code point with the original bytes it came from), so every later stage keeps
// exact provenance without rescanning the original. Stages 1-4 run per chunk of lines, and a plain
// line (most of a captured page) skips them: it goes straight to stage 5 (see normalize()).
#include "text/normalize.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <utf8proc.h>

namespace cw::text {
namespace {

struct Unit {
  char32_t cp = 0;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  bool literal = false;  // escaped with a backslash: never treated as markup
  bool dropped = false;  // markup removed by stage 4
};

using Units = std::vector<Unit>;

// Stage buffers, reused across calls on a thread so a call allocates only its result.
struct Buffers {
  Units units;
  Units group;
  std::vector<std::uint32_t> new_index;
  std::vector<std::uint32_t> unit_pos;
};

// --- Stage 1: UTF-8 and HTML character references ---------------------------------------------

struct NamedEntity {
  std::string_view name;
  char32_t cp;
};
constexpr std::array kEntities{
    NamedEntity{"amp", U'&'},      NamedEntity{"lt", U'<'},      NamedEntity{"gt", U'>'},
    NamedEntity{"quot", U'"'},     NamedEntity{"apos", U'\''},   NamedEntity{"nbsp", 0xA0},
    NamedEntity{"ndash", 0x2013},  NamedEntity{"mdash", 0x2014}, NamedEntity{"lsquo", 0x2018},
    NamedEntity{"rsquo", 0x2019},  NamedEntity{"ldquo", 0x201C}, NamedEntity{"rdquo", 0x201D},
    NamedEntity{"hellip", 0x2026}, NamedEntity{"copy", 0xA9},    NamedEntity{"reg", 0xAE},
    NamedEntity{"trade", 0x2122},  NamedEntity{"shy", 0xAD},     NamedEntity{"sect", 0xA7},
    NamedEntity{"zwsp", 0x200B},   NamedEntity{"laquo", 0xAB},   NamedEntity{"raquo", 0xBB},
    NamedEntity{"bull", 0x2022},   NamedEntity{"middot", 0xB7},  NamedEntity{"euro", 0x20AC},
};

bool is_ascii_alnum(char32_t c) {
  return (c >= U'0' && c <= U'9') || (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z');
}

// Decodes "&name;" / "&#123;" / "&#x1F;" at s[i] (s[i] == '&'); returns its length or 0.
std::size_t decode_entity(std::string_view s, std::size_t i, char32_t& out) {
  constexpr std::size_t kMaxEntityBytes = 12;
  const std::size_t limit = std::min(s.size(), i + kMaxEntityBytes);
  std::size_t semi = i + 1;
  while (semi < limit && s[semi] != ';') ++semi;
  if (semi >= limit || semi == i + 1) return 0;
  std::string_view body = s.substr(i + 1, semi - i - 1);
  if (body[0] == '#') {
    const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
    std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    std::uint32_t value = 0;
    for (char c : digits) {
      int d = -1;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (hex && c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
      if (d < 0) return 0;
      value = value * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
      if (value > 0x10FFFF) return 0;
    }
    out = utf8proc_codepoint_valid(static_cast<utf8proc_int32_t>(value)) && value != 0 ? value
                                                                                       : 0xFFFD;
    return semi - i + 1;
  }
  for (const auto& entity : kEntities) {
    if (entity.name == body) {
      out = entity.cp;
      return semi - i + 1;
    }
  }
  return 0;
}

// One code point (or character reference) at s[i]; returns how many bytes it took.
std::size_t decode_at(std::string_view s, std::size_t i, char32_t& cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    if (c == '&') {
      if (std::size_t n = decode_entity(s, i, cp)) return n;
    }
    cp = c;
    return 1;
  }
  utf8proc_int32_t value = 0;
  const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data()) + i,
                                  static_cast<utf8proc_ssize_t>(s.size() - i), &value);
  if (n <= 0) {
    cp = 0xFFFD;
    return 1;
  }
  cp = static_cast<char32_t>(value);
  return static_cast<std::size_t>(n);
}

// --- Stage 2: NFKC
// --------------------------------------------------------------------------------

bool is_combining(char32_t cp) {
  if (cp < 0x300) return false;
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->combining_class != 0;
}

// NFKC of each base character together with its combining marks. Output code points of one group
// all carry the group's original span, so a quote never splits a character from its accents.
// NFKC of one group (a character and the combining marks after it), passed to `emit`.
template <typename Emit>
void nfkc_group(const Units& group, Emit&& emit) {
  constexpr utf8proc_ssize_t kGroupMax = 64;
  std::array<utf8proc_int32_t, kGroupMax> buffer{};
  utf8proc_ssize_t length = 0;
  bool fits = true;
  for (std::size_t k = 0; k < group.size() && fits; ++k) {
    int boundclass = UTF8PROC_BOUNDCLASS_START;
    const auto n = utf8proc_decompose_char(
        static_cast<utf8proc_int32_t>(group[k].cp), buffer.data() + length, kGroupMax - length,
        static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT), &boundclass);
    if (n < 0 || length + n > kGroupMax)
      fits = false;
    else
      length += n;
  }
  if (!fits) {  // absurdly long mark sequence: keep it as it is
    for (const Unit& u : group) emit(u);
    return;
  }
  // Canonical ordering of the marks (stable by combining class), then composition.
  for (utf8proc_ssize_t a = 1; a < length; ++a) {
    for (utf8proc_ssize_t b = a; b > 0; --b) {
      const int cc_prev =
          utf8proc_get_property(buffer[static_cast<std::size_t>(b - 1)])->combining_class;
      const int cc_here =
          utf8proc_get_property(buffer[static_cast<std::size_t>(b)])->combining_class;
      if (cc_here == 0 || cc_prev <= cc_here) break;
      std::swap(buffer[static_cast<std::size_t>(b - 1)], buffer[static_cast<std::size_t>(b)]);
    }
  }
  length = utf8proc_normalize_utf32(
      buffer.data(), length, static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
  const std::uint32_t begin = group.front().begin;
  const std::uint32_t end = group.back().end;
  for (utf8proc_ssize_t k = 0; k < length; ++k) {
    emit(Unit{static_cast<char32_t>(buffer[static_cast<std::size_t>(k)]), begin, end});
  }
}

// --- Stage 3: spaces, quotes, dashes
// --------------------------------------------------------------

constexpr char32_t kDrop = 0xFFFFFFFF;

char32_t map_char(char32_t c) {
  if (c < 0x80) {
    if (c == U'\n' || c >= 0x20) return c == 0x7F ? U' ' : c;
    return U' ';  // tabs, form feeds and other controls; '\r' is handled by the caller
  }
  switch (c) {
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
    case 0x00AD:
    case 0x180E:
      return kDrop;
    case 0x00A0:
    case 0x1680:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0x0085:
      return U' ';
    case 0x2028:
    case 0x2029:
      return U'\n';
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0x201B:
    case 0x2032:
    case 0x02BC:
    case 0x2035:
    case 0x00B4:
      return U'\'';
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
    case 0x2033:
    case 0x00AB:
    case 0x00BB:
    case 0x2036:
      return U'"';
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
    case 0xFE58:
    case 0xFE63:
    case 0xFF0D:
      return U'-';
    default:
      break;
  }
  if (c >= 0x2000 && c <= 0x200A) return U' ';
  if (c >= 0x80 && c <= 0x9F) return U' ';
  return c;
}

// Stages 1-3 in one pass over the original: decode, NFKC per group, map characters. It also
// notes whether any character that stage 4 acts on appeared, so clean text can skip stage 4:
// \\ * ` ~ _ | [ < anywhere, and - + = : > # and bullets as the first non-space of a line.
class Front {
 public:
  explicit Front(Units& out) : out_(out) {}

  // Decodes s[first, last) (a chunk that starts a line and ends after a line break or at the end,
  // see normalize()). Returns true if stage 4 may have something to strip.
  bool run(std::string_view s, std::size_t first, std::size_t last, Units& group) {
    out_.clear();
    out_.reserve(last - first);
    const std::size_t size = s.size();
    std::size_t i = first;
    while (i < last) {
      const auto c = static_cast<unsigned char>(s[i]);
      // An ASCII character followed by one: a group of its own, which NFKC leaves alone.
      if (c < 0x80 && c != '&' &&
          (i + 1 == size || (static_cast<unsigned char>(s[i + 1]) < 0x80 && s[i + 1] != '&'))) {
        const auto at = static_cast<std::uint32_t>(i);
        emit(Unit{c, at, at + 1});
        ++i;
        continue;
      }
      group.clear();
      char32_t cp = 0;
      std::size_t n = decode_at(s, i, cp);
      group.push_back(Unit{cp, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + n)});
      i += n;
      while (i < size) {
        char32_t mark = 0;
        n = decode_at(s, i, mark);
        if (!is_combining(mark)) break;
        group.push_back(
            Unit{mark, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + n)});
        i += n;
      }
      if (group.size() == 1 && cp < 0x80) {
        emit(group.front());
      } else {
        nfkc_group(group, [this](const Unit& u) { emit(u); });
      }
    }
    if (pending_cr_) out_.push_back(Unit{U'\n', cr_.begin, cr_.end});
    return markup_;
  }

 private:
  void emit(Unit u) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (u.cp != U'\n') push(Unit{U'\n', cr_.begin, cr_.end});  // CRLF: the LF stands for both
    }
    if (u.cp == U'\r') {
      pending_cr_ = true;
      cr_ = u;
      return;
    }
    if (u.cp < 0x20 || u.cp >= 0x7F) {
      u.cp = map_char(u.cp);
      if (u.cp == kDrop) return;
    }
    push(u);
  }
  void push(const Unit& u) {
    const char32_t c = u.cp;
    if (c == U'\n') {
      line_start_ = true;
    } else if (c != U' ') {
      if (line_start_) {
        line_start_ = false;
        if (c == U'-' || c == U'+' || c == U'=' || c == U':' || c == U'>' || c == U'#' ||
            c == 0x2022 || c == 0x00B7 || c == 0x25CF || c == 0x25AA) {
          markup_ = true;
        }
      }
      if (c == U'\\' || c == U'*' || c == U'`' || c == U'~' || c == U'_' || c == U'|' ||
          c == U'[' || c == U'<') {
        markup_ = true;
      }
    }
    out_.push_back(u);
  }

  Units& out_;
  bool pending_cr_ = false;
  Unit cr_{};
  bool line_start_ = true;
  bool markup_ = false;
};

// --- Stage 4: Markdown and HTML remnants
// ----------------------------------------------------------

struct HeadingUnits {
  std::size_t first;  // index into the stage-4 output
  std::size_t last;   // exclusive
  int level;
};

bool is_markup(const Unit& u, char32_t c) {
  return u.cp == c && !u.literal;
}

bool is_ascii_punct(char32_t c) {
  return c < 0x80 && c > 0x20 && !is_ascii_alnum(c);
}

class MarkdownStripper {
 public:
  // Works in place on `units` (compacted at the end of run()).
  MarkdownStripper(std::string_view original, Units& units, std::vector<std::uint32_t>& new_index)
      : original_(original), in_(units), new_index_(new_index) {}

  void run(std::vector<HeadingUnits>& headings, std::vector<std::size_t>& items) {
    // Backslash escapes first, so escaped characters are never taken as markup below.
    for (std::size_t i = 0; i + 1 < in_.size(); ++i) {
      if (in_[i].cp == U'\\' && !in_[i].literal && is_ascii_punct(in_[i + 1].cp)) {
        drop(i, i + 1);
        in_[i + 1].literal = true;
        ++i;
      }
    }
    std::size_t line_start = 0;
    std::vector<std::pair<std::size_t, int>> heading_lines;  // (first unit of line, level)
    while (line_start <= in_.size()) {
      std::size_t line_end = line_start;
      while (line_end < in_.size() && in_[line_end].cp != U'\n') ++line_end;
      if (int level = strip_line_start(line_start, line_end); level > 0) {
        heading_lines.emplace_back(line_start, level);
      } else if (bold_heading_line(line_start, line_end)) {
        heading_lines.emplace_back(line_start, kBoldHeadingLevel);
      }
      strip_inline(line_start, line_end);
      line_start = line_end + 1;
    }
    if (!item_lines_.empty() || !heading_lines.empty()) {
      // Where each unit lands after compaction, for the heading and list-item positions.
      auto& new_index = new_index_;
      new_index.resize(in_.size() + 1);
      std::uint32_t kept = 0;
      for (std::size_t i = 0; i < in_.size(); ++i) {
        new_index[i] = kept;
        if (!in_[i].dropped) ++kept;
      }
      new_index[in_.size()] = kept;
      for (std::size_t first : item_lines_) {
        std::size_t at = first;
        while (at < in_.size() && in_[at].dropped) ++at;
        items.push_back(new_index[at]);
      }
      for (auto [first, level] : heading_lines) {
        std::size_t end = first;
        while (end < in_.size() && in_[end].cp != U'\n') ++end;
        headings.push_back({new_index[first], new_index[end], level});
      }
    }
    if (first_drop_ >= in_.size()) return;  // nothing was stripped
    std::size_t kept = first_drop_;
    for (std::size_t i = first_drop_; i < in_.size(); ++i) {
      if (!in_[i].dropped) in_[kept++] = in_[i];
    }
    in_.resize(kept);
  }

 private:
  bool markup(std::size_t i, char32_t c) const {
    return i < in_.size() && !in_[i].dropped && is_markup(in_[i], c);
  }
  void drop(std::size_t first, std::size_t last) {
    for (std::size_t i = first; i < last; ++i) in_[i].dropped = true;
    if (first < last) first_drop_ = std::min(first_drop_, first);
  }

  // A short bold line that opens a paragraph ("**California residents**", "__Your choices:__") is
  // how many documents write a sub-heading; it is taken as one, at the lowest level. A bold line
  // that ends a sentence ("**Please read these terms.**") or that has text around it is not.
  static constexpr int kBoldHeadingLevel = 6;
  static constexpr std::size_t kMaxBoldHeadingWords = 12;
  static constexpr std::size_t kMaxNumberedHeadingWords = 8;
  // Does original[begin, end) fill its line and open a paragraph (an empty line or the text's edge
  // before it)? The paragraph's text may follow on the next line ("**3.1 Use.**  \nYou may...").
  // Read in the original text: a chunk of lines (see normalize()) may not hold its neighbours.
  [[nodiscard]] bool opens_paragraph(std::size_t begin, std::size_t end) const {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    auto line_before_is_empty = [&](std::size_t at) {  // `at`: the start of a line's content
      while (at > 0 && blank(original_[at - 1])) --at;
      if (at == 0) return true;
      if (original_[at - 1] != '\n') return false;  // text before it on the same line
      --at;
      while (at > 0 && blank(original_[at - 1])) --at;
      return at == 0 || original_[at - 1] == '\n';
    };
    auto line_ends = [&](std::size_t at) {  // `at`: the end of a line's content
      while (at < original_.size() && blank(original_[at])) ++at;
      return at == original_.size() || original_[at] == '\n';
    };
    return line_before_is_empty(begin) && line_ends(end);
  }
  bool bold_heading_line(std::size_t begin, std::size_t end) const {
    std::size_t first = begin;
    while (first < end && in_[first].cp == U' ') ++first;
    std::size_t last = end;
    while (last > first && in_[last - 1].cp == U' ') --last;
    if (last < first + 5) return false;
    const char32_t mark = in_[first].cp;
    if ((mark != U'*' && mark != U'_') || !markup(first + 1, mark) || !markup(first, mark) ||
        !markup(last - 1, mark) || !markup(last - 2, mark) || markup(first + 2, mark)) {
      return false;
    }
    if (!opens_paragraph(in_[first].begin, in_[last - 1].end)) return false;
    std::size_t words = 0;
    char32_t final_char = 0;
    bool in_word = false;
    const bool numbered =
        first + 2 < last && in_[first + 2].cp >= U'0' && in_[first + 2].cp <= U'9';
    for (std::size_t k = first + 2; k + 2 < last; ++k) {
      const char32_t c = in_[k].cp;
      if (is_markup(in_[k], mark) && k + 1 < last - 2 && is_markup(in_[k + 1], mark)) {
        return false;  // bold closes and opens again: text around, not one bold line
      }
      const bool space = c == U' ';
      if (!space && !in_word) ++words;
      in_word = !space;
      if (!space) final_char = c;
    }
    // A numbered one may end in a dot ("**4.3 Output.**"); a short sentence would not be numbered.
    const bool dot_ok = numbered && words <= kMaxNumberedHeadingWords;
    return words > 0 && words <= kMaxBoldHeadingWords && (final_char != U'.' || dot_ok) &&
           final_char != U'!' && final_char != U'?' && final_char != U';' && final_char != U',';
  }

  // Line prefixes: blockquote '>', heading #'s, bullets, rule lines. Returns the heading level or
  // 0.
  int strip_line_start(std::size_t begin, std::size_t end) {
    std::size_t i = begin;
    auto skip_spaces = [&] {
      while (i < end && in_[i].cp == U' ') ++i;
    };
    skip_spaces();
    // A rule or table-separator line: only - * _ = | : and spaces, with at least three of -*_=.
    {
      std::size_t rule_chars = 0;
      bool only_rule = i < end;
      for (std::size_t k = i; k < end && only_rule; ++k) {
        const char32_t c = in_[k].cp;
        const bool markup_char = !in_[k].literal;
        if (markup_char && (c == U'-' || c == U'*' || c == U'_' || c == U'='))
          ++rule_chars;
        else if (!markup_char || (c != U'|' && c != U':' && c != U' '))
          only_rule = false;
      }
      if (only_rule && rule_chars >= 3) {
        drop(begin, end);
        return 0;
      }
    }
    while (markup(i, U'>')) {
      drop(i, i + 1);
      ++i;
      skip_spaces();
    }
    if (markup(i, U'#')) {
      std::size_t k = i;
      while (k < end && markup(k, U'#')) ++k;
      const auto level = static_cast<int>(k - i);
      if (level <= 6 && (k == end || in_[k].cp == U' ')) {
        drop(i, k);
        // An optional closing sequence of #'s.
        std::size_t tail = end;
        while (tail > k && in_[tail - 1].cp == U' ') --tail;
        std::size_t hashes = tail;
        while (hashes > k && markup(hashes - 1, U'#')) --hashes;
        if (hashes < tail && hashes > k && in_[hashes - 1].cp == U' ') drop(hashes, tail);
        return level;
      }
      return 0;
    }
    if (i + 1 < end && in_[i + 1].cp == U' ' &&
        (markup(i, U'-') || markup(i, U'*') || markup(i, U'+') || markup(i, 0x2022) ||
         markup(i, 0x00B7) || markup(i, 0x25CF) || markup(i, 0x25AA))) {
      drop(i, i + 1);
      item_lines_.push_back(i);
    }
    return 0;
  }

  void strip_inline(std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      if (in_[i].dropped || in_[i].literal) continue;
      const char32_t c = in_[i].cp;
      switch (c) {
        case U'*':
        case U'`':
          drop(i, i + 1);
          break;
        case U'~':
          if (markup(i + 1, U'~')) drop(i, i + 2);
          break;
        case U'_': {
          const bool word_before = i > begin && is_ascii_alnum(in_[i - 1].cp);
          const bool word_after = i + 1 < end && is_ascii_alnum(in_[i + 1].cp);
          if (!(word_before && word_after)) drop(i, i + 1);
          break;
        }
        case U'|':
          in_[i].cp = U' ';
          break;
        case U'!':
          if (markup(i + 1, U'[') && strip_link(i + 1, end)) drop(i, i + 1);
          break;
        case U'[':
          strip_link(i, end);
          break;
        case U'<':
          strip_tag(i, end);
          break;
        default:
          break;
      }
    }
  }

  // [text](url) -> text, [text][ref] -> text. Returns true if it was a link.
  bool strip_link(std::size_t open, std::size_t end) {
    int depth = 0;
    std::size_t close = open;
    for (; close < end; ++close) {
      if (markup(close, U'['))
        ++depth;
      else if (markup(close, U']') && --depth == 0)
        break;
    }
    if (close >= end) return false;
    const std::size_t after = close + 1;
    char32_t closer = 0;
    if (markup(after, U'('))
      closer = U')';
    else if (markup(after, U'['))
      closer = U']';
    else
      return false;
    int nest = 0;
    std::size_t target_end = after;
    for (; target_end < end; ++target_end) {
      if (markup(target_end, closer == U')' ? U'(' : U'['))
        ++nest;
      else if (markup(target_end, closer) && --nest == 0)
        break;
    }
    if (target_end >= end) return false;
    drop(open, open + 1);
    drop(close, target_end + 1);
    return true;
  }

  // <tag ...> is dropped (a space stands in for it); <https://...> and <a@b.c> keep their insides.
  void strip_tag(std::size_t open, std::size_t end) {
    constexpr std::size_t kMaxTagUnits = 512;
    if (open + 1 >= end) return;
    const char32_t first = in_[open + 1].cp;
    const bool tag_start =
        (first < 0x80 && std::isalpha(static_cast<int>(first))) || first == U'/' || first == U'!';
    if (!tag_start) return;
    std::size_t close = open + 1;
    const std::size_t limit = std::min(end, open + kMaxTagUnits);
    bool has_space = false;
    bool has_colon_slash = false;
    bool has_at = false;
    for (; close < limit; ++close) {
      const char32_t c = in_[close].cp;
      if (c == U'>') break;
      if (c == U'<') return;
      if (c == U' ') has_space = true;
      if (c == U'@') has_at = true;
      if (c == U':' && close + 2 < limit && in_[close + 1].cp == U'/' && in_[close + 2].cp == U'/')
        has_colon_slash = true;
    }
    if (close >= limit) return;
    if (!has_space && (has_colon_slash || has_at)) {
      drop(open, open + 1);
      drop(close, close + 1);
      return;
    }
    // A space replaces the tag so "a<br>b" does not glue words together.
    in_[open].cp = U' ';
    drop(open + 1, close + 1);
  }

  std::string_view original_;
  Units& in_;
  std::size_t first_drop_ = static_cast<std::size_t>(-1);
  std::vector<std::uint32_t>& new_index_;
  std::vector<std::size_t> item_lines_;
};

// --- Chunks and plain lines ------------------------------------------------------------------

// Stages 1-4 never look across a line break that is a group of its own, so normalize() runs them
// per chunk of lines. A line break at s[at] ends a chunk when nothing after it can join its group
// (a combining mark, also one written as a character reference).
bool line_break_ends_chunk(std::string_view s, std::size_t at);

// Common punctuation that stages 1-3 turn into one ASCII unit when it stands alone (no combining
// mark after it): NFKC keeps it (U+00A0 becomes U+0020), stage 3 maps it, stage 4 never acts on
// the result inside a line.
struct Simple {
  std::size_t length = 0;  // 0: not one
  char ascii = 0;
};
Simple simple_at(std::string_view s, std::size_t at) {
  if (at + 1 >= s.size()) return {};
  const auto b0 = static_cast<unsigned char>(s[at]);
  const auto b1 = static_cast<unsigned char>(s[at + 1]);
  if (b0 == 0xC2) return b1 == 0xA0 ? Simple{2, ' '} : Simple{};  // no-break space
  if (b0 != 0xE2 || b1 != 0x80 || at + 2 >= s.size()) return {};
  switch (static_cast<unsigned char>(s[at + 2])) {
    case 0x93:  // en dash
    case 0x94:  // em dash
      return {3, '-'};
    case 0x98:  // single quotation marks
    case 0x99:
      return {3, '\''};
    case 0x9C:  // double quotation marks
    case 0x9D:
      return {3, '"'};
    default:
      return {};
  }
}

// Whether the character at s[at] (if any) cannot be a combining mark, so the one before it is a
// group of its own. Conservative: ASCII but '&' (a reference may be a mark), or a simple_at() one.
bool alone(std::string_view s, std::size_t at) {
  if (at == s.size()) return true;
  const auto next = static_cast<unsigned char>(s[at]);
  return (next < 0x80 && next != '&') || simple_at(s, at).length != 0;
}

bool line_break_ends_chunk(std::string_view s, std::size_t at) {
  return alone(s, at + 1);
}

// Bytes that stages 1-4 pass through unchanged as one unit each: printable ASCII but '&' (a
// character reference) and the characters stage 4 acts on anywhere in a line. A line of these
// (and simple_at() characters) whose first non-space byte is kPlainLineStart needs no stage 1-4
// work.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7F; ++c) plain[static_cast<std::size_t>(c)] = true;
  for (const char c : std::string_view("&\\*`~_|[<")) plain[static_cast<unsigned char>(c)] = false;
  return plain;
}();
constexpr std::array<unsigned char, 256> kSpace = [] {
  std::array<unsigned char, 256> space{};
  space[' '] = 1;
  space['\n'] = 1;
  return space;
}();
// The first non-space byte of a plain line: ASCII, and not markup at a line start (a simple_at()
// character there could be a space or a bullet-like dash).
constexpr std::array<bool, 256> kPlainLineStart = [] {
  std::array<bool, 256> start{};
  for (int c = 0; c < 0x80; ++c) start[static_cast<std::size_t>(c)] = true;
  for (const char c : std::string_view("-+=:>#")) start[static_cast<unsigned char>(c)] = false;
  return start;
}();

// --- Stage 5: whitespace and encoding
// --------------------------------------------------------------

// Collapses whitespace and writes the text and its origin arrays, unit by unit, across chunks.
// A whitespace run is written only when a non-space follows it, so it never ends the text.
class Output {
 public:
  Output(NormalizedText& out, std::size_t size_hint) : out_(out) { grow(size_hint + 16); }

  // Original bytes s[first, last), all of them kPlain or '\n': one unit each.
  void ascii(const char* s, std::size_t first, std::size_t last) {
    reserve(last - first);
    auto is_space = [](char c) { return c == ' ' || c == '\n'; };
    std::size_t k = first;
    while (k < last) {
      if (pending_ || pending_items_ > 0 || is_space(s[k])) {
        one(s[k], static_cast<std::uint32_t>(k));
        ++k;
        continue;
      }
      // After a non-space, a lone space or line break before another non-space is written as
      // itself with its own origin, so up to the next run of two (or a trailing one) the output is
      // the input byte for byte.
      std::size_t e = k;
      // One branch per byte, rarely taken: spaces are frequent and unpredictable.
      unsigned here = kSpace[static_cast<unsigned char>(s[e])];
      while (e + 1 < last) {
        const unsigned next = kSpace[static_cast<unsigned char>(s[e + 1])];
        if ((here & next) != 0) break;
        here = next;
        ++e;
      }
      if (e + 1 == last && here == 0) e = last;
      std::memcpy(text_ + n_, s + k, e - k);
      std::uint32_t* from = from_ + n_;
      std::uint32_t* to = to_ + n_;
      const auto base = static_cast<std::uint32_t>(k);
      const std::size_t count = e - k;
      for (std::size_t j = 0; j < count; ++j) {
        from[j] = base + static_cast<std::uint32_t>(j);
        to[j] = base + static_cast<std::uint32_t>(j) + 1;
      }
      n_ += count;
      k = e;
    }
  }

  // A plain line s[first, last) (see normalize()), with simple_at() characters if `mixed`.
  void line(const char* s, std::size_t first, std::size_t last, bool mixed) {
    if (!mixed) {
      ascii(s, first, last);
      return;
    }
    const std::string_view view(s, last);
    std::size_t k = first;
    while (k < last) {
      std::size_t ascii_end = k;
      while (ascii_end < last && static_cast<unsigned char>(s[ascii_end]) < 0x80) ++ascii_end;
      ascii(s, k, ascii_end);
      if (ascii_end == last) break;
      const Simple simple = simple_at(view, ascii_end);
      const auto begin = static_cast<std::uint32_t>(ascii_end);
      const auto end = static_cast<std::uint32_t>(ascii_end + simple.length);
      reserve(1);
      if (simple.ascii == ' ') {
        space(U' ', begin, end);
      } else {
        flush();
        put(static_cast<char32_t>(simple.ascii), begin, end);
      }
      k = ascii_end + simple.length;
    }
  }

  // One chunk's stage-4 output, with its headings (unit indices) and list items.
  void chunk(const Units& units, const std::vector<HeadingUnits>& headings,
             const std::vector<std::size_t>& items, std::vector<std::uint32_t>& unit_pos) {
    // Each unit gives at most its UTF-8 length (a whitespace run at most one byte per unit).
    std::size_t bound = 0;
    for (const Unit& u : units) {
      bound += u.cp < 0x80 ? 1 : u.cp < 0x800 ? 2 : u.cp < 0x10000 ? 3 : 4;
    }
    reserve(bound);
    // Byte position in the text of each unit (for heading spans), when there are any.
    const bool positions = !headings.empty();
    if (positions) unit_pos.assign(units.size() + 1, 0);
    auto item = items.begin();
    for (std::size_t i = 0; i < units.size(); ++i) {
      const Unit& u = units[i];
      for (; item != items.end() && *item == i; ++item) ++pending_items_;
      if (u.cp == U' ' || u.cp == U'\n') {
        if (positions) unit_pos[i] = static_cast<std::uint32_t>(n_);
        space(u.cp, u.begin, u.end);
        continue;
      }
      flush();
      if (positions) unit_pos[i] = static_cast<std::uint32_t>(n_);
      put(u.cp, u.begin, u.end);
    }
    for (; item != items.end(); ++item) ++pending_items_;
    if (positions) unit_pos[units.size()] = static_cast<std::uint32_t>(n_);
    for (const auto& h : headings) {
      // Trim whitespace units at both ends so the span covers just the heading's words.
      std::size_t first = h.first;
      std::size_t last = h.last;
      while (first < last && (units[first].cp == U' ' || units[first].cp == U'\n')) ++first;
      while (last > first && (units[last - 1].cp == U' ' || units[last - 1].cp == U'\n')) --last;
      if (first == last) continue;
      std::size_t end = unit_pos[last - 1];
      // Past the last unit's UTF-8 bytes (what follows in later chunks is whitespace from its
      // line break, with another origin).
      while (end < n_ && from_[end] == units[last - 1].begin && to_[end] == units[last - 1].end) {
        ++end;
      }
      out_.headings.push_back({{unit_pos[first], end}, h.level});
    }
  }

  void finish() {
    resolve_items();
    out_.text.resize(n_);
    out_.origin_begin.resize(n_);
    out_.origin_end.resize(n_);
  }

 private:
  // One plain byte or line break at original offset `at`.
  void one(char c, std::uint32_t at) {
    if (c == ' ' || c == '\n') {
      space(static_cast<char32_t>(c), at, at + 1);
      return;
    }
    flush();
    text_[n_] = c;
    from_[n_] = at;
    to_[n_] = at + 1;
    ++n_;
  }
  void space(char32_t c, std::uint32_t begin, std::uint32_t end) {
    if (!pending_) {
      pending_ = true;
      ws_begin_ = begin;
      newlines_ = 0;
    }
    ws_end_ = end;
    if (c == U'\n') ++newlines_;
  }
  // Before a non-space unit: the whitespace run before it, then the list items that start here.
  void flush() {
    if (pending_) {
      if (n_ > 0) {
        if (newlines_ >= 2) {
          put(U'\n', ws_begin_, ws_end_);
          put(U'\n', ws_begin_, ws_end_);
        } else {
          put(newlines_ == 1 ? U'\n' : U' ', ws_begin_, ws_end_);
        }
      }
      pending_ = false;
    }
    if (pending_items_ > 0) resolve_items();
  }
  // A list item starts at its first non-space character (or the end of the text).
  void resolve_items() {
    for (; pending_items_ > 0; --pending_items_) out_.list_items.push_back(n_);
  }
  void put(char32_t cp, std::uint32_t begin, std::uint32_t end) {
    if (cp < 0x80) {
      text_[n_] = static_cast<char>(cp);
      from_[n_] = begin;
      to_[n_] = end;
      ++n_;
      return;
    }
    const auto length = static_cast<std::size_t>(utf8proc_encode_char(
        static_cast<utf8proc_int32_t>(cp), reinterpret_cast<utf8proc_uint8_t*>(text_ + n_)));
    for (std::size_t k = 0; k < length; ++k) {
      from_[n_ + k] = begin;
      to_[n_ + k] = end;
    }
    n_ += length;
  }
  // Room for `units` more units (+2: a pending run of line breaks may become two bytes).
  void reserve(std::size_t units) {
    if (n_ + units + 2 > capacity_) grow(std::max(n_ + units + 2, 2 * capacity_));
  }
  void grow(std::size_t capacity) {
    capacity_ = capacity;
    out_.text.resize(capacity);
    out_.origin_begin.resize(capacity);
    out_.origin_end.resize(capacity);
    text_ = out_.text.data();
    from_ = out_.origin_begin.data();
    to_ = out_.origin_end.data();
  }

  NormalizedText& out_;
  char* text_ = nullptr;
  std::uint32_t* from_ = nullptr;
  std::uint32_t* to_ = nullptr;
  std::size_t n_ = 0;
  std::size_t capacity_ = 0;
  bool pending_ = false;
  std::size_t newlines_ = 0;
  std::uint32_t ws_begin_ = 0;
  std::uint32_t ws_end_ = 0;
  std::size_t pending_items_ = 0;
};

}  // namespace

ByteSpan NormalizedText::to_original(ByteSpan normalized) const {
  const std::size_t size = text.size();
  const std::size_t begin = std::min(normalized.begin, size);
  const std::size_t end = std::min(std::max(normalized.end, begin), size);
  if (begin == end) {
    const std::size_t at = begin < size ? origin_begin[begin] : original_size;
    return {at, at};
  }
  return {origin_begin[begin], origin_end[end - 1]};
}

NormalizedText normalize(std::string_view original) {
  NormalizedText out;
  out.original_size = original.size();
  Output output(out, original.size());
  thread_local Buffers buffers;
  Units& units = buffers.units;
  std::vector<HeadingUnits> heading_units;
  const std::size_t size = original.size();
  const char* s = original.data();
  std::size_t i = 0;
  while (i < size) {
    // Plain lines go straight to stage 5; see kPlain for why that gives the same result.
    std::size_t e = i;
    while (e < size && s[e] == ' ') ++e;
    const bool plain_start = e == size || kPlainLineStart[static_cast<unsigned char>(s[e])];
    if (plain_start) {
      bool mixed = false;  // has a simple_at() character
      for (;;) {
        while (e < size && kPlain[static_cast<unsigned char>(s[e])]) ++e;
        const Simple simple = simple_at(original, e);
        if (simple.length == 0 || !alone(original, e + simple.length)) break;
        e += simple.length;
        mixed = true;
      }
      if (e == size) {
        output.line(s, i, size, mixed);
        break;
      }
      if (s[e] == '\n') {
        if (line_break_ends_chunk(original, e)) {
          output.line(s, i, e + 1, mixed);
          i = e + 1;
          continue;
        }
        output.line(s, i, e, mixed);  // the break starts a chunk of its own (a mark follows it)
        i = e;
      }
    }
    // The general path, for the chunk of lines up to a line break that ends one.
    std::size_t last = i;
    for (;;) {
      const void* nl = std::memchr(s + last, '\n', size - last);
      if (nl == nullptr) {
        last = size;
        break;
      }
      last = static_cast<std::size_t>(static_cast<const char*>(nl) - s);
      if (line_break_ends_chunk(original, last)) {
        ++last;
        break;
      }
      ++last;
    }
    heading_units.clear();
    std::vector<std::size_t> item_units;
    if (Front(units).run(original, i, last, buffers.group)) {
      MarkdownStripper(original, units, buffers.new_index).run(heading_units, item_units);
    }
    output.chunk(units, heading_units, item_units, buffers.unit_pos);
    i = last;
  }
  output.finish();
  return out;
}

}  // namespace cw::text
