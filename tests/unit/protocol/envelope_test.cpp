#define BOOST_TEST_MODULE envelope
#include "protocol/envelope.h"

#include <boost/test/unit_test.hpp>

#include "common/limits.h"

using nlohmann::json;

namespace {
cw::Error parse_error_of(const std::string& body, json& id) {
  auto result = cw::parse_request(body, id);
  BOOST_REQUIRE(!result.ok());
  return result.error();
}
}  // namespace

BOOST_AUTO_TEST_CASE(parses_a_complete_request) {
  json id;
  auto request = cw::parse_request(R"({"id":"r1","type":"ping","payload":{"x":1}})", id);
  BOOST_REQUIRE(request.ok());
  BOOST_TEST(request->id.get<std::string>() == "r1");
  BOOST_TEST(request->type == "ping");
  BOOST_TEST(request->payload["x"].get<int>() == 1);
}

BOOST_AUTO_TEST_CASE(missing_payload_becomes_empty_object) {
  json id;
  auto request = cw::parse_request(R"({"id":7,"type":"ping"})", id);
  BOOST_REQUIRE(request.ok());
  BOOST_TEST(request->payload.is_object());
  BOOST_TEST(request->payload.empty());
}

BOOST_AUTO_TEST_CASE(missing_id_is_an_envelope_error_with_null_id) {
  json id = 5;
  auto error = parse_error_of(R"({"type":"ping"})", id);
  BOOST_TEST((error.code == cw::ErrorCode::INVALID_ENVELOPE));
  BOOST_TEST(id.is_null());
}

BOOST_AUTO_TEST_CASE(wrong_field_types_are_named) {
  json id;
  BOOST_TEST(
      (parse_error_of(R"({"id":true,"type":"ping"})", id).code == cw::ErrorCode::INVALID_ENVELOPE));
  auto type_error = parse_error_of(R"({"id":1,"type":42})", id);
  BOOST_TEST(type_error.message.find("'type'") != std::string::npos);
  BOOST_TEST(id.get<int>() == 1);  // the id was readable, so the error reply can carry it
  auto payload_error = parse_error_of(R"({"id":1,"type":"ping","payload":[1]})", id);
  BOOST_TEST(payload_error.message.find("'payload'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(non_object_and_invalid_utf8_are_refused) {
  json id;
  BOOST_TEST((parse_error_of("[1,2]", id).code == cw::ErrorCode::INVALID_ENVELOPE));
  BOOST_TEST(
      (parse_error_of("{\"id\":1,\"type\":\"p\xff\"}", id).code == cw::ErrorCode::INVALID_UTF8));
}

BOOST_AUTO_TEST_CASE(error_reply_has_code_name_message_params) {
  const auto error = cw::Error::make(cw::ErrorCode::UNKNOWN_TYPE, {{"type", "nope"}});
  const json reply = cw::make_error_reply(3, error);
  BOOST_TEST(reply["id"].get<int>() == 3);
  BOOST_TEST(reply["ok"].get<bool>() == false);
  BOOST_TEST(reply["error"]["code"].get<int>() == 9);
  BOOST_TEST(reply["error"]["name"].get<std::string>() == "UNKNOWN_TYPE");
  BOOST_TEST(reply["error"]["message"].get<std::string>() == "Unknown message type 'nope'");
  BOOST_TEST(reply["error"]["params"]["type"].get<std::string>() == "nope");
}

BOOST_AUTO_TEST_CASE(oversized_reply_is_replaced_by_an_error) {
  const json reply = cw::make_ok_reply(
      1, json{{"blob", std::string(2 * cw::limits::kMaxOutboundFrameBytes, 'x')}});
  const auto text = cw::serialize_reply(reply);
  BOOST_TEST(text.size() < 1024U);
  const auto parsed = json::parse(text);
  BOOST_TEST(parsed["id"].get<int>() == 1);
  BOOST_TEST(parsed["error"]["name"].get<std::string>() == "REPLY_TOO_LARGE");
}

BOOST_AUTO_TEST_CASE(compact_dump_is_exactly_nlohmanns) {
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  controls += "\x7f \"q\" \\ / caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80";
  const nlohmann::json values[] = {
      nlohmann::json{{"id", 1},
                     {"ok", true},
                     {"result",
                      {{"controls", controls},
                       {"", nullptr},
                       {"z", false},
                       {"n", {-9223372036854775807LL - 1, 0, -1, 18446744073709551615ULL}},
                       {"empty", {{"o", nlohmann::json::object()}, {"a", nlohmann::json::array()}}},
                       {"key \"\n\x01", "v"}}}},
      nlohmann::json{{"float", 0.1}, {"text", "a"}},  // left to nlohmann
      nlohmann::json{{"bad", std::string("ok \xff\xc3 then \xed\xa0\x80 end")}},  // replaced
      nlohmann::json{{std::string("k\xc0"), 1}},
      nlohmann::json("plain"),
      nlohmann::json(42U),
      nlohmann::json::array()};
  for (const auto& value : values) {
    BOOST_TEST(cw::dump_compact(value) ==
               value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

// Long strings are copied 8 bytes at a time: a byte that needs escaping or checking at every
// position of a 40-byte string is still written as nlohmann/json writes it.
BOOST_AUTO_TEST_CASE(compact_dump_sees_special_bytes_at_every_position_of_a_long_string) {
  const std::string specials[] = {"\"",       "\\",           "\n",
                                  "\x01",     "\x1f",         "\x7f",
                                  "\xc3\xa9", "\xe2\x80\x94", "\xf0\x9f\x98\x80",
                                  "\xff",     "\xc3",         "\xed\xa0\x80"};
  for (const auto& special : specials) {
    for (std::size_t at = 0; at <= 40; ++at) {
      std::string text(40, 'a');
      text.insert(at, special);
      const nlohmann::json value{{"t", text}, {text, 1}};
      BOOST_TEST(cw::dump_compact(value) ==
                     value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                 text);
    }
  }
}
