// banner.analyze: judges one cookie-banner snapshot (PROTOCOL.md, "banner.analyze").
#include "actions/actions.h"
#include "archive/service.h"
#include "banner/banner_archive.h"
#include "banner/judge.h"
#include "banner/observation.h"
#include "banner/rules.h"
#include "banner/snapshot.h"
#include "protocol/payload.h"

namespace cw::actions {
namespace {

Expected<nlohmann::json> banner_analyze(const nlohmann::json& payload, ActionContext& ctx) {
  const auto it = payload.find("snapshot");
  if (it == payload.end() || !it->is_object()) {
    return payload::invalid("banner.analyze", "'snapshot' must be an object");
  }
  auto snapshot = banner::parse_snapshot(*it);
  if (!snapshot) return snapshot.error();
  auto rules = banner::BannerRules::instance();
  if (!rules) return rules.error();
  const banner::Verdict verdict = banner::judge(*snapshot, **rules);
  nlohmann::json result = banner::to_json(*snapshot, verdict);
  // The record the archive keeps per site; compare_observations() turns two of them into a change.
  result["observation"] = banner::make_observation(*snapshot, verdict);
  // Storage never fails the verdict: an archive that cannot open or write gives archive: null.
  // A page without a host (file:, about:) has no site to keep the banner under, and a context
  // without a data folder (a judge-only caller) has no archive.
  result["archive"] = nullptr;
  result["change"] = nullptr;
  const nlohmann::json& observation = result["observation"];
  const std::string site = observation.value("site", "");
  if (site.empty() || ctx.config().data_dir.empty()) return result;
  auto archive = archive::archive_for(ctx);
  if (!archive) return result;
  auto recorded = banner::record_banner_observation(**archive, site, snapshot->url, observation);
  if (!recorded) return result;
  result["archive"] = recorded->archive_json();
  result["change"] = recorded->change;
  return result;
}

}  // namespace

const ActionSpec kBannerAnalyze{"banner.analyze", &banner_analyze,
                                "judges a cookie-banner snapshot against criteria CB-01..CB-22"};

}  // namespace cw::actions
