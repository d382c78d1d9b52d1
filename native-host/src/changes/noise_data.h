// native-host/rules/noise/noise.json, embedded verbatim at build time.
#pragma once

#include <string_view>

namespace cw::changes::data {

extern const std::string_view k_noise;

}  // namespace cw::changes::data
