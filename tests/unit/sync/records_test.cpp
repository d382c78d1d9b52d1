// The record stream inside bundles: round trip, and refusal of damaged or oversized streams.
#define BOOST_TEST_MODULE sync_records
#include "sync/records.h"

#include <boost/test/unit_test.hpp>
#include <zstd.h>

#include "common/limits.h"
#include "sync/hlc.h"

using namespace cw::sync;

BOOST_AUTO_TEST_CASE(round_trip_keeps_every_field) {
  RecordWriter writer;
  writer.add({RecordKind::kInfo, "info", {{"device", "d"}, {"seq", 1}}, {}});
  std::string big(2'000'000, 'z');
  big[12345] = '\xE2';
  writer.add({RecordKind::kVersion, "abc", {{"doc", "x"}}, big});
  writer.add({RecordKind::kObservation, "o1", {{"url", "u"}}, {}});
  const std::string stream = writer.finish();
  BOOST_TEST(stream.size() < 10'000U);  // long runs compress
  RecordReader reader(stream);
  auto r1 = reader.next();
  BOOST_REQUIRE(r1.ok() && r1->has_value());
  BOOST_TEST(((*r1)->kind == RecordKind::kInfo));
  BOOST_TEST((*r1)->meta["seq"].get<int>() == 1);
  BOOST_TEST(!(*r1)->meta.contains("id"));
  auto r2 = reader.next();
  BOOST_REQUIRE(r2.ok() && r2->has_value());
  BOOST_TEST((*r2)->id == "abc");
  BOOST_TEST(((*r2)->body == big));
  auto r3 = reader.next();
  BOOST_REQUIRE(r3.ok() && r3->has_value());
  BOOST_TEST((*r3)->meta["url"].get<std::string>() == "u");
  auto end = reader.next();
  BOOST_REQUIRE(end.ok());
  BOOST_TEST(!end->has_value());
}

namespace {
std::string compress(const std::string& raw) {
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 1));
  return out;
}
std::string u32(std::uint32_t v) {
  std::string s;
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}
cw::Expected<std::optional<Record>> first_record(const std::string& raw) {
  const std::string stream = compress(raw);  // the reader keeps a view of it
  RecordReader reader(stream);
  return reader.next();
}
}  // namespace

BOOST_AUTO_TEST_CASE(declared_sizes_are_checked_before_allocation) {
  // A record claiming a 4 GiB body: refused from its header alone.
  const std::string meta = R"({"id":"x"})";
  auto huge = first_record(std::string(1, '\x02') + u32(meta.size()) + meta + u32(0xFFFFFFF0U));
  BOOST_REQUIRE(!huge.ok());
  BOOST_TEST(huge.error().message.find("too large") != std::string::npos);
  auto huge_meta = first_record(std::string(1, '\x02') + u32(0x7FFFFFFFU));
  BOOST_REQUIRE(!huge_meta.ok());
}

BOOST_AUTO_TEST_CASE(damaged_streams_are_errors_not_records) {
  const std::string meta = R"({"id":"x"})";
  const std::string good = std::string(1, '\x02') + u32(meta.size()) + meta + u32(3) + "abc";
  // No end marker.
  const std::string no_end_stream = compress(good);
  RecordReader no_end(no_end_stream);
  BOOST_TEST(no_end.next().ok());
  BOOST_TEST(!no_end.next().ok());
  // Cut inside the body.
  BOOST_TEST(!first_record(good.substr(0, good.size() - 1)).ok());
  // Unknown kind.
  BOOST_TEST(!first_record(std::string(1, '\x63') + good.substr(1) + std::string(1, '\0')).ok());
  // Metadata that is not an object with an id.
  const std::string bad_meta = R"(["x"])";
  BOOST_TEST(
      !first_record(std::string(1, '\x02') + u32(bad_meta.size()) + bad_meta + u32(0) + '\0').ok());
  // Not zstd at all.
  RecordReader garbage(std::string("definitely not zstd"));
  BOOST_TEST(!garbage.next().ok());
  // Empty input.
  RecordReader empty(std::string{});
  BOOST_TEST(!empty.next().ok());
}

BOOST_AUTO_TEST_CASE(hybrid_clock_orders_writes) {
  HybridClock clock;
  const auto a = clock.tick(1000);
  const auto b = clock.tick(1000);  // same millisecond
  const auto c = clock.tick(999);   // wall clock stepped back
  BOOST_TEST(a < b);
  BOOST_TEST(b < c);
  clock.observe(5000ULL << 16U);  // a remote device ahead of us
  BOOST_TEST(clock.tick(1001) > (5000ULL << 16U));
  BOOST_TEST(newer_write(10, "a", 9, "z"));
  BOOST_TEST(newer_write(10, "b", 10, "a"));  // tie: device id decides
  BOOST_TEST(!newer_write(10, "a", 10, "b"));
}
