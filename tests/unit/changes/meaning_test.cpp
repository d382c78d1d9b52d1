#define BOOST_TEST_MODULE changes_meaning
#include "changes/meaning.h"

#include <boost/test/unit_test.hpp>

#include "changes/noise_rules.h"
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

namespace {
// A consent dialog with a preference centre, as some consent platforms render it into the page:
// a first layer, a row of buttons, purposes with long illustrations that name no cookie, vendor
// counts that change from day to day, a second row of buttons. (Own words, not a real dialog.)
std::string dialog(int partners, int vendors) {
  return "We value your privacy\n\nWe and our " + std::to_string(partners) +
         " partners use cookies and similar technologies to run this site and measure it.\n\n"
         "Customise Reject All Accept All\n\nCustomise Consent Preferences\n\n"
         "Necessary Always Active\n\nMeasure content performance\n\n"
         "A reader follows a link from one article to another. The site counts how often that "
         "happens to learn which articles people read to the end.\n\n"
         "Number of Vendors seeking consent: " +
         std::to_string(vendors) + "\n\nReject All Save My Preferences Accept All\n\n";
}
const std::string kPolicy =
    "Privacy Policy\n\nWe collect the prompts you send and keep them for 30 days.\n\n"
    "We do not sell your personal information.";
}  // namespace

BOOST_AUTO_TEST_CASE(a_consent_dialog_whose_vendor_counts_change_is_banner_noise) {
  const std::string before = dialog(1558, 773) + kPolicy;
  // Counts in the dialog changed: noise.
  BOOST_TEST(ch::only_banner_differences(canon(before), canon(dialog(1561, 777) + kPolicy)));
  // The whole dialog, preference centre included, appeared or went away: noise.
  BOOST_TEST(ch::only_banner_differences(canon(kPolicy), canon(before)));
  BOOST_TEST(ch::only_banner_differences(canon(before), canon(kPolicy)));
  // The policy itself changed, with or without the dialog changing too: a change.
  const std::string sold =
      "Privacy Policy\n\nWe collect the prompts you send and keep them for 30 days.\n\n"
      "We may sell your personal information to partners.";
  BOOST_TEST(!ch::only_banner_differences(canon(before), canon(dialog(1558, 773) + sold)));
  BOOST_TEST(!ch::only_banner_differences(canon(before), canon(dialog(1561, 777) + sold)));
  // A cookie policy that names the buttons in prose has no dialog in it.
  const std::string prose =
      "Cookie Policy\n\nClick Accept All or Reject All in the banner to choose.\n\n"
      "We keep analytics cookies for 13 months.";
  const std::string prose_edit =
      "Cookie Policy\n\nClick Accept All or Reject All in the banner to choose.\n\n"
      "We keep analytics cookies for 25 months.";
  BOOST_TEST(!ch::only_banner_differences(canon(prose), canon(prose_edit)));
  const auto blocks = std::vector<std::string_view>{"Cookie Policy", "Accept All Reject All",
                                                    "We keep analytics cookies for 13 months."};
  // A lone row of buttons marks itself, not the policy around it.
  BOOST_TEST(ch::consent_dialog_blocks(blocks) == (std::vector<bool>{false, true, false}));
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

BOOST_AUTO_TEST_CASE(the_built_in_noise_rules_load_and_drive_the_checks) {
  const auto& rules = ch::noise_rules();
  BOOST_TEST(!rules.dialog_markers.empty());
  BOOST_TEST(!rules.button_labels.empty());
  // The error-page patterns come from the data file: a short bot-check page is not the document.
  BOOST_TEST(ch::looks_unavailable("Just a moment... Please verify you are human to continue."));
}

BOOST_AUTO_TEST_CASE(a_bad_noise_file_is_refused_naming_the_field_and_the_problem) {
  const auto refused = [](const std::string& json, const std::string& expected_in_message) {
    auto parsed = ch::parse_noise_rules(json, "noise/test.json");
    BOOST_REQUIRE(!parsed);
    BOOST_TEST(parsed.error().message.find("noise/test.json") != std::string::npos);
    BOOST_TEST(parsed.error().message.find(expected_in_message) != std::string::npos,
               parsed.error().message);
  };
  const std::string tail =
      R"("dialog_words": ["cookie"], "lead_words": ["cookie"]},
         "unavailable_page": {"patterns": ["page not found"]}})";
  const std::string good_head =
      R"({"consent_dialog": {"markers": ["accept all"], "button_labels": ["accept all", "accept"], )";
  BOOST_TEST(static_cast<bool>(ch::parse_noise_rules(good_head + tail, "noise/test.json")));
  refused("not json", "not a JSON object");
  refused(R"({"consent_dialog": {"markers": ["Accept All"], "button_labels": ["accept"], )" + tail,
          "lower case");
  refused(
      R"({"consent_dialog": {"markers": ["x"], "button_labels": ["accept", "accept all"], )" + tail,
      "must come before");
  refused(good_head + R"("dialog_words": ["(cookie"], "lead_words": ["cookie"]},
                         "unavailable_page": {"patterns": ["x"]}})",
          "does not compile");
  refused(good_head + R"("dialog_words": [], "lead_words": ["cookie"]},
                         "unavailable_page": {"patterns": ["x"]}})",
          "non-empty array");
}
