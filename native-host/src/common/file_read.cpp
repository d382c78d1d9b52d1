#include "common/file_read.h"

#include <fstream>
#include <system_error>

namespace cw {

Expected<std::string> read_file_bounded(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return Error::make(ErrorCode::IO_ERROR, {{"path", path.string()}, {"detail", ec.message()}});
  }
  if (size > max_bytes) {
    return Error::make(ErrorCode::LIMIT_EXCEEDED,
                       {{"what", path.string()}, {"limit", std::to_string(max_bytes) + " bytes"}});
  }
  std::ifstream in(path, std::ios::binary);
  std::string data(static_cast<std::size_t>(size), '\0');
  if (!in.read(data.data(), static_cast<std::streamsize>(data.size()))) {
    return Error::make(ErrorCode::IO_ERROR, {{"path", path.string()}, {"detail", "read failed"}});
  }
  return data;
}

}  // namespace cw
