// WCAG contrast from computed CSS colours, and the TC string decoder on strings built bit by bit
// here.
#define BOOST_TEST_MODULE banner_colour_tcf
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "banner/colour.h"
#include "banner/tcf.h"

using namespace cw::banner;

BOOST_AUTO_TEST_CASE(parses_computed_colours) {
  auto c = parse_css_colour("rgb(255, 0, 128)");
  BOOST_REQUIRE(c);
  BOOST_CHECK_EQUAL(c->r, 255);
  BOOST_CHECK_EQUAL(c->b, 128);
  auto a = parse_css_colour("rgba(0, 0, 0, 0.5)");
  BOOST_REQUIRE(a);
  BOOST_CHECK_CLOSE(a->a, 0.5, 1e-9);
  auto space = parse_css_colour("rgb(10 20 30 / 25%)");
  BOOST_REQUIRE(space);
  BOOST_CHECK_CLOSE(space->a, 0.25, 1e-9);
  BOOST_CHECK(parse_css_colour("transparent")->a == 0);
  BOOST_CHECK_EQUAL(parse_css_colour("#fff")->g, 255);
  BOOST_CHECK(!parse_css_colour("color(display-p3 1 0 0)"));
  BOOST_CHECK(!parse_css_colour("rgb(1, 2)"));
}

BOOST_AUTO_TEST_CASE(wcag_contrast_known_values) {
  const Rgba black{0, 0, 0, 1};
  const Rgba white{255, 255, 255, 1};
  BOOST_CHECK_CLOSE(contrast_ratio(black, white), 21.0, 0.01);
  BOOST_CHECK_CLOSE(contrast_ratio(white, white), 1.0, 0.01);
  // #767676 on white is the classic 4.54:1 grey.
  BOOST_CHECK_CLOSE(contrast_ratio(Rgba{118, 118, 118, 1}, white), 4.54, 0.5);
  // Half-transparent black over white is mid grey.
  const Rgba grey = composite(Rgba{0, 0, 0, 0.5}, white);
  BOOST_CHECK_CLOSE(grey.r, 127.5, 0.01);
}

namespace {

// Builds a TC string core segment field by field (IAB TCF v2 layout).
class BitWriter {
 public:
  void put(std::uint64_t value, int bits) {
    for (int i = bits - 1; i >= 0; --i) bits_.push_back(((value >> i) & 1U) != 0);
  }
  [[nodiscard]] std::string base64url() const {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    for (std::size_t i = 0; i < bits_.size(); i += 6) {
      int v = 0;
      for (std::size_t j = 0; j < 6; ++j)
        v = (v << 1) | (i + j < bits_.size() && bits_[i + j] ? 1 : 0);
      out.push_back(kAlphabet[v]);
    }
    return out;
  }

 private:
  std::vector<bool> bits_;
};

std::string make_tc_string(std::uint32_t purposes, std::uint32_t li_purposes, bool ranges) {
  BitWriter w;
  w.put(2, 6);                                // Version
  w.put(16000000, 36);                        // Created
  w.put(16000000, 36);                        // LastUpdated
  w.put(300, 12);                             // CmpId
  w.put(7, 12);                               // CmpVersion
  w.put(1, 6);                                // ConsentScreen
  w.put(('E' - 'A') * 64 + ('N' - 'A'), 12);  // ConsentLanguage "EN"
  w.put(150, 12);                             // VendorListVersion
  w.put(4, 6);                                // TcfPolicyVersion
  w.put(0, 1);
  w.put(0, 1);
  w.put(0, 12);  // SpecialFeatureOptIns
  w.put(purposes, 24);
  w.put(li_purposes, 24);
  w.put(0, 1);                                // PurposeOneTreatment
  w.put(('D' - 'A') * 64 + ('E' - 'A'), 12);  // PublisherCC
  if (!ranges) {
    w.put(8, 16);          // MaxVendorId
    w.put(0, 1);           // bitfield
    w.put(0b10110000, 8);  // vendors 1, 3, 4
  } else {
    w.put(100, 16);
    w.put(1, 1);   // ranges
    w.put(2, 12);  // two entries
    w.put(1, 1);
    w.put(10, 16);
    w.put(19, 16);  // 10..19
    w.put(0, 1);
    w.put(100, 16);  // 100
  }
  w.put(5, 16);  // vendor LI MaxVendorId
  w.put(0, 1);
  w.put(0b00001, 5);  // vendor 5
  return w.base64url();
}

}  // namespace

BOOST_AUTO_TEST_CASE(decodes_purposes_and_vendor_bitfield) {
  // Purposes 1, 3, 4 consent (bits counted from purpose 1 at the top); LI for purposes 2 and 7.
  const std::uint32_t consents = (1U << 23) | (1U << 21) | (1U << 20);
  const std::uint32_t li = (1U << 22) | (1U << 17);
  auto tc = decode_tc_string(make_tc_string(consents, li, false) + ".YAAAAAAAAAAA");
  BOOST_REQUIRE_MESSAGE(tc.ok(), (tc.ok() ? "" : tc.error().to_string()));
  BOOST_CHECK_EQUAL(tc->cmp_id, 300);
  BOOST_CHECK_EQUAL(tc->policy_version, 4);
  BOOST_CHECK_EQUAL(tc->vendor_list_version, 150);
  BOOST_CHECK((tc->purpose_consents == std::vector<int>{1, 3, 4}));
  BOOST_CHECK((tc->purpose_legitimate_interests == std::vector<int>{2, 7}));
  BOOST_CHECK_EQUAL(tc->vendor_consents, 3);
  BOOST_CHECK_EQUAL(tc->vendor_legitimate_interests, 1);
}

BOOST_AUTO_TEST_CASE(decodes_vendor_ranges) {
  auto tc = decode_tc_string(make_tc_string(0, 0, true));
  BOOST_REQUIRE(tc.ok());
  BOOST_CHECK(tc->purpose_consents.empty());
  BOOST_CHECK_EQUAL(tc->vendor_consents, 11);
  BOOST_CHECK_EQUAL(tc->max_vendor_consent_id, 100);
}

BOOST_AUTO_TEST_CASE(rejects_bad_strings) {
  for (const std::string& bad :
       std::vector<std::string>{"", "not base64!", "AAAA", std::string(1000, 'A')}) {
    auto tc = decode_tc_string(bad);
    BOOST_CHECK(!tc.ok());
    if (!tc.ok()) BOOST_CHECK(tc.error().code == cw::ErrorCode::TCF_STRING_INVALID);
  }
  const std::string full = make_tc_string(1U << 23, 0, false);
  auto truncated = decode_tc_string(full.substr(0, full.size() - 3));
  BOOST_CHECK(!truncated.ok());
}
