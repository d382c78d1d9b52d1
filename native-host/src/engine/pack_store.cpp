#include "engine/pack_store.h"

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include "common/file_read.h"
#include "common/limits.h"
#include "crypto/primitives.h"
#include "engine/embedded_pack.h"

namespace cw::engine {
namespace {

Error signature_error(std::string_view source, const std::string& detail) {
  return Error::make(ErrorCode::RULE_PACK_SIGNATURE,
                     {{"file", std::string(source)}, {"detail", detail}});
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  return s.substr(start);
}

}  // namespace

TrustAnchor builtin_anchor() {
  return {embedded::kPackBlob, embedded::kPackSignatureHex, embedded::kPublicKeyHex,
          embedded::kSigner,   embedded::kLiteralTable,     embedded::kMatchAutomaton};
}

Status verify_pack_signature(std::string_view blob, std::string_view signature_hex,
                             std::string_view public_key_hex, std::string_view source) {
  auto signature = crypto::from_hex(trim(std::string(signature_hex)));
  if (!signature || signature->size() != crypto::kEd25519SignatureBytes) {
    return signature_error(source, "the signature is not 128 hex digits");
  }
  auto key = crypto::from_hex(public_key_hex);
  if (!key || key->size() != crypto::kEd25519PublicKeyBytes) {
    return signature_error(source, "the trusted public key is malformed");
  }
  if (!crypto::ed25519_verify(blob, *signature, *key)) {
    return signature_error(source,
                           "the signature does not match the pack's contents and the ClauseWatch "
                           "rule-signing key; the pack was altered or signed by someone else");
  }
  return ok_status();
}

Expected<RulePack> load_signed_pack_file(const std::filesystem::path& pack_json,
                                         std::string_view public_key_hex) {
  auto sig_path = pack_json;
  sig_path.replace_extension(".sig");
  auto blob = read_file_bounded(pack_json, limits::kMaxRulePackBytes);
  if (!blob) return blob.error();
  if (!std::filesystem::exists(sig_path)) {
    return Error::make(ErrorCode::RULE_PACK_UNSIGNED,
                       {{"file", pack_json.string()}, {"signature", sig_path.string()}});
  }
  auto signature = read_file_bounded(sig_path, limits::kMaxRulePackSignatureBytes);
  if (!signature) return signature.error();
  if (auto verified = verify_pack_signature(*blob, *signature, public_key_hex, pack_json.string());
      !verified) {
    return verified.error();
  }
  return parse_pack_blob(*blob, pack_json.string());
}

Expected<ActivePack> load_active_pack(const std::filesystem::path& data_dir,
                                      const TrustAnchor& anchor) {
  const auto started = std::chrono::steady_clock::now();
  if (auto verified = verify_pack_signature(anchor.blob, anchor.signature_hex,
                                            anchor.public_key_hex, "built-in");
      !verified) {
    return verified.error();
  }
  // Validated (regexes included) when the build embedded it; the signature shows it is unchanged.
  auto builtin = parse_pack_blob(anchor.blob, "built-in", /*compile_patterns=*/false);
  if (!builtin) return builtin.error();

  // Keyed by pattern text: a user pack's patterns that the built-in one shares are found in it too.
  std::optional<LiteralTable> literals;
  if (!anchor.literal_table.empty()) literals = LiteralTable::decode(anchor.literal_table);
  // Used only by a pack with exactly the built-in match patterns (the automaton names them).
  if (literals) literals->set_match_automaton(anchor.match_automaton);

  std::optional<Error> refused;
  std::optional<RulePack> chosen;
  std::string origin = "built-in";
  const auto user_pack = data_dir / "rules" / "pack.json";
  std::error_code ec;
  if (!data_dir.empty() && std::filesystem::exists(user_pack, ec)) {
    auto user = load_signed_pack_file(user_pack, anchor.public_key_hex);
    if (!user) {
      refused = user.error();
    } else if (user->version <= builtin->version) {
      refused = Error::make(ErrorCode::RULE_PACK_NOT_NEWER, {{"file", user_pack.string()},
                                                             {"version", user->version},
                                                             {"current", builtin->version}});
    } else {
      auto compiled =
          Engine::compile(*user, PatternSet::Options{}, Engine::When::kOnFirstUse,
                          literals);  // a copy: the built-in pack needs it if this fails
      if (!compiled) {
        refused = compiled.error();
      } else {
        origin = user_pack.string();
        auto elapsed =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
        return ActivePack{std::move(*compiled), origin, std::string(anchor.signer), std::nullopt,
                          elapsed.count()};
      }
    }
  }
  auto engine = Engine::compile(std::move(*builtin), PatternSet::Options{},
                                Engine::When::kOnFirstUse, std::move(literals));
  if (!engine) return engine.error();
  auto elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
  return ActivePack{std::move(*engine), origin, std::string(anchor.signer), std::move(refused),
                    elapsed.count()};
}

Expected<ActivePack*> active_pack_for(ActionContext& ctx) {
  if (auto* existing = ctx.find<ActivePack>()) return existing;
  auto loaded = load_active_pack(ctx.config().data_dir);
  if (!loaded) return loaded.error();
  // Start-up builds only the literal prefilter; each pattern's RE2 is compiled by the first
  // sentence that needs it. (Compiling the rest on a background thread made the first ping reply
  // 4x slower on a loaded 2-core machine: Engine::compile_in_background stays available.)
  return &ctx.put(std::make_unique<ActivePack>(std::move(*loaded)));
}

Expected<std::filesystem::path> sign_pack_file(const std::filesystem::path& pack_json,
                                               const std::filesystem::path& key_file) {
  auto blob = read_file_bounded(pack_json, limits::kMaxRulePackBytes);
  if (!blob) return blob.error();
  auto key_text = read_file_bounded(key_file, limits::kMaxRulePackSignatureBytes);
  if (!key_text) return key_text.error();
  auto seed = crypto::from_hex(trim(*key_text));
  if (!seed || seed->size() != 32) {
    return Error::make(ErrorCode::USAGE,
                       {{"detail", "key file " + key_file.string() +
                                       " must hold a 32-byte Ed25519 seed as 64 hex digits"}});
  }
  // Sign only what would load: a pack that fails validation must not get a signature.
  if (auto parsed = parse_pack_blob(*blob, pack_json.string()); !parsed) return parsed.error();
  auto pair = crypto::ed25519_from_seed(*seed);
  crypto::wipe(*seed);
  auto signature = crypto::ed25519_sign(*blob, pair->secret_key);
  crypto::wipe(pair->secret_key);
  auto sig_path = pack_json;
  sig_path.replace_extension(".sig");
  std::ofstream out(sig_path);
  out << crypto::to_hex(*signature) << '\n';
  if (!out) {
    return Error::make(ErrorCode::IO_ERROR,
                       {{"path", sig_path.string()}, {"detail", "write failed"}});
  }
  return sig_path;
}

nlohmann::json pack_info_json(const ActivePack& active) {
  const auto& pack = active.engine.pack();
  std::map<std::string, nlohmann::json> families;
  for (const auto& family : pack.families) {
    families[family] = {{"provisions", 0}, {"risks", 0}, {"protections", 0}};
  }
  for (const auto& p : pack.provisions) {
    auto& entry = families[p.family];
    entry["provisions"] = entry["provisions"].get<int>() + 1;
    const char* side = p.polarity == Polarity::kRisk ? "risks" : "protections";
    entry[side] = entry[side].get<int>() + 1;
  }
  nlohmann::json result{{"version", pack.version},
                        {"format", kRulePackFormat},
                        {"origin", active.origin},
                        {"signer", active.signer},
                        {"provisions", pack.provisions.size()},
                        {"patterns", active.engine.pattern_count()},
                        {"families", families},
                        {"scopes", pack.scopes.size()},
                        {"load_ms", active.load_ms}};
  result["user_pack_refused"] =
      active.user_pack_refused ? active.user_pack_refused->to_json() : nlohmann::json(nullptr);
  return result;
}

}  // namespace cw::engine
