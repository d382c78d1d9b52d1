#include "archive/body_codec.h"

#include <algorithm>
#include <memory>
#include <zdict.h>

#include <zstd.h>

namespace cw::archive {
namespace {

struct CctxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DctxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

Error zstd_error(std::string_view what, std::size_t code) {
  return Error::make(ErrorCode::ARCHIVE_IO,
                     {{"detail", std::string(what) + ": " + ZSTD_getErrorName(code)}});
}

// The window must reach back over the whole prefix, or the delta finds nothing to refer to.
int window_log_for(std::size_t reach) {
  int log = 20;
  while (log < 27 && (std::size_t{1} << log) < reach) ++log;
  return log;
}

// One frame of `text` with the parameters already set on `cctx`.
Expected<std::string> compress_frame(ZSTD_CCtx* cctx, std::string_view text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  const std::size_t n = ZSTD_compress2(cctx, out.data(), out.size(), text.data(), text.size());
  if (ZSTD_isError(n)) return zstd_error("zstd compress", n);
  out.resize(n);
  return out;
}

// One frame of `text` against `cdict`, created from `content` at `level` on first use. A record's
// frame names its dictionary (4 bytes); a body row names its own.
Expected<std::string> compress_with_cdict(ZSTD_CDict*& cdict, const std::string& content, int level,
                                          bool set_level, bool name_dictionary,
                                          std::string_view text) {
  thread_local std::unique_ptr<ZSTD_CCtx, CctxDeleter> cctx(ZSTD_createCCtx());
  if (!cctx) return Error::make(ErrorCode::ARCHIVE_IO, {{"detail", "out of memory (zstd)"}});
  if (cdict == nullptr) {
    cdict = ZSTD_createCDict(content.data(), content.size(), level);
    if (cdict == nullptr) {
      return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                         {{"detail", "a stored zstd dictionary is not usable"}});
    }
  }
  ZSTD_CCtx_reset(cctx.get(), ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_refCDict(cctx.get(), cdict);
  if (set_level) ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_dictIDFlag, name_dictionary ? 1 : 0);
  return compress_frame(cctx.get(), text);
}

}  // namespace

Expected<std::string> compress_body(std::string_view text, std::string_view prefix, int level) {
  // One context per thread: creating one costs more than compressing a small delta.
  thread_local std::unique_ptr<ZSTD_CCtx, CctxDeleter> cctx(ZSTD_createCCtx());
  if (!cctx) return Error::make(ErrorCode::ARCHIVE_IO, {{"detail", "out of memory (zstd)"}});
  ZSTD_CCtx_reset(cctx.get(), ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_windowLog, window_log_for(prefix.size() + text.size()));
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1);
  if (!prefix.empty()) {
    const std::size_t rc = ZSTD_CCtx_refPrefix(cctx.get(), prefix.data(), prefix.size());
    if (ZSTD_isError(rc)) return zstd_error("zstd prefix", rc);
  }
  return compress_frame(cctx.get(), text);
}

Expected<std::string> decompress_body(std::string_view frame, std::string_view prefix,
                                      std::size_t expected_size) {
  thread_local std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx(ZSTD_createDCtx());
  if (!dctx) return Error::make(ErrorCode::ARCHIVE_IO, {{"detail", "out of memory (zstd)"}});
  const unsigned long long claimed = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (claimed == ZSTD_CONTENTSIZE_ERROR || claimed != expected_size) {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a stored body does not match its recorded size"}});
  }
  ZSTD_DCtx_reset(dctx.get(), ZSTD_reset_session_and_parameters);
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 27);
  if (!prefix.empty()) {
    const std::size_t rc = ZSTD_DCtx_refPrefix(dctx.get(), prefix.data(), prefix.size());
    if (ZSTD_isError(rc)) return zstd_error("zstd prefix", rc);
  }
  std::string out(expected_size, '\0');
  const std::size_t n =
      ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != expected_size) {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a stored body failed to decompress"}});
  }
  return out;
}

