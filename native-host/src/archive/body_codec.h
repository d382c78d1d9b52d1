// Stored bodies: zstd frames, each delta-compressed against the previous text of the same document
// (the previous text is the zstd prefix), with a self-contained keyframe every kKeyframeInterval
// bodies so a read decompresses a bounded chain.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/errors.h"

namespace cw::archive {

// A keyframe every 64 bodies bounds a read to 63 delta steps (DESIGN.md "Scale": the worst read
// drops from 3.2 ms to 0.5 ms for about 12% more space).
inline constexpr int kKeyframeInterval = 64;
// zstd level for bodies: 19 is near `zstd -19` size; with a prefix most of each text is one long
// match, so the cost per body stays low.
inline constexpr int kBodyCompressionLevel = 19;

// Compresses `text`, using `prefix` (possibly empty) as the reference content.
Expected<std::string> compress_body(std::string_view text, std::string_view prefix,
                                    int level = kBodyCompressionLevel);

// Decompresses a body made by compress_body with the same prefix. `expected_size` is the stored
// original size; a frame that claims another size is reported as ARCHIVE_CORRUPT.
Expected<std::string> decompress_body(std::string_view frame, std::string_view prefix,
                                      std::size_t expected_size);

}  // namespace cw::archive
