#define BOOST_TEST_MODULE normalize
#include "text/normalize.h"

#include <cctype>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#ifdef CW_HAVE_LIBARCHIVE
#include "ota_tarball.h"
#endif

using cw::text::ByteSpan;
using cw::text::normalize;

namespace {

std::string original_of(const cw::text::NormalizedText& n, std::string_view original,
                        ByteSpan span) {
  const auto at = n.to_original(span);
  return std::string(original.substr(at.begin, at.end - at.begin));
}

// Every word of the normalised text maps back to original bytes that, normalised, give the word.
void check_offsets(std::string_view original) {
  const auto n = normalize(original);
  BOOST_REQUIRE_EQUAL(n.origin_begin.size(), n.text.size());
  BOOST_REQUIRE_EQUAL(n.origin_end.size(), n.text.size());
  std::size_t previous = 0;
  for (std::size_t i = 0; i < n.text.size(); ++i) {
    BOOST_REQUIRE_LE(n.origin_begin[i], n.origin_end[i]);
    BOOST_REQUIRE_LE(n.origin_end[i], original.size());
    BOOST_REQUIRE_GE(n.origin_begin[i], previous);  // offsets never go backwards
    previous = n.origin_begin[i];
  }
  // A plain ASCII letter or digit that came from one original byte is that byte.
  for (std::size_t i = 0; i < n.text.size(); ++i) {
    const char c = n.text[i];
    if (std::isalnum(static_cast<unsigned char>(c)) && n.origin_end[i] == n.origin_begin[i] + 1) {
      BOOST_REQUIRE_MESSAGE(original[n.origin_begin[i]] == c, "byte " << i << " '" << c << "'");
    }
  }
  // Each word's quote holds the word's characters in order (markup such as link targets may sit
  // between them in the original).
  std::size_t start = 0;
  for (std::size_t i = 0; i <= n.text.size(); ++i) {
    if (i < n.text.size() && n.text[i] != ' ' && n.text[i] != '\n') continue;
    if (i > start) {
      const std::string word = n.text.substr(start, i - start);
      const std::string again = normalize(original_of(n, original, {start, i})).text;
      std::size_t at = 0;
      for (char c : word) {
        if (std::string_view("*_`[]()#>|~\\\\").find(c) != std::string_view::npos) continue;
        at = again.find(c, at);
        if (at == std::string::npos) break;
        ++at;
      }
      if (at == std::string::npos) {
        BOOST_ERROR("word '" << word << "' maps back to text normalising to '" << again << "'");
        return;
      }
    }
    start = i + 1;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(spaces_quotes_dashes_and_invisible_characters) {
  const std::string in = "We\u00a0don\u2019t \u201csell\u201d\u200b data \u2014 ever.\t\tReally";
  BOOST_TEST(normalize(in).text == "We don't \"sell\" data - ever. Really");
}

BOOST_AUTO_TEST_CASE(nfkc_and_combining_marks) {
  BOOST_TEST(normalize("\uFB01nal caf\u0065\u0301 \uFF21\uFF22").text == "final caf\u00e9 AB");
  // The composed character maps back to both original code points.
  const std::string in = "caf\u0065\u0301";
  const auto n = normalize(in);
  BOOST_TEST(original_of(n, in, {3, n.text.size()}) == "\u0065\u0301");
}

BOOST_AUTO_TEST_CASE(markdown_remnants_are_stripped) {
  const std::string in =
      "## 12. Arbitration ##\n\n"
      "You **agree** to _binding_ [arbitration](https://example.com/a_b \"t\") \\*not\\* "
      "`courts`.\n"
      "> quoted ~~old~~ text\n\n- first item\n* second item\n\n---\n|a|b|\n|---|---|\n"
      "snake_case_name stays; <b>bold</b> and <https://example.com> and a&amp;b.";
  const auto n = normalize(in);
  BOOST_TEST(n.text ==
             "12. Arbitration\n\nYou agree to binding arbitration *not* courts.\nquoted old "
             "text\n\nfirst item\nsecond item\n\na b\n\nsnake_case_name stays; bold and "
             "https://example.com and a&b.");
  BOOST_REQUIRE_EQUAL(n.headings.size(), 1U);
  BOOST_TEST(n.headings[0].level == 2);
  BOOST_TEST(n.text.substr(n.headings[0].span.begin,
                           n.headings[0].span.end - n.headings[0].span.begin) == "12. Arbitration");
  BOOST_TEST(n.list_items.size() == 2U);
}

BOOST_AUTO_TEST_CASE(quote_of_a_sentence_is_the_exact_original) {
  const std::string in = "Intro.\n\nYou waive any right to a **jury\u00a0trial**.\n";
  const auto n = normalize(in);
  const auto at = n.text.find("You waive");
  BOOST_REQUIRE(at != std::string::npos);
  BOOST_TEST(original_of(n, in, {at, n.text.size()}) ==
             "You waive any right to a **jury\u00a0trial**.");
}

BOOST_AUTO_TEST_CASE(whitespace_collapses_to_paragraphs_lines_and_spaces) {
  BOOST_TEST(normalize("  a \r\n b\r\n\r\n\r\nc   d  ").text == "a\nb\n\nc d");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_and_control_bytes_never_fail) {
  const std::string in = std::string("ok \xff\xfe bad \x01 end") + std::string(1, '\0') + "z";
  const auto n = normalize(in);
  BOOST_TEST(n.text == "ok \uFFFD\uFFFD bad end z");
  check_offsets(in);
}

BOOST_AUTO_TEST_CASE(normalisation_is_stable) {
  const std::string in = "# Terms\n\nWe \u201cmay\u201d change [these](x) terms\u00a0at any time.";
  const auto once = normalize(in).text;
  BOOST_TEST(normalize(once).text == once);
}

BOOST_AUTO_TEST_CASE(offset_map_property_on_own_text) {
  check_offsets(
      "# Privacy\n\nWe **never** sell your data\u00a0\u2014 see [our policy](https://x.y/p).\n"
      "- item \u201cone\u201d\n- \\*item\\* two\n\n<p>HTML&nbsp;remnant</p> caf\u0065\u0301");
}

// Plain ASCII lines skip stages 1-4; these cases sit where such a line meets one that does not.

BOOST_AUTO_TEST_CASE(empty_input) {
  const auto n = normalize("");
  BOOST_TEST(n.text.empty());
  BOOST_TEST(n.origin_begin.empty());
  BOOST_TEST(n.origin_end.empty());
  BOOST_TEST(n.headings.empty());
  BOOST_TEST(n.list_items.empty());
  BOOST_TEST(n.original_size == 0U);
  BOOST_TEST(normalize("  \n \r\n ").text.empty());
}

BOOST_AUTO_TEST_CASE(entity_where_a_plain_line_ends) {
  const std::string in = "Plain line\n&amp; then &#8217;quoted&#8217; text\nplain&nbsp;again";
  const auto n = normalize(in);
  BOOST_TEST(n.text == "Plain line\n& then 'quoted' text\nplain again");
  BOOST_TEST(original_of(n, in, {11, 12}) == "&amp;");
  BOOST_TEST(original_of(n, in, {10, 11}) == "\n");
  check_offsets(in);
}

BOOST_AUTO_TEST_CASE(crlf_and_lone_cr_between_plain_lines) {
  const std::string in = "one two\r\nthree\rfour\r\n\r\nfive\r";
  const auto n = normalize(in);
  BOOST_TEST(n.text == "one two\nthree\nfour\n\nfive");
  BOOST_TEST(original_of(n, in, {8, 13}) == "three");
  // A CRLF's line feed stands for the pair, so the run starts at the first one's LF.
  BOOST_TEST(original_of(n, in, {18, 20}) == "\n\r\n");
  check_offsets(in);
}

BOOST_AUTO_TEST_CASE(nbsp_and_spaces_in_and_around_plain_lines) {
  const std::string in = "  a  b \u00a0c \n\n\n   d\u00a0 e   ";
  const auto n = normalize(in);
  BOOST_TEST(n.text == "a b c\n\nd e");
  BOOST_TEST(original_of(n, in, {1, 2}) == "  ");  // a collapsed run maps to all of it
  BOOST_TEST(original_of(n, in, {3, 4}) == " \u00a0");
  check_offsets(in);
}

BOOST_AUTO_TEST_CASE(combining_mark_right_after_ascii_and_after_a_line_break) {
  const std::string in = "plain\ncafe\u0301 ok\n\u0301x";
  const auto n = normalize(in);
  BOOST_TEST(n.text == "plain\ncaf\u00e9 ok\n\u0301x");
  BOOST_TEST(original_of(n, in, {9, 11}) == "e\u0301");
  // A mark after a line break belongs to the break's group, so both carry the same origin.
  const auto br = n.text.find("\n\u0301");
  BOOST_REQUIRE(br != std::string::npos);
  BOOST_TEST(original_of(n, in, {br, br + 1}) == "\n\u0301");
  check_offsets(in);
}

// A short bold line that opens a paragraph is a sub-heading ("**California residents**"); a bold
// sentence, bold words inside a paragraph and a bold line after a line of text are not.
BOOST_AUTO_TEST_CASE(bold_line_paragraph_is_a_heading) {
  const std::string in =
      "## Your rights\n\nWe sell data.\n\n**California residents**\n\nYou may opt out.\n\n"
      "__Your choices:__\n\nText.\n\n**Please read these terms carefully.**\n\nMore.\n\n"
      "**4.3 Output.**\n\nText.\n\n**5. Use.**  \nText on the next line.\n\n"
      "**Bold** and plain\n\n**One** and **two**\n\nLead-in line\n**Not alone**\n\n"
      "**A heading that runs on for far too many words to be any kind of heading at all**\n";
  const auto n = normalize(in);
  std::vector<std::string> headings;
  std::vector<int> levels;
  for (const auto& h : n.headings) {
    headings.emplace_back(n.text.substr(h.span.begin, h.span.end - h.span.begin));
    levels.push_back(h.level);
  }
  const std::vector<std::string> want{"Your rights", "California residents",
                                      "Your choices:", "4.3 Output.", "5. Use."};
  BOOST_TEST(headings == want, boost::test_tools::per_element());
  const std::vector<int> want_levels{2, 6, 6, 6, 6};
  BOOST_TEST(levels == want_levels, boost::test_tools::per_element());
  check_offsets(in);
}

BOOST_AUTO_TEST_CASE(markup_lines_between_plain_lines) {
  const std::string in =
      "Intro text.\n# Heading one\nplain\n- item one\n  + item two\nx_y and a_ b\n| c |\n"
      "1 + 1 = 2 - 0: yes > no # not a heading\nend";
  const auto n = normalize(in);
  BOOST_TEST(n.text ==
             "Intro text.\nHeading one\nplain\nitem one\nitem two\nx_y and a b\nc\n"
             "1 + 1 = 2 - 0: yes > no # not a heading\nend");
  BOOST_REQUIRE_EQUAL(n.headings.size(), 1U);
  BOOST_TEST(n.text.substr(n.headings[0].span.begin,
                           n.headings[0].span.end - n.headings[0].span.begin) == "Heading one");
  BOOST_REQUIRE_EQUAL(n.list_items.size(), 2U);
  BOOST_TEST(n.text.substr(n.list_items[0], 8) == "item one");
  BOOST_TEST(n.text.substr(n.list_items[1], 8) == "item two");
  check_offsets(in);
}

BOOST_AUTO_TEST_CASE(list_item_whose_text_starts_on_a_later_line) {
  const auto n = normalize("- \n\nlater text");
  BOOST_TEST(n.text == "later text");
  BOOST_REQUIRE_EQUAL(n.list_items.size(), 1U);
  BOOST_TEST(n.list_items[0] == 0U);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_and_controls_where_plain_lines_meet) {
  const std::string in = std::string("plain\n\xff\xfe line\nok\x01ok\n\xc3\nend\x7f");
  const auto n = normalize(in);
  BOOST_TEST(n.text == "plain\n\uFFFD\uFFFD line\nok ok\n\uFFFD\nend");
  check_offsets(in);
}

BOOST_AUTO_TEST_CASE(curly_quotes_dashes_and_nbsp_in_plain_lines) {
  const std::string in =
      "We don\u2019t \u201csell\u201d data \u2013 ever\u00a0\u2014 really.\n"
      "\u2014 dash bullet\n\u00a0# heading after a no-break space\nx\u2019\u0301y \u2019&#769;z";
  const auto n = normalize(in);
  BOOST_TEST(n.text ==
             "We don't \"sell\" data - ever - really.\ndash bullet\nheading after a no-break "
             "space\nx'\u0301y '\u0301z");
  BOOST_TEST(original_of(n, in, {6, 7}) == "\u2019");
  BOOST_TEST(original_of(n, in, {27, 28}) == "\u00a0");
  BOOST_TEST(original_of(n, in, {28, 29}) == "\u2014");
  BOOST_REQUIRE_EQUAL(n.list_items.size(), 1U);  // a dash at a line start is a bullet
  BOOST_TEST(n.text.substr(n.list_items[0], 11) == "dash bullet");
  BOOST_REQUIRE_EQUAL(n.headings.size(), 1U);
  check_offsets(in);
}

#ifdef CW_HAVE_LIBARCHIVE
// Real OTA Markdown (with its non-breaking spaces and escapes), read from the tarball in place.
BOOST_AUTO_TEST_CASE(offset_map_property_on_real_ota_markdown) {
  const std::string tarball = std::string(CW_CORPUS_DIR) + "/ota/versions.tar.zst";
  int checked = 0;
  int seen = 0;
  const std::string problem =
      cw::test::for_each_ota_markdown(tarball, [&](const std::string& path, std::string&& text) {
        if (seen++ % 97 != 0) return true;  // a spread of documents across the tarball
        BOOST_TEST_CONTEXT(path) {
          check_offsets(text);
        }
        return ++checked < 12;
      });
  BOOST_TEST(problem.empty(), problem);
  BOOST_TEST(checked >= 10);
}
#endif
