// Every limit ClauseWatch enforces, in one place, each with the reason for its value.
//
// Parsers check these *before* they allocate. Each limit has a hard upper bound enforced at compile
// time, so an edit cannot raise a limit past what the surrounding code was written to survive.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cw::limits {

inline constexpr std::uint32_t kMiB = 1024U * 1024U;
// Size limits are computed in std::size_t so products never overflow before widening.
inline constexpr std::size_t kMiBSize = kMiB;
inline constexpr std::size_t kKiBSize = 1024;

// --- Native-messaging frames -------------------------------------------------------------------
// Chromium refuses to send more than 64 MiB to a host (measured on Chromium 156); anything larger
// is not from a browser, so it is refused unread.
inline constexpr std::uint32_t kMaxInboundFrameBytes = 64U * kMiB;
// Chromium closes the port when a host sends more than 1 MiB (kMaximumNativeMessageSize); replies
// that would exceed it are replaced by a REPLY_TOO_LARGE error, so the port stays open.
inline constexpr std::uint32_t kMaxOutboundFrameBytes = 1U * kMiB;
// While skipping an oversized frame the host reads it in chunks of this size, never all at once.
inline constexpr std::size_t kDiscardChunkBytes = 64 * kKiBSize;

// --- JSON ----------------------------------------------------------------------------------------
// Real requests nest fewer than 10 levels; the parser is checked against this before it runs, so a
// 100,000-deep document costs one linear scan and no recursion.
inline constexpr int kMaxJsonDepth = 64;
// Request ids are echoed back; a bounded size keeps error replies small.
inline constexpr std::size_t kMaxRequestIdBytes = 256;
inline constexpr std::size_t kMaxTypeBytes = 64;

// --- Captured pages (page.analyze) -------------------------------------------------------------
// The largest real legal page in the OTA corpus is about 700 KB of text; 200,000 blocks and 16 MiB
// of text leave ample room while bounding the work of one request.
inline constexpr std::size_t kMaxPageBlocks = 200'000;
inline constexpr std::size_t kMaxPageTextBytes = 16 * kMiBSize;
inline constexpr std::size_t kMaxUrlBytes = 8 * kKiBSize;
inline constexpr std::size_t kMaxTitleBytes = 4 * kKiBSize;
// A reply carries at most this many findings; more are reported as truncated (1 MiB reply limit).
inline constexpr std::size_t kMaxFindingsPerReply = 500;
// A finding names the heading of its section ("Business use of the Services"), cut to this many
// bytes on a character boundary: enough for any real heading, and 500 of them stay small.
inline constexpr std::size_t kMaxFindingSectionBytes = 200;

// --- Rule packs (engine) ----------------------------------------------------------------------
// The built-in pack is about 0.2 MB; a user-installed pack is outside data, so it is size-checked
// before it is read. 8 MiB and 5,000 provisions are far above any real pack and keep load time
// bounded.
inline constexpr std::size_t kMaxRulePackBytes = 8 * kMiBSize;
inline constexpr std::size_t kMaxRulePackProvisions = 5'000;
// A family's vocabulary (word lists its patterns name as {{NAME}}): the largest list is about
// 1 KB and a family uses about 20; a pattern with its words written out stays far below 64 KiB,
// which is checked before the pattern is built.
inline constexpr std::size_t kMaxVocabularyWords = 256;
inline constexpr std::size_t kMaxVocabularyNameBytes = 32;
inline constexpr std::size_t kMaxVocabularyWordBytes = 16 * kKiBSize;
inline constexpr std::size_t kMaxExpandedPatternBytes = 64 * kKiBSize;
// A family's word model (engine/word_model.h): the built-in one has about 7,300 weights; these
// bounds keep a user pack's model to a few MB of memory and its table quick to build.
inline constexpr std::size_t kMaxWordModelTermBytes = 64;
inline constexpr std::size_t kMaxWordModelWeights = 400'000;
// Scopes ("People in California") are a short list matched on every sentence that has a finding;
// 64 scopes of 64 patterns each keep that one RE2::Set small, and a label of 100 bytes fits next to
// a quote in the popup.
inline constexpr std::size_t kMaxRulePackScopes = 64;
inline constexpr std::size_t kMaxScopePatterns = 64;
inline constexpr std::size_t kMaxScopeLabelBytes = 100;
// A pack signature file holds 128 hex digits (64 bytes) plus a newline.
inline constexpr std::size_t kMaxRulePackSignatureBytes = 1024;
// `clausewatch classify` reads JSON lines; longer lines are reported and skipped.
inline constexpr std::size_t kMaxClassifyLineBytes = 1 * kMiBSize;

