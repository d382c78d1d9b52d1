#include "sync/folder.h"

#include <fcntl.h>
#include <fstream>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include "common/bounded_json.h"
#include "common/limits.h"

namespace cw::sync {
namespace {

Error folder_invalid(const fs::path& folder, std::string detail) {
  return Error::make(ErrorCode::SYNC_FOLDER_INVALID,
                     {{"path", folder.string()}, {"detail", std::move(detail)}});
}

Error io_error(const fs::path& path, std::string detail) {
  return Error::make(ErrorCode::SYNC_IO, {{"path", path.string()}, {"detail", std::move(detail)}});
}

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Expected<std::string> read_file_limited(const fs::path& path, std::uint64_t limit) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return io_error(path, ec.message());
  if (size > limit) {
    return Error::make(ErrorCode::LIMIT_EXCEEDED, {{"what", path.filename().string() + " (" +
                                                                std::to_string(size) + " bytes)"},
                                                   {"limit", std::to_string(limit) + " bytes"}});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path, "cannot open");
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  data.resize(
      static_cast<std::size_t>(in.gcount()));  // the file may shrink while a sync tool works
  return data;
}

Status atomic_write(const fs::path& target, std::string_view bytes) {
  std::array<unsigned char, 6> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  const fs::path temp = target.parent_path() /
                        ("." + target.filename().string() + "." + crypto::to_hex(nonce) + ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(temp, std::strerror(errno));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(temp.c_str());
      return io_error(temp, why);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temp.c_str());
    return io_error(temp, "cannot flush to disk");
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    return io_error(target, why);
  }
  const int dir = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return ok_status();
}

Expected<FolderHeader> read_folder_header(const fs::path& folder) {
  const fs::path file = folder / kHeaderFileName;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return folder_invalid(folder, "not a directory");
  if (!fs::exists(file, ec)) return folder_invalid(folder, std::string("no ") + kHeaderFileName);
  auto text = read_file_limited(file, limits::kMaxSyncSmallFileBytes);
  if (!text) return text.error();
  auto json = parse_bounded_json(*text, 8);
  if (!json || !json->is_object()) return folder_invalid(folder, "header is not a JSON object");
  FolderHeader header;
  try {
    header.format = json->at("format").get<int>();
    if (header.format != 1)
      return folder_invalid(folder, "unsupported format " + std::to_string(header.format));
    header.folder_id = json->at("folder_id").get<std::string>();
    header.key_check = json->at("key_check").get<std::string>();
    if (json->contains("passphrase")) {
      const auto& p = json->at("passphrase");
      if (p.at("kdf").get<std::string>() != "argon2id13")
        return folder_invalid(folder, "unknown kdf");
      std::string salt;
      if (!crypto::from_base64(p.at("salt").get<std::string>(), salt) ||
          salt.size() != header.pwhash.salt.size()) {
        return folder_invalid(folder, "bad salt");
      }
      std::copy(salt.begin(), salt.end(), header.pwhash.salt.begin());
      header.pwhash.opslimit = p.at("opslimit").get<std::uint64_t>();
      header.pwhash.memlimit = p.at("memlimit").get<std::uint64_t>();
      header.wrapped_key = p.at("wrapped_key").get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    return folder_invalid(folder, std::string("header field: ") + e.what());
  }
  return header;
}

Status create_folder_header(const fs::path& folder, const FolderHeader& header) {
  std::error_code ec;
  fs::create_directories(folder / "devices", ec);
  fs::create_directories(folder / "bundles", ec);
  if (ec) return io_error(folder, ec.message());
  if (fs::exists(folder / kHeaderFileName, ec)) {
    return Error::make(ErrorCode::SYNC_FOLDER_EXISTS, {{"path", folder.string()}});
  }
  nlohmann::json json{{"format", header.format},
                      {"about", "ClauseWatch sync folder. Everything else here is encrypted."},
                      {"folder_id", header.folder_id},
                      {"key_check", header.key_check}};
  if (!header.wrapped_key.empty()) {
    const std::string salt(reinterpret_cast<const char*>(header.pwhash.salt.data()),
                           header.pwhash.salt.size());
    json["passphrase"] = {{"kdf", "argon2id13"},
                          {"salt", crypto::to_base64(salt)},
                          {"opslimit", header.pwhash.opslimit},
                          {"memlimit", header.pwhash.memlimit},
                          {"wrapped_key", header.wrapped_key}};
  }
  return atomic_write(folder / kHeaderFileName, json.dump(2) + "\n");
}

Expected<crypto::FolderKey> unlock_with_passphrase(const fs::path& folder,
                                                   const FolderHeader& header,
                                                   std::string_view passphrase) {
  if (header.wrapped_key.empty()) {
    return Error::make(
        ErrorCode::SYNC_PASSPHRASE_REQUIRED,
        {{"detail", "this folder has no passphrase; join it with its recovery code"}});
  }
  auto kek = crypto::passphrase_kek(passphrase, header.pwhash);
  if (!kek) return kek.error();
  std::string sealed;
  std::string plain;
  if (!crypto::from_base64(header.wrapped_key, sealed))
    return folder_invalid(folder, "bad wrapped key");
  if (!crypto::secretbox_open(*kek, sealed, plain) || plain.size() != 32) {
    return Error::make(ErrorCode::SYNC_WRONG_PASSPHRASE, {{"path", folder.string()}});
  }
  crypto::FolderKey key{};
  std::copy(plain.begin(), plain.end(), key.begin());
  sodium_memzero(plain.data(), plain.size());
  if (auto st = check_folder_key(folder, header, key); !st) return st.error();
  return key;
}

Status check_folder_key(const fs::path& folder, const FolderHeader& header,
                        const crypto::FolderKey& key) {
  if (crypto::key_check(key) != header.key_check) {
    return Error::make(ErrorCode::SYNC_WRONG_PASSPHRASE, {{"path", folder.string()}});
  }
  return ok_status();
}

Status write_enrolment(const fs::path& folder, const crypto::FolderKey& key,
                       const Enrolment& enrolment) {
  const nlohmann::json json{{"device", crypto::to_hex(enrolment.device)},
                            {"public_key", crypto::to_hex(enrolment.public_key)},
                            {"name", enrolment.name},
                            {"enrolled_at_ms", enrolment.enrolled_at_ms}};
  const auto enrol_key = crypto::derive_subkey(key, crypto::KeyPurpose::kEnrolment);
  std::error_code ec;
  fs::create_directories(folder / "devices", ec);
  return atomic_write(folder / "devices" / (crypto::to_hex(enrolment.device) + ".cwe"),
                      crypto::secretbox_seal(enrol_key, json.dump()));
}

std::map<std::string, Enrolment> read_enrolments(const fs::path& folder,
                                                 const crypto::FolderKey& key,
                                                 std::vector<std::string>& problems) {
  std::map<std::string, Enrolment> out;
  const auto enrol_key = crypto::derive_subkey(key, crypto::KeyPurpose::kEnrolment);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder / "devices", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 36 || !ends_with(name, ".cwe") || !is_hex(name.substr(0, 32))) continue;
    if (out.size() >= limits::kMaxSyncDevices) {
      problems.emplace_back("more enrolled devices than the limit; ignoring the rest");
      break;
    }
    auto sealed = read_file_limited(entry.path(), limits::kMaxSyncSmallFileBytes);
    std::string plain;
    if (!sealed || !crypto::secretbox_open(enrol_key, *sealed, plain)) {
      problems.push_back("enrolment " + name + " does not open with the folder key; ignored");
      continue;
    }
    auto json = parse_bounded_json(plain, 4);
    Enrolment e;
    try {
      if (!json || !crypto::from_hex(json->at("device").get<std::string>(), e.device) ||
          !crypto::from_hex(json->at("public_key").get<std::string>(), e.public_key)) {
        throw std::runtime_error("bad fields");
      }
      e.name = json->at("name").get<std::string>();
      e.enrolled_at_ms = json->at("enrolled_at_ms").get<std::int64_t>();
    } catch (const std::exception&) {
      problems.push_back("enrolment " + name + " is malformed; ignored");
      continue;
    }
    if (crypto::to_hex(e.device) != name.substr(0, 32)) {
      problems.push_back("enrolment " + name + " names another device; ignored");
      continue;
    }
    out.emplace(name.substr(0, 32), std::move(e));
  }
  return out;
}

