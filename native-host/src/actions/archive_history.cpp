// archive.history: the versions of one document, or of every document of a service; without either,
// the list of documents in the archive (PROTOCOL.md, "archive.history").
#include "actions/actions.h"
#include "archive/service.h"
#include "common/limits.h"
#include "protocol/payload.h"

namespace cw::actions {
namespace {

constexpr std::string_view kType = "archive.history";

Expected<nlohmann::json> archive_history(const nlohmann::json& payload, ActionContext& ctx) {
  auto service = payload::optional_string(payload, kType, "service", 256);
  if (!service) return service.error();
  auto terms_type = payload::optional_string(payload, kType, "terms_type", 256);
  if (!terms_type) return terms_type.error();
  auto document_id = payload::optional_int(payload, kType, "document_id", 0, INT64_MAX, 0);
  if (!document_id) return document_id.error();
  auto offset = payload::optional_int(payload, kType, "offset", 0, INT64_MAX, 0);
  if (!offset) return offset.error();
  auto limit = payload::optional_int(payload, kType, "limit", 1, limits::kMaxHistoryPageRows, 100);
  if (!limit) return limit.error();
  bool meaningful_only = false;
  if (auto it = payload.find("meaningful_only"); it != payload.end() && !it->is_null()) {
    if (!it->is_boolean()) return payload::invalid(kType, "'meaningful_only' must be a boolean");
    meaningful_only = it->get<bool>();
  }

  auto archive = archive::archive_for(ctx);
  if (!archive) return archive.error();
  if (*document_id == 0 && service->empty()) {
    auto docs = (*archive)->documents();
    if (!docs) return docs.error();
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : *docs) list.push_back(d.to_json());
    return nlohmann::json{{"documents", std::move(list)},
                          {"versions", nlohmann::json::array()},
                          {"total", 0},
                          {"next_offset", nullptr}};
  }
  archive::HistoryQuery query;
  if (*document_id != 0) query.document_id = *document_id;
  query.service = *service;
  query.terms_type = *terms_type;
  query.meaningful_only = meaningful_only;
  query.offset = *offset;
  query.limit = *limit;
  auto page = (*archive)->history(query);
  if (!page) return page.error();
  nlohmann::json documents = nlohmann::json::array();
  for (const auto& d : page->documents) documents.push_back(d.to_json());
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& v : page->versions) versions.push_back(v.to_json());
  return nlohmann::json{{"documents", std::move(documents)},
                        {"versions", std::move(versions)},
                        {"total", page->total},
                        {"next_offset", page->next_offset ? nlohmann::json(*page->next_offset)
                                                          : nlohmann::json(nullptr)}};
}

}  // namespace

const ActionSpec kArchiveHistory{kType, &archive_history,
                                 "versions of a document or service, newest first (paged)"};

}  // namespace cw::actions
