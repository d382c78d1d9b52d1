#include "common/allocator.h"

#include <malloc.h>

#include "common/limits.h"

namespace cw {

void keep_freed_memory_for_reuse() {
  // Setting either threshold also turns off glibc's adjustment of them at run time.
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(limits::kAllocatorKeepFreedBytes));
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(limits::kAllocatorMapAboveBytes));
}

}  // namespace cw
