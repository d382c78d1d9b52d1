#define BOOST_TEST_MODULE pack_signature
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "crypto/primitives.h"
#include "engine/pack_store.h"
#include "engine/rule_pack.h"

namespace fs = std::filesystem;
using namespace cw::engine;

namespace {

// A temporary data directory, a key pair, and a built-in anchor (fixture pack, version 3).
struct Fixture {
  fs::path data = fs::temp_directory_path() / ("cw-pack-sig-" + std::to_string(::getpid()));
  cw::crypto::Ed25519KeyPair keys = cw::crypto::ed25519_generate();
  std::string builtin_blob;
  std::string builtin_sig;
  std::string public_hex;

  Fixture() {
    fs::remove_all(data);
    fs::create_directories(data / "rules");
    builtin_blob = canonical_blob_from_dir(fs::path(CW_TEST_DATA_DIR) / "rules" / "valid").value();
    builtin_sig = cw::crypto::to_hex(*cw::crypto::ed25519_sign(builtin_blob, keys.secret_key));
    public_hex = cw::crypto::to_hex(keys.public_key);
  }
  ~Fixture() { fs::remove_all(data); }

  [[nodiscard]] TrustAnchor anchor() const {
    return {builtin_blob, builtin_sig, public_hex, "test", {}};
  }
  // Writes a user pack with `version`, signed by `secret` (or unsigned when empty).
  void write_user_pack(int version, const std::string& secret, bool tamper = false) const {
    auto json = nlohmann::json::parse(builtin_blob);
    json["version"] = version;
    std::string blob = json.dump();
    const auto sig = secret.empty() ? std::string() : *cw::crypto::ed25519_sign(blob, secret);
    if (tamper) {
      // A reader would not notice: one more rule id character changes what the pack finds.
      blob.replace(blob.find("binding|mandatory"), 17, "binding|mandatorY");
    }
    std::ofstream(data / "rules" / "pack.json") << blob;
    fs::remove(data / "rules" / "pack.sig");
    if (!sig.empty()) std::ofstream(data / "rules" / "pack.sig") << cw::crypto::to_hex(sig) << "\n";
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(signatures, Fixture)

BOOST_AUTO_TEST_CASE(builtin_pack_in_force_without_user_pack) {
  auto active = load_active_pack(data, anchor());
  BOOST_REQUIRE(active.ok());
  BOOST_TEST(active->origin == "built-in");
  BOOST_TEST(active->engine.pack().version == 3);
  BOOST_TEST(!active->user_pack_refused.has_value());
}

BOOST_AUTO_TEST_CASE(newer_signed_user_pack_replaces_builtin) {
  write_user_pack(4, keys.secret_key);
  auto active = load_active_pack(data, anchor());
  BOOST_REQUIRE(active.ok());
  BOOST_TEST(active->engine.pack().version == 4);
  BOOST_TEST(active->origin.find("pack.json") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tampered_user_pack_is_refused_and_builtin_kept) {
  write_user_pack(4, keys.secret_key, /*tamper=*/true);
  auto active = load_active_pack(data, anchor());
  BOOST_REQUIRE(active.ok());
  BOOST_TEST(active->origin == "built-in");
  BOOST_TEST(active->engine.pack().version == 3);
  BOOST_REQUIRE(active->user_pack_refused.has_value());
  BOOST_TEST((active->user_pack_refused->code == cw::ErrorCode::RULE_PACK_SIGNATURE));
  BOOST_TEST(active->user_pack_refused->message.find("altered") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unsigned_user_pack_is_refused) {
  write_user_pack(4, "");
  auto active = load_active_pack(data, anchor());
  BOOST_REQUIRE(active.ok());
  BOOST_TEST(active->engine.pack().version == 3);
  BOOST_REQUIRE(active->user_pack_refused.has_value());
  BOOST_TEST((active->user_pack_refused->code == cw::ErrorCode::RULE_PACK_UNSIGNED));
}

BOOST_AUTO_TEST_CASE(pack_signed_by_another_key_is_refused) {
  auto stranger = cw::crypto::ed25519_generate();
  write_user_pack(9, stranger.secret_key);
  auto active = load_active_pack(data, anchor());
  BOOST_REQUIRE(active.ok());
  BOOST_TEST(active->engine.pack().version == 3);
  BOOST_TEST((active->user_pack_refused->code == cw::ErrorCode::RULE_PACK_SIGNATURE));
}

BOOST_AUTO_TEST_CASE(older_or_equal_signed_pack_is_not_used) {
  write_user_pack(3, keys.secret_key);
  auto active = load_active_pack(data, anchor());
  BOOST_REQUIRE(active.ok());
  BOOST_TEST(active->origin == "built-in");
  BOOST_TEST((active->user_pack_refused->code == cw::ErrorCode::RULE_PACK_NOT_NEWER));
}

BOOST_AUTO_TEST_CASE(tampered_builtin_is_an_error) {
  std::string blob = builtin_blob;
  blob[blob.size() / 2] = blob[blob.size() / 2] == 'a' ? 'b' : 'a';
  const TrustAnchor broken{blob, builtin_sig, public_hex, "test", {}};
  auto active = load_active_pack(data, broken);
  BOOST_REQUIRE(!active.ok());
  BOOST_TEST((active.error().code == cw::ErrorCode::RULE_PACK_SIGNATURE));
}

BOOST_AUTO_TEST_CASE(sign_pack_file_writes_a_verifiable_signature) {
  write_user_pack(5, "");
  const fs::path key_file = data / "maintainer.key";
  std::ofstream(key_file) << cw::crypto::to_hex(keys.secret_key.substr(0, 32)) << "\n";
  auto sig = sign_pack_file(data / "rules" / "pack.json", key_file);
  BOOST_REQUIRE(sig.ok());
  BOOST_TEST(sig->filename() == "pack.sig");
  auto loaded = load_signed_pack_file(data / "rules" / "pack.json", public_hex);
  BOOST_REQUIRE(loaded.ok());
  BOOST_TEST(loaded->version == 5);
}

BOOST_AUTO_TEST_CASE(the_embedded_pack_verifies) {
  auto active = load_active_pack(data);
  BOOST_REQUIRE_MESSAGE(active.ok(), (active.ok() ? std::string() : active.error().to_string()));
  BOOST_TEST(active->engine.pack().version >= 1);
}

BOOST_AUTO_TEST_SUITE_END()
