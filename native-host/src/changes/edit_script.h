// The shortest edit script between two sequences of hashed items (Myers, via dtl).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace cw::changes {

enum class EditType { kCommon, kRemoved, kAdded };

struct Edit {
  EditType type = EditType::kCommon;
  std::size_t before = 0;  // index in `before` (valid for kCommon and kRemoved)
  std::size_t after = 0;   // index in `after` (valid for kCommon and kAdded)
};

// The edit script turning `before` into `after`, in order.
std::vector<Edit> edit_script(const std::vector<std::uint64_t>& before,
                              const std::vector<std::uint64_t>& after);

// A fast 64-bit hash for aligning items (not for content addressing).
std::uint64_t item_hash(std::string_view item);

}  // namespace cw::changes
