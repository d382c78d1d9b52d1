#include "sync/hlc.h"

#include <algorithm>
#include <chrono>

namespace cw::sync {

std::uint64_t HybridClock::tick(std::uint64_t wall_ms) {
  const std::uint64_t physical = wall_ms << 16U;
  last_ = std::max(physical, last_ + 1);
  return last_;
}

void HybridClock::observe(std::uint64_t remote) {
  last_ = std::max(last_, remote);
}

std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

bool newer_write(std::uint64_t hlc_a, std::string_view device_a, std::uint64_t hlc_b,
                 std::string_view device_b) {
  if (hlc_a != hlc_b) return hlc_a > hlc_b;
  return device_a > device_b;
}

}  // namespace cw::sync
