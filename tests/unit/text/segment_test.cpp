#define BOOST_TEST_MODULE segment
#include "text/segment.h"

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "text/normalize.h"

namespace {

std::vector<std::string> sentences(const std::string& original) {
  const auto n = cw::text::normalize(original);
  std::vector<std::string> out;
  for (const auto& s : cw::text::segment(n).sentences) {
    out.push_back(n.text.substr(s.span.begin, s.span.end - s.span.begin));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(abbreviations_do_not_end_sentences) {
  const auto got = sentences(
      "We share data with partners, e.g. advertisers, i.e. third parties. Acme Inc. is based in "
      "the U.S. Its address is No. 5 Main Street. Payments are in U.S. Dollars.");
  const std::vector<std::string> want{
      "We share data with partners, e.g. advertisers, i.e. third parties.",
      "Acme Inc. is based in the U.S. Its address is No. 5 Main Street.",
      "Payments are in U.S. Dollars."};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(initials_after_a_hyphen_or_slash_do_not_end_sentences) {
  const auto got = sentences(
      "Transfers rely on the EU-U.S. Data Privacy Framework. EEA/U.K. users may object. Done.");
  const std::vector<std::string> want{"Transfers rely on the EU-U.S. Data Privacy Framework.",
                                      "EEA/U.K. users may object.", "Done."};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(numbered_clauses_stay_with_their_text) {
  const auto got = sentences(
      "1. You agree to binding arbitration. 1.2 Class actions are waived. (a) You will not sue; "
      "(b) you waive jury trials. Section 3. Fees apply.");
  const std::vector<std::string> want{
      "1. You agree to binding arbitration.", "1.2 Class actions are waived.",
      "(a) You will not sue; (b) you waive jury trials.", "Section 3. Fees apply."};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(headings_open_sections_and_list_items_split) {
  const std::string doc =
      "Preamble text here.\n\n## Disputes\n\nAll claims go to arbitration.\n- first item\n- second "
      "item\n\n### Changes\nWe may change\nthese terms at any time.";
  const auto n = cw::text::normalize(doc);
  const auto seg = cw::text::segment(n);
  std::vector<std::string> got;
  for (const auto& s : seg.sentences)
    got.push_back(n.text.substr(s.span.begin, s.span.end - s.span.begin));
  const std::vector<std::string> want{
      "Preamble text here.", "Disputes", "All claims go to arbitration.",          "first item",
      "second item",         "Changes",  "We may change\nthese terms at any time."};
  BOOST_TEST(got == want, boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(seg.sections.size(), 2U);
  BOOST_TEST(seg.sentences[0].section == cw::text::kNoSection);
  BOOST_TEST(seg.sentences[1].is_heading);
  BOOST_TEST(seg.sentences[2].section == 0U);
  BOOST_TEST(seg.sentences[6].section == 1U);
  BOOST_TEST(seg.sections[1].level == 3);
}

BOOST_AUTO_TEST_CASE(real_sentence_ends_are_kept) {
  const auto got = sentences(
      "The Services are provided \"as is.\" We disclaim warranties! Do you agree? Contact "
      "help@example.com. Thanks.");
  const std::vector<std::string> want{"The Services are provided \"as is.\"",
                                      "We disclaim warranties!", "Do you agree?",
                                      "Contact help@example.com.", "Thanks."};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_and_whitespace_only_text) {
  BOOST_TEST(sentences("").empty());
  BOOST_TEST(sentences(" \n\n \t ").empty());
}

// Lines whose only terminators end them are not given to ICU; these sit at that line's edges.
BOOST_AUTO_TEST_CASE(lines_ending_in_terminators_closers_and_spaces) {
  const auto got = sentences(
      "You waive \"all claims.\"\n\nFees (if any.) \n\nReally?!\n\nNo terminator here\n\n"
      "Two here. And here.\n\nAn initial J.\n\nSpaces before the end .  \n\ndone");
  const std::vector<std::string> want{"You waive \"all claims.\"",
                                      "Fees (if any.)",
                                      "Really?!",
                                      "No terminator here",
                                      "Two here.",
                                      "And here.",
                                      "An initial J.",
                                      "Spaces before the end .",
                                      "done"};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(hard_wrapped_lines_and_clause_numbers_still_join) {
  const auto got = sentences(
      "We may change\nthese terms at any time.\nSection 4.\nFees apply.\n(a)\nThe first case.\n"
      "Caf\u00e9 terms\u3002 More text.\nLast line without end");
  const std::vector<std::string> want{"We may change\nthese terms at any time.",
                                      "Section 4.",
                                      "Fees apply.",
                                      "(a)",
                                      "The first case.",
                                      "Caf\u00e9 terms\u3002",
                                      "More text.",
                                      "Last line without end"};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(split_sentences_of_raw_text_with_controls) {
  const std::string text = "First line.\r\nSecond\tline. Third one.\x01 Fourth.\nend.";
  std::vector<std::string> got;
  for (const auto& s : cw::text::split_sentences(text))
    got.push_back(text.substr(s.begin, s.end - s.begin));
  BOOST_REQUIRE(got.size() >= 4U);
  BOOST_TEST(got.front().substr(0, 11) == "First line.");  // a line with a control goes to ICU
  BOOST_TEST(got.back() == "end.");
}

// A long page is segmented in parts on several threads (engine.cpp): the parts, cut after
// paragraph breaks and put back together, must give exactly the sentences and sections of the
// whole, including text before the first heading and sections that run across a cut.
BOOST_AUTO_TEST_CASE(parts_cut_at_paragraph_breaks_segment_as_the_whole_does) {
  std::string doc;
  for (int i = 0; i < 40; ++i)
    doc += "Opening words of paragraph " + std::to_string(i) + ". e.g. the U.S. Dollars.\n\n";
  for (int s = 0; s < 12; ++s) {
    doc += "## Section " + std::to_string(s) + "\n\n";
    for (int i = 0; i < 9; ++i) {
      doc +=
          "1. You agree to binding arbitration. (a) You will not sue; (b) you waive jury "
          "trials.\nthis line was wrapped\n- a list item\n- another item\n\n";
    }
  }
  const auto n = cw::text::normalize(doc);
  const auto whole = cw::text::segment(n);
  for (const std::size_t parts : {1U, 2U, 3U, 4U, 7U}) {
    const auto ranges = cw::text::paragraph_ranges(n.text, parts);
    BOOST_TEST(ranges.size() == parts);
    BOOST_TEST(ranges.front().begin == 0U);
    BOOST_TEST(ranges.back().end == n.text.size());
    cw::text::Segments joined;
    for (std::size_t r = 0; r < ranges.size(); ++r) {
      if (r + 1 < ranges.size()) {
        BOOST_TEST(ranges[r].end == ranges[r + 1].begin);
        BOOST_TEST(n.text.substr(ranges[r].end - 2, 2) == "\n\n");
      }
      cw::text::append_part(joined, cw::text::segment(n, ranges[r]));
    }
    BOOST_REQUIRE_EQUAL(joined.sentences.size(), whole.sentences.size());
    for (std::size_t i = 0; i < whole.sentences.size(); ++i) {
      const auto& a = joined.sentences[i];
      const auto& b = whole.sentences[i];
      BOOST_TEST((a.span.begin == b.span.begin && a.span.end == b.span.end &&
                  a.section == b.section && a.is_heading == b.is_heading),
                 "parts " << parts << ", sentence " << i);
    }
    BOOST_REQUIRE_EQUAL(joined.sections.size(), whole.sections.size());
    for (std::size_t i = 0; i < whole.sections.size(); ++i) {
      BOOST_TEST(joined.sections[i].heading.begin == whole.sections[i].heading.begin);
      BOOST_TEST(joined.sections[i].first_sentence == whole.sections[i].first_sentence);
    }
  }
  // A text with no paragraph break stays one range.
  BOOST_TEST(cw::text::paragraph_ranges("One sentence. Another one.", 4).size() == 1U);
}
