// clausewatch rules info | verify FILE | sign --key KEYFILE FILE | test [DIR]
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "engine/pack_store.h"
#include "text/normalize.h"

namespace cw::cli {
namespace {

namespace fs = std::filesystem;

void add_info(CLI::App& rules, CliState& state) {
  auto* cmd = rules.add_subcommand("info", "The rule pack in force");
  auto as_json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *as_json, "Print the rules.info result as JSON");
  cmd->callback([&state, as_json] {
    auto active = engine::active_pack_for(*state.ctx);
    if (!active) {
      state.exit_code = report_error(active.error());
      return;
    }
    const auto info = engine::pack_info_json(**active);
    if (*as_json) {
      std::cout << info.dump(2) << "\n";
    } else {
      std::cout << "rule pack version " << info["version"] << " ("
                << info["origin"].get<std::string>() << ", signed with the "
                << info["signer"].get<std::string>() << " key)\n"
                << info["provisions"] << " provisions, " << info["patterns"] << " patterns, "
                << info["scopes"] << " scopes, loaded in " << info["load_ms"].get<double>()
                << " ms\n";
      for (const auto& [family, counts] : info["families"].items()) {
        std::cout << "  " << family << ": " << counts["provisions"] << " (" << counts["risks"]
                  << " risks, " << counts["protections"] << " protections)\n";
      }
      if (!info["user_pack_refused"].is_null()) {
        std::cout << "user pack refused: "
                  << info["user_pack_refused"]["message"].get<std::string>() << "\n";
      }
    }
    state.exit_code = 0;
  });
}

void add_verify(CLI::App& rules, CliState& state) {
  auto* cmd = rules.add_subcommand(
      "verify", "Check a pack.json and its pack.sig against this build's rule-signing key");
  auto path = std::make_shared<std::string>();
  cmd->add_option("file", *path, "pack.json (its signature is the .sig next to it)")->required();
  cmd->callback([&state, path] {
    auto pack = engine::load_signed_pack_file(*path, engine::builtin_anchor().public_key_hex);
    if (!pack) {
      state.exit_code = report_error(pack.error());
      return;
    }
    auto compiled = engine::Engine::compile(*pack);
    if (!compiled) {
      state.exit_code = report_error(compiled.error());
      return;
    }
    std::cout << *path << ": signature valid, version " << pack->version << ", "
              << pack->provisions.size() << " provisions\n";
    state.exit_code = 0;
  });
}

void add_sign(CLI::App& rules, CliState& state) {
  auto* cmd = rules.add_subcommand(
      "sign",
      "Sign a pack (maintainers): FILE is a pack.json, or a rules directory with --out DIR");
  auto key = std::make_shared<std::string>();
  auto path = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("--key", *key,
                  "File with the Ed25519 seed as 64 hex digits (keep it out of the repo)")
      ->required();
  cmd->add_option("file", *path, "pack.json, or a directory of family files")->required();
  cmd->add_option("--out", *out, "With a directory: where to write pack.json and pack.sig");
  cmd->callback([&state, key, path, out] {
    fs::path pack_json = *path;
    if (fs::is_directory(*path)) {
      if (out->empty()) {
        state.exit_code = report_error(Error::make(
            ErrorCode::USAGE, {{"detail", "signing a rules directory needs --out DIR"}}));
        return;
      }
      auto blob = engine::canonical_blob_from_dir(*path);
      if (!blob) {
        state.exit_code = report_error(blob.error());
        return;
      }
      fs::create_directories(*out);
      pack_json = fs::path(*out) / "pack.json";
      std::ofstream(pack_json, std::ios::binary) << *blob;
    }
    auto sig = engine::sign_pack_file(pack_json, *key);
    if (!sig) {
      state.exit_code = report_error(sig.error());
      return;
    }
    std::cout << "wrote " << sig->string() << " for " << pack_json.string() << "\n";
    state.exit_code = 0;
  });
}

void add_test(CLI::App& rules, CliState& state) {
  auto* cmd = rules.add_subcommand(
      "test", "Run every rule's examples (match / no_match) on the pack in force or on DIR");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("dir", *dir, "A rules directory (default: the pack in force)");
  cmd->callback([&state, dir] {
    std::optional<engine::Engine> own;
    const engine::Engine* engine = nullptr;
    if (!dir->empty()) {
      auto pack = engine::load_rules_dir(*dir);
      if (!pack) {
        state.exit_code = report_error(pack.error());
        return;
      }
      auto compiled = engine::Engine::compile(std::move(*pack));
      if (!compiled) {
        state.exit_code = report_error(compiled.error());
        return;
      }
      own.emplace(std::move(*compiled));
      engine = &*own;
    } else {
      auto active = engine::active_pack_for(*state.ctx);
      if (!active) {
        state.exit_code = report_error(active.error());
        return;
      }
      engine = &(*active)->engine;
    }
    std::size_t passed = 0;
    std::size_t failed = 0;
    auto fires = [&](const engine::Provision& p, const std::string& example) {
      auto hits = engine->match_sentence(text::normalize(example).text, "");
      return hits && std::any_of(hits->begin(), hits->end(),
                                 [&](const engine::Provision* h) { return h->id == p.id; });
    };
    for (const auto& p : engine->pack().provisions) {
      for (const auto& example : p.examples_match) {
        if (fires(p, example))
          ++passed;
        else {
          ++failed;
          std::cout << "FAIL " << p.id << " should match: " << example << "\n";
        }
      }
      for (const auto& example : p.examples_no_match) {
        if (!fires(p, example))
          ++passed;
        else {
          ++failed;
          std::cout << "FAIL " << p.id << " should not match: " << example << "\n";
        }
      }
    }
    std::cout << passed << " examples passed, " << failed << " failed\n";
    // A scope's examples: its patterns find the scoping phrase in each `match` sentence and in no
    // `no_match` one (the mere mention of a place).
    std::size_t scopes_passed = 0;
    std::size_t scopes_failed = 0;
    auto in_scope = [&](const engine::Scope& scope, const std::string& example) {
      auto found = engine->scopes_matching(text::normalize(example).text);
      return found && std::any_of(found->begin(), found->end(),
                                  [&](const engine::Scope* s) { return s->id == scope.id; });
    };
    for (const auto& scope : engine->pack().scopes) {
      for (const auto& example : scope.examples_match) {
        if (in_scope(scope, example)) {
          ++scopes_passed;
        } else {
          ++scopes_failed;
          std::cout << "FAIL scope " << scope.id << " should match: " << example << "\n";
        }
      }
      for (const auto& example : scope.examples_no_match) {
        if (!in_scope(scope, example)) {
          ++scopes_passed;
        } else {
          ++scopes_failed;
          std::cout << "FAIL scope " << scope.id << " should not match: " << example << "\n";
        }
      }
    }
    std::cout << "scopes: " << scopes_passed << " examples passed, " << scopes_failed
              << " failed\n";
    state.exit_code = failed == 0 && scopes_failed == 0 ? 0 : 1;
  });
}

}  // namespace

void register_rules(CLI::App& app, CliState& state) {
  auto* rules = app.add_subcommand("rules", "The provision rule pack: info, verify, sign, test");
  rules->require_subcommand(1);
  add_info(*rules, state);
  add_verify(*rules, state);
  add_sign(*rules, state);
  add_test(*rules, state);
}

}  // namespace cw::cli
