// The plaintext inside a sealed bundle: a zstd stream of typed records.
//
// A record is: kind u8, metadata length u32, metadata (a JSON object, always with "id"), body
// length u32, body (raw bytes, e.g. a version's text). Kind 0 ends the stream. Every length is
// checked against common/limits.h before anything is allocated.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/errors.h"

namespace cw::sync {

enum class RecordKind : std::uint8_t {
  kEnd = 0,
  kInfo = 1,         // first record of every bundle: who wrote it, what it acknowledges
  kVersion = 2,      // immutable, id = content hash; body = normalised text
  kObservation = 3,  // a sighting of a version; union keyed by id
  kFinding = 4,      // a finding on a version; union keyed by id
  kChange = 5,       // a change record between two versions; union keyed by id
  kDocument = 6,     // a document and its mutable fields; last writer wins by hybrid logical clock
  kSetting = 7,      // a mutable setting; last writer wins by hybrid logical clock
  kBannerObservation = 8,  // a site's cookie banner; union keyed by id, counters merge by max
  kBannerChange = 9,       // a banner change record between two observations; union keyed by id
};
inline constexpr std::uint8_t kMaxRecordKind = 9;
std::string_view kind_name(RecordKind kind);

struct Record {
  RecordKind kind = RecordKind::kEnd;
  std::string id;
  nlohmann::json meta = nlohmann::json::object();
  std::string body;
};

// Builds a compressed record stream incrementally, so a large archive never sits in memory twice.
class RecordWriter {
 public:
  RecordWriter();
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  void add(const Record& record);
  // Uncompressed bytes added so far (writers split bundles on this).
  [[nodiscard]] std::uint64_t plain_bytes() const { return plain_bytes_; }
  [[nodiscard]] std::uint64_t count() const { return count_; }
  // Ends the stream and returns the compressed bytes.
  std::string finish();

 private:
  void write(std::string_view bytes, bool end);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint64_t plain_bytes_ = 0;
  std::uint64_t count_ = 0;
};

// Reads records back one by one. Errors carry a short detail for SYNC_BUNDLE_INVALID.
class RecordReader {
 public:
  explicit RecordReader(std::string_view compressed);
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // The next record, or nullopt at the end marker. A stream that ends without the marker is an
  // error.
  Expected<std::optional<Record>> next();

 private:
  Expected<bool> fill(std::size_t need);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cw::sync
