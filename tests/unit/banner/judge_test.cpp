// The judge on snapshots built here, one criterion at a time: each case shows the criterion firing
// on the pattern it describes and staying silent on a fair banner.
#define BOOST_TEST_MODULE banner_judge
#include "banner/judge.h"

#include <algorithm>
#include <string>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "banner/rules.h"
#include "banner/snapshot.h"

using nlohmann::json;

namespace {

json button(const std::string& text, json extra = json::object()) {
  json c{{"text", text},
         {"tag", "button"},
         {"box", {{"x", 10}, {"y", 500}, {"width", 160}, {"height", 44}}},
         {"color", "rgb(255, 255, 255)"},
         {"background", "rgb(20, 80, 200)"},
         {"effective_background", "rgb(255, 255, 255)"},
         {"font_size", 16},
         {"font_weight", 600},
         {"opacity", 1},
         {"button_like", true},
         {"visible", true}};
  c.update(extra);
  return c;
}

json link(const std::string& text) {
  return button(text, {{"tag", "a"},
                       {"background", "rgba(0, 0, 0, 0)"},
                       {"color", "rgb(40, 40, 40)"},
                       {"button_like", false},
                       {"box", {{"x", 200}, {"y", 500}, {"width", 120}, {"height", 18}}}});
}

json snapshot(json controls, json extra = json::object()) {
  json s{{"format", 1},
         {"url", "https://shop.example/"},
         {"found", true},
         {"cmp", {{"id", "generic"}, {"name", "In-house banner"}, {"detected_by", "generic"}}},
         {"text", "We use cookies to measure audience and show ads."},
         {"viewport_share", 0.2},
         {"overlay_share", 0.2},
         {"scroll_locked", false},
         {"layers", json::array({{{"kind", "first"},
                                  {"visible", true},
                                  {"text", "We use cookies to measure audience and show ads."},
                                  {"controls", std::move(controls)},
                                  {"toggles", json::array()}}})}};
  s.update(extra);
  return s;
}

json analyze(const json& snapshot_json) {
  auto parsed = cw::banner::parse_snapshot(snapshot_json);
  BOOST_REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().to_string()));
  auto rules = cw::banner::BannerRules::instance();
  BOOST_REQUIRE(rules.ok());
  return cw::banner::to_json(*parsed, cw::banner::judge(*parsed, **rules));
}

bool has(const json& result, const std::string& criterion) {
  const auto& list = result["criteria"];
  return std::find(list.begin(), list.end(), criterion) != list.end();
}

