// Hybrid logical clock for the few mutable records (documents' watch state, settings): 48 bits of
// wall-clock milliseconds and a 16-bit counter, so a clock that runs behind still orders its own
// writes after everything it has seen. Last writer wins; the device id breaks ties.
#pragma once

#include <cstdint>
#include <string_view>

namespace cw::sync {

class HybridClock {
 public:
  explicit HybridClock(std::uint64_t last = 0) : last_(last) {}
  // A timestamp for a local write at wall time `wall_ms`, greater than every earlier one.
  std::uint64_t tick(std::uint64_t wall_ms);
  // Moves the clock past a timestamp received from another device.
  void observe(std::uint64_t remote);
  [[nodiscard]] std::uint64_t last() const { return last_; }

 private:
  std::uint64_t last_;
};

std::uint64_t wall_clock_ms();

// True when the write (hlc_a, device_a) replaces the write (hlc_b, device_b).
bool newer_write(std::uint64_t hlc_a, std::string_view device_a, std::uint64_t hlc_b,
                 std::string_view device_b);

}  // namespace cw::sync
