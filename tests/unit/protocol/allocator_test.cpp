// The host's allocator setting: a page-sized working set comes from the heap and stays there
// between messages instead of being mapped and returned to the kernel each time.
#define BOOST_TEST_MODULE allocator
#include "common/allocator.h"

#include <cstdlib>
#include <malloc.h>

#include <boost/test/unit_test.hpp>

namespace {

constexpr std::size_t kBlock =
    std::size_t{4} * 1024 * 1024;  // above glibc's default 128 KiB thresholds

}  // namespace

BOOST_AUTO_TEST_CASE(a_large_block_is_heap_memory_that_is_kept_after_free) {
  BOOST_REQUIRE(cw::keep_freed_memory_for_reuse());
  const std::size_t mapped_before = mallinfo2().hblks;
  void* block = std::malloc(kBlock);
  BOOST_REQUIRE(block != nullptr);
  static_cast<volatile char*>(block)[kBlock - 1] = 1;
  BOOST_TEST(mallinfo2().hblks == mapped_before);  // not a fresh mapping
  std::free(block);
  BOOST_TEST(mallinfo2().fordblks >= kBlock);  // kept for the next message, not trimmed
}
