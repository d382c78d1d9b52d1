// CSS computed colours and WCAG 2.x contrast, for judging visual asymmetry between controls
// (CB-04).
#pragma once

#include <optional>
#include <string_view>

namespace cw::banner {

struct Rgba {
  double r = 0, g = 0, b = 0;  // 0..255
  double a = 1;                // 0..1
};

// Parses what getComputedStyle returns: "rgb(r, g, b)", "rgba(r, g, b, a)", the CSS Color 4
// space form "rgb(r g b / a)", "#rgb"/"#rrggbb" and "transparent". Other forms give nullopt.
std::optional<Rgba> parse_css_colour(std::string_view text);

// `top` composited over an opaque `bottom`.
Rgba composite(const Rgba& top, const Rgba& bottom);

// WCAG 2.x relative luminance of an opaque colour, 0..1.
double relative_luminance(const Rgba& colour);

// WCAG 2.x contrast ratio (1..21) of two opaque colours.
double contrast_ratio(const Rgba& a, const Rgba& b);

}  // namespace cw::banner
