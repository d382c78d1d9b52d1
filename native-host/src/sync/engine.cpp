#include "sync/engine.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <unistd.h>

#include <sodium.h>

#include "common/bounded_json.h"
#include "common/limits.h"
#include "crypto/sealed_bundle.h"
#include "sync/folder.h"
#include "sync/hlc.h"
#include "sync/state.h"

namespace cw::sync {
namespace {

using crypto::BundleKind;
using crypto::BundleState;

constexpr std::string_view kSealedMagic = "CWSEALD1";

bool is_mutable(RecordKind kind) {
  return kind == RecordKind::kDocument || kind == RecordKind::kSetting;
}

std::string value_digest(const nlohmann::json& meta, std::string_view body) {
  crypto::ensure_sodium();
  const std::string text = meta.dump();
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 16);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(text.data()),
                            text.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>("\0"), 1);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                            body.size());
  std::array<unsigned char, 16> out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return crypto::to_hex(out);
}

std::int64_t now_ms() {
  return static_cast<std::int64_t>(wall_clock_ms());
}

Error bundle_error(ErrorCode code, const std::string& file, std::string detail,
                   const std::string& device = {}) {
  nlohmann::json params{{"file", file}, {"detail", std::move(detail)}};
  if (!device.empty()) params["device"] = device;
  return Error::make(code, params);
}

// Which records the folder already holds: what this run added, kept in memory, else the
// sync_published table, asked per record. Loading the whole table cost an incremental sync more
// than everything else it does.
class PublishedSet {
 public:
  explicit PublishedSet(SyncState* state) : state_(state) {}
  bool contains(const std::string& pkey) {
    if (added_.count(pkey) != 0) return true;
    return state_ != nullptr && state_->is_published(pkey);
  }
  void insert(const std::string& pkey) { added_.insert(pkey); }

 private:
  SyncState* state_;
  std::unordered_set<std::string> added_;
};

// Everything a run needs once the folder is open.
struct Session {
  SyncStore& store;
  SyncState state;
  fs::path folder;
  crypto::FolderKey folder_key{};
  crypto::SubKey bundle_key{};
  crypto::DeviceKeys me;
  std::string me_hex;
  std::map<std::string, Enrolment> devices;
  std::vector<std::string> problems;
  HybridClock clock;
  std::string listing_mark;
  std::map<std::string, std::uint64_t> revoked;  // device -> last sequence still accepted

  explicit Session(SyncStore& s) : store(s), state(s.db()) {}
};

// Revocations: devices/<device>.cwr, sealed with the enrolment key, {device, after_seq,
// revoked_ms}. Each one read is also kept in sync_config ("revoked:<device>"), so a file deleted
// later (by the revoked device itself, say) does not undo it here.
void load_revocations(Session& s) {
  const auto key = crypto::derive_subkey(s.folder_key, crypto::KeyPurpose::kEnrolment);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(s.folder / "devices", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 36 || name.substr(32) != ".cwr") continue;
    auto sealed = read_file_limited(entry.path(), limits::kMaxSyncSmallFileBytes);
    std::string plain;
    if (!sealed || !crypto::secretbox_open(key, *sealed, plain)) {
      s.problems.push_back("revocation " + name + " does not open with the folder key; ignored");
      continue;
    }
    auto json = parse_bounded_json(plain, 4);
    const std::string device = name.substr(0, 32);
    if (!json || !json->is_object() || json->value("device", "") != device ||
        !json->contains("after_seq") || !(*json)["after_seq"].is_number_unsigned()) {
      s.problems.push_back("revocation " + name + " is malformed; ignored");
      continue;
    }
    const auto after = (*json)["after_seq"].get<std::uint64_t>();
    const auto known = s.state.get("revoked:" + device);
    if (!known || std::stoull(*known) > after) {
      (void)s.state.set("revoked:" + device, std::to_string(after));
    }
  }
  Statement st(s.state.db(), "SELECT key, value FROM sync_config WHERE key LIKE 'revoked:%'");
  while (st.step() == SQLITE_ROW) {
    s.revoked[st.text(0).substr(8)] = std::stoull(st.text(1));
  }
}

Expected<std::unique_ptr<Session>> open_session(SyncStore& store) {
  auto session = std::make_unique<Session>(store);
  if (auto st = session->state.ensure_schema(); !st) return st.error();
  const auto folder = session->state.get("folder");
  const auto key = session->state.folder_key();
  if (!folder || !key) return Error::make(ErrorCode::SYNC_NOT_CONFIGURED);
  session->folder = *folder;
  session->folder_key = *key;
  auto header = read_folder_header(session->folder);
  if (!header) return header.error();
  if (header->folder_id != session->state.get("folder_id").value_or("")) {
    return Error::make(
        ErrorCode::SYNC_FOLDER_INVALID,
        {{"path", session->folder.string()},
         {"detail", "it holds a different sync folder than the one this archive joined"}});
  }
  if (auto st = check_folder_key(session->folder, *header, *key); !st) return st.error();
  auto me = session->state.device_keys();
  if (!me) return me.error();
  session->me = *me;
  session->me_hex = crypto::to_hex(me->id);
  session->bundle_key = crypto::derive_subkey(*key, crypto::KeyPurpose::kBundle);
  session->devices = read_enrolments(session->folder, *key, session->problems);
  load_revocations(*session);
  session->clock = HybridClock(std::stoull(session->state.get("hlc").value_or("0")));
  if (session->devices.find(session->me_hex) == session->devices.end()) {
    // Our enrolment vanished (a sync tool lost it); we still hold the key, so enrol again.
    Enrolment e{me->id, me->public_key, session->state.get("device_name").value_or("device"),
                now_ms()};
    if (auto st = write_enrolment(session->folder, *key, e); !st) return st.error();
    session->devices[session->me_hex] = e;
  }
  return session;
}

