#include "sync/records.h"

#include <zstd.h>

#include "common/bounded_json.h"
#include "common/limits.h"

namespace cw::sync {
namespace {

// Level 1 with long-distance matching: versions of one document sit next to each other in a bundle,
// so most of each text is one long match against its predecessor, which long-distance matching
// finds at any level; the fastest level keeps a first sync of thousands of versions in seconds.
constexpr int kCompressionLevel = 1;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((v >> (8U * static_cast<unsigned>(i))) & 0xFFU);
}
std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8U) | static_cast<unsigned char>(p[i]);
  return v;
}

Error invalid(std::string detail) {
  return Error::make(ErrorCode::SYNC_BUNDLE_INVALID,
                     {{"file", "?"}, {"detail", std::move(detail)}});
}

}  // namespace

std::string_view kind_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::kEnd:
      return "end";
    case RecordKind::kInfo:
      return "info";
    case RecordKind::kVersion:
      return "version";
    case RecordKind::kObservation:
      return "observation";
    case RecordKind::kFinding:
      return "finding";
    case RecordKind::kChange:
      return "change";
    case RecordKind::kDocument:
      return "document";
    case RecordKind::kSetting:
      return "setting";
    case RecordKind::kBannerObservation:
      return "banner observation";
    case RecordKind::kBannerChange:
      return "banner change";
  }
  return "unknown";
}

struct RecordWriter::Impl {
  ZSTD_CCtx* cctx = nullptr;
  std::string out;
  std::string scratch;
};

RecordWriter::RecordWriter() : impl_(std::make_unique<Impl>()) {
  impl_->cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_compressionLevel, kCompressionLevel);
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_enableLongDistanceMatching, 1);
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_windowLog, limits::kSyncZstdWindowLog);
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_checksumFlag, 1);
}

RecordWriter::~RecordWriter() {
  ZSTD_freeCCtx(impl_->cctx);
}

void RecordWriter::write(std::string_view bytes, bool end) {
  ZSTD_inBuffer input{bytes.data(), bytes.size(), 0};
  const ZSTD_EndDirective mode = end ? ZSTD_e_end : ZSTD_e_continue;
  std::string& out = impl_->out;
  for (;;) {
    const std::size_t at = out.size();
    out.resize(at + ZSTD_CStreamOutSize());
    ZSTD_outBuffer output{out.data() + at, ZSTD_CStreamOutSize(), 0};
    const std::size_t remaining = ZSTD_compressStream2(impl_->cctx, &output, &input, mode);
    out.resize(at + output.pos);
    if (ZSTD_isError(remaining) != 0U) throw std::runtime_error(ZSTD_getErrorName(remaining));
    if (end ? remaining == 0 : input.pos == input.size) break;
  }
}

void RecordWriter::add(const Record& record) {
  nlohmann::json meta = record.meta;
  meta["id"] = record.id;
  const std::string meta_text = meta.dump();
  std::string& head = impl_->scratch;
  head.clear();
  head += static_cast<char>(record.kind);
  put_u32(head, static_cast<std::uint32_t>(meta_text.size()));
  head += meta_text;
  put_u32(head, static_cast<std::uint32_t>(record.body.size()));
  write(head, false);
  write(record.body, false);
  plain_bytes_ += head.size() + record.body.size();
  ++count_;
}

std::string RecordWriter::finish() {
  const char end = static_cast<char>(RecordKind::kEnd);
  write(std::string_view(&end, 1), true);
  return std::move(impl_->out);
}

struct RecordReader::Impl {
  ZSTD_DCtx* dctx = nullptr;
  std::string_view input;
  std::size_t input_pos = 0;
  std::string buffer;  // decompressed, not yet consumed
  std::size_t consumed = 0;
  std::uint64_t produced = 0;
  std::uint64_t records = 0;
  bool frame_done = false;
};

RecordReader::RecordReader(std::string_view compressed) : impl_(std::make_unique<Impl>()) {
  impl_->dctx = ZSTD_createDCtx();
  ZSTD_DCtx_setParameter(impl_->dctx, ZSTD_d_windowLogMax, limits::kSyncZstdWindowLog);
  impl_->input = compressed;
}

RecordReader::~RecordReader() {
  ZSTD_freeDCtx(impl_->dctx);
}

Expected<bool> RecordReader::fill(std::size_t need) {
  Impl& s = *impl_;
  if (s.consumed > 0 && s.consumed >= s.buffer.size() / 2) {
    s.buffer.erase(0, s.consumed);
    s.consumed = 0;
  }
  while (s.buffer.size() - s.consumed < need) {
    if (s.frame_done || s.input_pos >= s.input.size()) return false;
    const std::size_t at = s.buffer.size();
    const std::size_t chunk = ZSTD_DStreamOutSize();
    s.buffer.resize(at + chunk);
    ZSTD_inBuffer in{s.input.data(), s.input.size(), s.input_pos};
    ZSTD_outBuffer out{s.buffer.data() + at, chunk, 0};
    const std::size_t ret = ZSTD_decompressStream(s.dctx, &out, &in);
    s.buffer.resize(at + out.pos);
    s.input_pos = in.pos;
    if (ZSTD_isError(ret) != 0U) return invalid(std::string("zstd: ") + ZSTD_getErrorName(ret));
    if (ret == 0) s.frame_done = true;
    s.produced += out.pos;
    if (s.produced > limits::kMaxBundlePlainBytes)
      return invalid("record stream exceeds the size limit");
    if (out.pos == 0 && in.pos == in.size && !s.frame_done) return false;
  }
  return true;
}

Expected<std::optional<Record>> RecordReader::next() {
  Impl& s = *impl_;
  auto have = fill(1);
  if (!have) return have.error();
  if (!*have) return invalid("stream ends without an end marker");
  const auto kind = static_cast<std::uint8_t>(s.buffer[s.consumed]);
  if (kind > kMaxRecordKind) return invalid("unknown record kind " + std::to_string(kind));
  if (kind == 0) {
    ++s.consumed;
    return std::optional<Record>();
  }
  if (++s.records > limits::kMaxBundleRecords) return invalid("too many records");
  have = fill(5);
  if (!have) return have.error();
  if (!*have) return invalid("truncated record header");
  const std::uint32_t meta_size = get_u32(s.buffer.data() + s.consumed + 1);
  if (meta_size > limits::kMaxSyncRecordMetaBytes) return invalid("record metadata too large");
  have = fill(5 + std::size_t{meta_size} + 4);
  if (!have) return have.error();
  if (!*have) return invalid("truncated record metadata");
  const std::uint32_t body_size = get_u32(s.buffer.data() + s.consumed + 5 + meta_size);
  if (body_size > limits::kMaxSyncRecordBytes) return invalid("record body too large");
  const std::size_t total = 5 + std::size_t{meta_size} + 4 + body_size;
  have = fill(total);
  if (!have) return have.error();
  if (!*have) return invalid("truncated record body");

  Record record;
  record.kind = static_cast<RecordKind>(kind);
  auto meta = parse_bounded_json(std::string_view(s.buffer).substr(s.consumed + 5, meta_size), 16);
  if (!meta) return invalid("record metadata: " + meta.error().message);
  if (!meta->is_object() || !meta->contains("id") || !(*meta)["id"].is_string()) {
    return invalid("record metadata lacks an id");
  }
  record.id = (*meta)["id"].get<std::string>();
  meta->erase("id");
  record.meta = std::move(*meta);
  record.body.assign(s.buffer, s.consumed + 5 + meta_size + 4, body_size);
  s.consumed += total;
  return std::optional<Record>(std::move(record));
}

}  // namespace cw::sync
