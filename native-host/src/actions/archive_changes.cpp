// archive.changes: change records (provision deltas) since a date, newest first
// (PROTOCOL.md, "archive.changes").
#include <re2/re2.h>

#include "actions/actions.h"
#include "archive/service.h"
#include "common/limits.h"
#include "protocol/payload.h"

namespace cw::actions {
namespace {

constexpr std::string_view kType = "archive.changes";

Expected<nlohmann::json> archive_changes(const nlohmann::json& payload, ActionContext& ctx) {
  auto since = payload::optional_string(payload, kType, "since", 64);
  if (!since) return since.error();
  static const RE2 kDate(R"(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z?)?)");
  if (!since->empty() && !RE2::FullMatch(*since, kDate)) {
    return payload::invalid(kType,
                            "'since' must be a date such as 2025-01-31 or 2025-01-31T12:00:00Z");
  }
  auto service = payload::optional_string(payload, kType, "service", 256);
  if (!service) return service.error();
  auto document_id = payload::optional_int(payload, kType, "document_id", 0, INT64_MAX, 0);
  if (!document_id) return document_id.error();
  auto offset = payload::optional_int(payload, kType, "offset", 0, INT64_MAX, 0);
  if (!offset) return offset.error();
  auto limit = payload::optional_int(payload, kType, "limit", 1, limits::kMaxChangesPageRows, 20);
  if (!limit) return limit.error();

  auto archive = archive::archive_for(ctx);
  if (!archive) return archive.error();
  archive::ChangeQuery query;
  query.since = *since;
  query.service = *service;
  if (*document_id != 0) query.document_id = *document_id;
  query.offset = *offset;
  query.limit = *limit;
  auto page = (*archive)->changes(query);
  if (!page) return page.error();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : page->changes) list.push_back(c.to_json());
  return nlohmann::json{{"changes", std::move(list)},
                        {"total", page->total},
                        {"next_offset", page->next_offset ? nlohmann::json(*page->next_offset)
                                                          : nlohmann::json(nullptr)}};
}

}  // namespace

const ActionSpec kArchiveChanges{kType, &archive_changes,
                                 "change records in the user's rights since a date (paged)"};

}  // namespace cw::actions
