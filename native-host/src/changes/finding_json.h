// Findings as stored in the archive: the engine's JSON form, read back into cw::engine::Finding.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/finding.h"
#include "protocol/errors.h"

namespace cw::changes {

// The inverse of engine::to_json. Unknown polarity or severity strings are an ARCHIVE_CORRUPT
// error.
Expected<engine::Finding> finding_from_json(const nlohmann::json& j);

}  // namespace cw::changes
