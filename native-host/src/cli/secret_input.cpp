#include "cli/secret_input.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <termios.h>
#include <unistd.h>

namespace cw::cli {

// Reads a secret: from a file (first line), the environment, or the terminal without echo.
Expected<std::string> read_secret(const std::string& file, const char* env,
                                  const std::string& prompt) {
  std::string value;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return Error::make(ErrorCode::IO_ERROR, {{"path", file}, {"detail", "cannot open"}});
    std::getline(in, value);
  } else if (const char* from_env = std::getenv(env); from_env != nullptr) {
    value = from_env;
  } else if (::isatty(STDIN_FILENO) != 0) {
    std::cerr << prompt << ": " << std::flush;
    termios old{};
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::getline(std::cin, value);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << '\n';
  } else {
    return Error::make(ErrorCode::SYNC_PASSPHRASE_REQUIRED,
                       {{"detail", std::string("use a file option or set ") + env}});
  }
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
  if (value.empty())
    return Error::make(ErrorCode::SYNC_PASSPHRASE_REQUIRED, {{"detail", "it was empty"}});
  return value;
}

}  // namespace cw::cli
