#define BOOST_TEST_MODULE page_analyze
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "common/limits.h"
#include "engine/pack_store.h"
#include "protocol/dispatch.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path data_dir() {
  return fs::path(CW_TEST_DATA_DIR);
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return json::parse(buffer.str());
}

// A context whose rule pack is the fixture pack (tests/data/rules/valid), so expectations do not
// move when the real rules are tuned.
struct FixtureContext {
  cw::ActionContext ctx{
      cw::HostConfig{fs::temp_directory_path() / "cw-page-analyze-none", "test", "browser"}};
  FixtureContext() {
    auto pack = cw::engine::load_rules_dir(data_dir() / "rules" / "valid");
    auto engine = cw::engine::Engine::compile(std::move(*pack));
    ctx.put(std::make_unique<cw::engine::ActivePack>(
        cw::engine::ActivePack{std::move(*engine), "fixture", "test", std::nullopt, 0}));
  }
  json call(const json& payload) {
    const json request{{"id", 1}, {"type", "page.analyze"}, {"payload", payload}};
    return json::parse(cw::handle_message(request.dump(), ctx));
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(page_analyze, FixtureContext)

BOOST_AUTO_TEST_CASE(terms_page_gives_expected_findings_with_exact_quotes) {
  const json page = read_json(data_dir() / "pages" / "terms_page.json");
  const json reply = call(page);
  BOOST_REQUIRE_MESSAGE(reply["ok"].get<bool>(), reply.dump());
  const json& result = reply["result"];
  BOOST_TEST(result["doc_type"].get<std::string>() == "Terms of Service");
  BOOST_TEST(result["doc_type_source"].get<std::string>() == "guessed");
  BOOST_TEST(result["rule_pack"]["version"].get<int>() == 3);
  std::vector<std::string> ids;
  for (const auto& f : result["findings"]) ids.push_back(f["rule_id"].get<std::string>());
  const std::vector<std::string> want{"dispute.arbitration", "dispute.class_waiver", "privacy.sale",
                                      "privacy.sale_without_opt_out"};
  BOOST_TEST(ids == want, boost::test_tools::per_element());
  BOOST_TEST(
      result["counts"] ==
      json({{"critical", 1}, {"warning", 3}, {"caution", 0}, {"info", 0}, {"protections", 0}}));

  // Quotes are the exact original text of the block, found at the reported offsets.
  for (const auto& f : result["findings"]) {
    const std::string text =
        page["blocks"][f["block"].get<std::size_t>()]["text"].get<std::string>();
    const auto start = f["start"].get<std::size_t>();
    const auto end = f["end"].get<std::size_t>();
    BOOST_TEST(text.substr(start, end - start) == f["quote"].get<std::string>());
  }
  const json& arbitration = result["findings"][0];
  BOOST_TEST(arbitration["block"].get<int>() == 3);
  BOOST_TEST(arbitration["quote"].get<std::string>() ==
             "Any claim you bring will be decided by binding\u00a0arbitration in Springfield.");
  BOOST_TEST(arbitration["severity"].get<std::string>() == "critical");
  // Rule texts come once per rule, in `rules`, not with each finding.
  BOOST_TEST(!arbitration.contains("explanation"));
  BOOST_TEST(!arbitration.contains("references"));
  const json& rule = result["rules"]["dispute.arbitration"];
  BOOST_TEST(rule["labels"] == json({"A", "tosdr:339"}));
  BOOST_TEST(rule["references"][0]["article"].get<std::string>() == "Annex 1(q)");
  BOOST_TEST(rule["severity"].get<std::string>() == "critical");
  BOOST_TEST(!rule["explanation"].get<std::string>().empty());
  std::vector<std::string> rule_ids;
  for (const auto& [id, text] : result["rules"].items()) rule_ids.push_back(id);
  std::vector<std::string> distinct = want;
  std::sort(distinct.begin(), distinct.end());
  BOOST_TEST(rule_ids == distinct, boost::test_tools::per_element());
  BOOST_TEST(result["findings"][3]["missing_protection"].get<bool>());
  BOOST_TEST(result["findings"][3]["quote"] == result["findings"][2]["quote"]);
}

BOOST_AUTO_TEST_CASE(a_heading_is_the_quote_only_when_no_sentence_is) {
  // The heading names the topic in words a rule matches; the clause under it is the better quote.
  const json page{
      {"url", "https://shop.example/legal/terms"},
      {"title", "Example Shop - Terms of Service"},
      {"blocks",
       {{{"kind", "heading"}, {"text", "Binding arbitration"}, {"level", 2}},
        {{"kind", "paragraph"}, {"text", "Disputes go to court in your home town."}},
        {{"kind", "heading"}, {"text", "Mandatory arbitration for business users"}, {"level", 2}},
        {{"kind", "paragraph"}, {"text", "Business disputes go to binding arbitration."}}}}};
  const json reply = call(page);
  BOOST_REQUIRE_MESSAGE(reply["ok"].get<bool>(), reply.dump());
  const json& findings = reply["result"]["findings"];
  BOOST_REQUIRE_EQUAL(findings.size(), 1U);
  BOOST_TEST(findings[0]["rule_id"].get<std::string>() == "dispute.arbitration");
  BOOST_TEST(findings[0]["block"].get<int>() == 3);
  BOOST_TEST(findings[0]["quote"].get<std::string>() ==
             "Business disputes go to binding arbitration.");
  // The finding names the heading it sits under, so a business-only clause reads as one.
  BOOST_TEST(findings[0]["section"].get<std::string>() ==
             "Mandatory arbitration for business users");

  // With no sentence to quote, the heading is still what the page says.
  json only_heading = page;
  only_heading["blocks"][3]["text"] = "Business disputes go to court.";
  const json second = call(only_heading);
  BOOST_REQUIRE_MESSAGE(second["ok"].get<bool>(), second.dump());
  const json& from_heading = second["result"]["findings"];
  BOOST_REQUIRE_EQUAL(from_heading.size(), 1U);
  BOOST_TEST(from_heading[0]["block"].get<int>() == 0);
  BOOST_TEST(from_heading[0]["quote"].get<std::string>() == "Binding arbitration");
  BOOST_TEST(!from_heading[0].contains("section"));  // a heading quote is its own section

  // A Markdown heading inside a block (a captured Markdown file is one block) names it too.
  const json markdown{{"url", "https://shop.example/legal/terms"},
                      {"blocks",
                       {{{"kind", "paragraph"},
                         {"text",
                          "## Our terms\n\nHello.\n\n## Disputes with us\n\nClaims go to binding "
                          "arbitration."}}}}};
  const json from_markdown = call(markdown);
  BOOST_REQUIRE_MESSAGE(from_markdown["ok"].get<bool>(), from_markdown.dump());
  const json& md = from_markdown["result"]["findings"];
  BOOST_REQUIRE_EQUAL(md.size(), 1U);
  BOOST_TEST(md[0]["section"].get<std::string>() == "Disputes with us");
}

// A long page is segmented and matched in parts on several threads: a finding far below its
// Markdown heading, across the cut between parts, still names that heading and quotes the exact
// text, and each part's findings come back in page order.
BOOST_AUTO_TEST_CASE(a_long_page_in_parts_keeps_sections_quotes_and_order) {
  std::string text = "## Disputes with us\n\n";
  std::size_t filler = 0;
  while (text.size() < 4 * cw::limits::kMinMatchPartBytes) {
    text += "Paragraph " + std::to_string(filler++) + " says nothing a rule looks for.\n\n";
  }
  text += "Claims go to binding arbitration.";
  const json page{{"url", "https://shop.example/legal/terms"},
                  {"blocks",
                   {{{"kind", "paragraph"}, {"text", "Claims go to binding arbitration in June."}},
                    {{"kind", "paragraph"}, {"text", text}}}}};
  const json reply = call(page);
  BOOST_REQUIRE_MESSAGE(reply["ok"].get<bool>(), reply.dump());
  const json& findings = reply["result"]["findings"];
  BOOST_REQUIRE_EQUAL(findings.size(), 2U);
  BOOST_TEST(findings[0]["block"].get<int>() == 0);
  BOOST_TEST(!findings[0].contains("section"));
  BOOST_TEST(findings[1]["block"].get<int>() == 1);
  BOOST_TEST(findings[1].value("section", std::string()) == "Disputes with us");
  const auto start = findings[1]["start"].get<std::size_t>();
  const auto end = findings[1]["end"].get<std::size_t>();
  BOOST_TEST(text.substr(start, end - start) == "Claims go to binding arbitration.");
  BOOST_TEST(findings[1]["quote"].get<std::string>() == "Claims go to binding arbitration.");
}

// Whom a clause applies to: a scoping phrase in the quote's own sentence, else the heading above
// it; each place a provision is found keeps its own scope. (Fixture scopes, in order: California,
// the EEA/UK, business customers.)
BOOST_AUTO_TEST_CASE(each_quote_names_whom_it_applies_to) {
  json page{{"url", "https://shop.example/privacy"},
            {"blocks",
             {{{"kind", "paragraph"}, {"text", "We may sell personal information to partners."}},
              {{"kind", "heading"}, {"text", "Notice to California residents"}, {"level", 2}},
              {{"kind", "paragraph"}, {"text", "We may sell personal information to brokers."}},
              {{"kind", "heading"}, {"text", "Information for EEA users"}, {"level", 2}},
              {{"kind", "paragraph"},
               {"text", "If you live in California, we may sell personal information."}}}}};
  const json reply = call(page);
  BOOST_REQUIRE_MESSAGE(reply["ok"].get<bool>(), reply.dump());
  std::vector<std::string> got;  // rule@block scope
  for (const auto& f : reply["result"]["findings"]) {
    std::string scope = "none";
    if (f.contains("scope")) {
      scope = f["scope"]["id"].get<std::string>() + "/" + f["scope"]["from"].get<std::string>();
    }
    got.push_back(f["rule_id"].get<std::string>() + "@" + std::to_string(f["block"].get<int>()) +
                  " " + scope);
  }
  const std::vector<std::string> want{
      "privacy.sale@0 none",                        // an ordinary sentence: no one in particular
      "privacy.sale@2 region.california/section",   // from the heading above it
      "privacy.sale@4 region.california/sentence",  // the sentence's own phrase beats its section
      "privacy.sale_without_opt_out@0 none"};       // the missing protection quotes the first
  BOOST_TEST(got == want, boost::test_tools::per_element());
  const json& scoped = reply["result"]["findings"][1]["scope"];
  BOOST_TEST(
      scoped ==
      json({{"id", "region.california"}, {"label", "People in California"}, {"from", "section"}}));
  // Under the EEA heading with no scoping phrase of its own, the section's scope is the EEA's.
  page["blocks"][4]["text"] = "We may sell personal information.";
  const json second = call(page);
  BOOST_REQUIRE_MESSAGE(second["ok"].get<bool>(), second.dump());
  BOOST_TEST(second["result"]["findings"][2]["scope"]["id"].get<std::string>() == "region.eea_uk");
  BOOST_TEST(second["result"]["findings"][2]["scope"]["label"].get<std::string>() ==
             "People in the EEA, UK or Switzerland");
}

BOOST_AUTO_TEST_CASE(a_protection_sentence_is_not_the_risk_quote_when_the_risk_has_its_own) {
  // The opt-out sentence also says "we may sell"; the sale's own sentence is the better quote.
  // (Fixture pack: privacy.sale_without_opt_out pairs privacy.sale with privacy.opt_out_sale.)
  json page{
      {"url", "https://shop.example/privacy"},
      {"title", "Example Shop - Privacy Policy"},
      {"blocks",
       {{{"kind", "paragraph"}, {"text", "We may sell personal information to partners."}},
        {{"kind", "paragraph"},
         {"text", "You can opt out of the sale; until then we may sell personal information."}}}}};
  const json reply = call(page);
  BOOST_REQUIRE_MESSAGE(reply["ok"].get<bool>(), reply.dump());
  std::vector<std::string> got;  // rule@block
  for (const auto& f : reply["result"]["findings"]) {
    got.push_back(f["rule_id"].get<std::string>() + "@" + std::to_string(f["block"].get<int>()));
  }
  const std::vector<std::string> want{"privacy.sale@0", "privacy.opt_out_sale@1"};
  BOOST_TEST(got == want, boost::test_tools::per_element());

  // With no sentence of its own, the risk keeps the shared one (and is still relieved).
  page["blocks"].erase(0);
  const json alone = call(page);
  BOOST_REQUIRE_MESSAGE(alone["ok"].get<bool>(), alone.dump());
  std::vector<std::string> ids;
  for (const auto& f : alone["result"]["findings"]) ids.push_back(f["rule_id"].get<std::string>());
  const std::vector<std::string> both{"privacy.sale", "privacy.opt_out_sale"};
  BOOST_TEST(ids == both, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(doc_type_in_payload_filters_rules) {
  json page = read_json(data_dir() / "pages" / "terms_page.json");
  page["doc_type"] = "Privacy Policy";
  const json reply = call(page);
  BOOST_REQUIRE(reply["ok"].get<bool>());
  for (const auto& f : reply["result"]["findings"]) {
    BOOST_TEST(f["rule_id"].get<std::string>() != "dispute.arbitration");  // ToS-only rule
  }
  page["doc_type"] = "Not A Type";
  BOOST_TEST(call(page)["error"]["name"].get<std::string>() == "INVALID_PAYLOAD");
}

BOOST_AUTO_TEST_CASE(bad_payloads_get_structured_errors) {
  const std::vector<std::pair<json, std::string>> cases{
      {json::object(), "INVALID_PAYLOAD"},
      {{{"blocks", "text"}}, "INVALID_PAYLOAD"},
      {{{"blocks", {{{"kind", "table"}, {"text", "x"}}}}}, "INVALID_PAYLOAD"},
      {{{"blocks", {{{"kind", "paragraph"}, {"text", 5}}}}}, "INVALID_PAYLOAD"},
      {{{"blocks", {{{"kind", "heading"}, {"text", "x"}, {"level", 9}}}}}, "INVALID_PAYLOAD"},
      {{{"blocks", json::array()}, {"url", 7}}, "INVALID_PAYLOAD"},
  };
  for (const auto& [payload, name] : cases) {
    const json reply = call(payload);
    BOOST_TEST(!reply["ok"].get<bool>(), payload.dump());
    BOOST_TEST(reply["error"]["name"].get<std::string>() == name, payload.dump());
  }
  json many = {{"blocks", json::array()}};
  for (std::size_t i = 0; i <= cw::limits::kMaxPageBlocks; ++i) {
    many["blocks"].push_back({{"kind", "paragraph"}, {"text", ""}});
  }
  BOOST_TEST(call(many)["error"]["name"].get<std::string>() == "LIMIT_EXCEEDED");
  // The host keeps serving after errors.
  BOOST_TEST(call(read_json(data_dir() / "pages" / "terms_page.json"))["ok"].get<bool>());
}

BOOST_AUTO_TEST_CASE(empty_page_has_no_findings) {
  const json reply = call({{"blocks", json::array()}});
  BOOST_REQUIRE(reply["ok"].get<bool>());
  BOOST_TEST(reply["result"]["findings"].empty());
  BOOST_TEST(reply["result"]["rules"] == json::object());
  BOOST_TEST(reply["result"]["doc_type"].is_null());
}

BOOST_AUTO_TEST_CASE(rules_info_reports_the_pack) {
  const json reply =
      json::parse(cw::handle_message(R"({"id":2,"type":"rules.info","payload":{}})", ctx));
  BOOST_REQUIRE(reply["ok"].get<bool>());
  BOOST_TEST(reply["result"]["version"].get<int>() == 3);
  BOOST_TEST(reply["result"]["provisions"].get<int>() == 5);
  BOOST_TEST(reply["result"]["families"]["privacy"]["protections"].get<int>() == 1);
  const json ping = json::parse(cw::handle_message(R"({"id":3,"type":"ping"})", ctx));
  BOOST_TEST(ping["result"]["rule_pack"]["version"].get<int>() == 3);
}

BOOST_AUTO_TEST_SUITE_END()
