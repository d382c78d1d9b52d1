// The built-in rule pack, compiled into the binary at build time by
// native-host/tools/pack_compiler.cpp (the generated rule_pack_embedded.cpp defines these). The
// blob is the canonical pack JSON (rule_pack.h); the signature is Ed25519 over exactly those bytes
// by the key whose public half is kPublicKeyHex. kSigner says which key that is: "maintainer" when
// the build was given CW_RULES_SIGNING_KEY, "build-local" when the build generated its own key (CI,
// developer builds). kLiteralTable is the literals the pack's patterns require, encoded by
// literal_table.h; it is computed from the same blob, in the same build, so it needs no signature.
// kMatchAutomaton is the prefilter automaton of the pack's match patterns
// (LiteralPrefilter::serialize()), built from that table in the same build, aligned for reading in
// place.
#pragma once

#include <string_view>

namespace cw::engine::embedded {

extern const std::string_view kPackBlob;
extern const std::string_view kPackSignatureHex;
extern const std::string_view kPublicKeyHex;
extern const std::string_view kSigner;
extern const std::string_view kLiteralTable;
extern const std::string_view kMatchAutomaton;

}  // namespace cw::engine::embedded
