#include "cli/commands.h"

#include <array>
#include <iostream>

namespace cw::cli {

std::span<const RegisterFn> command_table() {
  static const std::array kTable = {
      &register_version,  &register_call,       &register_history,    &register_diff,
      &register_changes,  &register_import_ota, &register_export_ota, &register_check,
      &register_classify, &register_rules,      &register_banner,     &register_sync,
      &register_export,   &register_import,
  };
  return kTable;
}

int report_error(const Error& error) {
  std::cerr << "clausewatch: " << error.to_string() << '\n';
  // Exit codes: 2 for usage, 1 for everything else (error.code is in the message for scripts).
  return error.code == ErrorCode::USAGE ? 2 : 1;
}

}  // namespace cw::cli