// --- Sync bundles and sealed exports (sync/, crypto/sealed_*) ------------------------------------
// A bundle file is read whole after its size is checked against this. The entire OTA corpus (4,318
// versions, 244 MB of text) seals to about 3 MB, so 256 MiB leaves room for far larger archives
// while keeping one import within memory on a small laptop. Writers split their output before this
// size.
inline constexpr std::uint64_t kMaxBundleFileBytes = 256ULL * kMiB;
// Decompressed record stream of one bundle: zstd with a long window reaches ~100:1 on legal text
// histories, so a bomb is cut off here rather than at the compressed size.
inline constexpr std::uint64_t kMaxBundlePlainBytes = 2048ULL * kMiB;
// One record (a version's text plus its metadata); the largest real legal text is about 700 KB.
inline constexpr std::uint32_t kMaxSyncRecordBytes = 32U * kMiB;
// Record metadata is a small JSON object (ids, dates, URLs).
inline constexpr std::uint32_t kMaxSyncRecordMetaBytes = 256U * 1024U;
// Records per bundle: the full OTA corpus is about 20,000 records (versions, observations,
// findings).
inline constexpr std::uint64_t kMaxBundleRecords = 5'000'000;
// A writer starts a new bundle past this much uncompressed record data, so no bundle nears the
// limit.
inline constexpr std::uint64_t kBundleSplitPlainBytes = 1024ULL * kMiB;
// Folder header and enrolment files are a few hundred bytes.
inline constexpr std::uint32_t kMaxSyncSmallFileBytes = 64U * 1024U;
// Devices enrolled in one folder; a research team is tens of people, a user a handful of browsers.
inline constexpr std::size_t kMaxSyncDevices = 1024;
// zstd window for the record stream (2^27 = 128 MiB), so long histories compress across versions;
// the reader refuses frames that ask for more.
inline constexpr int kSyncZstdWindowLog = 27;
// sync.init / sync.join payloads: a passphrase or recovery code (a recovery code is 70 characters;
// a passphrase longer than this is a paste accident), a folder path (PATH_MAX), a device name.
inline constexpr std::size_t kMaxSyncSecretBytes = 1024;
inline constexpr std::size_t kMaxSyncFolderPathBytes = 4096;
inline constexpr std::size_t kMaxSyncDeviceNameBytes = 200;

// --- Cookie-banner snapshots (banner/) ---------------------------------------------------------
// The largest real banner in the shared corpus (a Google Funding Choices dialog with every vendor)
// has about 700 controls and 260 switches over 4 layers; these limits leave several times that.
inline constexpr std::size_t kMaxBannerLayers = 16;
inline constexpr std::size_t kMaxBannerControls = 5'000;
inline constexpr std::size_t kMaxBannerToggles = 5'000;
// The capture script cuts control texts to 500 characters; labels longer than this are not labels.
inline constexpr std::size_t kMaxBannerControlTextBytes = 4 * kKiBSize;
// Banner and layer texts: a preference centre that lists every vendor runs to ~100 KB.
inline constexpr std::size_t kMaxBannerTextBytes = 512 * kKiBSize;
// Cookies present at load: busy news sites set a few hundred; a browser keeps at most 180 per
// domain.
inline constexpr std::size_t kMaxBannerCookies = 5'000;
// RFC 6265 user agents support names and values of at least 4096 bytes together.
inline constexpr std::size_t kMaxCookieNameBytes = 4 * kKiBSize;
// A TC string with every vendor in a bitfield is under 2 KB; ping and TCData objects with full
// vendor maps stay under 256 KB.
inline constexpr std::size_t kMaxTcStringBytes = 64 * kKiBSize;
inline constexpr std::size_t kMaxTcfDataBytes = 256 * kKiBSize;

