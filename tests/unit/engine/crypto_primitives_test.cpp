#define BOOST_TEST_MODULE crypto_primitives
#include <boost/test/unit_test.hpp>

#include "crypto/primitives.h"

using namespace cw::crypto;

// Known answers: BLAKE2b-256 of "" and "abc" (RFC 7693 parameters, 32-byte digest), and the
// Ed25519 test vector 1 of RFC 8032 section 7.1 (empty message).
BOOST_AUTO_TEST_CASE(blake2b_known_answers) {
  BOOST_TEST(blake2b_hex("") == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  BOOST_TEST(blake2b_hex("abc") ==
             "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  BOOST_TEST(blake2b_hex("abc", 64) ==
             "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d"
             "5de4533cc9518d38aa8dbf1925ab92386edd4009923");
}

BOOST_AUTO_TEST_CASE(ed25519_rfc8032_vector_1) {
  const auto seed =
      from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").value();
  auto pair = ed25519_from_seed(seed).value();
  BOOST_TEST(to_hex(pair.public_key) ==
             "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const auto signature = ed25519_sign("", pair.secret_key).value();
  BOOST_TEST(
      to_hex(signature) ==
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
      "701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  BOOST_TEST(ed25519_verify("", signature, pair.public_key));
}

BOOST_AUTO_TEST_CASE(ed25519_refuses_tampering_and_wrong_keys) {
  auto pair = ed25519_generate();
  auto other = ed25519_generate();
  const std::string message = "rule pack version 7";
  auto signature = ed25519_sign(message, pair.secret_key).value();
  BOOST_TEST(ed25519_verify(message, signature, pair.public_key));
  BOOST_TEST(!ed25519_verify("rule pack version 8", signature, pair.public_key));
  BOOST_TEST(!ed25519_verify(message, signature, other.public_key));
  signature[10] = static_cast<char>(signature[10] ^ 1);
  BOOST_TEST(!ed25519_verify(message, signature, pair.public_key));
  BOOST_TEST(!ed25519_verify(message, "short", pair.public_key));
  BOOST_TEST(!ed25519_sign(message, "not a key").has_value());
  wipe(pair.secret_key);
  BOOST_TEST(pair.secret_key.empty());
}

BOOST_AUTO_TEST_CASE(hex_round_trip_and_rejects) {
  BOOST_TEST(to_hex(std::string("\x00\xff\x10", 3)) == "00ff10");
  BOOST_TEST(from_hex("00ff10").value() == std::string("\x00\xff\x10", 3));
  BOOST_TEST(!from_hex("abc").has_value());
  BOOST_TEST(!from_hex("zz").has_value());
}
