#include "common/bounded_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <utf8proc.h>

namespace cw {

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  std::size_t offset = 0;
  while (offset < text.size()) {
    // ASCII fast path: most legal text is ASCII.
    if (bytes[offset] < 0x80) {
      ++offset;
      continue;
    }
    utf8proc_int32_t codepoint = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(
        bytes + offset, static_cast<utf8proc_ssize_t>(text.size() - offset), &codepoint);
    if (n <= 0) return offset;
    offset += static_cast<std::size_t>(n);
  }
  return std::nullopt;
}

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const std::size_t left = text.size() - i;
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const auto cont = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return k < left && at(k) >= lo && at(k) <= hi;
  };
  const unsigned char c = at(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

int json_nesting_depth(std::string_view text, int stop_above) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > stop_above) return deepest;
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

namespace {

// One walk over a request that parses, checks UTF-8 and counts depth at once, copying each string
// once (runs of plain bytes are appended whole). It covers what requests contain and gives up
// (nullopt) on anything else: an integer beyond 18 digits, a number beyond a double, a \u
// surrogate escape, any syntax or encoding error. parse_bounded_json then takes the slow path,
// which gives the same result or the positioned error. Accepts only what nlohmann/json accepts,
// with the same values and number types (fuzz_bounded_json compares the two).
class OneWalkParser {
 public:
  OneWalkParser(std::string_view text, int max_depth)
      : p_(reinterpret_cast<const unsigned char*>(text.data())),
        end_(p_ + text.size()),
        max_depth_(max_depth) {}

  std::optional<nlohmann::json> parse() {
    nlohmann::json out;
    skip_space();
    if (!value(out)) return std::nullopt;
    skip_space();
    if (p_ != end_) return std::nullopt;
    return out;
  }