// --- Archive and change detection (archive/, changes/) -----------------------------------------
// Writers wait this long for another process (a second browser, the CLI) to finish its transaction;
// a record takes well under 10 ms, so 10 s only runs out when something is stuck.
inline constexpr int kArchiveBusyTimeoutMs = 10'000;
// archive.history / archive.changes pages: rows per reply. A history row is ~300 bytes and a change
// record is bounded by kMaxChangeItems items, so both stay far below the 1 MiB reply limit.
inline constexpr std::int64_t kMaxHistoryPageRows = 500;
inline constexpr std::int64_t kMaxChangesPageRows = 50;
// Items in one change record; past this the record says it is truncated.
inline constexpr std::size_t kMaxChangeItems = 100;
// Quotes in change items are cut to this many bytes (on a UTF-8 boundary).
inline constexpr std::size_t kMaxChangeQuoteBytes = 1000;
// archive.diff: blocks per reply; bigger diffs are paged with `offset`.
inline constexpr std::size_t kMaxDiffBlocksPerReply = 400;
// ... and at most this much quoted text per reply, so JSON escaping never pushes it past 1 MiB.
inline constexpr std::size_t kMaxDiffReplyTextBytes = 600 * kKiBSize;
// A diff aligns at most this many blocks per side; dtl's Myers is O((N+M)·D) in time and memory.
inline constexpr std::size_t kMaxDiffBlocks = 50'000;
// import-ota: a file larger than this is not a legal text (the largest real one is ~700 KB).
inline constexpr std::uint64_t kMaxImportFileBytes = 16ULL * kMiB;
// import-ota: worker threads that normalise and analyse documents ahead of the writer, and how many
// documents they may run ahead (each holds its normalised texts until it is recorded).
inline constexpr int kImportThreads = 2;
inline constexpr int kImportPrepareAhead = 8;

// --- Matching (common/work_pool.h) ------------------------------------------------------------
// Threads that segment and match one page's sentences, the caller's included (fewer on a machine
// with fewer cores). A cap, not a measured optimum (only 2 cores were measured): a 100 KB page
// then still has parts of 25 KB, and the host leaves the other cores to the browser.
inline constexpr std::size_t kMaxMatchThreads = 4;
// A page is split only into parts of at least this much text: waking a busy machine's thread
// costs tens of microseconds, a 16 KB part takes several hundred. (On the 2-vCPU test VM a thread
// woken after the process sat idle for 5 ms started over a millisecond late in half the tries.)
inline constexpr std::size_t kMinMatchPartBytes = 16 * kKiBSize;

// --- Host process memory (common/allocator.h) -------------------------------------------------
// Freed memory the host keeps for the next message instead of returning it to the kernel, and the
// block size below which it uses the heap rather than a fresh mapping. A page.analyze of a 100 KB
// page uses a few MiB, so 16 MiB covers it while bounding what an idle host keeps after a very
// large page; an inbound frame at its limit (64 MiB) is mapped and unmapped as before.
inline constexpr std::size_t kAllocatorKeepFreedBytes = 16 * kMiBSize;
inline constexpr std::size_t kAllocatorMapAboveBytes = 32 * kMiBSize;

// --- Hard bounds (compile-time guards against careless edits) ----------------------------------
static_assert(kAllocatorMapAboveBytes <= 32 * kMiBSize, "glibc's largest mmap threshold");
static_assert(kMaxBannerControls * kMaxBannerControlTextBytes <= kMaxInboundFrameBytes * 2ULL,
              "a snapshot at its limits still arrives within a frame or two");
static_assert(kMaxBundleFileBytes <= 1024ULL * kMiB, "bundles are read whole into memory");
static_assert(kBundleSplitPlainBytes < kMaxBundlePlainBytes, "writers split before readers refuse");
static_assert(kMaxSyncRecordBytes <= 64U * kMiB, "records are held whole in memory");
static_assert(kMaxInboundFrameBytes <= 64U * kMiB, "browsers never send more than 64 MiB");
static_assert(kMaxOutboundFrameBytes <= 1U * kMiB, "browsers close the port past 1 MiB");
static_assert(kMaxJsonDepth >= 8 && kMaxJsonDepth <= 512, "depth must allow real requests");
static_assert(kMaxPageTextBytes <= kMaxInboundFrameBytes, "a page arrives inside one frame");

}  // namespace cw::limits