const json* finding(const json& result, const std::string& criterion) {
  for (const auto& f : result["findings"]) {
    if (f["criterion"] == criterion) return &f;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(fair_banner_has_no_findings) {
  const json r = analyze(snapshot({button("Accept all"), button("Reject all"), link("Customise")}));
  BOOST_CHECK(r["banner_found"].get<bool>());
  BOOST_CHECK_MESSAGE(r["findings"].empty(), r["criteria"].dump());
  BOOST_CHECK(r["summary"]["first_layer_reject"].get<bool>());
}

BOOST_AUTO_TEST_CASE(no_banner_no_verdict) {
  json s = snapshot(json::array());
  s["found"] = false;
  s["cookies_before"] = json::array({{{"name", "_ga"}, {"domain", ".shop.example"}}});
  const json r = analyze(s);
  BOOST_CHECK(!r["banner_found"].get<bool>());
  BOOST_CHECK(r["findings"].empty());
}

BOOST_AUTO_TEST_CASE(cb01_settings_is_not_a_reject) {
  const json r = analyze(snapshot({button("Accept all"), button("Manage options")}));
  BOOST_CHECK(has(r, "CB-01"));
  BOOST_CHECK(!has(r, "CB-09"));
  const json* f = finding(r, "CB-01");
  BOOST_REQUIRE(f);
  BOOST_CHECK_EQUAL((*f)["rule_id"], "banner.CB-01");
  BOOST_CHECK_EQUAL((*f)["family"], "cookies");
  BOOST_CHECK_EQUAL((*f)["polarity"], "risk");
  BOOST_CHECK(!(*f)["references"].empty());
  BOOST_CHECK((*f)["quote"].get<std::string>().find("Manage options") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cb03_refusal_only_a_link) {
  const json r = analyze(snapshot({button("Yes, I agree"), link("No, take me to settings")}));
  BOOST_CHECK(has(r, "CB-01"));
  BOOST_CHECK(has(r, "CB-03"));
  const json r2 = analyze(snapshot({button("Accept"), link("Decline")}));
  BOOST_CHECK(has(r2, "CB-03"));
  BOOST_CHECK(!has(r2, "CB-01"));
  // Both links: no asymmetry of kind.
  const json r3 = analyze(snapshot({link("Accept"), link("Decline")}));
  BOOST_CHECK(!has(r3, "CB-03"));
}

BOOST_AUTO_TEST_CASE(cb04_low_contrast_small_reject) {
  json faint = button("Reject", {{"color", "rgb(200, 200, 200)"},
                                 {"background", "rgb(255, 255, 255)"},
                                 {"box", {{"x", 200}, {"y", 500}, {"width", 50}, {"height", 20}}}});
  const json r = analyze(snapshot({button("Accept all"), faint}));
  BOOST_CHECK(has(r, "CB-04"));
  const json* f = finding(r, "CB-04");
  BOOST_REQUIRE(f);
  BOOST_CHECK_GT((*f)["evidence"]["area_ratio"].get<double>(), 2.5);
  BOOST_CHECK_LT((*f)["evidence"]["reject"]["text_contrast"].get<double>(), 3.0);
  // A faded reject (opacity) is also asymmetric.
  const json r2 =
      analyze(snapshot({button("Accept all"), button("Reject all", {{"opacity", 0.3}})}));
  BOOST_CHECK(has(r2, "CB-04"));
}

BOOST_AUTO_TEST_CASE(cb06_prechecked_purposes_but_not_necessary_or_disabled) {
  json s = snapshot({button("Accept all"), button("Reject all")});
  s["layers"][0]["toggles"] = json::array({
      {{"label", "Strictly necessary"}, {"checked", true}, {"disabled", true}},
      {{"label", "Necessary"}, {"checked", true}, {"disabled", false}},
      {{"label", "Statistics"}, {"checked", true}, {"disabled", false}},
      {{"label", "Marketing"}, {"checked", true}, {"disabled", false}},
      {{"label", "Preferences"}, {"checked", false}, {"disabled", false}},
  });
  const json r = analyze(s);
  BOOST_CHECK(has(r, "CB-06"));
  BOOST_CHECK_EQUAL(r["summary"]["prechecked"], json({"Statistics", "Marketing"}));
  s["layers"][0]["toggles"][2]["checked"] = false;
  s["layers"][0]["toggles"][3]["checked"] = false;
  BOOST_CHECK(!has(analyze(s), "CB-06"));
}

BOOST_AUTO_TEST_CASE(cb07_legitimate_interest_switches_and_tcf_bits) {
  json s = snapshot({button("Consent"), button("Do not consent")});
  s["layers"].push_back(
      {{"kind", "second"},
       {"visible", false},
       {"toggles",
        json::array({{{"label", "Legitimate interest, Example Ads Ltd"}, {"checked", true}},
                     {{"label", "Store information on a device"},
                      {"context", "fc-preference-legitimate-interest"},
                      {"checked", true}}})}});
  const json r = analyze(s);
  BOOST_CHECK(has(r, "CB-07"));
  BOOST_CHECK(!has(r, "CB-06"));  // LI switches are counted under CB-07 only
  BOOST_CHECK_EQUAL(r["summary"]["legitimate_interest_count"], 2);

  json t = snapshot({button("Accept"), button("Reject")});
  t["tcf"]["present"] = true;
  t["tcf"]["tcdata"]["eventStatus"] = "cmpuishown";
  t["tcf"]["tcdata"]["purpose"]["consents"] = json::object();
  t["tcf"]["tcdata"]["purpose"]["legitimateInterests"] = {{"2", true}, {"4", true}};
  t["layers"][0]["text"] = "We and our 120 partners use cookies";
  const json rt = analyze(t);
  BOOST_CHECK(has(rt, "CB-07"));
  const json* f = finding(rt, "CB-07");
  BOOST_REQUIRE(f);
  BOOST_CHECK_EQUAL((*f)["evidence"]["tcf_purposes_3_to_6"], json({4}));
}

BOOST_AUTO_TEST_CASE(cb08_implied_consent_wording) {
  json s = snapshot({button("OK")});
  s["text"] = "By continuing to browse this site you agree to our use of cookies.";
  BOOST_CHECK(has(analyze(s), "CB-08"));
  s["text"] = "En poursuivant votre navigation, vous acceptez l'utilisation de cookies.";
  BOOST_CHECK(has(analyze(s), "CB-08"));
  s["text"] = "Wenn Sie weitersurfen, stimmen Sie der Nutzung von Cookies zu.";
  BOOST_CHECK(has(analyze(s), "CB-08"));
  s["text"] = "We use cookies. Choose below.";
  BOOST_CHECK(!has(analyze(s), "CB-08"));
}

BOOST_AUTO_TEST_CASE(cb09_notice_only) {
  const json r = analyze(snapshot({button("Ok"), link("Read more")}));
  BOOST_CHECK(has(r, "CB-09"));
  BOOST_CHECK(has(r, "CB-01"));
  BOOST_CHECK(!has(analyze(snapshot({button("Accept"), button("Settings")})), "CB-09"));
}

BOOST_AUTO_TEST_CASE(cb11_cookie_wall_and_pay_or_ok) {
  json wall = snapshot({button("Accept and continue"), link("Privacy policy")},
                       {{"overlay_share", 1.0}, {"scroll_locked", true}});
  BOOST_CHECK(has(analyze(wall), "CB-11"));
  json not_locked = snapshot({button("Accept and continue")}, {{"overlay_share", 1.0}});
  BOOST_CHECK(!has(analyze(not_locked), "CB-11"));
  json pay = snapshot({button("Accept"), button("Reject and subscribe")});
  BOOST_CHECK(has(analyze(pay), "CB-11"));
}

BOOST_AUTO_TEST_CASE(cb12_tracker_cookies_before_choice) {
  json s = snapshot({button("Accept"), button("Reject")});
  s["cookies_before"] = json::array({{{"name", "_ga"}, {"domain", ".shop.example"}},
                                     {{"name", "_ga_ABC123"}, {"domain", ".shop.example"}},
                                     {{"name", "session"}, {"domain", "shop.example"}}});
  s["document_cookie_names"] = json::array({"_fbp"});
  const json r = analyze(s);
  BOOST_CHECK(has(r, "CB-12"));
  BOOST_CHECK_EQUAL(r["summary"]["tracker_cookies"], json({"_ga", "_ga_ABC123", "_fbp"}));
  s["cookies_before"] = json::array({{{"name", "session"}}});
  s["document_cookie_names"] = json::array();
  BOOST_CHECK(!has(analyze(s), "CB-12"));
}

BOOST_AUTO_TEST_CASE(cb13_and_cb17_tcf) {
  json s = snapshot({button("Accept"), button("Reject")});
  json tcdata = json::object();
  tcdata["eventStatus"] = "cmpuishown";
  tcdata["purpose"]["consents"] = {{"1", true}, {"3", true}};
  s["tcf"]["present"] = true;
  s["tcf"]["ping"] = {{"gdprApplies", true}, {"cmpId", 300}};
  s["tcf"]["tcdata"] = tcdata;
  const json r = analyze(s);
  BOOST_CHECK(has(r, "CB-13"));
  BOOST_CHECK(has(r, "CB-17"));  // no partner count in the text
  s["tcf"]["tcdata"]["eventStatus"] = "useractioncomplete";
  s["layers"][0]["text"] = "We and our 842 partners store and access information on your device.";
  const json r2 = analyze(s);
  BOOST_CHECK(!has(r2, "CB-13"));
  BOOST_CHECK(!has(r2, "CB-17"));
}

BOOST_AUTO_TEST_CASE(cb19_misleading_labels) {
  BOOST_CHECK(
      has(analyze(snapshot({button("Accept all"), button("Accept only necessary")})), "CB-19"));
  BOOST_CHECK(has(analyze(snapshot({button("Got it"), button("Reject")})), "CB-19"));
  BOOST_CHECK(!has(analyze(snapshot({button("Accept all"), button("Only necessary")})), "CB-19"));
}

BOOST_AUTO_TEST_CASE(cb20_hidden_reject) {
  json hidden = button("Reject all", {{"visible", false}, {"hidden_reason", "display"}});
  const json r = analyze(snapshot({button("Accept all"), hidden}));
  BOOST_CHECK(has(r, "CB-20"));
  BOOST_CHECK(has(r, "CB-01"));
  const json* f = finding(r, "CB-20");
  BOOST_REQUIRE(f);
  BOOST_CHECK_EQUAL((*f)["evidence"]["hidden"][0]["hidden_reason"], "display");
}

namespace {

// A snapshot whose first layer has these controls and whose hidden preference layer has `later`.
json with_later_layer(json first, json later) {
  json s = snapshot(std::move(first));
  for (auto& c : later) c.update({{"visible", false}, {"hidden_reason", "layer"}});
  s["layers"].push_back({{"kind", "second"},
                         {"visible", false},
                         {"text", "Your privacy choices"},
                         {"controls", std::move(later)},
                         {"toggles", json::array()}});
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(cb05_refusal_behind_settings_and_cb02_no_refusal_anywhere) {
  // Reject all two clicks away: CB-05 with the path, not CB-02.
  const json detour =
      analyze(with_later_layer(json::array({button("Accept all"), button("Cookie settings")}),
                               json::array({button("Reject all"), button("Confirm my choices")})));
  BOOST_TEST(has(detour, "CB-01"));
  BOOST_TEST(has(detour, "CB-05"));
  BOOST_TEST(!has(detour, "CB-02"));
  const json* f = finding(detour, "CB-05");
  BOOST_REQUIRE(f != nullptr);
  BOOST_TEST((*f)["evidence"]["clicks_to_refuse"] == "2");
  BOOST_TEST((*f)["evidence"]["later_reject"][0] == "Reject all");
  // Only a save there: untick, then save.
  const json save_only =
      analyze(with_later_layer(json::array({button("Accept all"), button("Cookie settings")}),
                               json::array({button("Save preferences")})));
  BOOST_TEST((*finding(save_only, "CB-05"))["evidence"]["clicks_to_refuse"] == "at least 3");
  // No layer lets the user refuse: CB-02, and CB-05 gives way to it.
  const json nowhere = analyze(
      with_later_layer(json::array({button("Accept cookies"), button("More options")}),
                       json::array({button("Accept all and close"), link("Privacy notice")})));
  BOOST_TEST(has(nowhere, "CB-02"));
  BOOST_TEST(!has(nowhere, "CB-05"));
  // Settings but no later layer captured: CB-05 without a claimed click count below 2.
  const json unseen = analyze(snapshot({button("Accept all"), button("Manage options")}));
  BOOST_TEST(has(unseen, "CB-05"));
  BOOST_TEST(!has(unseen, "CB-02"));
  BOOST_TEST((*finding(unseen, "CB-05"))["evidence"]["clicks_to_refuse"] == "at least 2");
  // A fair banner, and a notice with nothing behind it (CB-09's case), get neither.
  const json fair = analyze(with_later_layer(
      json::array({button("Accept all"), button("Reject all")}), json::array({button("Save")})));
  BOOST_TEST(!has(fair, "CB-05"));
  BOOST_TEST(!has(fair, "CB-02"));
  const json notice = analyze(snapshot({button("OK")}));
  BOOST_TEST(!has(notice, "CB-05"));
  BOOST_TEST(!has(notice, "CB-02"));
}

BOOST_AUTO_TEST_CASE(cb22_page_links_blocked_but_not_a_wall) {
  const json blocked{{"links_sampled", 6},
                     {"links_blocked", 6},
                     {"blocked_examples", {"News", "Sport"}},
                     {"blocker", "div"}};
  const json r =
      analyze(snapshot({button("Accept"), button("Reject")}, {{"page_interaction", blocked}}));
  BOOST_TEST(has(r, "CB-22"));
  BOOST_TEST((*finding(r, "CB-22"))["evidence"]["links_blocked"] == 6);
  // Too few links probed, or most of them reachable: no verdict.
  json few = blocked;
  few["links_sampled"] = 2;
  few["links_blocked"] = 2;
  BOOST_TEST(
      !has(analyze(snapshot({button("Accept"), button("Reject")}, {{"page_interaction", few}})),
           "CB-22"));
  json open = blocked;
  open["links_blocked"] = 1;
  BOOST_TEST(
      !has(analyze(snapshot({button("Accept"), button("Reject")}, {{"page_interaction", open}})),
           "CB-22"));
  // A wall (CB-11) says it more strongly.
  const json wall = analyze(
      snapshot({button("Accept and continue")},
               {{"page_interaction", blocked}, {"overlay_share", 1.0}, {"scroll_locked", true}}));
  BOOST_TEST(has(wall, "CB-11"));
  BOOST_TEST(!has(wall, "CB-22"));
  // Blocked more than sampled is a bad snapshot.
  json absurd = blocked;
  absurd["links_blocked"] = 7;
  auto parsed =
      cw::banner::parse_snapshot(snapshot({button("Accept")}, {{"page_interaction", absurd}}));
  BOOST_TEST(!parsed.ok());
}
