// Where ClauseWatch keeps its files.
#pragma once

#include <filesystem>

namespace cw {

// $CLAUSEWATCH_HOME if set, else $XDG_DATA_HOME/clausewatch, else ~/.local/share/clausewatch.
std::filesystem::path data_dir();

// data_dir()/archive.sqlite3
std::filesystem::path default_archive_path();

}  // namespace cw
