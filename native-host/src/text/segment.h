// Sections and sentences of normalised text (normalize.h), in normalised byte offsets.
//
// Sentence boundaries come from ICU's sentence BreakIterator (UAX #29), which we measured against a
// hand-written splitter on legal text: ICU already keeps "e.g. the", "i.e. the", "Inc. is", "3(a)"
// and "1.2 Class" together and runs at about 110 MB/s. Its known misses on legal text are repaired
// by a short post-pass here:
//   - a break after an abbreviation that ICU does not know ("No. 5", "U.S. Dollars", "Ltd. The",
//     "Sec. 4", "Cal. Civ. Code", single initials) is undone;
//   - a fragment that is only a clause number ("1.", "1.2", "(a)", "Section 3.") joins the next
//   one;
//   - a single line break inside a sentence (hard-wrapped plain text) is joined when the line does
//     not end in terminal punctuation and the next line starts in lower case.
// Paragraph breaks ("\n\n"), list items (one per line) and headings are always boundaries, and a
// heading starts a new section. ICU always breaks after a line break, so a line whose only sentence
// terminators end it (most lines of a captured page) is not given to ICU: its result is known.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "text/normalize.h"

namespace cw::text {

inline constexpr std::size_t kNoSection = static_cast<std::size_t>(-1);

struct Sentence {
  ByteSpan span;                     // normalised offsets, no leading/trailing whitespace
  std::size_t section = kNoSection;  // index into Segments::sections
  bool is_heading = false;
};

struct Section {
  ByteSpan heading;  // the heading text (normalised offsets); empty for text before any heading
  int level = 0;
  std::size_t first_sentence = 0;
};

struct Segments {
  std::vector<Sentence> sentences;
  std::vector<Section> sections;
};

// Splits `normalized` into sentences and sections. Safe to call from several threads at once: each
// thread keeps its own ICU iterator.
Segments segment(const NormalizedText& normalized);

// A page in parts, to segment (and match) them on several threads. A paragraph break ("\n\n") is
// always a sentence boundary and never joined across, so cutting the text just after one changes
// no sentence: append_part() of segment(normalized, r) for the consecutive ranges r of
// paragraph_ranges() gives exactly segment(normalized).
// Up to `parts` consecutive ranges covering `text`, of about equal size, each but the last ending
// just after a paragraph break (fewer when the text has too few breaks).
std::vector<ByteSpan> paragraph_ranges(std::string_view text, std::size_t parts);
// The sentences and sections of one such range: section indices count from the range's first
// heading, and sentences before it have kNoSection.
Segments segment(const NormalizedText& normalized, ByteSpan range);
// Appends the segments of the next range to those of the ranges before it.
void append_part(Segments& whole, Segments part);

// Sentence spans of a plain string (no heading information), for tests and tools.
std::vector<ByteSpan> split_sentences(std::string_view normalized_text);

}  // namespace cw::text
