#include "changes/edit_script.h"

#include <functional>

#include <dtl/dtl.hpp>

namespace cw::changes {

std::vector<Edit> edit_script(const std::vector<std::uint64_t>& before,
                              const std::vector<std::uint64_t>& after) {
  std::vector<Edit> edits;
  edits.reserve(before.size() + after.size());
  // Trim the common prefix and suffix first: real versions differ in a few places, and this keeps
  // dtl's work proportional to the changed middle.
  std::size_t head = 0;
  while (head < before.size() && head < after.size() && before[head] == after[head]) {
    edits.push_back({EditType::kCommon, head, head});
    ++head;
  }
  std::size_t tail = 0;
  while (tail < before.size() - head && tail < after.size() - head &&
         before[before.size() - 1 - tail] == after[after.size() - 1 - tail]) {
    ++tail;
  }
  const std::vector<std::uint64_t> mid_before(before.begin() + static_cast<std::ptrdiff_t>(head),
                                              before.end() - static_cast<std::ptrdiff_t>(tail));
  const std::vector<std::uint64_t> mid_after(after.begin() + static_cast<std::ptrdiff_t>(head),
                                             after.end() - static_cast<std::ptrdiff_t>(tail));
  if (mid_before.empty()) {
    for (std::size_t i = 0; i < mid_after.size(); ++i)
      edits.push_back({EditType::kAdded, 0, head + i});
  } else if (mid_after.empty()) {
    for (std::size_t i = 0; i < mid_before.size(); ++i) {
      edits.push_back({EditType::kRemoved, head + i, 0});
    }
  } else {
    dtl::Diff<std::uint64_t> diff(mid_before, mid_after);
    diff.onHuge();
    diff.compose();
    for (const auto& [item, info] : diff.getSes().getSequence()) {
      (void)item;
      // dtl indices are 1-based.
      const auto b = static_cast<std::size_t>(info.beforeIdx > 0 ? info.beforeIdx - 1 : 0) + head;
      const auto a = static_cast<std::size_t>(info.afterIdx > 0 ? info.afterIdx - 1 : 0) + head;
      if (info.type == dtl::SES_COMMON) {
        edits.push_back({EditType::kCommon, b, a});
      } else if (info.type == dtl::SES_DELETE) {
        edits.push_back({EditType::kRemoved, b, 0});
      } else {
        edits.push_back({EditType::kAdded, 0, a});
      }
    }
  }
  for (std::size_t i = 0; i < tail; ++i) {
    edits.push_back({EditType::kCommon, before.size() - tail + i, after.size() - tail + i});
  }
  return edits;
}

std::uint64_t item_hash(std::string_view item) {
  // FNV-1a: stable across runs and platforms, unlike std::hash.
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : item) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace cw::changes
