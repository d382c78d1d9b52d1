// Text normalisation: the one canonical form that rules match against and that the archive hashes.
//
// normalize() turns captured legal text (plain text, Markdown as Open Terms Archive extracts it, or
// HTML remnants) into a canonical UTF-8 string, and keeps, for every byte of that string, the span
// of ORIGINAL bytes it came from, so a match in the normalised text maps back to an exact quote.
//
// What it does, in order:
//   1. decodes UTF-8 (an invalid byte becomes U+FFFD) and HTML character references (&amp; &#8217;
//   ...);
//   2. NFKC (utf8proc), per base character with its combining marks;
//   3. non-breaking, zero-width and other odd spaces -> ' ' (zero-width ones are dropped),
//      curly quotes -> ASCII ' and ", dashes and minus signs -> '-', control characters -> ' ';
//   4. strips Markdown/HTML remnants: heading #'s, blockquote '>', bullet markers, emphasis markers
//      (* ** _ __ ` ~~), link and image syntax ([text](url) keeps "text"), backslash escapes (\* ->
//      *), HTML tags, table pipes and rule lines (---);
//   5. collapses whitespace: a run with two or more line breaks becomes "\n\n" (paragraph break), a
//   run
//      with one becomes "\n", any other run becomes " "; leading and trailing whitespace is
//      dropped.
//
// The result is stable: normalize(normalize(x).text).text == normalize(x).text for typical text,
// and the archive hashes `text` to decide whether a version is new. Changing this function changes
// every hash, so treat its behaviour as a versioned contract (kNormalizationVersion).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cw::text {

// Bumped whenever normalize() output changes for some input (the archive stores it with each hash).
inline constexpr int kNormalizationVersion = 1;

struct ByteSpan {
  std::size_t begin = 0;
  std::size_t end = 0;  // exclusive
};

// A heading line found while stripping Markdown ("## Arbitration"), in normalised offsets.
struct Heading {
  ByteSpan span;  // the heading text without its #'s
  int level = 1;  // 1..6
};

struct NormalizedText {
  std::string text;  // the canonical form
  // For normalised byte i, the original bytes [origin_begin[i], origin_end[i]) it came from.
  // Both have text.size() entries. A multi-byte output character repeats its source span.
  std::vector<std::uint32_t> origin_begin;
  std::vector<std::uint32_t> origin_end;
  std::vector<Heading> headings;        // Markdown headings, in order
  std::vector<std::size_t> list_items;  // where each bulleted Markdown list item starts, in order
  std::size_t original_size = 0;

  // The original byte span covering normalised bytes [begin, end). An empty span maps to an empty
  // span at the corresponding original position.
  [[nodiscard]] ByteSpan to_original(ByteSpan normalized) const;
};

// Never fails: any byte sequence gives some normalised text (invalid UTF-8 becomes U+FFFD).
// Inputs over 4 GiB are not supported (offsets are 32-bit); callers enforce
// limits::kMaxPageTextBytes.
NormalizedText normalize(std::string_view original);

}  // namespace cw::text
