#define BOOST_TEST_MODULE scan_mask
#include "text/scan_mask.h"

#include <string>

#include <boost/test/unit_test.hpp>
#include <re2/re2.h>

#include "text/normalize.h"
#include "text/segment.h"

namespace {

using cw::text::kMaskedDot;

// The masked text with each masked dot shown as '#', to keep expectations readable.
std::string shown(const std::string& text) {
  std::string out = text;
  cw::text::mask_dots(out);
  for (char& c : out)
    if (c == kMaskedDot) c = '#';
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(dots_inside_words_are_masked) {
  BOOST_TEST(shown("Book on Booking.com today.") == "Book on Booking#com today.");
  BOOST_TEST(shown("Version 3.5 of the service.") == "Version 3#5 of the service.");
  BOOST_TEST(shown("Write to support@acme.co.uk now.") == "Write to support@acme#co#uk now.");
}

BOOST_AUTO_TEST_CASE(abbreviations_are_masked_when_the_sentence_goes_on) {
  BOOST_TEST(shown("Partners, e.g. advertisers, i.e. others.") ==
             "Partners, e#g# advertisers, i#e# others.");
  BOOST_TEST(shown("Acme Inc. is liable under U.S. law and 28 U.S.C. 1332.") ==
             "Acme Inc# is liable under U#S# law and 28 U#S#C# 1332.");
  BOOST_TEST(shown("See No. 5 (Art. 6) here.") == "See No# 5 (Art# 6) here.");
  // Initials after a hyphen or slash are still initials.
  BOOST_TEST(shown("Under the EU-U.S. Data Privacy Framework we act.") ==
             "Under the EU-U#S# Data Privacy Framework we act.");
  BOOST_TEST(shown("EEA/U.K. users may ask.") == "EEA/U#K# users may ask.");
}

BOOST_AUTO_TEST_CASE(sentence_ends_stay_dots) {
  BOOST_TEST(shown("We are based in the U.S.") == "We are based in the U#S.");
  BOOST_TEST(shown("We are not liable. You agree.") == "We are not liable. You agree.");
  BOOST_TEST(shown("Wait... then go.") == "Wait... then go.");
  BOOST_TEST(shown("1. Liability") == "1. Liability");
  BOOST_TEST(shown("It is an app. Use it.") ==
             "It is an app. Use it.");  // "app." is no abbreviation
  BOOST_TEST(shown("Schedule A. The terms apply.") == "Schedule A. The terms apply.");
  BOOST_TEST(shown(".com and trailing.") == ".com and trailing.");
}

BOOST_AUTO_TEST_CASE(the_mask_keeps_every_offset) {
  const std::string text = "Liability of Booking.com B.V. (e.g. for 3.5% fees) is limited.";
  std::string buffer;
  const std::string_view view = cw::text::scan_view(text, buffer);
  BOOST_TEST(view.size() == text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (view[i] != text[i]) {
      BOOST_TEST(text[i] == '.');
      BOOST_TEST(view[i] == kMaskedDot);
    }
  }
  BOOST_TEST(view.data() == buffer.data());
  // Nothing to mask: the view is the text itself, no copy.
  const std::string plain = "We are not liable. You agree.";
  BOOST_TEST(cw::text::scan_view(plain, buffer).data() == plain.data());
}

BOOST_AUTO_TEST_CASE(a_gap_that_stops_at_dots_crosses_masked_ones) {
  const RE2 rule(cw::text::scan_pattern(R"((?i)\bnot\b[^.;]{0,60}\bliable\b)"));
  BOOST_REQUIRE(rule.ok());
  const std::string text = "Booking.com is not, e.g. for delays, liable.";
  std::string buffer;
  BOOST_TEST(!RE2::PartialMatch(text, rule));
  BOOST_TEST(RE2::PartialMatch(cw::text::scan_view(text, buffer), rule));
  // A real sentence end still stops it.
  BOOST_TEST(!RE2::PartialMatch(cw::text::scan_view("We are not there. Liable.", buffer), rule));
}

BOOST_AUTO_TEST_CASE(a_literal_dot_in_a_pattern_matches_a_masked_dot) {
  BOOST_TEST(cw::text::scan_pattern(R"(U\.S\.)") == R"(U[.\x1f]S[.\x1f])");
  // Negated classes, escaped backslashes and POSIX classes are copied unchanged; a class that
  // lists a dot also lists the masked dot.
  BOOST_TEST(cw::text::scan_pattern(R"([^.;]{0,9}[\.,][]\.][[:alpha:]\.]\\.)") ==
             R"([^.;]{0,9}[\.\x1f,][]\.\x1f][[:alpha:]\.\x1f]\\.)");
  BOOST_TEST(cw::text::scan_pattern(R"([A-Z][\w.]*)") == R"([A-Z][\w.\x1f]*)");
  const RE2 country(cw::text::scan_pattern(R"(\b(?-i:[A-Z][\w.]*)\s+law\b)"));
  BOOST_REQUIRE(country.ok());
  std::string masked_buffer;
  BOOST_TEST(
      RE2::PartialMatch(cw::text::scan_view("U.S. law shall govern", masked_buffer), country));
  BOOST_TEST(cw::text::scan_pattern(R"(\.[^\.]\.)") == R"([.\x1f][^\.][.\x1f])");
  const RE2 law(cw::text::scan_pattern(R"(\b(U\.S\.|aboutads\.info)\s)"));
  BOOST_REQUIRE(law.ok());
  std::string buffer;
  BOOST_TEST(RE2::PartialMatch(cw::text::scan_view("under U.S. law today", buffer), law));
  BOOST_TEST(RE2::PartialMatch(cw::text::scan_view("see aboutads.info now", buffer), law));
  BOOST_TEST(RE2::PartialMatch("see aboutads.info now", law));
}

BOOST_AUTO_TEST_CASE(segmenter_abbreviations_are_masked_inside_their_sentence) {
  // Every dot the segmenter joins across (it kept the words in one sentence) is masked, and the
  // normalised text itself is unchanged by building the scan view.
  const auto n = cw::text::normalize(
      "Acme Ltd. The company. Payments in U.S. Dollars. See Sec. 4 and Cal. Civ. Code here.");
  const std::string before = n.text;
  std::string buffer;
  for (const auto& s : cw::text::segment(n).sentences) {
    const std::string_view sentence(n.text.data() + s.span.begin, s.span.end - s.span.begin);
    const std::string_view view = cw::text::scan_view(sentence, buffer);
    const std::size_t last = view.size() - 1;
    BOOST_TEST(view.substr(0, last).find('.') == std::string_view::npos, std::string(view));
  }
  BOOST_TEST(n.text == before);
}

BOOST_AUTO_TEST_CASE(a_long_token_full_of_dots_is_masked_in_linear_time) {
  // Each dot ends a "word" that runs back to the start of the token; without a bound on the
  // look-back this takes minutes.
  std::string token;
  for (int i = 0; i < 200000; ++i) token += "a.,";
  std::string text = "See " + token + " here.";
  const std::size_t masked = cw::text::mask_dots(text);
  BOOST_TEST(masked == 0U);  // "a.," is no abbreviation and no dot sits between two letters
  std::string dotted = "See " + std::string(300000, 'a') + ".";
  for (int i = 0; i < 100000; ++i) dotted += "b.";
  dotted += " end.";
  BOOST_TEST(cw::text::mask_dots(dotted) == 100000U);  // every in-word dot; the last one ends "b."
}
