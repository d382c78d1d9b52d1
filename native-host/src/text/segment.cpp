#include "text/segment.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include "text/abbreviations.h"

namespace cw::text {
namespace {

// Per byte: 1 a sentence terminator (. ! ?), 2 not printable ASCII, 0 anything else.
constexpr std::array<unsigned char, 256> kClass = [] {
  std::array<unsigned char, 256> cls{};
  for (std::size_t c = 0; c < 256; ++c) cls[c] = c < 0x20 || c >= 0x7F ? 2 : 0;
  cls['.'] = cls['!'] = cls['?'] = 1;
  return cls;
}();

class IcuSentences {
 public:
  IcuSentences() {
    UErrorCode status = U_ZERO_ERROR;
    iterator_.reset(icu::BreakIterator::createSentenceInstance(icu::Locale::getEnglish(), status));
    if (U_FAILURE(status)) iterator_.reset();
  }
  ~IcuSentences() {
    if (utext_ != nullptr) utext_close(utext_);
  }
  IcuSentences(const IcuSentences&) = delete;
  IcuSentences& operator=(const IcuSentences&) = delete;

  // Break positions (byte offsets) after each sentence, in order, ending with text.size().
  std::vector<std::size_t> breaks(std::string_view text) {
    std::vector<std::size_t> out;
    if (text.empty()) return out;
    // ICU always breaks after a line break (UAX #29 SB4) and starts each sentence afresh, so a line
    // that cannot break inside gets one break at its end and ICU runs only on the other lines.
    std::size_t run = 0;  // start of the lines ICU still has to split
    std::size_t at = 0;
    while (at < text.size()) {
      const void* nl = std::memchr(text.data() + at, '\n', text.size() - at);
      const std::size_t end =
          nl == nullptr ? text.size()
                        : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
      if (unbreakable_line(text.substr(at, end - at))) {
        if (run < at) icu_breaks(text, run, at, out);
        out.push_back(end);
        run = end;
      }
      at = end;
    }
    if (run < text.size()) icu_breaks(text, run, text.size(), out);
    return out;
  }

 private:
  // Printable ASCII in which the only sentence terminators (. ! ?) end the line, followed at most
  // by closing punctuation and spaces: the only sentence break is after the line (SB9-SB11).
  static bool unbreakable_line(std::string_view line) {
    std::size_t end = line.size();
    if (end > 0 && line[end - 1] == '\n') --end;
    std::size_t k = end;
    while (k > 0 && line[k - 1] == ' ') --k;
    while (k > 0 && std::string_view("\"')]}").find(line[k - 1]) != std::string_view::npos) --k;
    const std::size_t tail = k;
    while (k > 0 && (line[k - 1] == '.' || line[k - 1] == '!' || line[k - 1] == '?')) --k;
    if (k == tail) k = end;  // no terminator at the end: none anywhere then
    for (std::size_t i = 0; i < k; ++i) {
      if (kClass[static_cast<unsigned char>(line[i])] != 0) return false;
    }
    for (std::size_t i = k; i < end; ++i) {
      if (kClass[static_cast<unsigned char>(line[i])] == 2) return false;
    }
    return true;
  }

