// Native-messaging framing: a 4-byte length in native byte order, then that many bytes of UTF-8
// JSON.
//
// The pure functions (decode_length, check_length, encode_frame) are tested on byte arrays.
// FrameReader checks every length against its limit before it allocates, and skips an oversized
// frame in bounded chunks so that one bad frame does not end the session.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/limits.h"
#include "protocol/errors.h"

namespace cw::framing {

inline constexpr std::size_t kHeaderBytes = 4;

std::uint32_t decode_length(std::span<const std::uint8_t, kHeaderBytes> header);
std::array<std::uint8_t, kHeaderBytes> encode_length(std::uint32_t length);

enum class LengthCheck { kOk, kEmpty, kTooLarge };
LengthCheck check_length(std::uint32_t length, std::uint32_t max_bytes);

// Header + body, or an error if the body is over max_bytes (the browser would close the port).
Expected<std::string> encode_frame(std::string_view body,
                                   std::uint32_t max_bytes = limits::kMaxOutboundFrameBytes);

// Reads up to `size` bytes into `buffer`. Returns the count, 0 at end of input, or -1 on an error.
using ReadFn = std::function<std::ptrdiff_t(std::uint8_t* buffer, std::size_t size)>;
// Writes all of `data`; returns false if the output is gone.
using WriteFn = std::function<bool(std::string_view data)>;

enum class ReadStatus {
  kFrame,            // body holds one complete frame
  kEof,              // input ended cleanly between frames
  kTruncatedHeader,  // input ended inside the 4-byte header
  kTruncatedBody,    // input ended inside the body
  kEmpty,            // a frame of length 0
  kTooLarge,         // length over the limit; its body was skipped unread
  kIoError,
};

struct ReadResult {
  ReadStatus status = ReadStatus::kEof;
  std::string body;
  std::uint32_t length = 0;  // the length the header announced
  std::size_t received = 0;  // bytes of the body (or header) that arrived
};

class FrameReader {
 public:
  explicit FrameReader(ReadFn read, std::uint32_t max_bytes = limits::kMaxInboundFrameBytes);

  // Blocks until a whole frame, the end of input or an error. Never allocates more than max_bytes.
  ReadResult next();

 private:
  // Reads exactly `size` bytes unless the input ends first; returns how many arrived.
  std::size_t read_fully(std::uint8_t* buffer, std::size_t size, bool& io_error);
  void skip(std::uint64_t size, bool& io_error);

  ReadFn read_;
  std::uint32_t max_bytes_;
};

// The error reply for a frame-level failure, or nullopt-like kFrame/kEof (returns INTERNAL there).
Error frame_error(const ReadResult& result, std::uint32_t max_bytes);

// FrameReader/WriteFn over POSIX file descriptors (retrying on EINTR).
ReadFn fd_reader(int fd);
WriteFn fd_writer(int fd);

}  // namespace cw::framing
