// Bad snapshots get a structured error naming the problem, checked before the snapshot is copied,
// and the dispatcher keeps serving afterwards (PROTOCOL.md, banner.analyze errors).
#define BOOST_TEST_MODULE banner_snapshot_limits
#include <string>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "banner/snapshot.h"
#include "common/limits.h"
#include "protocol/context.h"
#include "protocol/dispatch.h"

using nlohmann::json;

namespace {

json minimal() {
  return {{"format", 1},
          {"url", "https://a.example/"},
          {"found", true},
          {"layers",
           json::array({{{"kind", "first"},
                         {"controls", json::array({{{"tag", "button"}, {"text", "OK"}}})}}})}};
}

json call(cw::ActionContext& ctx, const json& payload) {
  const json request{{"id", 7}, {"type", "banner.analyze"}, {"payload", payload}};
  return json::parse(cw::handle_message(request.dump(), ctx));
}

std::string error_name(const json& reply) {
  return reply.value("/error/name"_json_pointer, std::string());
}

}  // namespace

BOOST_AUTO_TEST_CASE(missing_fields_are_named) {
  for (const char* field : {"format", "url", "found"}) {
    json s = minimal();
    s.erase(field);
    auto parsed = cw::banner::parse_snapshot(s);
    BOOST_REQUIRE(!parsed.ok());
    BOOST_CHECK(parsed.error().code == cw::ErrorCode::BANNER_SNAPSHOT_INVALID);
    BOOST_CHECK_EQUAL(parsed.error().params["field"], std::string("snapshot.") + field);
  }
  json s = minimal();
  s["layers"][0]["controls"][0].erase("tag");
  auto parsed = cw::banner::parse_snapshot(s);
  BOOST_REQUIRE(!parsed.ok());
  BOOST_CHECK_EQUAL(parsed.error().params["field"], "snapshot.layers[0].controls[0].tag");
}

BOOST_AUTO_TEST_CASE(wrong_types_and_absurd_sizes) {
  json s = minimal();
  s["layers"][0]["controls"][0]["box"] = {{"x", 0}, {"y", 0}, {"width", 1e12}, {"height", 10}};
  auto parsed = cw::banner::parse_snapshot(s);
  BOOST_REQUIRE(!parsed.ok());
  BOOST_CHECK_EQUAL(parsed.error().params["field"], "snapshot.layers[0].controls[0].box.width");

  s = minimal();
  s["viewport_share"] = 7;
  BOOST_CHECK(!cw::banner::parse_snapshot(s).ok());
  s = minimal();
  s["layers"] = "many";
  BOOST_CHECK(!cw::banner::parse_snapshot(s).ok());
  s = minimal();
  s["layers"][0]["controls"][0]["text"] =
      std::string(cw::limits::kMaxBannerControlTextBytes + 1, 'a');
  parsed = cw::banner::parse_snapshot(s);
  BOOST_REQUIRE(!parsed.ok());
  BOOST_CHECK(parsed.error().code == cw::ErrorCode::BANNER_TOO_LARGE);
}

BOOST_AUTO_TEST_CASE(hundred_thousand_controls_are_refused) {
  json s = minimal();
  json controls = json::array();
  for (int i = 0; i < 100'000; ++i) controls.push_back({{"tag", "button"}, {"text", "OK"}});
  s["layers"][0]["controls"] = std::move(controls);
  auto parsed = cw::banner::parse_snapshot(s);
  BOOST_REQUIRE(!parsed.ok());
  BOOST_CHECK(parsed.error().code == cw::ErrorCode::BANNER_TOO_LARGE);
  BOOST_CHECK_EQUAL(parsed.error().params["count"], 100'000);
  BOOST_CHECK_EQUAL(parsed.error().params["limit"], cw::limits::kMaxBannerControls);

  // Spread over many layers the total still counts.
  json layered = minimal();
  layered["layers"] = json::array();
  for (std::size_t l = 0; l < cw::limits::kMaxBannerLayers; ++l) {
    json many = json::array();
    for (std::size_t i = 0; i < cw::limits::kMaxBannerControls / 4; ++i)
      many.push_back({{"tag", "a"}});
    layered["layers"].push_back({{"controls", many}});
  }
  BOOST_CHECK(cw::banner::parse_snapshot(layered).error().code == cw::ErrorCode::BANNER_TOO_LARGE);
}

BOOST_AUTO_TEST_CASE(dispatcher_keeps_serving_after_bad_snapshots) {
  cw::ActionContext ctx(cw::HostConfig{});
  BOOST_CHECK_EQUAL(error_name(call(ctx, json::object())), "INVALID_PAYLOAD");
  BOOST_CHECK_EQUAL(error_name(call(ctx, {{"snapshot", {{"format", 1}}}})),
                    "BANNER_SNAPSHOT_INVALID");
  json big = minimal();
  big["layers"] = json::array();
  for (int i = 0; i < 100; ++i) big["layers"].push_back(json::object());
  const json too_many_layers = call(ctx, {{"snapshot", big}});
  BOOST_CHECK_EQUAL(error_name(too_many_layers), "BANNER_TOO_LARGE");
  BOOST_CHECK_EQUAL(too_many_layers["error"]["code"], 301);
  const json good = call(ctx, {{"snapshot", minimal()}});
  BOOST_CHECK_MESSAGE(good.value("ok", false), good.dump());
  BOOST_CHECK(good["result"]["banner_found"].get<bool>());
}