Expected<std::string> decompress_record(std::string_view frame, std::string_view prefix) {
  const unsigned long long claimed = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (claimed == ZSTD_CONTENTSIZE_ERROR || claimed == ZSTD_CONTENTSIZE_UNKNOWN ||
      claimed > kMaxRecordBytes) {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a stored record is not a zstd frame of a known size"}});
  }
  return decompress_body(frame, prefix, static_cast<std::size_t>(claimed));
}

Expected<std::string> train_dictionary(const std::vector<std::string_view>& samples) {
  return train_dictionary(samples, kDictionaryBytes);
}

unsigned frame_dictionary_id(std::string_view frame) {
  return ZSTD_getDictID_fromFrame(frame.data(), frame.size());
}

unsigned dictionary_id_of(std::string_view content) {
  return ZDICT_getDictID(content.data(), content.size());
}

Expected<std::string> train_dictionary(const std::vector<std::string_view>& samples,
                                       std::size_t bytes) {
  std::string flat;
  std::vector<std::size_t> sizes;
  for (auto s : samples) {
    flat.append(s);
    sizes.push_back(s.size());
  }
  std::string dict(bytes, '\0');
  const std::size_t n = ZDICT_trainFromBuffer(dict.data(), dict.size(), flat.data(), sizes.data(),
                                              static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) {
    return Error::make(ErrorCode::ARCHIVE_IO,
                       {{"detail", std::string("zstd dictionary: ") + ZDICT_getErrorName(n)}});
  }
  dict.resize(n);
  return dict;
}

// The compression side is made on first use: indexing the dictionary for level 15 costs a few
// ms, which a connection that only reads should not pay.
struct BodyDictionary::Handles {
  std::string content;
  ZSTD_CDict* cdict = nullptr;
  ZSTD_CDict* fast_cdict = nullptr;
  ZSTD_DDict* ddict = nullptr;
  ~Handles() {
    ZSTD_freeCDict(cdict);
    ZSTD_freeCDict(fast_cdict);
    ZSTD_freeDDict(ddict);
  }
};

BodyDictionary::~BodyDictionary() = default;

Expected<std::unique_ptr<BodyDictionary>> BodyDictionary::load(const std::string& content,
                                                               Use use) {
  std::unique_ptr<BodyDictionary> d(new BodyDictionary());
  d->use_ = use;
  d->handles_ = std::make_unique<Handles>();
  d->handles_->content = content;
  d->handles_->ddict = ZSTD_createDDict(content.data(), content.size());
  if (d->handles_->ddict == nullptr) {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a stored zstd dictionary is not usable"}});
  }
  return d;
}

Expected<std::string> BodyDictionary::compress(std::string_view text) const {
  const int level = use_ == Use::kRecords ? kRecordCompressionLevel : kKeyframeCompressionLevel;
  return compress_with_cdict(handles_->cdict, handles_->content, level, /*set_level=*/true,
                             use_ == Use::kRecords, text);
}

Expected<std::string> BodyDictionary::compress_fast(std::string_view text) const {
  return compress_with_cdict(handles_->fast_cdict, handles_->content, kFastKeyframeLevel,
                             /*set_level=*/false, use_ == Use::kRecords, text);
}

Expected<std::string> BodyDictionary::decompress(std::string_view frame,
                                                 std::size_t expected_size) const {
  thread_local std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx(ZSTD_createDCtx());
  if (!dctx) return Error::make(ErrorCode::ARCHIVE_IO, {{"detail", "out of memory (zstd)"}});
  const unsigned long long claimed = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (claimed == ZSTD_CONTENTSIZE_ERROR || claimed != expected_size) {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a stored body does not match its recorded size"}});
  }
  ZSTD_DCtx_reset(dctx.get(), ZSTD_reset_session_and_parameters);
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 27);
  ZSTD_DCtx_refDDict(dctx.get(), handles_->ddict);
  std::string out(expected_size, '\0');
  const std::size_t n =
      ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != expected_size) {
    return Error::make(ErrorCode::ARCHIVE_CORRUPT,
                       {{"detail", "a stored body failed to decompress"}});
  }
  return out;
}

}  // namespace cw::archive
