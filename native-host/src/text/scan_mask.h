// The scan view: normalised text as the rules see it, with dots that do not end a sentence masked.
//
// Rules bound their gaps with `[^.;]{0,N}` so that a match stays inside one clause. A dot inside a
// word or abbreviation ("Booking.com", "e.g.", "i.e.", "U.S.", "3.5", "Inc. is") would cut such a
// gap short although the sentence goes on. mask_dots() replaces those dots with kMaskedDot, one
// byte for one byte, so every offset (and therefore every quote) stays exactly where it was. Only
// the text handed to the matcher changes; the normalised text that the archive hashes does not.
//
// A dot is masked when
//   - it sits between two ASCII letters or digits ("Booking.com", "3.5", the first dot of "e.g."),
//   - or it ends an abbreviation that the sentence segmenter also reads as one ("e.g.", "Inc.",
//     "No.", dotted initials like "U.S." or "U.S.C.") and more words follow it in the text.
// A dot at the end of the text, before a space and a new sentence the segmenter split off, or in
// "..." is left alone.
//
// A rule that names a literal dot (`\.`) must still match a masked one: scan_pattern() rewrites
// `\.` outside character classes into `[.\x1f]`, and adds \x1f to a class that lists a dot
// (`[\w.]`, not a negated one such as `[^.;]`, which matches it already). The engine applies it to
// every pattern it compiles.
#pragma once

#include <string>
#include <string_view>

namespace cw::text {

// ASCII unit separator: normalize() turns control characters into spaces, so it never occurs in
// normalised text, and it is neither a word character nor a space for RE2 (\w, \s, \b unchanged).
inline constexpr char kMaskedDot = '\x1f';

// Masks the non-terminal dots of `text` in place (see above). Returns how many were masked.
std::size_t mask_dots(std::string& text);

// `text` with its non-terminal dots masked. Returns `text` itself when nothing needs masking (no
// copy), otherwise a view of `buffer`, which receives the masked copy.
std::string_view scan_view(std::string_view text, std::string& buffer);

// `pattern` with each `\.` outside a character class rewritten to `[.\x1f]` and \x1f added to each
// non-negated class that lists a dot; everything else is kept byte for byte (escaped backslashes
// and negated classes such as `[^.;]` included).
std::string scan_pattern(std::string_view pattern);

}  // namespace cw::text
