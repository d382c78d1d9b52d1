// Which rule pack is in force, and the engine compiled from it.
//
// At start the host verifies the built-in pack (embedded_pack.h) against the embedded public key
// and compiles it. A user pack at <data_dir>/rules/pack.json with its signature in pack.sig (128
// hex digits, Ed25519 over the exact bytes of pack.json) replaces it only if the signature verifies
// against the same embedded public key, the pack is valid and its version is newer. Otherwise the
// built-in pack stays in force and the refusal is kept (rules.info and `clausewatch rules info`
// show it).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "protocol/context.h"
#include "protocol/errors.h"

namespace cw::engine {

// What a pack is trusted by: the built-in blob, its signature and the public key user packs must
// match.
struct TrustAnchor {
  std::string_view blob;
  std::string_view signature_hex;
  std::string_view public_key_hex;
  std::string_view signer;  // "maintainer" or "build-local"
  // The built-in pack's pattern literals (literal_table.h); empty: read them at load.
  std::string_view literal_table;
  // Its match patterns' prefilter automaton (LiteralPrefilter::serialize()); empty: built at load.
  std::string_view match_automaton;
};

// The anchor compiled into this binary.
TrustAnchor builtin_anchor();

struct ActivePack {
  Engine engine;
  std::string origin;                      // "built-in" or the user pack's path
  std::string signer;                      // of the built-in pack's key
  std::optional<Error> user_pack_refused;  // why <data_dir>/rules/pack.json was not used
  double load_ms = 0;  // read + verify + validate; pattern compilation is deferred to first use
};

// Ed25519 check of `blob` against a hex signature and hex public key. Errors: RULE_PACK_SIGNATURE.
Status verify_pack_signature(std::string_view blob, std::string_view signature_hex,
                             std::string_view public_key_hex, std::string_view source);

// Reads, verifies and validates `pack_json` with its signature `pack_json` with ".sig" extension.
// Errors: IO_ERROR, LIMIT_EXCEEDED, RULE_PACK_UNSIGNED, RULE_PACK_SIGNATURE, RULE_PACK_INVALID.
Expected<RulePack> load_signed_pack_file(const std::filesystem::path& pack_json,
                                         std::string_view public_key_hex);

// The pack in force for `data_dir` (see the file comment). Fails only if the built-in pack itself
// is broken, which a build cannot produce.
Expected<ActivePack> load_active_pack(const std::filesystem::path& data_dir,
                                      const TrustAnchor& anchor = builtin_anchor());

// The process-wide pack of the host or CLI, loaded on first use.
Expected<ActivePack*> active_pack_for(ActionContext& ctx);

// {version, format, origin, signer, provisions, patterns, families{name: {provisions, risks,
// protections}}, load_ms, user_pack_refused}: the rules.info result.
nlohmann::json pack_info_json(const ActivePack& active);

// Writes the signature of `pack_json` (hex, Ed25519 with the 32-byte seed in `key_file`) next to it
// as pack.sig (same stem, ".sig"). Returns the signature path.
Expected<std::filesystem::path> sign_pack_file(const std::filesystem::path& pack_json,
                                               const std::filesystem::path& key_file);

}  // namespace cw::engine
