// The dispatch table. Add a row when you add an action file.
#include <array>

#include "actions/actions.h"

namespace cw {

std::span<const ActionSpec> action_table() {
  static const std::array kTable = {
      actions::kPing,          actions::kArchiveHistory,
      actions::kArchiveDiff,   actions::kArchiveChanges,
      actions::kBannerAnalyze, actions::kPageAnalyze,
      actions::kRulesInfo,     actions::kSyncStatus,
      actions::kSyncRun,       actions::kArchiveBannerChanges,
      actions::kSyncInit,      actions::kSyncJoin,
  };
  return kTable;
}

}  // namespace cw