  // ICU's breaks in text[first, last) (which starts a line and ends one or the text), appended.
  void icu_breaks(std::string_view text, std::size_t first, std::size_t last,
                  std::vector<std::size_t>& out) {
    const std::string_view part = text.substr(first, last - first);
    UErrorCode status = U_ZERO_ERROR;
    if (iterator_) {
      // ASCII goes to ICU as UTF-16, whose offsets are then the byte offsets: ICU reads UTF-16
      // faster than UTF-8 through UText (18% on legal prose).
      if (std::all_of(part.begin(), part.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
        wide_.assign(part.begin(), part.end());
        utext_ =
            utext_openUChars(utext_, wide_.data(), static_cast<int64_t>(wide_.size()), &status);
      } else {
        utext_ = utext_openUTF8(utext_, part.data(), static_cast<int64_t>(part.size()), &status);
      }
      if (U_SUCCESS(status)) iterator_->setText(utext_, status);
    }
    if (!iterator_ || U_FAILURE(status)) {  // no ICU data: paragraphs only
      for (std::size_t i = 0; i < part.size(); ++i)
        if (part[i] == '\n') out.push_back(first + i + 1);
      out.push_back(last);
      return;
    }
    const std::size_t before = out.size();
    iterator_->first();
    for (int32_t at = iterator_->next(); at != icu::BreakIterator::DONE; at = iterator_->next()) {
      out.push_back(first + static_cast<std::size_t>(at));
    }
    if (out.size() == before || out.back() != last) out.push_back(last);
  }

  std::unique_ptr<icu::BreakIterator> iterator_;
  UText* utext_ = nullptr;
  std::u16string wide_;  // the ASCII text being split, as UTF-16
};

bool is_space(char c) {
  return c == ' ' || c == '\n';
}

ByteSpan trim(std::string_view text, ByteSpan span) {
  while (span.begin < span.end && is_space(text[span.begin])) ++span.begin;
  while (span.end > span.begin && is_space(text[span.end - 1])) --span.end;
  return span;
}

std::string lower_last_word(std::string_view text, ByteSpan span) {
  std::size_t start = span.end;
  // A hyphen or slash starts a word too: "EU-U.S." ends in the initials "U.S.".
  while (start > span.begin && !is_space(text[start - 1]) && text[start - 1] != '(' &&
         text[start - 1] != '-' && text[start - 1] != '/') {
    --start;
  }
  std::string word(text.substr(start, span.end - start));
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return word;
}

bool ends_with_abbreviation(std::string_view text, ByteSpan span) {
  if (span.end == span.begin || text[span.end - 1] != '.') return false;
  const std::string word = lower_last_word(text, span);
  if (std::find(kAbbreviations.begin(), kAbbreviations.end(), word) != kAbbreviations.end())
    return true;
  // A single initial ("J.") or dotted initials ("U.S.C.").
  if (word.size() == 2 && std::isalpha(static_cast<unsigned char>(word[0]))) return true;
  bool dotted = word.size() >= 4;
  for (std::size_t i = 0; i < word.size() && dotted; ++i) {
    dotted = (i % 2 == 0) ? std::isalpha(static_cast<unsigned char>(word[i])) != 0 : word[i] == '.';
  }
  return dotted;
}

// "1.", "1.2", "12.3.4.", "(a)", "a)", "iv.", "Section 3.", "Article 5", "§ 4."
bool is_clause_number(std::string_view text, ByteSpan span) {
  std::string_view s = text.substr(span.begin, span.end - span.begin);
  for (std::string_view prefix : {"section ", "article ", "clause ", "part ", "sec. ", "art. "}) {
    if (s.size() > prefix.size()) {
      bool same = true;
      for (std::size_t i = 0; i < prefix.size() && same; ++i)
        same = std::tolower(static_cast<unsigned char>(s[i])) == prefix[i];
      if (same) {
        s.remove_prefix(prefix.size());
        break;
      }
    }
  }
  if (s.size() > 1 && s.substr(0, 2) == "\xC2\xA7") s.remove_prefix(2);  // §
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (s.empty() || s.size() > 12) return false;
  std::size_t alnum = 0;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      ++alnum;
    else if (c != '.' && c != '(' && c != ')')
      return false;
  }
  if (alnum == 0) return false;
  // Letters only when short ("a", "iv"), so a real one-word sentence ("Termination.") stays apart.
  bool has_digit = std::any_of(s.begin(), s.end(),
                               [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  return has_digit || alnum <= 3;
}

bool ends_sentence(char c) {
  return c == '.' || c == '!' || c == '?' || c == ':' || c == ';';
}

// ICU keeps "waived. (a) You will" together because a lower-case letter follows the period; a
// clause marker "(a)" / "(12)" after a sentence end and before a capital starts a new sentence.
std::vector<ByteSpan> split_before_clause_markers(std::string_view text,
                                                  const std::vector<ByteSpan>& pieces) {
  std::vector<ByteSpan> out;
  for (ByteSpan piece : pieces) {
    for (std::size_t i = piece.begin + 1; i + 4 < piece.end; ++i) {
      const void* open = std::memchr(text.data() + i, '(', piece.end - 4 - i);
      if (open == nullptr) break;
      i = static_cast<std::size_t>(static_cast<const char*>(open) - text.data());
      if (text[i - 1] != ' ') continue;
      std::size_t j = i - 1;
      while (j > piece.begin && text[j] == ' ') --j;
      if (text[j] != '.' && text[j] != '!' && text[j] != '?') continue;
      std::size_t k = i + 1;
      while (k < piece.end && k - i <= 3 && std::isalnum(static_cast<unsigned char>(text[k]))) ++k;
      if (k == i + 1 || k >= piece.end || text[k] != ')' || k - i > 3) continue;
      if (k + 2 >= piece.end || text[k + 1] != ' ' ||
          !std::isupper(static_cast<unsigned char>(text[k + 2]))) {
        continue;
      }
      out.push_back({piece.begin, j + 1});
      piece.begin = i;
    }
    out.push_back(piece);
  }
  return out;
}

// One ICU iterator per thread, made on first use so a failure cannot escape thread start-up.
IcuSentences& icu_sentences() {
  thread_local IcuSentences iterator;
  return iterator;
}

// `hard_starts`: offsets (relative to `text`, sorted) where a sentence must start (list items).
std::vector<ByteSpan> sentence_spans(std::string_view text,
                                     const std::vector<std::size_t>& hard_starts = {}) {
  std::vector<ByteSpan> pieces;
  std::size_t prev = 0;
  for (std::size_t at : icu_sentences().breaks(text)) {
    ByteSpan piece = trim(text, {prev, at});
    prev = at;
    if (piece.begin < piece.end) pieces.push_back(piece);
  }
  pieces = split_before_clause_markers(text, pieces);
  std::vector<ByteSpan> out;
  for (const ByteSpan& piece : pieces) {
    if (!out.empty()) {
      ByteSpan& last = out.back();
      const std::string_view gap = text.substr(last.end, piece.begin - last.end);
      const std::size_t newlines =
          static_cast<std::size_t>(std::count(gap.begin(), gap.end(), '\n'));
      bool join = false;
      if (newlines == 0) {
        join = ends_with_abbreviation(text, last) || is_clause_number(text, last);
      } else if (newlines == 1 &&
                 !std::binary_search(hard_starts.begin(), hard_starts.end(), piece.begin)) {
        const char last_char = text[last.end - 1];
        const auto next_char = static_cast<unsigned char>(text[piece.begin]);
        join = !ends_sentence(last_char) && std::islower(next_char) != 0;
      }
      if (join) {
        last.end = piece.end;
        continue;
      }
    }
    out.push_back(piece);
  }
  return out;
}

}  // namespace

std::vector<ByteSpan> split_sentences(std::string_view normalized_text) {
  return sentence_spans(normalized_text);
}

Segments segment(const NormalizedText& normalized) {
  return segment(normalized, ByteSpan{0, normalized.text.size()});
}

Segments segment(const NormalizedText& normalized, ByteSpan range) {
  Segments out;
  const std::string_view text = normalized.text;
  const auto& items = normalized.list_items;  // sorted
  auto heading =
      std::lower_bound(normalized.headings.begin(), normalized.headings.end(), range.begin,
                       [](const Heading& h, std::size_t at) { return h.span.begin < at; });
  // Text between headings is split by ICU; each heading is one sentence and opens a section.
  std::size_t cursor = range.begin;
  auto add_body = [&](std::size_t begin, std::size_t end) {
    if (begin >= end) return;
    std::vector<std::size_t> starts;
    for (auto it = std::lower_bound(items.begin(), items.end(), begin);
         it != items.end() && *it < end; ++it) {
      starts.push_back(*it - begin);
    }
    for (ByteSpan span : sentence_spans(text.substr(begin, end - begin), starts)) {
      span.begin += begin;
      span.end += begin;
      const std::size_t section = out.sections.empty() ? kNoSection : out.sections.size() - 1;
      out.sentences.push_back({span, section, false});
    }
  };
  for (; heading != normalized.headings.end() && heading->span.begin < range.end; ++heading) {
    if (heading->span.begin < cursor) continue;
    add_body(cursor, heading->span.begin);
    out.sections.push_back({heading->span, heading->level, out.sentences.size()});
    out.sentences.push_back({heading->span, out.sections.size() - 1, true});
    cursor = heading->span.end;
  }
  add_body(cursor, range.end);
  return out;
}

std::vector<ByteSpan> paragraph_ranges(std::string_view text, std::size_t parts) {
  std::vector<ByteSpan> out;
  std::size_t begin = 0;
  for (std::size_t p = 1; p < parts && begin < text.size(); ++p) {
    // The first paragraph break at or after the p-th equal share of the text.
    const std::size_t target = std::max(begin, text.size() / parts * p);
    const std::size_t at = text.find("\n\n", target);
    if (at == std::string_view::npos) break;
    out.push_back({begin, at + 2});
    begin = at + 2;
  }
  out.push_back({begin, text.size()});
  return out;
}

void append_part(Segments& whole, Segments part) {
  const std::size_t section_offset = whole.sections.size();
  const std::size_t sentence_offset = whole.sentences.size();
  // The part's sentences before its first heading are under the whole's last heading.
  const std::size_t carried = whole.sections.empty() ? kNoSection : whole.sections.size() - 1;
  for (Sentence& sentence : part.sentences) {
    sentence.section = sentence.section == kNoSection ? carried : sentence.section + section_offset;
    whole.sentences.push_back(sentence);
  }
  for (Section& section : part.sections) {
    section.first_sentence += sentence_offset;
    whole.sections.push_back(section);
  }
}

}  // namespace cw::text
