#include "archive/body_codec.h"

#include <algorithm>
#include <memory>

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
  std::string out(ZSTD_compressBound(text.size()), '\0');
  const std::size_t n =
      ZSTD_compress2(cctx.get(), out.data(), out.size(), text.data(), text.size());
  if (ZSTD_isError(n)) return zstd_error("zstd compress", n);
  out.resize(n);
  return out;
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

}  // namespace cw::archive
