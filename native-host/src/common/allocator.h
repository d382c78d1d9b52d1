// How the long-lived host process uses the C allocator.
#pragma once

namespace cw {

// The host handles message after message with the same working set (a page, its findings, the
// reply). By default glibc returns freed memory above 128 KiB to the kernel and maps large blocks
// afresh, so every page.analyze faulted the same pages in again (4% of host_bench's profile). This
// keeps up to limits::kAllocatorKeepFreedBytes for reuse. Call once, at process start. False if the
// allocator refused a setting (a sanitizer's malloc does): the host then works as before.
bool keep_freed_memory_for_reuse();

}  // namespace cw