// --- Applying received records -------------------------------------------------------------------

struct ApplyCounts {
  std::uint64_t records = 0;
  std::uint64_t added = 0;
};

// Applies every record of an opened payload inside the caller's transaction. `expect_device` is
// checked against the info record when non-empty.
Expected<ApplyCounts> apply_payload(SyncStore& store, SyncState& state, HybridClock& clock,
                                    PublishedSet& published, std::string_view payload,
                                    const std::string& file, const std::string& expect_device,
                                    std::uint64_t expect_seq, nlohmann::json* info_out,
                                    bool record_published = true) {
  ApplyCounts counts;
  RecordReader reader(payload);
  bool first = true;
  auto invalid = [&](std::string detail) {
    return bundle_error(ErrorCode::SYNC_BUNDLE_INVALID, file, std::move(detail));
  };
  for (;;) {
    auto next = reader.next();
    if (!next) return invalid(next.error().params.value("detail", next.error().message));
    if (!next->has_value()) break;
    Record& record = **next;
    if (first) {
      first = false;
      if (record.kind != RecordKind::kInfo) return invalid("first record is not the bundle info");
      if (!expect_device.empty() && (record.meta.value("device", "") != expect_device ||
                                     record.meta.value("seq", std::uint64_t{0}) != expect_seq)) {
        return invalid("bundle info names another device or sequence than its file");
      }
      if (info_out != nullptr) *info_out = record.meta;
      continue;
    }
    if (record.kind == RecordKind::kInfo) return invalid("second info record");
    ++counts.records;
    if (is_mutable(record.kind)) {
      const auto& m = record.meta;
      if (!m.contains("key") || !m["key"].is_string() || !m.contains("hlc") ||
          !m["hlc"].is_number_unsigned() || !m.contains("device") || !m["device"].is_string() ||
          !m.contains("value") || !m["value"].is_object()) {
        return invalid("mutable record lacks key, hlc, device or value");
      }
      const std::string key = m["key"].get<std::string>();
      const auto hlc = m["hlc"].get<std::uint64_t>();
      const std::string device = m["device"].get<std::string>();
      clock.observe(hlc);
      const std::string pkey = SyncState::published_key(record.kind, record.id);
      published.insert(pkey);
      if (record_published) {
        if (auto st = state.mark_published(record.kind, record.id); !st) return st.error();
      }
      const auto current = state.lww(record.kind, key);
      if (current && !newer_write(hlc, device, current->hlc, current->device)) continue;
      Record value{record.kind, key, m["value"], std::move(record.body)};
      auto applied = store.apply_record(value);
      if (!applied) return applied.error();
      // The digest of the value as the archive now holds it, so it is not mistaken for a local
      // edit.
      auto stored = store.read_record(record.kind, key);
      const std::string digest = stored ? value_digest(stored->meta, stored->body) : std::string();
      if (auto st = state.set_lww(record.kind, key, {digest, hlc, device}); !st) return st.error();
      ++counts.added;
      continue;
    }
    const std::string pkey = SyncState::published_key(record.kind, record.id);
    if (published.contains(pkey)) continue;  // already here (we have it, or saw it before)
    auto applied = store.apply_record(record);
    if (!applied) {
      Error e = applied.error();
      if (e.code != ErrorCode::SYNC_BUNDLE_INVALID) return e;
      return invalid(e.params.value("detail", e.message));
    }
    if (*applied) ++counts.added;
    if (record_published) {
      if (auto st = state.mark_published(record.kind, record.id); !st) return st.error();
    }
    published.insert(pkey);
  }
  if (first) return invalid("empty record stream");
  return counts;
}

// --- Import of other devices' files --------------------------------------------------------------

struct FolderListing {
  // device -> seq -> path
  std::map<std::string, std::map<std::uint64_t, fs::path>> bundles;
  std::map<std::string, std::map<std::uint64_t, fs::path>> snapshots;
  nlohmann::json skipped = nlohmann::json::array();
};

FolderListing list_folder(const fs::path& folder) {
  FolderListing listing;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder / "bundles", ec)) {
    const std::string name = entry.path().filename().string();
    const auto c = classify_bundle_name(name);
    switch (c.cls) {
      case FileClass::kBundle:
        listing.bundles[c.device][c.seq] = entry.path();
        break;
      case FileClass::kSnapshot:
        listing.snapshots[c.device][c.seq] = entry.path();
        break;
      case FileClass::kConflictCopy:
        listing.skipped.push_back(
            {{"file", name}, {"reason", "conflict copy made by a sync tool; not read"}});
        break;
      case FileClass::kTemporary:
        listing.skipped.push_back(
            {{"file", name}, {"reason", "temporary file of a write in progress"}});
        break;
      case FileClass::kOther:
        break;
    }
  }
  return listing;
}

enum class FileOutcome { kImported, kPending, kRefused };

