// Reading a whole file from outside the process, with its size checked before anything is
// allocated.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "protocol/errors.h"

namespace cw {

// The file's bytes, or IO_ERROR (missing, unreadable) or LIMIT_EXCEEDED (over max_bytes).
Expected<std::string> read_file_bounded(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace cw
