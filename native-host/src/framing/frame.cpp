#include "framing/frame.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <vector>

namespace cw::framing {

std::uint32_t decode_length(std::span<const std::uint8_t, kHeaderBytes> header) {
  std::uint32_t length = 0;
  std::memcpy(&length, header.data(), kHeaderBytes);  // native byte order, as browsers write it
  return length;
}

std::array<std::uint8_t, kHeaderBytes> encode_length(std::uint32_t length) {
  std::array<std::uint8_t, kHeaderBytes> header{};
  std::memcpy(header.data(), &length, kHeaderBytes);
  return header;
}

LengthCheck check_length(std::uint32_t length, std::uint32_t max_bytes) {
  if (length == 0) return LengthCheck::kEmpty;
  if (length > max_bytes) return LengthCheck::kTooLarge;
  return LengthCheck::kOk;
}

Expected<std::string> encode_frame(std::string_view body, std::uint32_t max_bytes) {
  if (body.size() > max_bytes) {
    return Error::make(ErrorCode::REPLY_TOO_LARGE, {{"bytes", body.size()}, {"limit", max_bytes}});
  }
  const auto header = encode_length(static_cast<std::uint32_t>(body.size()));
  std::string frame;
  frame.reserve(kHeaderBytes + body.size());
  frame.append(reinterpret_cast<const char*>(header.data()), kHeaderBytes);
  frame.append(body);
  return frame;
}

FrameReader::FrameReader(ReadFn read, std::uint32_t max_bytes)
    : read_(std::move(read)), max_bytes_(max_bytes) {}

std::size_t FrameReader::read_fully(std::uint8_t* buffer, std::size_t size, bool& io_error) {
  std::size_t got = 0;
  while (got < size) {
    const std::ptrdiff_t n = read_(buffer + got, size - got);
    if (n < 0) {
      io_error = true;
      break;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

void FrameReader::skip(std::uint64_t size, bool& io_error) {
  std::vector<std::uint8_t> chunk(limits::kDiscardChunkBytes);
  while (size > 0 && !io_error) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size, chunk.size()));
    const std::size_t got = read_fully(chunk.data(), want, io_error);
    if (got < want) break;  // input ended; the next read reports it
    size -= got;
  }
}

ReadResult FrameReader::next() {
  ReadResult result;
  bool io_error = false;
  std::array<std::uint8_t, kHeaderBytes> header{};
  const std::size_t header_got = read_fully(header.data(), kHeaderBytes, io_error);
  if (io_error) {
    result.status = ReadStatus::kIoError;
    return result;
  }
  if (header_got == 0) {
    result.status = ReadStatus::kEof;
    return result;
  }
  if (header_got < kHeaderBytes) {
    result.status = ReadStatus::kTruncatedHeader;
    result.received = header_got;
    return result;
  }
  result.length = decode_length(header);
  switch (check_length(result.length, max_bytes_)) {
    case LengthCheck::kEmpty:
      result.status = ReadStatus::kEmpty;
      return result;
    case LengthCheck::kTooLarge:
      skip(result.length, io_error);
      result.status = io_error ? ReadStatus::kIoError : ReadStatus::kTooLarge;
      return result;
    case LengthCheck::kOk:
      break;
  }
  result.body.resize(result.length);  // bounded by max_bytes_ above
  result.received =
      read_fully(reinterpret_cast<std::uint8_t*>(result.body.data()), result.length, io_error);
  if (io_error) {
    result.status = ReadStatus::kIoError;
  } else if (result.received < result.length) {
    result.status = ReadStatus::kTruncatedBody;
    result.body.clear();
  } else {
    result.status = ReadStatus::kFrame;
  }
  return result;
}

Error frame_error(const ReadResult& result, std::uint32_t max_bytes) {
  switch (result.status) {
    case ReadStatus::kEmpty:
      return Error::make(ErrorCode::FRAME_EMPTY);
    case ReadStatus::kTooLarge:
      return Error::make(ErrorCode::FRAME_TOO_LARGE,
                         {{"length", result.length}, {"limit", max_bytes}});
    case ReadStatus::kTruncatedHeader:
      return Error::make(ErrorCode::FRAME_TRUNCATED,
                         {{"received", result.received}, {"expected", kHeaderBytes}});
    case ReadStatus::kTruncatedBody:
      return Error::make(ErrorCode::FRAME_TRUNCATED,
                         {{"received", result.received}, {"expected", result.length}});
    case ReadStatus::kIoError:
      return Error::make(ErrorCode::INTERNAL, {{"detail", "read from stdin failed"}});
    case ReadStatus::kFrame:
    case ReadStatus::kEof:
      break;
  }
  return Error::make(ErrorCode::INTERNAL, {{"detail", "not a frame error"}});
}

ReadFn fd_reader(int fd) {
  return [fd](std::uint8_t* buffer, std::size_t size) -> std::ptrdiff_t {
    for (;;) {
      const ssize_t n = ::read(fd, buffer, size);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  };
}

WriteFn fd_writer(int fd) {
  return [fd](std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  };
}

}  // namespace cw::framing
