// The abbreviations a legal sentence runs on after (lower case, with the final dot): ICU breaks
// after them before a capital or a digit ("No. 5", "U.S. Dollars", "Ltd. The"), but the sentence
// goes on. One list for the segmenter (segment.cpp joins the pieces again) and the scan mask
// (scan_mask.cpp masks their dots), so both read the same dots as "not a sentence end".
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace cw::text {

inline constexpr std::array<std::string_view, 44> kAbbreviations{
    "no.",     "nos.",  "inc.",   "ltd.",   "co.",   "corp.",  "llc.",  "plc.",  "u.s.",
    "u.k.",    "e.u.",  "e.g.",   "i.e.",   "mr.",   "mrs.",   "ms.",   "dr.",   "st.",
    "sec.",    "secs.", "art.",   "arts.",  "para.", "paras.", "vs.",   "v.",    "cf.",
    "approx.", "fig.",  "p.",     "pp.",    "ch.",   "cal.",   "civ.",  "proc.", "reg.",
    "regs.",   "stat.", "u.s.c.", "c.f.r.", "jr.",   "sr.",    "dept.", "ave."};

// The longest entry, in bytes ("approx.").
inline constexpr std::size_t kLongestAbbreviation = [] {
  std::size_t longest = 0;
  for (auto a : kAbbreviations) longest = a.size() > longest ? a.size() : longest;
  return longest;
}();

}  // namespace cw::text
