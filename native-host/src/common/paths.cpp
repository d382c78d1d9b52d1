#include "common/paths.h"

#include <cstdlib>

namespace cw {
namespace {
const char* non_empty_env(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once at start-up
  return (value != nullptr && *value != '\0') ? value : nullptr;
}
}  // namespace

std::filesystem::path data_dir() {
  if (const char* home = non_empty_env("CLAUSEWATCH_HOME")) return home;
  if (const char* xdg = non_empty_env("XDG_DATA_HOME"))
    return std::filesystem::path(xdg) / "clausewatch";
  if (const char* home = non_empty_env("HOME")) {
    return std::filesystem::path(home) / ".local" / "share" / "clausewatch";
  }
  return std::filesystem::current_path() / ".clausewatch";
}

std::filesystem::path default_archive_path() {
  return data_dir() / "archive.sqlite3";
}

}  // namespace cw
