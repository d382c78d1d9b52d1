#define BOOST_TEST_MODULE bounded_json
#include "common/bounded_json.h"

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_CASE(valid_utf8_passes_and_invalid_is_located) {
  BOOST_TEST(!cw::find_invalid_utf8("plain ascii").has_value());
  BOOST_TEST(!cw::find_invalid_utf8("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80").has_value());
  auto bad = cw::find_invalid_utf8("ok\xc3");  // truncated sequence
  BOOST_REQUIRE(bad.has_value());
  BOOST_TEST(*bad == 2U);
  BOOST_TEST(cw::find_invalid_utf8("\xed\xa0\x80").has_value());  // UTF-16 surrogate
  BOOST_TEST(cw::find_invalid_utf8("\xc0\xaf").has_value());      // overlong
}

BOOST_AUTO_TEST_CASE(depth_counts_only_structure_outside_strings) {
  BOOST_TEST(cw::json_nesting_depth(R"({"a":[1,{"b":2}]})", 100) == 3);
  BOOST_TEST(cw::json_nesting_depth(R"({"a":"[[[[[\"[[["})", 100) == 1);
}

BOOST_AUTO_TEST_CASE(hundred_thousand_deep_is_refused_without_parsing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto result = cw::parse_bounded_json(deep);
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST((result.error().code == cw::ErrorCode::JSON_TOO_DEEP));
}

BOOST_AUTO_TEST_CASE(invalid_json_gets_a_positioned_error) {
  auto result = cw::parse_bounded_json(R"({"a": })");
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST((result.error().code == cw::ErrorCode::INVALID_JSON));
  BOOST_TEST(result.error().message.find("parse_error") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(number_beyond_double_range_is_invalid_json_not_a_crash) {
  auto result = cw::parse_bounded_json(R"({"id":1,"type":"ping","payload":{"n":1e400}})");
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST((result.error().code == cw::ErrorCode::INVALID_JSON));
}