FileOutcome import_file(Session& s, PublishedSet& published, const fs::path& path,
                        const std::string& device, std::uint64_t seq, bool snapshot,
                        nlohmann::json& report) {
  const std::string name = path.filename().string();
  auto refuse = [&](const Error& e) {
    report["refused"].push_back({{"file", name}, {"device", device}, {"error", e.to_json()}});
    return FileOutcome::kRefused;
  };
  auto pending = [&](const std::string& why) {
    report["pending"].push_back({{"file", name}, {"reason", why}});
    return FileOutcome::kPending;
  };
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return pending("vanished while reading (" + ec.message() + ")");
  if (size > limits::kMaxBundleFileBytes) {
    return refuse(
        bundle_error(ErrorCode::SYNC_BUNDLE_INVALID, name, "larger than the bundle limit"));
  }
  auto bytes = read_file_limited(path, limits::kMaxBundleFileBytes);
  if (!bytes) return pending(bytes.error().message);
  const auto check = crypto::check_bundle_header(
      std::string_view(*bytes).substr(0, crypto::kBundleHeaderBytes), bytes->size());
  if (check.state == BundleState::kIncomplete) return pending("incomplete: " + check.detail);
  if (check.state == BundleState::kMalformed) {
    return refuse(bundle_error(ErrorCode::SYNC_BUNDLE_INVALID, name, check.detail));
  }
  if (check.state == BundleState::kTampered) {
    return refuse(bundle_error(ErrorCode::SYNC_BUNDLE_TAMPERED, name, check.detail));
  }
  const auto& h = check.header;
  const BundleKind want = snapshot ? BundleKind::kSnapshot : BundleKind::kBundle;
  if (crypto::to_hex(h.device) != device || h.seq != seq || h.kind != want) {
    return refuse(
        bundle_error(ErrorCode::SYNC_BUNDLE_TAMPERED, name,
                     "its header names another device, sequence or kind than its file name"));
  }
  const auto enrolled = s.devices.find(device);
  if (enrolled == s.devices.end()) {
    return refuse(bundle_error(ErrorCode::SYNC_UNKNOWN_DEVICE, name, "", device));
  }
  if (auto r = s.revoked.find(device); r != s.revoked.end() && seq > r->second) {
    return refuse(bundle_error(ErrorCode::SYNC_UNKNOWN_DEVICE, name,
                               "the device was revoked after bundle " + std::to_string(r->second),
                               device));
  }
  auto opened = crypto::open_bundle(*bytes, s.bundle_key, enrolled->second.public_key);
  if (opened.state == BundleState::kIncomplete) return pending("incomplete: " + opened.detail);
  if (opened.state != BundleState::kOk) {
    return refuse(bundle_error(ErrorCode::SYNC_BUNDLE_TAMPERED, name, opened.detail));
  }
  bytes->clear();
  bytes->shrink_to_fit();

  // The whole bundle in one transaction; the store's caches are dropped once it has ended, whether
  // it committed or rolled back.
  s.store.reset_caches();
  auto working = published;  // adopted only if the transaction commits
  Expected<ApplyCounts> counts = ApplyCounts{};
  std::string busy;
  {
    Transaction tx(s.state.db());
    if (!tx.begun()) {
      busy = tx.begun().error().message;
    } else {
      counts = apply_payload(s.store, s.state, s.clock, working, opened.payload, name, device, seq,
                             nullptr);
      if (counts) {
        Status st = s.state.set_imported(device, seq);
        if (st) st = s.state.set("hlc", std::to_string(s.clock.last()));
        if (st) st = tx.commit();
        if (!st) counts = st.error();
      }
    }
  }
  s.store.reset_caches();
  if (!busy.empty()) return pending("archive busy: " + busy);
  if (!counts) return refuse(counts.error());
  published = std::move(working);
  report["imported"].push_back({{"file", name},
                                {"device", device},
                                {"device_name", enrolled->second.name},
                                {"records", counts->records},
                                {"added", counts->added}});
  return FileOutcome::kImported;
}

void import_others(Session& s, PublishedSet& published, const FolderListing& listing,
                   nlohmann::json& report) {
  std::set<std::string> devices;
  for (const auto& [d, _] : listing.bundles) devices.insert(d);
  for (const auto& [d, _] : listing.snapshots) devices.insert(d);
  auto cursors = s.state.imported();
  for (const auto& device : devices) {
    if (device == s.me_hex) continue;
    std::uint64_t cursor = cursors[device];
    const auto* bundles =
        listing.bundles.count(device) != 0 ? &listing.bundles.at(device) : nullptr;
    const auto* snaps =
        listing.snapshots.count(device) != 0 ? &listing.snapshots.at(device) : nullptr;
    for (;;) {
      fs::path path;
      std::uint64_t seq = 0;
      bool snapshot = false;
      if (bundles != nullptr && bundles->count(cursor + 1) != 0) {
        seq = cursor + 1;
        path = bundles->at(seq);
      } else if (snaps != nullptr && !snaps->empty() && snaps->rbegin()->first > cursor) {
        seq = snaps->rbegin()->first;
        path = snaps->rbegin()->second;
        snapshot = true;
      } else {
        const bool later = bundles != nullptr && bundles->upper_bound(cursor) != bundles->end();
        if (later) {
          report["pending"].push_back(
              {{"file", bundle_name(device, cursor + 1, false)},
               {"reason", "missing: later bundles of this device wait for it (still syncing?)"}});
        }
        break;
      }
      if (import_file(s, published, path, device, seq, snapshot, report) != FileOutcome::kImported)
        break;
      cursor = seq;
    }
  }
}

// --- Publishing
// ------------------------------------------------------------------------------------

