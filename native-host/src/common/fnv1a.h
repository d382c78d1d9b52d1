// FNV-1a (64 bit): a hash that is the same in every run and on every platform (unlike std::hash),
// for keys that are computed at build time and compared at run time.
#pragma once

#include <cstdint>
#include <string_view>

namespace cw {

inline constexpr std::uint64_t kFnv1aOffset = 14695981039346656037ULL;
inline constexpr std::uint64_t kFnv1aPrime = 1099511628211ULL;

// The hash of `bytes`; pass a previous result as `hash` to continue it over more bytes.
inline std::uint64_t fnv1a(std::string_view bytes, std::uint64_t hash = kFnv1aOffset) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnv1aPrime;
  }
  return hash;
}

}  // namespace cw
