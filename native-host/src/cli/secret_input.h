// Reading a passphrase or recovery code for the sync, export and import commands.
#pragma once

#include <string>

#include "protocol/errors.h"

namespace cw::cli {

// The first line of `file` if given, else $<env>, else a no-echo prompt on the terminal.
// SYNC_PASSPHRASE_REQUIRED when none is available or it is empty.
Expected<std::string> read_secret(const std::string& file, const char* env,
                                  const std::string& prompt);

}  // namespace cw::cli
