#define BOOST_TEST_MODULE dispatch
#include "protocol/dispatch.h"

#include <set>

#include <boost/test/unit_test.hpp>

using nlohmann::json;

namespace {
json call(const std::string& body) {
  cw::ActionContext ctx(cw::HostConfig{"/nonexistent-cw-test", "test", "browser"});
  return json::parse(cw::handle_message(body, ctx));
}
}  // namespace

BOOST_AUTO_TEST_CASE(table_has_unique_types_and_handlers) {
  std::set<std::string_view> seen;
  for (const auto& spec : cw::action_table()) {
    BOOST_TEST(spec.handler != nullptr);
    BOOST_TEST(!spec.summary.empty());
    BOOST_TEST(seen.insert(spec.type).second, "duplicate type " << spec.type);
  }
  BOOST_TEST(cw::find_action("ping") != nullptr);
  BOOST_TEST(cw::find_action("no.such.type") == nullptr);
}

BOOST_AUTO_TEST_CASE(ping_reports_versions_and_echoes_the_id) {
  const json reply = call(R"({"id":"abc","type":"ping"})");
  BOOST_TEST(reply["id"].get<std::string>() == "abc");
  BOOST_TEST(reply["ok"].get<bool>());
  BOOST_TEST(!reply["result"]["version"].get<std::string>().empty());
  BOOST_TEST(reply["result"]["protocol"].get<int>() == 1);
}

BOOST_AUTO_TEST_CASE(unknown_type_keeps_the_id) {
  const json reply = call(R"({"id":12,"type":"page.explode","payload":{}})");
  BOOST_TEST(reply["id"].get<int>() == 12);
  BOOST_TEST(!reply["ok"].get<bool>());
  BOOST_TEST(reply["error"]["name"].get<std::string>() == "UNKNOWN_TYPE");
}

BOOST_AUTO_TEST_CASE(garbage_gets_a_structured_error) {
  const json reply = call("not json at all");
  BOOST_TEST(reply["id"].is_null());
  BOOST_TEST(reply["error"]["name"].get<std::string>() == "INVALID_JSON");
}