ClassifiedFile classify_bundle_name(const std::string& name) {
  ClassifiedFile f;
  const bool bundle_ext = ends_with(name, ".cwb");
  const bool snapshot_ext = ends_with(name, ".cws");
  if (name.size() == 49 && (bundle_ext || snapshot_ext) && name[32] == '-' &&
      is_hex(name.substr(0, 32)) && is_digits(name.substr(33, 12))) {
    f.cls = bundle_ext ? FileClass::kBundle : FileClass::kSnapshot;
    f.device = name.substr(0, 32);
    f.seq = std::stoull(name.substr(33, 12));
    return f;
  }
  if (name.empty() || name[0] == '.' || ends_with(name, ".tmp") || ends_with(name, ".part") ||
      ends_with(name, "~") || name.find(".partial") != std::string::npos) {
    f.cls = FileClass::kTemporary;
    return f;
  }
  // Anything else that still looks like one of our files was renamed by a sync tool: Dropbox and
  // Nextcloud "(conflicted copy …)", Syncthing ".sync-conflict-…", Google Drive " (1)", OneDrive
  // "-HOSTNAME". Its content may be a valid bundle, but its name no longer says which, so we skip
  // it.
  if (name.size() > 32 && is_hex(name.substr(0, 32))) {
    f.cls = FileClass::kConflictCopy;
    return f;
  }
  if (name.find("conflict") != std::string::npos) f.cls = FileClass::kConflictCopy;
  return f;
}

std::string bundle_name(const std::string& device_hex, std::uint64_t seq, bool snapshot) {
  std::string digits = std::to_string(seq);
  digits.insert(0, 12 - std::min<std::size_t>(12, digits.size()), '0');
  return device_hex + "-" + digits + (snapshot ? ".cws" : ".cwb");
}

}  // namespace cw::sync
