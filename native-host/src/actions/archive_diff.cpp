// archive.diff: the structured diff of any two versions, with the change record when one exists
// between them (PROTOCOL.md, "archive.diff").
#include "actions/actions.h"
#include "archive/service.h"
#include "changes/diff.h"
#include "common/limits.h"
#include "protocol/payload.h"
#include "text/normalize.h"

namespace cw::actions {
namespace {

constexpr std::string_view kType = "archive.diff";

Expected<nlohmann::json> archive_diff(const nlohmann::json& payload, ActionContext& ctx) {
  auto from = payload::optional_int(payload, kType, "from", 1, INT64_MAX, 0);
  if (!from) return from.error();
  auto to = payload::optional_int(payload, kType, "to", 1, INT64_MAX, 0);
  if (!to) return to.error();
  if (*from == 0 || *to == 0)
    return payload::invalid(kType, "'from' and 'to' version ids are required");
  auto offset = payload::optional_int(payload, kType, "offset", 0, INT64_MAX, 0);
  if (!offset) return offset.error();
  auto limit = payload::optional_int(payload, kType, "limit", 1,
                                     static_cast<std::int64_t>(limits::kMaxDiffBlocksPerReply),
                                     static_cast<std::int64_t>(limits::kMaxDiffBlocksPerReply));
  if (!limit) return limit.error();
  bool include_unchanged = false;
  if (auto it = payload.find("include_unchanged"); it != payload.end() && !it->is_null()) {
    if (!it->is_boolean()) return payload::invalid(kType, "'include_unchanged' must be a boolean");
    include_unchanged = it->get<bool>();
  }

  auto archive = archive::archive_for(ctx);
  if (!archive) return archive.error();
  auto from_info = (*archive)->version_info(*from);
  if (!from_info) return from_info.error();
  auto to_info = (*archive)->version_info(*to);
  if (!to_info) return to_info.error();
  auto before = (*archive)->version_text(*from);
  if (!before) return before.error();
  auto after = (*archive)->version_text(*to);
  if (!after) return after.error();
  // Diff the normalised texts: what the user reads, without Markdown and spacing noise.
  const auto diff =
      changes::diff_texts(text::normalize(*before).text, text::normalize(*after).text);
  nlohmann::json result =
      changes::to_json(diff, static_cast<std::size_t>(*offset), static_cast<std::size_t>(*limit),
                       include_unchanged, limits::kMaxDiffReplyTextBytes);
  result["from"] = from_info->to_json();
  result["to"] = to_info->to_json();
  nlohmann::json change = nullptr;
  auto stored = (*archive)->change_for_version(*to);
  if (!stored) return stored.error();
  if (*stored && (*stored)->from_version == *from) change = (*stored)->to_json();
  result["change"] = std::move(change);
  return result;
}

}  // namespace

const ActionSpec kArchiveDiff{kType, &archive_diff,
                              "structured diff (blocks, word changes) of any two versions"};

}  // namespace cw::actions
