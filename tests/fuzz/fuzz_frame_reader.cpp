// Fuzzes the frame reader on arbitrary stdin bytes: it must classify every input, never read past
// what it was given, never hand out a body over its limit, and account for every byte it consumed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "framing/frame.h"

namespace {
// A small limit so fuzzed headers reach the "too large" path with short inputs.
constexpr std::uint32_t kFuzzLimit = 4096;

void require(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t offset = 0;
  // Vary the read sizes from the first byte, so split reads are covered as well as whole ones.
  const std::size_t step = size > 0 ? (data[0] % 7) + 1 : 1;
  auto read = [&](std::uint8_t* buffer, std::size_t want) -> std::ptrdiff_t {
    const std::size_t n = std::min({want, size - offset, step});
    std::memcpy(buffer, data + offset, n);
    offset += n;
    return static_cast<std::ptrdiff_t>(n);
  };
  cw::framing::FrameReader reader(read, kFuzzLimit);
  for (int frames = 0; frames < 10'000; ++frames) {
    const std::size_t before = offset;
    const auto result = reader.next();
    require(offset <= size);
    switch (result.status) {
      case cw::framing::ReadStatus::kFrame:
        require(result.body.size() == result.length);
        require(result.length > 0 && result.length <= kFuzzLimit);
        require(offset - before == cw::framing::kHeaderBytes + result.length);
        // What came in must go out unchanged when framed again.
        require(cw::framing::encode_frame(result.body, kFuzzLimit).value().substr(4) ==
                result.body);
        break;
      case cw::framing::ReadStatus::kEmpty:
        require(result.length == 0);
        break;
      case cw::framing::ReadStatus::kTooLarge:
        require(result.length > kFuzzLimit && result.body.empty());
        (void)cw::framing::frame_error(result, kFuzzLimit);
        break;
      case cw::framing::ReadStatus::kEof:
      case cw::framing::ReadStatus::kTruncatedHeader:
      case cw::framing::ReadStatus::kTruncatedBody:
        require(offset == size);
        (void)cw::framing::frame_error(result, kFuzzLimit);
        return 0;
      case cw::framing::ReadStatus::kIoError:
        std::abort();  // the in-memory reader never fails
    }
  }
  return 0;
}
