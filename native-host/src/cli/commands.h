// The CLI's subcommands: each lives in its own cmd_<name>.cpp and registers itself on the app.
// A command's callback returns the process exit code through CliResult.
#pragma once

#include <functional>
#include <span>

#include <CLI/CLI.hpp>

#include "protocol/context.h"
#include "protocol/errors.h"

namespace cw::cli {

// Shared state every command may use: the context the protocol actions run in, and the exit code.
struct CliState {
  ActionContext* ctx = nullptr;
  int exit_code = 0;
};

using RegisterFn = void (*)(CLI::App& app, CliState& state);

// All subcommands (commands.cpp).
std::span<const RegisterFn> command_table();

// Prints an error as "clausewatch: [NAME] message" on stderr and returns the exit code for it.
int report_error(const Error& error);

void register_call(CLI::App& app, CliState& state);        // cmd_call.cpp
void register_version(CLI::App& app, CliState& state);     // cmd_version.cpp
void register_history(CLI::App& app, CliState& state);     // cmd_history.cpp
void register_diff(CLI::App& app, CliState& state);        // cmd_diff.cpp
void register_changes(CLI::App& app, CliState& state);     // cmd_changes.cpp
void register_import_ota(CLI::App& app, CliState& state);  // cmd_import_ota.cpp
void register_export_ota(CLI::App& app, CliState& state);  // cmd_export_ota.cpp
void register_check(CLI::App& app, CliState& state);       // cmd_check.cpp
void register_classify(CLI::App& app, CliState& state);    // cmd_classify.cpp
void register_rules(CLI::App& app, CliState& state);       // cmd_rules.cpp
void register_banner(CLI::App& app, CliState& state);      // cmd_banner.cpp
void register_sync(CLI::App& app, CliState& state);        // cmd_sync.cpp
void register_export(CLI::App& app, CliState& state);      // cmd_export.cpp (--sealed)
void register_import(CLI::App& app, CliState& state);      // cmd_import.cpp (sealed exports)

}  // namespace cw::cli
