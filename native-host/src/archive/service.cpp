#include "archive/service.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

namespace cw::archive {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Expected<Archive*> archive_for(ActionContext& ctx) {
  if (auto* existing = ctx.find<Archive>()) return existing;
  auto opened = Archive::open(ctx.config().data_dir / "archive.sqlite3");
  if (!opened) return opened.error();
  return &ctx.put<Archive>(std::move(*opened));
}

std::string site_of(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  auto host = url.substr(scheme + 3);
  host = host.substr(0, host.find_first_of("/?#"));
  if (auto at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
  host = host.substr(0, host.find(':'));
  std::string out = lower_ascii(host);
  if (out.rfind("www.", 0) == 0) out.erase(0, 4);
  return out;
}

std::string guess_terms_type(std::string_view url, std::string_view title) {
  const std::string hay = lower_ascii(std::string(url) + " " + std::string(title));
  struct Guess {
    const char* needle;
    const char* type;
  };
  static constexpr Guess kGuesses[] = {
      {"cookie", "Trackers Policy"},
      {"acceptable", "Acceptable Use Policy"},
      {"usage-polic", "Acceptable Use Policy"},
      {"usage polic", "Acceptable Use Policy"},
      {"privacy", "Privacy Policy"},
      {"data-processing", "Data Processor Agreement"},
      {"dpa", "Data Processor Agreement"},
      {"community", "Community Guidelines"},
      {"developer", "Developer Terms"},
      {"commercial", "Commercial Terms"},
  };
  for (const auto& g : kGuesses) {
    if (hay.find(g.needle) != std::string::npos) return g.type;
  }
  return "Terms of Service";
}

std::string now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

Expected<nlohmann::json> record_page(ActionContext& ctx, const PageRecord& page) {
  auto archive = archive_for(ctx);
  if (!archive) return archive.error();
  Capture capture;
  capture.document.domain = site_of(page.url);
  capture.document.service = capture.document.domain.empty() ? "unknown" : capture.document.domain;
  capture.document.terms_type =
      page.terms_type.empty() ? guess_terms_type(page.url, page.title) : page.terms_type;
  capture.document.variant = page.variant;
  capture.url = page.url;
  capture.text = page.text;
  capture.seen_at = now_iso8601();
  capture.origin = origin_from_string(ctx.config().source).value_or(Origin::kBrowser);
  capture.findings = page.findings;
  capture.normalized = page.normalized;
  auto recorded = (*archive)->record(capture);
  if (!recorded) return recorded.error();
  nlohmann::json version{{"id", recorded->version_id},
                         {"document_id", recorded->document_id},
                         {"hash", recorded->hash},
                         {"is_new", recorded->is_new_version},
                         {"verdict", std::string(changes::to_string(recorded->verdict))},
                         {"first_seen", recorded->first_seen},
                         {"versions_seen", recorded->versions_seen}};
  nlohmann::json change = nullptr;
  if (recorded->change_id) {
    auto stored = (*archive)->change_for_version(recorded->version_id);
    if (!stored) return stored.error();
    if (*stored) change = (*stored)->to_json();
  }
  return nlohmann::json{{"version", std::move(version)}, {"changes", std::move(change)}};
}

nlohmann::json archive_page_result(ActionContext& ctx, std::string_view url, std::string_view title,
                                   std::string_view lang, std::string_view terms_type,
                                   const std::vector<std::string_view>& blocks,
                                   const std::vector<engine::Finding>& findings,
                                   const std::string* normalized) {
  PageRecord page;
  page.url = std::string(url);
  page.title = std::string(title);
  page.terms_type = std::string(terms_type);
  page.variant = lower_ascii(lang.substr(0, lang.find_first_of("-_")));
  for (auto block : blocks) {
    if (!page.text.empty()) page.text += "\n\n";
    page.text.append(block);
  }
  page.findings = &findings;
  page.normalized = normalized;
  auto recorded = record_page(ctx, page);
  if (!recorded) return nlohmann::json{{"error", recorded.error().to_json()}};
  return std::move(*recorded);
}

}  // namespace cw::archive
