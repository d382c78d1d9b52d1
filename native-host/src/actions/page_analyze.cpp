// page.analyze: findings for one captured legal page (PROTOCOL.md, "page.analyze").
#include <array>

#include "actions/actions.h"
#include "archive/service.h"
#include "common/limits.h"
#include "engine/pack_store.h"
#include "protocol/payload.h"

namespace cw::actions {
namespace {

constexpr std::string_view kType = "page.analyze";
constexpr std::array<std::string_view, 3> kBlockKinds{"heading", "paragraph", "list_item"};

struct Page {
  std::string url;
  std::string title;
  std::string lang;
  std::string doc_type;
  std::vector<engine::PageBlock> blocks;  // views into the payload
};

Expected<Page> read_page(const nlohmann::json& payload) {
  Page page;
  auto url = payload::optional_string(payload, kType, "url", limits::kMaxUrlBytes);
  auto title = payload::optional_string(payload, kType, "title", limits::kMaxTitleBytes);
  auto lang = payload::optional_string(payload, kType, "lang", 64);
  auto doc_type = payload::optional_string(payload, kType, "doc_type", 128);
  for (const auto* field : {&url, &title, &lang, &doc_type}) {
    if (!*field) return field->error();
  }
  page.url = std::move(*url);
  page.title = std::move(*title);
  page.lang = std::move(*lang);
  page.doc_type = std::move(*doc_type);
  const auto& known = engine::known_doc_types();
  if (!page.doc_type.empty() &&
      std::find(known.begin(), known.end(), page.doc_type) == known.end()) {
    return payload::invalid(kType, "doc_type '" + page.doc_type + "' is not an OTA terms type");
  }
  auto blocks = payload.find("blocks");
  if (blocks == payload.end() || !blocks->is_array()) {
    return payload::invalid(kType, "blocks must be an array");
  }
  if (blocks->size() > limits::kMaxPageBlocks) {
    return Error::make(ErrorCode::LIMIT_EXCEEDED,
                       {{"what", "blocks"}, {"limit", limits::kMaxPageBlocks}});
  }
  std::size_t total = 0;
  page.blocks.reserve(blocks->size());
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    const auto& block = (*blocks)[i];
    // Named only for an error: a page can have thousands of blocks.
    const auto where = [i] { return "blocks[" + std::to_string(i) + "]"; };
    if (!block.is_object()) return payload::invalid(kType, where() + " must be an object");
    auto kind = block.find("kind");
    auto text = block.find("text");
    if (kind == block.end() || !kind->is_string() ||
        std::find(kBlockKinds.begin(), kBlockKinds.end(), kind->get_ref<const std::string&>()) ==
            kBlockKinds.end()) {
      return payload::invalid(kType, where() + ".kind must be heading, paragraph or list_item");
    }
    if (text == block.end() || !text->is_string()) {
      return payload::invalid(kType, where() + ".text must be a string");
    }
    if (auto level = block.find("level");
        level != block.end() &&
        !(level->is_number_integer() && level->get<int>() >= 1 && level->get<int>() <= 6)) {
      return payload::invalid(kType, where() + ".level must be an integer from 1 to 6");
    }
    const auto& body = text->get_ref<const std::string&>();
    total += body.size();
    if (total > limits::kMaxPageTextBytes) {
      return Error::make(ErrorCode::LIMIT_EXCEEDED,
                         {{"what", "page text bytes"}, {"limit", limits::kMaxPageTextBytes}});
    }
    page.blocks.push_back({body, kind->get_ref<const std::string&>() == "heading"});
  }
  return page;
}

nlohmann::json counts_of(const std::vector<engine::Finding>& findings) {
  nlohmann::json counts{
      {"critical", 0}, {"warning", 0}, {"caution", 0}, {"info", 0}, {"protections", 0}};
  for (const auto& f : findings) {
    if (f.rule().polarity == engine::Polarity::kProtection) {
      counts["protections"] = counts["protections"].get<int>() + 1;
    } else {
      const std::string key(engine::to_string(f.rule().severity));
      counts[key] = counts[key].get<int>() + 1;
    }
  }
  return counts;
}

Expected<nlohmann::json> page_analyze(const nlohmann::json& payload, ActionContext& ctx) {
  auto page = read_page(payload);
  if (!page) return page.error();
  auto pack = engine::active_pack_for(ctx);
  if (!pack) return pack.error();

  std::string doc_type = page->doc_type;
  std::string doc_type_source = "payload";
  if (doc_type.empty()) {
    std::vector<std::string_view> headings;
    for (const auto& block : page->blocks) {
      if (block.heading) headings.push_back(block.text);
    }
    doc_type = engine::guess_doc_type(page->url, page->title, headings);
    doc_type_source = doc_type.empty() ? "unknown" : "guessed";
  }
  std::string normalized;  // the page as the archive hashes it, normalised once for both
  auto findings = (*pack)->engine.analyze(page->blocks, doc_type, &normalized);
  if (!findings) return findings.error();

  nlohmann::json result{
      {"doc_type", doc_type.empty() ? nlohmann::json(nullptr) : nlohmann::json(doc_type)},
      {"doc_type_source", doc_type_source},
      {"counts", counts_of(*findings)},
      {"truncated", findings->size() > limits::kMaxFindingsPerReply},
      {"rule_pack", {{"version", (*pack)->engine.pack().version}}}};
  // Each rule's text once (keyed by rule id), the findings only where they are: a long page
  // repeats a few rules many times.
  nlohmann::json list = nlohmann::json::array();
  nlohmann::json rules = nlohmann::json::object();
  for (std::size_t i = 0; i < findings->size() && i < limits::kMaxFindingsPerReply; ++i) {
    const auto& finding = (*findings)[i];
    list.push_back(engine::to_occurrence_json(finding));
    if (!rules.contains(finding.rule().rule_id))
      rules[finding.rule().rule_id] = engine::to_rule_json(finding);
  }
  result["findings"] = std::move(list);
  result["rules"] = std::move(rules);
  // Record the page in the archive (archive/service.h); an archive error never fails the analysis.
  std::vector<std::string_view> texts;
  texts.reserve(page->blocks.size());
  for (const auto& block : page->blocks) texts.push_back(block.text);
  result["archive"] = archive::archive_page_result(ctx, page->url, page->title, page->lang,
                                                   doc_type, texts, *findings, &normalized);
  return result;
}

}  // namespace

const ActionSpec kPageAnalyze{"page.analyze", &page_analyze,
                              "find provisions in a captured legal page"};

}  // namespace cw::actions
