// Stored bodies: zstd frames, each delta-compressed against the previous texts of the same
// document (they are the zstd prefix), in chains of at most kKeyframeInterval bodies so a read
// decompresses a bounded chain.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/errors.h"

namespace cw::archive {

// A read walks at most this many bodies: when a chain reaches it, the next body starts a new
// chain as a delta on the keyframe of the old one (archive.cpp), or as a keyframe when that is
// smaller. On the OTA corpus 64 steps of a ~100 KB text took up to 2.6 ms; 32 halve that, and
// restarting on the keyframe costs far less space than a keyframe would.
inline constexpr int kKeyframeInterval = 32;
// A restart is a delta on a body of depth below kRestartDepth (the newest kRestartCandidates of
// them and the chain's keyframe are tried), so a restart builds on recent text, not an ever older
// keyframe; the chains after it are shorter. On the OTA corpus restarts always on the keyframe
// took 264 KB (48), on depth < 4 225 KB (55), on depth < 12 ~123 KB (74); depth < 16 is worse
// again (more, shorter chains).
inline constexpr int kRestartDepth = 12;
inline constexpr int kRestartCandidates = 4;
// A body's prefix is the texts of up to 4 bodies back along its chain: flapping documents (A, B,
// A', B') then find most of each text in one of them. On the OTA corpus this takes the frames
// from 3.18 MB to 2.85 MB at level 9.
inline constexpr int kPrefixTexts = 4;
// Decoded bodies kept per connection (the prefix of the next body of an import, recent reads).
inline constexpr std::size_t kBodyCacheEntries = 8;
// zstd level for bodies. Levels above 12 switch to the optimal parsers, which index the whole
// prefix again for every body: on the OTA corpus level 19 costs 16.5 s of CPU for 1% less space
// than level 9 (0.8 s). With the 4-text prefix, level 9 is smaller than level 19 was alone.
inline constexpr int kBodyCompressionLevel = 9;

// Compresses `text`, using `prefix` (possibly empty) as the reference content.
Expected<std::string> compress_body(std::string_view text, std::string_view prefix,
                                    int level = kBodyCompressionLevel);

// Decompresses a body made by compress_body with the same prefix. `expected_size` is the stored
// original size; a frame that claims another size is reported as ARCHIVE_CORRUPT.
Expected<std::string> decompress_body(std::string_view frame, std::string_view prefix,
                                      std::size_t expected_size);

// Small records (packed findings, change records) as zstd frames: the level at which they are
// written (a record is a few KB at most, so the optimal parser costs little) and the largest size
// a frame may claim when read back.
inline constexpr int kRecordCompressionLevel = 19;
inline constexpr std::size_t kMaxRecordBytes = std::size_t{64} << 20U;

// Keyframes (a document's first text, or a chain's restart) with a trained dictionary (migration
// 7): legal texts of different services share much boilerplate, which a dictionary trained on
// the first texts of many documents holds. On the OTA corpus (166 first texts, 4.5 MB) a 110 KB
// dictionary takes the keyframes from 1.39 MB to ~1.0 MB, and costs ~40 KB itself (stored
// compressed).
inline constexpr std::size_t kDictionaryBytes = 112640;
// Training needs many samples to find what they share; with fewer documents there is no gain.
inline constexpr std::size_t kDictionaryMinSamples = 32;
// Training reads at most this much sample text (zdict.h advises ~100x the dictionary size).
inline constexpr std::size_t kDictionarySampleBytes = std::size_t{16} << 20U;
// Keyframes are written once and read often: the level above which the gain stops (OTA: level 15
// 1.005 MB, 19 0.999 MB, 12 1.05 MB).
inline constexpr int kKeyframeCompressionLevel = 15;
// Keyframes that must be written quickly (sync): with the dictionary, a low level still keeps most
// of its gain.
inline constexpr int kFastKeyframeLevel = 3;

// Trains a dictionary on sample texts. Errors: ARCHIVE_IO when training fails (too few or too
// small samples).
Expected<std::string> train_dictionary(const std::vector<std::string_view>& samples);

// Change records (migration 9): an archive's first import that writes at least
// kRecordDictionaryMinSamples of them trains a dictionary on them and stores them again with it.
// Records share their keys, rule titles, law references and summaries: on the OTA corpus (1,069
// records, 0.77 MB of JSON) the frames go from 326 KB alone to 86 KB plus the 32 KB dictionary
// (8.6 KB stored); asking for 64 KB gave a 36 KB dictionary and 106 KB of frames. Their frames
// carry the dictionary's id, so a reader finds it without a column.
inline constexpr std::size_t kRecordDictionaryBytes = 32768;
inline constexpr std::size_t kRecordDictionaryMinSamples = 64;

// Trains a dictionary of `bytes` on sample texts. Errors: ARCHIVE_IO when training fails (too
// few or too small samples).
Expected<std::string> train_dictionary(const std::vector<std::string_view>& samples,
                                       std::size_t bytes);

// The zstd dictionary id a frame names (0: none).
unsigned frame_dictionary_id(std::string_view frame);
// The id of a dictionary made by train_dictionary (0: not one).
unsigned dictionary_id_of(std::string_view content);

// A trained dictionary, ready to compress and decompress keyframes (or change records).
class BodyDictionary {
 public:
  enum class Use { kKeyframes, kRecords };
  // `content` as train_dictionary made it. Errors: ARCHIVE_CORRUPT when zstd refuses it.
  // Keyframes are written at kKeyframeCompressionLevel without the dictionary id in the frame (the
  // body row names it); records at kRecordCompressionLevel with it.
  static Expected<std::unique_ptr<BodyDictionary>> load(const std::string& content,
                                                        Use use = Use::kKeyframes);
  ~BodyDictionary();
  BodyDictionary(const BodyDictionary&) = delete;
  BodyDictionary& operator=(const BodyDictionary&) = delete;
  Expected<std::string> compress(std::string_view text) const;
  // At kFastKeyframeLevel (keyframes written by sync, which must be quick).
  Expected<std::string> compress_fast(std::string_view text) const;
  Expected<std::string> decompress(std::string_view frame, std::size_t expected_size) const;

 private:
  BodyDictionary() = default;
  Use use_ = Use::kKeyframes;
  struct Handles;
  std::unique_ptr<Handles> handles_;
};

// Decompresses a frame whose size is taken from its own header (at most kMaxRecordBytes).
Expected<std::string> decompress_record(std::string_view frame, std::string_view prefix = {});

}  // namespace cw::archive
