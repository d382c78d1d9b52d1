// The archive as a service of the host and the CLI: opened once per process, on first use, at
// <data_dir>/archive.sqlite3 (common/paths.h), and the one call page.analyze makes to record a
// page.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "archive/archive.h"
#include "engine/finding.h"
#include "protocol/context.h"

namespace cw::archive {

// The process's archive, opened (and created) on first use. A failure is not cached, so a later
// call retries (e.g. after the user moved a foreign file away).
Expected<Archive*> archive_for(ActionContext& ctx);

struct PageRecord {
  std::string url;
  std::string title;
  std::string text;        // the captured text the findings were computed on
  std::string terms_type;  // OTA vocabulary; empty: guessed from the URL and title
  std::string variant;     // e.g. the page language; empty for the default
  const std::vector<engine::Finding>* findings = nullptr;
  const std::string* normalized = nullptr;  // text::normalize(text).text if known; null: computed
};

// Records a captured page as an observation and, when its text is new, a version with its findings.
// Returns the `archive` part of the page.analyze result (PROTOCOL.md, page.analyze):
//   {version: {id, hash, is_new, verdict, first_seen, versions_seen}, changes: <change record> |
//   null}
Expected<nlohmann::json> record_page(ActionContext& ctx, const PageRecord& page);

// The `archive` member of a page.analyze result for a page captured as blocks: the blocks joined
// with blank lines are the recorded text; `lang` ("en-GB") gives the variant ("en"). Never fails
// the analysis: an archive error becomes {"error": {code, name, message, params}}. `normalized`:
// the joined text already normalised (Engine::analyze gives it), so it is not normalised twice.
nlohmann::json archive_page_result(ActionContext& ctx, std::string_view url, std::string_view title,
                                   std::string_view lang, std::string_view terms_type,
                                   const std::vector<std::string_view>& blocks,
                                   const std::vector<engine::Finding>& findings,
                                   const std::string* normalized = nullptr);

// "openai.com" from "https://www.openai.com/policies/terms?x=1"; empty if there is no host.
std::string site_of(std::string_view url);
// The OTA terms type a page most likely is, from its URL and title ("Privacy Policy", ...).
std::string guess_terms_type(std::string_view url, std::string_view title);
// Now, as ISO 8601 UTC with seconds ("2026-11-25T14:23:12Z").
std::string now_iso8601();

}  // namespace cw::archive
