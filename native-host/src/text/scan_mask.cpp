#include "text/scan_mask.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "text/abbreviations.h"

namespace cw::text {
namespace {

// No abbreviation or run of dotted initials is longer; the look-back stops here, so a long token
// full of dots costs linear time, not quadratic.
constexpr std::size_t kLongestWord = 16;

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// A letter or digit (or any non-ASCII byte, which is part of a letter here) somewhere after `at`.
bool words_follow(std::string_view text, std::size_t at) {
  return std::any_of(text.begin() + static_cast<std::ptrdiff_t>(at) + 1, text.end(),
                     [](char c) { return is_alnum(c) || static_cast<unsigned char>(c) >= 0x80; });
}

// Does the word that ends with the dot at `dot` read as an abbreviation? The word starts after
// the last space, '(', quote, hyphen or slash ("EU-U.S.", "and/or U.K."); dots before `dot` are
// still unmasked when this is asked.
bool ends_abbreviation(std::string_view text, std::size_t dot) {
  std::size_t start = dot;
  while (start > 0) {
    const char c = text[start - 1];
    if (c == ' ' || c == '\n' || c == '(' || c == '"' || c == '\'' || c == '[' || c == '-' ||
        c == '/') {
      break;
    }
    if (dot - start >= kLongestWord) return false;
    --start;
  }
  const std::size_t length = dot + 1 - start;
  if (length < 2) return false;
  std::string word(text.substr(start, length));
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (length <= kLongestAbbreviation &&
      std::find(kAbbreviations.begin(), kAbbreviations.end(), word) != kAbbreviations.end()) {
    return true;
  }
  // Dotted initials of two or more letters ("u.s.", "u.s.c.", "n.v.").
  if (length < 4 || length % 2 != 0) return false;
  for (std::size_t i = 0; i < length; ++i) {
    const bool ok =
        (i % 2 == 0) ? std::isalpha(static_cast<unsigned char>(word[i])) != 0 : word[i] == '.';
    if (!ok) return false;
  }
  return true;
}

bool should_mask(std::string_view text, std::size_t dot) {
  const bool inside_word =
      dot > 0 && dot + 1 < text.size() && is_alnum(text[dot - 1]) && is_alnum(text[dot + 1]);
  if (inside_word) return true;
  return dot > 0 && is_alnum(text[dot - 1]) && ends_abbreviation(text, dot) &&
         words_follow(text, dot);
}

}  // namespace

std::size_t mask_dots(std::string& text) {
  // Right to left: when a word's final dot is judged, its inner dots are still dots.
  std::size_t masked = 0;
  for (std::size_t i = text.size(); i-- > 0;) {
    if (text[i] == '.' && should_mask(text, i)) {
      text[i] = kMaskedDot;
      ++masked;
    }
  }
  return masked;
}

std::string_view scan_view(std::string_view text, std::string& buffer) {
  for (std::size_t i = text.find('.'); i != std::string_view::npos; i = text.find('.', i + 1)) {
    if (should_mask(text, i)) {
      buffer.assign(text);
      mask_dots(buffer);
      return buffer;
    }
  }
  return text;
}

namespace {

// The bytes scan_pattern() looks at; every other byte is copied as it is.
bool is_pattern_syntax(char c) {
  return c == '\\' || c == '[' || c == ']' || c == '.';
}

}  // namespace

std::string scan_pattern(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 16);
  bool in_class = false;
  bool negated = false;  // the current class starts with '^'
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    // Bytes other than \ [ ] . change nothing: copied a run at a time (this runs for every
    // pattern at host start).
    std::size_t plain = i;
    while (plain < pattern.size() && !is_pattern_syntax(pattern[plain])) ++plain;
    if (plain > i) {
      out.append(pattern.substr(i, plain - i));
      i = plain;
      if (i == pattern.size()) break;
    }
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      out += c;
      out += pattern[i + 1];
      if (pattern[i + 1] == '.' && !in_class) {
        out.replace(out.size() - 2, 2, "[.\\x1f]");
      } else if (pattern[i + 1] == '.' && !negated) {
        out += "\\x1f";  // a dot in a class such as [\w.] also stands for a masked one
      }
      ++i;
      continue;
    }
    out += c;
    if (!in_class && c == '[') {
      in_class = true;
      negated = false;
      // A ']' first in the class (after an optional '^') is a member, not the end.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') {
        out += pattern[++i];
        negated = true;
      }
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
    } else if (in_class && c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
      // [:alpha:] inside a class: copy through its closing ":]".
      const std::size_t close = pattern.find(":]", i + 2);
      if (close != std::string_view::npos) {
        out.append(pattern.substr(i + 1, close + 2 - (i + 1)));
        i = close + 1;
      }
    } else if (in_class && c == '.' && !negated) {
      // "[\w.]+" must read "U.S." (masked "U\x1fS\x1f") as it reads "U.S.". A negated class
      // such as [^.;] already matches the masked byte, which is what its gaps rely on.
      out += "\\x1f";
    } else if (in_class && c == ']') {
      in_class = false;
    }
  }
  return out;
}

}  // namespace cw::text
