#define BOOST_TEST_MODULE bounded_json
#include "common/bounded_json.h"

#include <string>

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

namespace {

// Same values and the same number types (nlohmann's == calls unsigned 1 and signed 1 equal).
bool identical(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_structured()) {
    if (a.size() != b.size()) return false;
    if (a.is_object()) {
      for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt) {
        if (it.key() != jt.key() || !identical(it.value(), jt.value())) return false;
      }
    } else {
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!identical(a[i], b[i])) return false;
      }
    }
    return true;
  }
  return a == b;
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_walk_parser_reads_a_request_exactly_as_nlohmann_does) {
  const std::string request =
      "{\"id\":7,\"type\":\"page.analyze\",\"payload\":{\"url\":\"https://ex.com/t?a=\\u00e9\","
      "\"blocks\":[{\"kind\":\"heading\",\"text\":\"1. \\\"Terms\\\" \\\\ \\/ \\b\\f\\n\\r\\t\","
      "\"level\":2},{\"kind\":\"paragraph\",\"text\":\"caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80 "
      "\\u20ac \\u0000.\"}],\"n\":[-0,0,-12,123456789012345678],\"dup\":1,\"dup\":\"last\","
      "\"t\":true,\"f\":false,\"z\":null,\"e\":{},\"a\":[ ]} }\n";
  const auto fast = cw::parse_json_one_walk(request);
  BOOST_REQUIRE(fast.has_value());
  BOOST_TEST(identical(*fast, nlohmann::json::parse(request)));
  BOOST_TEST(fast->at("payload").at("dup") == "last");
  BOOST_TEST(fast->at("id").is_number_unsigned());
  BOOST_TEST(fast->at("payload").at("n").at(2).is_number_integer());
}

BOOST_AUTO_TEST_CASE(one_walk_parser_leaves_the_rest_to_the_slow_path) {
  for (const char* text :
       {"1e400", "1.", ".5", "2e", "-", "1234567890123456789", "\"\\ud83d\\ude00\"", "01",
        "\"a\x01\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "[1,]", "{\"a\" 1}", "\xef\xbb\xbf{}",
        "tru", "[] []", ""}) {
    BOOST_TEST(!cw::parse_json_one_walk(text).has_value(), text);
  }
  // ... where the document is still read (or refused) as before.
  BOOST_TEST(cw::parse_bounded_json("\"\\ud83d\\ude00\"").value() == "\xf0\x9f\x98\x80");
  BOOST_TEST(!cw::parse_bounded_json("1e400").ok());
  BOOST_TEST(!cw::parse_bounded_json("[1,]").ok());
  BOOST_TEST(!cw::parse_json_one_walk(std::string(65, '[') + std::string(65, ']')).has_value());
  BOOST_TEST(cw::parse_json_one_walk(std::string(64, '[') + std::string(64, ']')).has_value());
}

// Numbers with a fraction or an exponent (a rule pack's word weights) take the fast path, with the
// values and types nlohmann/json gives them.
BOOST_AUTO_TEST_CASE(one_walk_parser_reads_fractions_and_exponents_as_nlohmann_does) {
  const std::string text =
      "[1.5,-0.25,2e3,1E-2,0.1,-0.0,123.456e+7,0.30000000000000004,1.7976931348623157e308]";
  const auto fast = cw::parse_json_one_walk(text);
  BOOST_REQUIRE(fast.has_value());
  BOOST_TEST(identical(*fast, nlohmann::json::parse(text)));
  BOOST_TEST(fast->at(2).is_number_float());
  BOOST_TEST(fast->at(0).get<double>() == 1.5);
}

// Every byte of a request replaced by each of a set of bytes that matter to JSON: the one-walk
// parser either gives up or gives nlohmann's document, never accepts what nlohmann refuses.
BOOST_AUTO_TEST_CASE(one_walk_parser_agrees_with_nlohmann_on_mutated_requests) {
  const std::string base =
      "{\"id\":-3,\"payload\":{\"b\":[{\"k\":\"p\",\"t\":\"x\\u00e9\\n\xc3\xa9\xe2\x82\xac\"},"
      "true,null,false,10,[],{}]}}";
  const std::string bytes = std::string("\"\\{}[],:0-9.eEu tfn \x01\x7f\x80\xc3\xe2\xed\xf0\xff");
  int fast_answers = 0;
  for (std::size_t at = 0; at < base.size(); ++at) {
    for (const char b : bytes) {
      for (int mode = 0; mode < 3; ++mode) {  // replace, insert, delete
        std::string text = base;
        if (mode == 0) text[at] = b;
        if (mode == 1) text.insert(at, 1, b);
        if (mode == 2) text.erase(at, 1);
        const auto fast = cw::parse_json_one_walk(text);
        const auto reference = nlohmann::json::parse(text, nullptr, false);
        if (fast) {
          ++fast_answers;
          BOOST_TEST_REQUIRE(!reference.is_discarded(), text);
          BOOST_TEST_REQUIRE(identical(*fast, reference), text);
        }
      }
    }
  }
  BOOST_TEST(fast_answers > 100);
}

// Long strings are skipped 8 bytes at a time: a special byte at every position of a 40-byte string
// must still be seen (end of the string, escape, control character, UTF-8 valid or not).
BOOST_AUTO_TEST_CASE(one_walk_parser_sees_special_bytes_at_every_position_of_a_long_string) {
  const std::string specials[] = {"\"",       "\\n",          "\\\"",
                                  "\x01",     "\x1f",         "\x7f",
                                  "\xc3\xa9", "\xe2\x80\x94", "\xf0\x9f\x98\x80",
                                  "\xff",     "\xc3",         "\xed\xa0\x80"};
  for (const auto& special : specials) {
    for (std::size_t at = 0; at <= 40; ++at) {
      std::string body(40, 'a');
      body.insert(at, special);
      const std::string text = "[\"" + body + "\",1]";
      const auto fast = cw::parse_json_one_walk(text);
      const auto reference = nlohmann::json::parse(text, nullptr, false);
      BOOST_TEST(fast.has_value() == !reference.is_discarded(), text);
      if (fast && !reference.is_discarded()) BOOST_TEST(identical(*fast, reference), text);
    }
  }
}
