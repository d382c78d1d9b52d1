#include "common/allocator.h"

#include <malloc.h>

#include "common/limits.h"

namespace cw {

bool keep_freed_memory_for_reuse() {
  // Setting either threshold also turns off glibc's adjustment of them at run time.
  const bool trim =
      mallopt(M_TRIM_THRESHOLD, static_cast<int>(limits::kAllocatorKeepFreedBytes)) == 1;
  const bool map =
      mallopt(M_MMAP_THRESHOLD, static_cast<int>(limits::kAllocatorMapAboveBytes)) == 1;
  return trim && map;
}

}  // namespace cw
