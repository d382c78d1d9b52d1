#define BOOST_TEST_MODULE framing
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "framing/frame.h"

using cw::framing::FrameReader;
using cw::framing::ReadStatus;

namespace {

std::string header(std::uint32_t length) {
  const auto bytes = cw::framing::encode_length(length);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// A byte source that hands out at most `chunk` bytes per read, like a pipe under load.
struct ChunkedSource {
  std::string data;
  std::size_t chunk;
  std::size_t pos = 0;
  std::ptrdiff_t operator()(std::uint8_t* buffer, std::size_t size) {
    const std::size_t n = std::min({size, chunk, data.size() - pos});
    std::memcpy(buffer, data.data() + pos, n);
    pos += n;
    return static_cast<std::ptrdiff_t>(n);
  }
};

FrameReader reader_over(std::string data, std::size_t chunk = 1 << 20,
                        std::uint32_t max = cw::limits::kMaxInboundFrameBytes) {
  auto source = std::make_shared<ChunkedSource>(ChunkedSource{std::move(data), chunk});
  return FrameReader([source](std::uint8_t* b, std::size_t n) { return (*source)(b, n); }, max);
}

}  // namespace

BOOST_AUTO_TEST_CASE(length_is_native_endian) {
  const std::uint8_t bytes[4] = {0x05, 0x00, 0x00, 0x00};  // this suite runs on little-endian hosts
  BOOST_TEST(cw::framing::decode_length(std::span<const std::uint8_t, 4>(bytes)) == 5U);
  const auto round = cw::framing::encode_length(0x01020304U);
  BOOST_TEST(cw::framing::decode_length(round) == 0x01020304U);
}

BOOST_AUTO_TEST_CASE(check_length_classifies_before_allocation) {
  using cw::framing::LengthCheck;
  BOOST_TEST((cw::framing::check_length(0, 100) == LengthCheck::kEmpty));
  BOOST_TEST((cw::framing::check_length(100, 100) == LengthCheck::kOk));
  BOOST_TEST((cw::framing::check_length(101, 100) == LengthCheck::kTooLarge));
  BOOST_TEST((cw::framing::check_length(0xFFFFFFFFU, cw::limits::kMaxInboundFrameBytes) ==
              LengthCheck::kTooLarge));
}

BOOST_AUTO_TEST_CASE(reads_a_whole_frame_and_then_eof) {
  auto reader = reader_over(header(7) + R"({"a":1})");
  auto first = reader.next();
  BOOST_TEST((first.status == ReadStatus::kFrame));
  BOOST_TEST(first.body == R"({"a":1})");
  BOOST_TEST((reader.next().status == ReadStatus::kEof));
}

BOOST_AUTO_TEST_CASE(split_reads_are_reassembled) {
  const std::string body = R"({"id":1,"type":"ping"})";
  auto reader =
      reader_over(header(static_cast<std::uint32_t>(body.size())) + body + header(2) + "{}",
                  /*chunk=*/1);
  auto first = reader.next();
  BOOST_TEST((first.status == ReadStatus::kFrame));
  BOOST_TEST(first.body == body);
  auto second = reader.next();
  BOOST_TEST((second.status == ReadStatus::kFrame));
  BOOST_TEST(second.body == "{}");
}

BOOST_AUTO_TEST_CASE(truncated_header_is_reported) {
  auto reader = reader_over(std::string("\x05\x00", 2));
  auto result = reader.next();
  BOOST_TEST((result.status == ReadStatus::kTruncatedHeader));
  BOOST_TEST(result.received == 2U);
}

BOOST_AUTO_TEST_CASE(truncated_body_is_reported) {
  auto reader = reader_over(header(10) + "{}");
  auto result = reader.next();
  BOOST_TEST((result.status == ReadStatus::kTruncatedBody));
  BOOST_TEST(result.received == 2U);
  BOOST_TEST(result.length == 10U);
  const auto error = cw::framing::frame_error(result, 100);
  BOOST_TEST((error.code == cw::ErrorCode::FRAME_TRUNCATED));
}

BOOST_AUTO_TEST_CASE(zero_length_frame_is_empty_and_reading_continues) {
  auto reader = reader_over(header(0) + header(2) + "{}");
  BOOST_TEST((reader.next().status == ReadStatus::kEmpty));
  auto next = reader.next();
  BOOST_TEST((next.status == ReadStatus::kFrame));
  BOOST_TEST(next.body == "{}");
}

BOOST_AUTO_TEST_CASE(oversized_frame_is_skipped_without_allocating_it) {
  // A 300-byte frame against a 100-byte limit is skipped; the following frame still parses.
  auto reader = reader_over(header(300) + std::string(300, 'x') + header(2) + "{}", 7, 100);
  auto big = reader.next();
  BOOST_TEST((big.status == ReadStatus::kTooLarge));
  BOOST_TEST(big.length == 300U);
  BOOST_TEST(big.body.capacity() < 300U);
  auto next = reader.next();
  BOOST_TEST((next.status == ReadStatus::kFrame));
  BOOST_TEST(next.body == "{}");
}

BOOST_AUTO_TEST_CASE(length_0xffffffff_with_no_body_ends_cleanly) {
  auto reader = reader_over(header(0xFFFFFFFFU));
  auto result = reader.next();
  BOOST_TEST((result.status == ReadStatus::kTooLarge));
  const auto error = cw::framing::frame_error(result, cw::limits::kMaxInboundFrameBytes);
  BOOST_TEST((error.code == cw::ErrorCode::FRAME_TOO_LARGE));
  BOOST_TEST(error.params["length"].get<std::uint64_t>() == 0xFFFFFFFFULL);
  BOOST_TEST((reader.next().status == ReadStatus::kEof));
}

BOOST_AUTO_TEST_CASE(encode_refuses_replies_over_one_mebibyte) {
  const std::string exactly(cw::limits::kMaxOutboundFrameBytes, 'a');
  auto ok = cw::framing::encode_frame(exactly);
  BOOST_TEST(ok.ok());
  BOOST_TEST(ok.value().size() == exactly.size() + 4);
  auto too_big = cw::framing::encode_frame(exactly + "a");
  BOOST_TEST(!too_big.ok());
  BOOST_TEST((too_big.error().code == cw::ErrorCode::REPLY_TOO_LARGE));
}
