// One ActionSpec per message type; each is defined in its own file in this folder and listed in
// registry.cpp.
#pragma once

#include "protocol/dispatch.h"

namespace cw::actions {

extern const ActionSpec kPing;                  // ping.cpp
extern const ActionSpec kArchiveHistory;        // archive_history.cpp
extern const ActionSpec kArchiveDiff;           // archive_diff.cpp
extern const ActionSpec kArchiveChanges;        // archive_changes.cpp
extern const ActionSpec kBannerAnalyze;         // banner_analyze.cpp
extern const ActionSpec kPageAnalyze;           // page_analyze.cpp
extern const ActionSpec kRulesInfo;             // rules_info.cpp
extern const ActionSpec kSyncStatus;            // sync_status.cpp
extern const ActionSpec kSyncRun;               // sync_run.cpp
extern const ActionSpec kSyncInit;              // sync_init.cpp
extern const ActionSpec kSyncJoin;              // sync_join.cpp
extern const ActionSpec kArchiveBannerChanges;  // archive_banner_changes.cpp

}  // namespace cw::actions
