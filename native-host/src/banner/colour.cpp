#include "banner/colour.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

namespace cw::banner {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::optional<Rgba> parse_css_colour(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text == "transparent") return Rgba{0, 0, 0, 0};
  if (!text.empty() && text.front() == '#') {
    const std::string_view hex = text.substr(1);
    std::vector<int> digits;
    for (char c : hex) {
      const int d = hex_digit(c);
      if (d < 0) return std::nullopt;
      digits.push_back(d);
    }
    if (digits.size() == 3 || digits.size() == 4) {
      Rgba c{digits[0] * 17.0, digits[1] * 17.0, digits[2] * 17.0, 1};
      if (digits.size() == 4) c.a = digits[3] * 17.0 / 255.0;
      return c;
    }
    if (digits.size() == 6 || digits.size() == 8) {
      Rgba c{digits[0] * 16.0 + digits[1], digits[2] * 16.0 + digits[3],
             digits[4] * 16.0 + digits[5], 1};
      if (digits.size() == 8) c.a = (digits[6] * 16.0 + digits[7]) / 255.0;
      return c;
    }
    return std::nullopt;
  }
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  const std::string_view function = text.substr(0, open);
  if (function != "rgb" && function != "rgba") return std::nullopt;
  std::vector<double> values;
  std::string token;
  auto flush = [&]() -> bool {
    if (token.empty()) return true;
    const bool percent = token.back() == '%';
    if (percent) token.pop_back();
    char* end = nullptr;
    double v = std::strtod(token.c_str(), &end);
    if (end == token.c_str() || *end != '\0') return false;
    if (percent) v = values.size() < 3 ? v * 2.55 : v / 100.0;
    values.push_back(v);
    token.clear();
    return true;
  };
  for (char c : text.substr(open + 1, close - open - 1)) {
    if (c == ',' || c == '/' || std::isspace(static_cast<unsigned char>(c))) {
      if (!flush()) return std::nullopt;
    } else {
      token.push_back(c);
    }
  }
  if (!flush()) return std::nullopt;
  if (values.size() != 3 && values.size() != 4) return std::nullopt;
  Rgba c{std::clamp(values[0], 0.0, 255.0), std::clamp(values[1], 0.0, 255.0),
         std::clamp(values[2], 0.0, 255.0),
         values.size() == 4 ? std::clamp(values[3], 0.0, 1.0) : 1.0};
  return c;
}

Rgba composite(const Rgba& top, const Rgba& bottom) {
  const double a = top.a;
  return Rgba{top.r * a + bottom.r * (1 - a), top.g * a + bottom.g * (1 - a),
              top.b * a + bottom.b * (1 - a), 1};
}

double relative_luminance(const Rgba& colour) {
  auto channel = [](double value) {
    const double s = value / 255.0;
    return s <= 0.04045 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b);
}

double contrast_ratio(const Rgba& a, const Rgba& b) {
  const double la = relative_luminance(a);
  const double lb = relative_luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

}  // namespace cw::banner