 private:
  void skip_space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  bool value(nlohmann::json& out) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return object(out);
      case '[':
        return array(out);
      case '"': {
        std::string text;
        if (!string(text)) return false;
        out = std::move(text);
        return true;
      }
      case 't':
        out = true;
        return literal("true");
      case 'f':
        out = false;
        return literal("false");
      case 'n':
        out = nullptr;
        return literal("null");
      default:
        return number(out);
    }
  }

  bool object(nlohmann::json& out) {
    if (++depth_ > max_depth_) return false;
    ++p_;
    out = nlohmann::json::object();
    auto& members = out.get_ref<nlohmann::json::object_t&>();
    skip_space();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      --depth_;
      return true;
    }
    while (true) {
      skip_space();
      std::string key;
      if (p_ == end_ || *p_ != '"' || !string(key)) return false;
      skip_space();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      skip_space();
      nlohmann::json member;
      if (!value(member)) return false;
      members.insert_or_assign(std::move(key), std::move(member));  // the last duplicate wins
      skip_space();
      if (p_ == end_) return false;
      if (*p_ == '}') break;
      if (*p_ != ',') return false;
      ++p_;
    }
    ++p_;
    --depth_;
    return true;
  }

  bool array(nlohmann::json& out) {
    if (++depth_ > max_depth_) return false;
    ++p_;
    out = nlohmann::json::array();
    auto& items = out.get_ref<nlohmann::json::array_t&>();
    skip_space();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      --depth_;
      return true;
    }
    while (true) {
      skip_space();
      items.emplace_back();
      if (!value(items.back())) return false;
      skip_space();
      if (p_ == end_) return false;
      if (*p_ == ']') break;
      if (*p_ != ',') return false;
      ++p_;
    }
    ++p_;
    --depth_;
    return true;
  }

  static int hex(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::size_t utf8_length() const {
    return utf8_sequence_length(
        std::string_view(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(end_ - p_)),
        0);
  }

  bool string(std::string& out) {
    ++p_;  // the opening quote
    while (true) {
      const unsigned char* run = p_;
      while (end_ - p_ >= 8 && plain_ascii8(p_)) p_ += 8;
      while (p_ != end_ && *p_ >= 0x20 && *p_ != '"' && *p_ != '\\') {
        if (*p_ < 0x80) {
          ++p_;
          continue;
        }
        const std::size_t n = utf8_length();
        if (n == 0) return false;
        p_ += n;
      }
      out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p_ - run));
      if (p_ == end_ || *p_ < 0x20) return false;
      if (*p_ == '"') {
        ++p_;
        return true;
      }
      if (++p_ == end_) return false;  // after the backslash
      switch (*p_++) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          if (end_ - p_ < 4) return false;
          int code = 0;
          for (int i = 0; i < 4; ++i) {
            const int digit = hex(p_[i]);
            if (digit < 0) return false;
            code = code * 16 + digit;
          }
          p_ += 4;
          if (code >= 0xD800 && code <= 0xDFFF) return false;  // pairs: the slow path
          if (code < 0x80) {
            out.push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (code >> 6)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {
            out.push_back(static_cast<char>(0xE0 | (code >> 12)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          break;
        }
        default:
          return false;
      }
    }
  }

  // nlohmann/json makes an integer unsigned when non-negative and signed when negative, and a
  // number with a fraction or an exponent a double, correctly rounded as from_chars rounds.
  bool number(nlohmann::json& out) {
    const auto* start = reinterpret_cast<const char*>(p_);
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    const auto digits_from = [this] {
      const unsigned char* first = p_;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ - first;
    };
    const unsigned char* digits = p_;
    const auto count = digits_from();
    if (count == 0 || (count > 1 && *digits == '0')) return false;
    bool fractional = false;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (digits_from() == 0) return false;
      fractional = true;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (digits_from() == 0) return false;
      fractional = true;
    }
    if (fractional) {
      // Overflow, underflow and anything from_chars reads differently go the slow way.
      double value = 0.0;
      const auto* last = reinterpret_cast<const char*>(p_);
      const auto [end, error] = std::from_chars(start, last, value);
      if (error != std::errc() || end != last || !std::isfinite(value)) return false;
      out = value;
      return true;
    }
    if (count > 18) return false;
    std::uint64_t magnitude = 0;
    for (const unsigned char* d = digits; d != p_; ++d) magnitude = magnitude * 10 + (*d - '0');
    if (negative) {
      out = -static_cast<std::int64_t>(magnitude);
    } else {
      out = magnitude;
    }
    return true;
  }

  const unsigned char* p_;
  const unsigned char* end_;
  int depth_ = 0;
  int max_depth_;
};

}  // namespace

std::optional<nlohmann::json> parse_json_one_walk(std::string_view text, int max_depth) {
  return OneWalkParser(text, max_depth).parse();
}

Expected<nlohmann::json> parse_bounded_json(std::string_view text, int max_depth) {
  if (auto parsed = parse_json_one_walk(text, max_depth)) return std::move(*parsed);
  if (auto bad = find_invalid_utf8(text)) {
    return Error::make(ErrorCode::INVALID_UTF8, {{"offset", *bad}});
  }
  if (json_nesting_depth(text, max_depth) > max_depth) {
    return Error::make(ErrorCode::JSON_TOO_DEEP, {{"limit", max_depth}});
  }
  nlohmann::json parsed;
  try {
    // Even with allow_exceptions=false, nlohmann throws out_of_range (406) for numbers beyond a
    // double ("1e400"); found by fuzz_bounded_json.
    parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  } catch (const nlohmann::json::exception& e) {
    return Error::make(ErrorCode::INVALID_JSON, {{"detail", e.what()}});
  }
  if (parsed.is_discarded()) {
    // Re-parse with exceptions only to get nlohmann's position-bearing message.
    try {
      const auto unused = nlohmann::json::parse(text);
      (void)unused;
    } catch (const nlohmann::json::parse_error& e) {
      return Error::make(ErrorCode::INVALID_JSON, {{"detail", e.what()}, {"byte", e.byte}});
    } catch (const nlohmann::json::exception& e) {
      return Error::make(ErrorCode::INVALID_JSON, {{"detail", e.what()}});
    }
    return Error::make(ErrorCode::INVALID_JSON, {{"detail", "unparseable"}});
  }
  return parsed;
}

}  // namespace cw
