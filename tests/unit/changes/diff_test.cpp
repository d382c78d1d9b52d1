#define BOOST_TEST_MODULE changes_diff
#include "changes/diff.h"

#include <boost/test/unit_test.hpp>

using cw::changes::BlockKind;

BOOST_AUTO_TEST_CASE(identical_texts_have_only_unchanged_blocks) {
  const auto d = cw::changes::diff_texts("One.\n\nTwo.", "One.\n\nTwo.");
  BOOST_TEST(d.identical());
  BOOST_TEST(d.unchanged == 2U);
}

BOOST_AUTO_TEST_CASE(added_removed_and_changed_paragraphs_are_told_apart) {
  const std::string before =
      "Introduction to the service.\n\nWe will not sell your personal information to anyone.\n\n"
      "Contact us by email.";
  const std::string after =
      "Introduction to the service.\n\nWe may sell your personal information to our partners.\n\n"
      "Disputes are resolved by binding arbitration.";
  const auto d = cw::changes::diff_texts(before, after);
  BOOST_TEST(d.unchanged == 1U);
  BOOST_TEST(d.changed == 1U);
  BOOST_TEST(d.added == 1U);
  BOOST_TEST(d.removed == 1U);
  const auto changed = std::find_if(d.blocks.begin(), d.blocks.end(),
                                    [](const auto& b) { return b.kind == BlockKind::kChanged; });
  BOOST_REQUIRE(changed != d.blocks.end());
  std::string removed_words, added_words, rebuilt_after;
  for (const auto& w : changed->words) {
    if (w.type == cw::changes::WordChange::Type::kRemoved) removed_words += w.text;
    if (w.type == cw::changes::WordChange::Type::kAdded) added_words += w.text;
    if (w.type != cw::changes::WordChange::Type::kRemoved) rebuilt_after += w.text;
  }
  BOOST_TEST(removed_words.find("will not") != std::string::npos);
  BOOST_TEST(added_words.find("may") != std::string::npos);
  BOOST_TEST(added_words.find("partners") != std::string::npos);
  BOOST_TEST(rebuilt_after == changed->after);  // the word edit rebuilds the new block exactly
}

BOOST_AUTO_TEST_CASE(long_paragraphs_are_aligned_by_sentence) {
  std::string para;
  for (int i = 0; i < 20; ++i)
    para += "Sentence number " + std::to_string(i) + " says something about data retention. ";
  std::string edited = para;
  edited.replace(edited.find("number 7"), 8, "number seven");
  const auto d = cw::changes::diff_texts(para, edited);
  BOOST_TEST(d.changed == 1U);
  BOOST_TEST(d.unchanged == 19U);
}

BOOST_AUTO_TEST_CASE(json_pages_respect_limits_and_hide_unchanged_blocks) {
  std::string before, after;
  for (int i = 0; i < 30; ++i) {
    before += "Paragraph " + std::to_string(i) + " stays.\n\n";
    after += "Paragraph " + std::to_string(i) + " stays.\n\nNew paragraph " + std::to_string(i) +
             ".\n\n";
  }
  const auto d = cw::changes::diff_texts(before, after);
  BOOST_TEST(d.added == 30U);
  const auto page1 = cw::changes::to_json(d, 0, 10, false);
  BOOST_TEST(page1["blocks"].size() == 10U);
  BOOST_TEST(page1["blocks"][0]["kind"].get<std::string>() == "added");
  BOOST_TEST(page1["next_offset"].get<int>() == 10);
  const auto last = cw::changes::to_json(d, 20, 10, false);
  BOOST_TEST(last["blocks"].size() == 10U);
  BOOST_TEST(last["next_offset"].is_null());
  BOOST_TEST(cw::changes::to_json(d, 0, 1000, true)["blocks"].size() == 60U);
  // The text budget cuts a page early.
  BOOST_TEST(cw::changes::to_json(d, 0, 1000, false, 100)["blocks"].size() < 30U);
}
