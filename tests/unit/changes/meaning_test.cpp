#define BOOST_TEST_MODULE changes_meaning
#include "changes/meaning.h"

#include <boost/test/unit_test.hpp>

#include "text/normalize.h"

namespace ch = cw::changes;

namespace {
std::string canon(const std::string& raw) {
  return ch::canonical_text(cw::text::normalize(raw).text);
}
}  // namespace

BOOST_AUTO_TEST_CASE(os_dependent_key_names_are_the_same_text) {
  BOOST_TEST(canon("Press ⌘I to open the inspector.") ==
             canon("Press Ctrl+I to open the inspector."));
  BOOST_TEST(canon("Press CtrlI to open the inspector.") ==
             canon("Press Cmd+I to open the inspector."));
  BOOST_TEST(canon("We control a company.") == "We control a company.");  // prose is left alone
}

BOOST_AUTO_TEST_CASE(tokens_in_urls_and_list_numbering_are_presentation) {
  BOOST_TEST(canon("Visit https://ex.example/privacy?utm=abc#top today") ==
             canon("Visit https://ex.example/privacy?utm=xyz today"));
  BOOST_TEST(canon("Open https://ex.example/r/0d6ad30c-d223-41a6-b606-a77d8ecd138b/settings") ==
             canon("Open https://ex.example/r/17cccc01-972b-4feb-bd4e-df10a759d36a/settings"));
  BOOST_TEST(canon("1. First rule\n2. Second rule") == canon("a) First rule\nb) Second rule"));
  BOOST_TEST(canon("We may sell data") != canon("We may not sell data"));
}

BOOST_AUTO_TEST_CASE(a_rearranged_layout_has_the_same_layout_key) {
  BOOST_TEST(ch::layout_key("Terms\nYou must be 18.\nBe nice.") ==
             ch::layout_key("Terms\nBe nice.\nYou must be 18."));
  BOOST_TEST(ch::layout_key("You must be 18.") != ch::layout_key("You must be 13."));
}

BOOST_AUTO_TEST_CASE(a_leaked_cookie_dialog_is_banner_noise_but_a_cookie_policy_edit_is_not) {
  const std::string doc = "Privacy Policy\n\nWe collect your prompts.\n\nWe keep data for 30 days.";
  const std::string leaked =
      "We value your privacy\n\nCustomise Reject All Accept All\n\nNecessary Always Active\n\n" +
      doc;
  BOOST_TEST(ch::only_banner_differences(canon(doc), canon(leaked)));
  BOOST_TEST(ch::only_banner_differences(canon(leaked), canon(doc)));
  const std::string edited = doc + "\n\nWe use analytics cookies to measure traffic.";
  BOOST_TEST(!ch::only_banner_differences(canon(doc), canon(edited)));
  // Banner text plus a real edit is a real change.
  const std::string both = leaked + "\n\nWe now sell your data.";
  BOOST_TEST(!ch::only_banner_differences(canon(doc), canon(both)));
}

BOOST_AUTO_TEST_CASE(error_and_bot_pages_are_unavailable) {
  BOOST_TEST(
      ch::looks_unavailable("This page isn't available\n\nAn unexpected error has occurred."));
  BOOST_TEST(ch::looks_unavailable("Just a moment...\n\nVerify you are human"));
  BOOST_TEST(ch::looks_unavailable(""));
  BOOST_TEST(!ch::looks_unavailable(
      "Terms of Service\n\nYou agree to resolve disputes in the courts of Paris. "
      "We may update these terms with 30 days notice."));
}

BOOST_AUTO_TEST_CASE(only_first_and_change_are_meaningful) {
  BOOST_TEST(ch::is_meaningful(ch::Verdict::kFirst));
  BOOST_TEST(ch::is_meaningful(ch::Verdict::kChange));
  for (auto v : {ch::Verdict::kFormatOnly, ch::Verdict::kLayoutOnly, ch::Verdict::kBannerOnly,
                 ch::Verdict::kRevert, ch::Verdict::kUnavailable}) {
    BOOST_TEST(!ch::is_meaningful(v));
    BOOST_TEST(!ch::verdict_reason(v).empty());
  }
}
