// Banner observations per site: a banner that loses its reject or gains pre-ticked boxes is
// "worse", which is what raises a change record in the archive.
#define BOOST_TEST_MODULE banner_observation
#include "banner/observation.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "banner/judge.h"
#include "banner/rules.h"
#include "banner/snapshot.h"

using nlohmann::json;

namespace {

json observe(const json& controls, bool pre_ticked = false) {
  json layer{
      {"kind", "first"}, {"visible", true}, {"text", "We use cookies."}, {"controls", controls}};
  if (pre_ticked) layer["toggles"] = json::array({{{"label", "Marketing"}, {"checked", true}}});
  json s{{"format", 1},
         {"url", "https://www.Shop.example:8443/basket?x=1"},
         {"found", true},
         {"cmp", {{"id", "onetrust"}}},
         {"layers", json::array({layer})}};
  auto parsed = cw::banner::parse_snapshot(s);
  BOOST_REQUIRE(parsed.ok());
  auto rules = cw::banner::BannerRules::instance();
  BOOST_REQUIRE(rules.ok());
  return cw::banner::make_observation(*parsed, cw::banner::judge(*parsed, **rules));
}

json button(const char* text) {
  return {{"tag", "button"}, {"text", text}, {"button_like", true}};
}

}  // namespace

BOOST_AUTO_TEST_CASE(site_key) {
  BOOST_CHECK_EQUAL(cw::banner::site_of("https://www.Example.COM:443/a?b#c"), "example.com");
  BOOST_CHECK_EQUAL(cw::banner::site_of("http://user@sub.example.org/"), "sub.example.org");
}

BOOST_AUTO_TEST_CASE(reject_removed_is_worse) {
  const json fair = observe(json::array({button("Accept all"), button("Reject all")}));
  const json worse = observe(json::array({button("Accept all"), button("Settings")}));
  BOOST_CHECK_EQUAL(fair["site"], "shop.example");
  BOOST_CHECK(fair["first_layer_reject"].get<bool>());
  const json diff = cw::banner::compare_observations(fair, worse);
  BOOST_CHECK(diff["worse"].get<bool>());
  BOOST_CHECK_EQUAL(diff["changes"][0]["kind"], "reject_removed");
  bool cb01_added = false;
  for (const auto& change : diff["changes"]) cb01_added |= change.value("criterion", "") == "CB-01";
  BOOST_CHECK(cb01_added);
  const json back = cw::banner::compare_observations(worse, fair);
  BOOST_CHECK(!back["worse"].get<bool>());
  BOOST_CHECK(back["better"].get<bool>());
}

BOOST_AUTO_TEST_CASE(same_banner_no_change_and_prechecked_is_worse) {
  const json a = observe(json::array({button("Accept all"), button("Reject all")}));
  const json b = observe(json::array({button("Accept all"), button("Reject all")}));
  const json same = cw::banner::compare_observations(a, b);
  BOOST_CHECK(same["changes"].empty());
  const json ticked = observe(json::array({button("Accept all"), button("Reject all")}), true);
  const json diff = cw::banner::compare_observations(a, ticked);
  BOOST_CHECK(diff["worse"].get<bool>());
}
