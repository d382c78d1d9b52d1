// What `clausewatch export --sealed` and `clausewatch import` share: open the sync store, read the
// passphrase, run the operation, and print its result as JSON or as one summary line.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "sync/engine.h"

namespace cw::cli {

struct SealedFileCommand {
  const char* name;
  const char* description;
  const char* file_option;  // "--sealed" (an option) or "file" (a positional)
  const char* file_help;
  const char* passphrase_prompt;
  std::function<Expected<nlohmann::json>(sync::SyncStore&, const std::string& file,
                                         const std::string& passphrase)>
      run;
  std::function<std::string(const std::string& file, const nlohmann::json& result)> summary;
};

void register_sealed_file_command(CLI::App& app, CliState& state, SealedFileCommand command);

}  // namespace cw::cli
