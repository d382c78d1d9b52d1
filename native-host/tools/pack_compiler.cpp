// clausewatch-pack: the build-time rule pack compiler.
//
//   clausewatch-pack embed RULES_DIR OUT.cpp --key KEYFILE [--generate-key] [--signer NAME]
//
// Validates every family file of RULES_DIR exactly as the engine will (rule_pack.h), builds the
// canonical blob, signs it with the Ed25519 key in KEYFILE and writes OUT.cpp defining the blob,
// the signature and the public key (engine/embedded_pack.h). With --generate-key, a missing KEYFILE
// is created first (64 hex digits: a random seed, mode 0600) — this is how CI and developer builds
// get a build-local key; no private key is ever committed. OUT.cpp also holds the literals every
// pattern requires (literal_table.h), so that the host need not read them at each start.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

#include "crypto/primitives.h"
#include "engine/literal_table.h"
#include "engine/pattern_set.h"
#include "engine/rule_pack.h"
#include "text/scan_mask.h"

namespace {

std::string read_key_seed(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string hex;
  in >> hex;
  return hex;
}

int fail(const std::string& message) {
  std::cerr << "clausewatch-pack: " << message << '\n';
  return 1;
}

std::string raw_literal(std::string_view text) {
  // A raw string literal whose delimiter cannot occur in the text.
  std::string delimiter = "cwpack";
  while (text.find(")" + delimiter + "\"") != std::string_view::npos) delimiter += "x";
  return "R\"" + delimiter + "(" + std::string(text) + ")" + delimiter + "\"";
}

// An ordinary string literal of any bytes: printable ASCII as itself, the rest as three-digit octal
// escapes (which, unlike hex ones, never swallow a following digit).
std::string escaped_literal(std::string_view bytes) {
  std::string out = "\"";
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || c == '?') {  // '?': no trigraphs
      out += '\\';
      out += c;
    } else if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      out += '\\';
      out += static_cast<char>('0' + ((u >> 6) & 7));
      out += static_cast<char>('0' + ((u >> 3) & 7));
      out += static_cast<char>('0' + (u & 7));
    }
    if (c == '\n') out += "\"\n\"";  // one source line per clause
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::string(argv[1]) != "embed") {
    return fail(
        "usage: clausewatch-pack embed RULES_DIR OUT.cpp --key KEYFILE [--generate-key] "
        "[--signer NAME]");
  }
  const std::filesystem::path rules_dir = argv[2];
  const std::filesystem::path out_path = argv[3];
  std::filesystem::path key_path;
  bool generate = false;
  std::string signer = "maintainer";
  for (int i = 4; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--key" && i + 1 < argc)
      key_path = argv[++i];
    else if (arg == "--generate-key")
      generate = true;
    else if (arg == "--signer" && i + 1 < argc)
      signer = argv[++i];
    else
      return fail("unknown argument " + arg);
  }
  if (key_path.empty()) return fail("--key KEYFILE is required");

  auto pack = cw::engine::load_rules_dir(rules_dir);
  if (!pack) return fail(pack.error().to_string());
  auto blob = cw::engine::canonical_blob_from_dir(rules_dir);
  if (!blob) return fail(blob.error().to_string());
  // The blob must read back to the same pack (what the binary will do at start).
  auto reread = cw::engine::parse_pack_blob(*blob, "built-in");
  if (!reread) return fail(reread.error().to_string());
  const auto literals = cw::engine::LiteralTable::compute(
      *reread, static_cast<std::size_t>(cw::engine::PatternSet::Options{}.min_atom_len));
  const std::string encoded_literals = literals.encode();
  if (!cw::engine::LiteralTable::decode(encoded_literals)) return fail("literal table round trip");
  // The prefilter automaton of the match patterns, in the order the engine adds them
  // (engine.cpp, Engine::Impl::prepare), labelled with the key the engine will compute.
  std::vector<std::string> scan_patterns;
  std::vector<cw::engine::RequiredLiterals> required;
  for (const auto& provision : reread->provisions) {
    if (provision.kind == cw::engine::ProvisionKind::kMissingProtection) continue;
    for (const auto& pattern : provision.patterns) {
      scan_patterns.push_back(cw::text::scan_pattern(pattern));
      const auto* found = literals.match(scan_patterns.back());
      if (found == nullptr) return fail("literal table lacks the pattern " + scan_patterns.back());
      required.push_back(*found);
    }
  }
  const std::vector<std::string_view> pattern_views(scan_patterns.begin(), scan_patterns.end());
  const auto automaton_key = cw::engine::prefilter_key(
      pattern_views, static_cast<std::size_t>(cw::engine::PatternSet::Options{}.min_atom_len));
  const std::string automaton = cw::engine::LiteralPrefilter(required).serialize(automaton_key);
  std::string automaton_error;
  if (!cw::engine::LiteralPrefilter::view(automaton, automaton_key, &automaton_error)) {
    return fail("prefilter automaton round trip: " + automaton_error);
  }

  if (!std::filesystem::exists(key_path)) {
    if (!generate) return fail("key file " + key_path.string() + " does not exist");
    cw::crypto::ensure_sodium();
    auto pair = cw::crypto::ed25519_generate();
    const std::string seed = pair.secret_key.substr(0, 32);
    const mode_t old_mask = umask(077);
    {
      std::ofstream out(key_path);
      out << cw::crypto::to_hex(seed) << '\n';
    }
    umask(old_mask);
    cw::crypto::wipe(pair.secret_key);
  }
  auto seed = cw::crypto::from_hex(read_key_seed(key_path));
  if (!seed || seed->size() != 32) {
    return fail("key file " + key_path.string() + " must hold a 32-byte seed as 64 hex digits");
  }
  auto pair = cw::crypto::ed25519_from_seed(*seed);
  cw::crypto::wipe(*seed);
  auto signature = cw::crypto::ed25519_sign(*blob, pair->secret_key);
  cw::crypto::wipe(pair->secret_key);
  if (!signature) return fail("signing failed");

  const std::filesystem::path tmp = out_path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << "// Generated by clausewatch-pack from " << rules_dir.filename().string()
        << "/ at build time. Do not edit.\n"
        << "#include \"engine/embedded_pack.h\"\n\nnamespace cw::engine::embedded {\n\n"
        << "extern const std::string_view kPackBlob = " << raw_literal(*blob) << ";\n"
        << "extern const std::string_view kPackSignatureHex = \"" << cw::crypto::to_hex(*signature)
        << "\";\n"
        << "extern const std::string_view kPublicKeyHex = \""
        << cw::crypto::to_hex(pair->public_key) << "\";\n"
        << "extern const std::string_view kSigner = \"" << signer << "\";\n"
        << "extern const std::string_view kLiteralTable = " << escaped_literal(encoded_literals)
        << ";\n"
        << "alignas(64) static const char kMatchAutomatonBytes[] = " << escaped_literal(automaton)
        << ";\n"
        << "extern const std::string_view kMatchAutomaton(kMatchAutomatonBytes, "
        << automaton.size() << ");\n\n"
        << "}  // namespace cw::engine::embedded\n";
  }
  std::filesystem::rename(tmp, out_path);
  std::cout << "clausewatch-pack: " << reread->provisions.size() << " provisions, version "
            << reread->version << ", signed by " << signer << " key, literals of "
            << literals.size() << " patterns, prefilter automaton of " << automaton.size()
            << " bytes\n";
  return 0;
}