std::uint64_t own_last_seq(Session& s, const FolderListing& listing) {
  std::uint64_t last = std::stoull(s.state.get("last_seq").value_or("0"));
  if (auto it = listing.bundles.find(s.me_hex);
      it != listing.bundles.end() && !it->second.empty()) {
    last = std::max(last, it->second.rbegin()->first);
  }
  if (auto it = listing.snapshots.find(s.me_hex);
      it != listing.snapshots.end() && !it->second.empty()) {
    last = std::max(last, it->second.rbegin()->first);
  }
  return last;
}

// Writes `bytes` as `target` without replacing an existing file (hard link, then drop the temp).
Status write_new_file(const fs::path& target, std::string_view bytes) {
  const fs::path staging = target.parent_path() / ("." + target.filename().string() + ".staging");
  if (auto st = atomic_write(staging, bytes); !st) return st;
  if (::link(staging.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(staging.c_str());
    return Error::make(ErrorCode::SYNC_IO,
                       {{"path", target.string()}, {"detail", std::strerror(err)}});
  }
  ::unlink(staging.c_str());
  return ok_status();
}

struct PendingRecord {
  RecordKind kind;
  std::string id;  // store id (for mutable: the key)
};

Status publish(Session& s, PublishedSet& published, const FolderListing& listing,
               nlohmann::json& report) {
  std::vector<PendingRecord> fresh;
  s.store.set_listing_floor(s.state.get("listing_mark").value_or(""));
  auto listed = s.store.list_records([&](RecordKind kind, const std::string& id) {
    if (is_mutable(kind) || !published.contains(SyncState::published_key(kind, id))) {
      fresh.push_back({kind, id});
    }
  });
  s.store.set_listing_floor("");
  if (!listed) return listed.error();
  // Saved with the run's report once everything listed here is in the folder.
  s.listing_mark = s.store.listing_mark();

  std::uint64_t seq = own_last_seq(s, listing);
  std::unique_ptr<RecordWriter> writer;
  std::vector<std::pair<RecordKind, std::string>> in_bundle;
  const auto acks = s.state.imported();

  auto start = [&] {
    writer = std::make_unique<RecordWriter>();
    in_bundle.clear();
    ++seq;
    nlohmann::json ack_json = nlohmann::json::object();
    for (const auto& [d, q] : acks) ack_json[d] = q;
    writer->add({RecordKind::kInfo,
                 "info",
                 {{"device", s.me_hex}, {"seq", seq}, {"created_ms", now_ms()}, {"acks", ack_json}},
                 {}});
  };
  auto flush = [&]() -> Status {
    if (!writer || in_bundle.empty()) return ok_status();
    const std::string payload = writer->finish();
    const std::string sealed = crypto::seal_bundle(BundleKind::kBundle, s.me.id, seq, payload,
                                                   s.bundle_key, s.me.secret_key);
    const std::string name = bundle_name(s.me_hex, seq, false);
    for (;;) {
      auto st = write_new_file(s.folder / "bundles" / name, sealed);
      if (st) break;
      return st;
    }
    Transaction tx(s.state.db());
    if (!tx.begun()) return tx.begun().error();
    for (const auto& [kind, id] : in_bundle) {
      if (auto st = s.state.mark_published(kind, id); !st) return st;
    }
    if (auto st = s.state.set("last_seq", std::to_string(seq)); !st) return st;
    if (auto st = s.state.set("hlc", std::to_string(s.clock.last())); !st) return st;
    if (auto st = tx.commit(); !st) return st;
    for (const auto& [kind, id] : in_bundle) published.insert(SyncState::published_key(kind, id));
    report["published"].push_back(
        {{"file", name}, {"records", in_bundle.size()}, {"bytes", sealed.size()}});
    writer.reset();
    return ok_status();
  };

  for (const auto& item : fresh) {
    auto record = s.store.read_record(item.kind, item.id);
    if (!record) {
      if (record.error().code == ErrorCode::NOT_FOUND) continue;  // removed meanwhile
      return record.error();
    }
    if (!writer) start();
    if (is_mutable(item.kind)) {
      const std::string digest = value_digest(record->meta, record->body);
      const auto current = s.state.lww(item.kind, item.id);
      if (current && current->digest == digest) continue;  // unchanged since last synced
      const std::uint64_t hlc = s.clock.tick(wall_clock_ms());
      Record wire{item.kind,
                  item.id + "@" + std::to_string(hlc) + "@" + s.me_hex,
                  {{"key", item.id}, {"hlc", hlc}, {"device", s.me_hex}, {"value", record->meta}},
                  std::move(record->body)};
      writer->add(wire);
      in_bundle.emplace_back(item.kind, wire.id);
      if (auto st = s.state.set_lww(item.kind, item.id, {digest, hlc, s.me_hex}); !st) return st;
    } else {
      writer->add(*record);
      in_bundle.emplace_back(item.kind, item.id);
    }
    if (writer->plain_bytes() >= limits::kBundleSplitPlainBytes) {
      if (auto st = flush(); !st) return st;
    }
  }
  return flush();
}

// --- Compaction
// ------------------------------------------------------------------------------------

Expected<nlohmann::json> compact(Session& s, const FolderListing& listing) {
  std::vector<std::pair<fs::path, std::pair<std::uint64_t, bool>>> files;
  if (auto it = listing.snapshots.find(s.me_hex);
      it != listing.snapshots.end() && !it->second.empty()) {
    files.push_back({it->second.rbegin()->second, {it->second.rbegin()->first, true}});
  }
  if (auto it = listing.bundles.find(s.me_hex); it != listing.bundles.end()) {
    for (const auto& [seq, path] : it->second) files.push_back({path, {seq, false}});
  }
  if (files.size() < 2) return nlohmann::json(nullptr);
  const std::uint64_t covers = std::max(files.front().second.first, files.back().second.first);
  RecordWriter writer;
  writer.add({RecordKind::kInfo,
              "info",
              {{"device", s.me_hex}, {"seq", covers}, {"created_ms", now_ms()}, {"snapshot", true}},
              {}});
  std::unordered_set<std::string> seen;
  std::uint64_t records = 0;
  for (const auto& [path, meta] : files) {
    auto bytes = read_file_limited(path, limits::kMaxBundleFileBytes);
    if (!bytes) return bytes.error();
    auto opened = crypto::open_bundle(*bytes, s.bundle_key, s.me.public_key);
    if (opened.state != BundleState::kOk) {
      // Never fold what we cannot read back: leave everything as it is.
      return bundle_error(ErrorCode::SYNC_BUNDLE_TAMPERED, path.filename().string(), opened.detail);
    }
    RecordReader reader(opened.payload);
    for (;;) {
      auto next = reader.next();
      if (!next) return next.error();
      if (!next->has_value()) break;
      if ((*next)->kind == RecordKind::kInfo) continue;
      if (!seen.insert(SyncState::published_key((*next)->kind, (*next)->id)).second) continue;
      writer.add(**next);
      ++records;
    }
  }
  const std::string sealed = crypto::seal_bundle(BundleKind::kSnapshot, s.me.id, covers,
                                                 writer.finish(), s.bundle_key, s.me.secret_key);
  const fs::path target = s.folder / "bundles" / bundle_name(s.me_hex, covers, true);
  if (auto st = atomic_write(target, sealed); !st) return st.error();
  // Only now that the snapshot is on disk do the files it folds go away. A slower device that has
  // not read them yet finds the snapshot instead (import_others), so nothing it lacks is lost.
  std::uint64_t removed = 0;
  for (const auto& [path, meta] : files) {
    if (path == target) continue;
    std::error_code ec;
    if (fs::remove(path, ec)) ++removed;
  }
  return nlohmann::json{{"snapshot", target.filename().string()},
                        {"covers_seq", covers},
                        {"records", records},
                        {"files_folded", removed},
                        {"bytes", sealed.size()}};
}

std::uint64_t folder_bytes(const fs::path& folder) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(folder, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

}  // namespace

// --- Public entry points
// -----------------------------------------------------------------------------

Expected<InitResult> sync_init(SyncStore& store, const fs::path& folder_in,
                               const InitOptions& options) {
  SyncState state(store.db());
  if (auto st = state.ensure_schema(); !st) return st.error();
  std::error_code ec;
  const fs::path folder = fs::absolute(folder_in, ec).lexically_normal();
  // Only the folder itself is created: a missing parent is more likely a typo than a wish.
  if (!fs::is_directory(folder.parent_path(), ec)) {
    return Error::make(ErrorCode::SYNC_FOLDER_INVALID,
                       {{"path", folder.string()}, {"detail", "its parent folder does not exist"}});
  }
  fs::create_directory(folder, ec);
  if (auto existing = state.get("folder"); existing && *existing != folder.string()) {
    return Error::make(ErrorCode::SYNC_OTHER_FOLDER,
                       {{"folder", *existing}, {"path", folder.string()}});
  }
  auto me = state.device_keys();
  if (!me) return me.error();
  const crypto::FolderKey key = crypto::random_folder_key();
  FolderHeader header;
  std::array<unsigned char, 16> folder_id{};
  randombytes_buf(folder_id.data(), folder_id.size());
  header.folder_id = crypto::to_hex(folder_id);
  header.key_check = crypto::key_check(key);
  if (options.passphrase) {
    if (options.passphrase->empty()) {
      return Error::make(ErrorCode::SYNC_PASSPHRASE_REQUIRED,
                         {{"detail", "the passphrase is empty"}});
    }
    header.pwhash = crypto::new_pwhash_params(options.fast_kdf);
    auto kek = crypto::passphrase_kek(*options.passphrase, header.pwhash);
    if (!kek) return kek.error();
    header.wrapped_key = crypto::to_base64(crypto::secretbox_seal(
        *kek, std::string_view(reinterpret_cast<const char*>(key.data()), key.size())));
  }
  if (auto st = create_folder_header(folder, header); !st) return st.error();
  Enrolment enrolment{me->id, me->public_key, options.device_name, now_ms()};
  if (auto st = write_enrolment(folder, key, enrolment); !st) return st.error();
  Transaction tx(store.db());
  if (!tx.begun()) return tx.begun().error();
  for (const auto& [k, v] : {std::pair<std::string, std::string>{"folder", folder.string()},
                             {"folder_id", header.folder_id},
                             {"folder_key", crypto::to_hex(key)},
                             {"device_name", options.device_name}}) {
    if (auto st = state.set(k, v); !st) return st.error();
  }
  if (auto st = tx.commit(); !st) return st.error();
  return InitResult{header.folder_id, crypto::to_hex(me->id), crypto::recovery_code(key)};
}

Expected<nlohmann::json> sync_join(SyncStore& store, const fs::path& folder_in,
                                   const Secret& secret, const std::string& device_name) {
  SyncState state(store.db());
  if (auto st = state.ensure_schema(); !st) return st.error();
  std::error_code ec;
  const fs::path folder = fs::absolute(folder_in, ec).lexically_normal();
  auto header = read_folder_header(folder);
  if (!header) return header.error();
  if (auto existing = state.get("folder_id"); existing && *existing != header->folder_id) {
    return Error::make(ErrorCode::SYNC_OTHER_FOLDER,
                       {{"folder", state.get("folder").value_or("?")}, {"path", folder.string()}});
  }
  crypto::FolderKey key{};
  if (secret.kind == Secret::Kind::kPassphrase) {
    auto unlocked = unlock_with_passphrase(folder, *header, secret.text);
    if (!unlocked) return unlocked.error();
    key = *unlocked;
  } else {
    auto parsed = crypto::parse_recovery_code(secret.text);
    if (!parsed) return parsed.error();
    if (auto st = check_folder_key(folder, *header, *parsed); !st) return st.error();
    key = *parsed;
  }
  auto me = state.device_keys();
  if (!me) return me.error();
  Enrolment enrolment{me->id, me->public_key, device_name, now_ms()};
  if (auto st = write_enrolment(folder, key, enrolment); !st) return st.error();
  Transaction tx(store.db());
  if (!tx.begun()) return tx.begun().error();
  for (const auto& [k, v] : {std::pair<std::string, std::string>{"folder", folder.string()},
                             {"folder_id", header->folder_id},
                             {"folder_key", crypto::to_hex(key)},
                             {"device_name", device_name}}) {
    if (auto st = state.set(k, v); !st) return st.error();
  }
  if (auto st = tx.commit(); !st) return st.error();
  std::vector<std::string> problems;
  const auto devices = read_enrolments(folder, key, problems);
  return nlohmann::json{{"folder", folder.string()},
                        {"folder_id", header->folder_id},
                        {"device", crypto::to_hex(me->id)},
                        {"devices", devices.size()}};
}

Expected<nlohmann::json> sync_revoke(SyncStore& store, const Secret& secret,
                                     const std::string& device_hex) {
  auto session = open_session(store);
  if (!session) return session.error();
  Session& s = **session;
  auto header = read_folder_header(s.folder);
  if (!header) return header.error();
  // Only a holder of the passphrase or the recovery code may revoke.
  crypto::FolderKey key{};
  if (secret.kind == Secret::Kind::kPassphrase) {
    if (header->wrapped_key.empty()) {
      return Error::make(ErrorCode::SYNC_PASSPHRASE_REQUIRED,
                         {{"detail", "this folder opens with its recovery code only"}});
    }
    auto unlocked = unlock_with_passphrase(s.folder, *header, secret.text);
    if (!unlocked) return unlocked.error();
    key = *unlocked;
  } else {
    auto parsed = crypto::parse_recovery_code(secret.text);
    if (!parsed) return parsed.error();
    if (auto st = check_folder_key(s.folder, *header, *parsed); !st) return st.error();
    key = *parsed;
  }
  const auto enrolled = s.devices.find(device_hex);
  if (enrolled == s.devices.end() || device_hex == s.me_hex) {
    return Error::make(ErrorCode::USAGE,
                       {{"detail",
                         "revoke takes the id of another device enrolled in the folder "
                         "(see 'clausewatch sync status')"}});
  }
  // Everything it wrote so far stays accepted; later bundles are refused.
  const FolderListing listing = list_folder(s.folder);
  std::uint64_t after = s.state.imported()[device_hex];
  if (auto it = listing.bundles.find(device_hex); it != listing.bundles.end()) {
    for (const auto& [seq, path] : it->second) after = std::max(after, seq);
  }
  if (auto it = listing.snapshots.find(device_hex); it != listing.snapshots.end()) {
    for (const auto& [seq, path] : it->second) after = std::max(after, seq);
  }
  const nlohmann::json record{
      {"device", device_hex}, {"after_seq", after}, {"revoked_ms", now_ms()}, {"by", s.me_hex}};
  const auto enrol_key = crypto::derive_subkey(key, crypto::KeyPurpose::kEnrolment);
  if (auto st = atomic_write(s.folder / "devices" / (device_hex + ".cwr"),
                             crypto::secretbox_seal(enrol_key, record.dump()));
      !st) {
    return st.error();
  }
  if (auto st = s.state.set("revoked:" + device_hex, std::to_string(after)); !st) return st.error();
  return nlohmann::json{
      {"device", device_hex}, {"name", enrolled->second.name}, {"after_seq", after}};
}

Expected<nlohmann::json> sync_run(SyncStore& store, const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto session = open_session(store);
  if (!session) return session.error();
  Session& s = **session;
  nlohmann::json report{
      {"folder", s.folder.string()},         {"device", s.me_hex},
      {"imported", nlohmann::json::array()}, {"published", nlohmann::json::array()},
      {"pending", nlohmann::json::array()},  {"skipped", nlohmann::json::array()},
      {"refused", nlohmann::json::array()},  {"compacted", nullptr},
      {"problems", nlohmann::json::array()}};
  PublishedSet published(&s.state);
  FolderListing listing = list_folder(s.folder);
  report["skipped"] = listing.skipped;
  import_others(s, published, listing, report);
  if (auto st = publish(s, published, listing, report); !st) return st.error();
  listing = list_folder(s.folder);
  const auto own = listing.bundles.count(s.me_hex) != 0 ? listing.bundles.at(s.me_hex).size() : 0;
  if (options.compact || own >= options.auto_compact_after) {
    auto compacted = compact(s, listing);
    if (!compacted) {
      report["problems"].push_back("compaction skipped: " + compacted.error().message);
    } else {
      report["compacted"] = *compacted;
    }
  }
  for (const auto& p : s.problems) report["problems"].push_back(p);
  report["finished_ms"] = now_ms();
  report["duration_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  report["ok"] = report["refused"].empty();
  {
    // One write for both: each commit is a disk flush, a large part of an incremental sync.
    Transaction tx(s.state.db());
    if (tx.begun()) {
      Status st = s.state.set("last_run", report.dump());
      if (st && !s.listing_mark.empty()) st = s.state.set("listing_mark", s.listing_mark);
      if (st) (void)tx.commit();
    }
  }
  return report;
}

Expected<nlohmann::json> sync_status(SyncStore& store) {
  SyncState state(store.db());
  if (auto st = state.ensure_schema(); !st) return st.error();
  if (!state.get("folder")) {
    return nlohmann::json{{"configured", false}};
  }
  nlohmann::json out{{"configured", true},
                     {"folder", state.get("folder").value_or("")},
                     {"folder_id", state.get("folder_id").value_or("")},
                     {"device", state.get("device_id").value_or("")},
                     {"device_name", state.get("device_name").value_or("")}};
  auto last = state.get("last_run");
  out["last_run"] = last ? nlohmann::json::parse(*last, nullptr, false) : nlohmann::json(nullptr);
  auto session = open_session(store);
  if (!session) {
    out["folder_available"] = false;
    out["folder_error"] = session.error().to_json();
    out["devices"] = nlohmann::json::array();
    return out;
  }
  Session& s = **session;
  out["folder_available"] = true;
  const FolderListing listing = list_folder(s.folder);
  const auto cursors = s.state.imported();
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& [hex, e] : s.devices) {
    std::uint64_t latest = 0;
    if (auto it = listing.bundles.find(hex); it != listing.bundles.end() && !it->second.empty()) {
      latest = it->second.rbegin()->first;
    }
    if (auto it = listing.snapshots.find(hex);
        it != listing.snapshots.end() && !it->second.empty()) {
      latest = std::max(latest, it->second.rbegin()->first);
    }
    const bool self = hex == s.me_hex;
    const auto cursor = cursors.count(hex) != 0 ? cursors.at(hex) : 0;
    const auto revoked = s.revoked.find(hex);
    devices.push_back({{"device", hex},
                       {"revoked", revoked != s.revoked.end()},
                       {"name", e.name},
                       {"enrolled_ms", e.enrolled_at_ms},
                       {"this_device", self},
                       {"latest_seq", latest},
                       {"imported_seq", self ? latest : cursor},
                       {"behind", self ? 0 : (latest > cursor ? latest - cursor : 0)}});
  }
  out["devices"] = devices;
  out["skipped"] = listing.skipped;
  out["folder_bytes"] = folder_bytes(s.folder);
  out["problems"] = s.problems;
  return out;
}

Expected<nlohmann::json> export_sealed(SyncStore& store, const fs::path& file,
                                       std::string_view passphrase, bool fast_kdf) {
  if (passphrase.empty()) {
    return Error::make(ErrorCode::SYNC_PASSPHRASE_REQUIRED,
                       {{"detail", "an export needs a passphrase"}});
  }
  SyncState state(store.db());
  if (auto st = state.ensure_schema(); !st) return st.error();
  auto me = state.device_keys();
  if (!me) return me.error();
  const auto params = crypto::new_pwhash_params(fast_kdf);
  auto kek = crypto::passphrase_kek(passphrase, params);
  if (!kek) return kek.error();
  const crypto::SubKey key = crypto::derive_subkey(*kek, crypto::KeyPurpose::kBundle);
  const std::string salt(reinterpret_cast<const char*>(params.salt.data()), params.salt.size());
  const nlohmann::json preamble{{"format", 1},
                                {"kdf", "argon2id13"},
                                {"salt", crypto::to_base64(salt)},
                                {"opslimit", params.opslimit},
                                {"memlimit", params.memlimit},
                                {"device", crypto::to_hex(me->id)},
                                {"signer", crypto::to_hex(me->public_key)}};
  const std::string preamble_text = preamble.dump();
  RecordWriter writer;
  writer.add({RecordKind::kInfo,
              "info",
              {{"device", crypto::to_hex(me->id)},
               {"seq", 1},
               {"created_ms", now_ms()},
               {"preamble", value_digest(preamble, "")}},
              {}});
  HybridClock clock(std::stoull(state.get("hlc").value_or("0")));
  std::uint64_t count = 0;
  Status failure = ok_status();
  std::vector<PendingRecord> all;
  auto listed = store.list_records([&](RecordKind kind, const std::string& id) {
    all.push_back({kind, id});
  });
  if (!listed) return listed.error();
  for (const auto& item : all) {
    auto record = store.read_record(item.kind, item.id);
    if (!record) {
      if (record.error().code == ErrorCode::NOT_FOUND) continue;
      return record.error();
    }
    if (is_mutable(item.kind)) {
      const auto known = state.lww(item.kind, item.id);
      const std::uint64_t hlc = known ? known->hlc : clock.tick(wall_clock_ms());
      const std::string device = known ? known->device : crypto::to_hex(me->id);
      writer.add({item.kind,
                  item.id + "@" + std::to_string(hlc) + "@" + device,
                  {{"key", item.id}, {"hlc", hlc}, {"device", device}, {"value", record->meta}},
                  std::move(record->body)});
    } else {
      writer.add(*record);
    }
    ++count;
    if (writer.plain_bytes() > limits::kMaxBundlePlainBytes - limits::kMaxSyncRecordBytes) {
      return Error::make(ErrorCode::LIMIT_EXCEEDED, {{"what", "archive size for one sealed export"},
                                                     {"limit", limits::kMaxBundlePlainBytes}});
    }
  }
  const std::string sealed =
      crypto::seal_bundle(BundleKind::kExport, me->id, 1, writer.finish(), key, me->secret_key);
  std::string out(kSealedMagic);
  const auto n = static_cast<std::uint32_t>(preamble_text.size());
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((n >> (8U * static_cast<unsigned>(i))) & 0xFFU);
  out += preamble_text;
  out += sealed;
  if (auto st = atomic_write(fs::absolute(file), out); !st) return st.error();
  return nlohmann::json{{"file", file.string()},
                        {"records", count},
                        {"bytes", out.size()},
                        {"device", crypto::to_hex(me->id)},
                        {"signer", crypto::to_hex(me->public_key)}};
}

Expected<nlohmann::json> import_sealed(SyncStore& store, const fs::path& file,
                                       std::string_view passphrase) {
  const std::string name = file.filename().string();
  auto bad = [&](std::string detail) {
    return Error::make(ErrorCode::SEALED_EXPORT_INVALID,
                       {{"file", file.string()}, {"detail", std::move(detail)}});
  };
  auto bytes =
      read_file_limited(file, limits::kMaxBundleFileBytes + limits::kMaxSyncSmallFileBytes);
  if (!bytes) {
    if (bytes.error().code == ErrorCode::SYNC_IO) {
      return Error::make(ErrorCode::IO_ERROR, {{"path", file.string()}, {"detail", "cannot read"}});
    }
    return bytes.error();
  }
  const std::string_view all(*bytes);
  if (all.size() < 12 || all.substr(0, 8) != kSealedMagic)
    return bad("not a ClauseWatch sealed export");
  std::uint32_t n = 0;
  for (int i = 3; i >= 0; --i)
    n = (n << 8U) | static_cast<unsigned char>(all[8 + static_cast<std::size_t>(i)]);
  if (n > limits::kMaxSyncSmallFileBytes || 12 + std::size_t{n} > all.size())
    return bad("bad preamble length");
  auto preamble = parse_bounded_json(all.substr(12, n), 4);
  if (!preamble || !preamble->is_object()) return bad("preamble is not JSON");
  crypto::PwhashParams params;
  crypto::SignPublicKey signer{};
  try {
    std::string salt;
    if (preamble->at("kdf").get<std::string>() != "argon2id13" ||
        !crypto::from_base64(preamble->at("salt").get<std::string>(), salt) || salt.size() != 16 ||
        !crypto::from_hex(preamble->at("signer").get<std::string>(), signer)) {
      return bad("preamble fields");
    }
    std::copy(salt.begin(), salt.end(), params.salt.begin());
    params.opslimit = preamble->at("opslimit").get<std::uint64_t>();
    params.memlimit = preamble->at("memlimit").get<std::uint64_t>();
  } catch (const nlohmann::json::exception&) {
    return bad("preamble fields");
  }
  const std::string_view body = all.substr(12 + n);
  const auto check =
      crypto::check_bundle_header(body.substr(0, crypto::kBundleHeaderBytes), body.size());
  if (check.state == BundleState::kIncomplete)
    return bad("the file is truncated (" + check.detail + ")");
  if (check.state != BundleState::kOk || check.header.kind != BundleKind::kExport)
    return bad(check.detail);
  auto kek = crypto::passphrase_kek(passphrase, params);
  if (!kek) return kek.error();
  const crypto::SubKey key = crypto::derive_subkey(*kek, crypto::KeyPurpose::kBundle);
  // The signature is checked first: if it holds, the file is as its signer wrote it, so a chunk
  // that does not decrypt means the passphrase is wrong.
  auto opened = crypto::open_bundle(body, key, signer);
  if (opened.state != BundleState::kOk) {
    if (opened.detail.find("does not decrypt") != std::string::npos) {
      return Error::make(ErrorCode::SYNC_WRONG_PASSPHRASE, {{"path", file.string()}});
    }
    return bad(opened.detail);
  }
  SyncState state(store.db());
  if (auto st = state.ensure_schema(); !st) return st.error();
  HybridClock clock(std::stoull(state.get("hlc").value_or("0")));
  store.reset_caches();
  Transaction tx(store.db());
  if (!tx.begun()) return tx.begun().error();
  // Records that arrive here are new to the sync folder too, so they are not marked published.
  PublishedSet none(nullptr);
  nlohmann::json info;
  auto counts = apply_payload(store, state, clock, none, opened.payload, name, "", 0, &info, false);
  if (!counts) {
    (void)exec_sql(store.db(), "ROLLBACK");
    store.reset_caches();
    return bad(counts.error().params.value("detail", counts.error().message));
  }
  if (info.value("preamble", "") != value_digest(*preamble, ""))
    return bad("preamble does not match its content");
  if (auto st = state.set("hlc", std::to_string(clock.last())); !st) return st.error();
  if (auto st = tx.commit(); !st) return st.error();
  store.reset_caches();
  return nlohmann::json{{"file", file.string()},
                        {"records", counts->records},
                        {"added", counts->added},
                        {"signed_by", crypto::to_hex(signer)},
                        {"device", preamble->value("device", "")}};
}

}  // namespace cw::sync
