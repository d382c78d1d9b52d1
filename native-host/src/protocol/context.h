// What an action can reach: the host's configuration and lazily created, process-wide services
// (the archive, the rule pack, ...). Each domain module owns the accessor that creates its service,
// e.g. archive::archive_for(ctx), so this header never needs to know the service types.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <typeindex>
#include <unordered_map>

namespace cw {

struct HostConfig {
  std::filesystem::path data_dir;  // see common/paths.h
  std::string caller;              // the extension origin or add-on id that started the host
  std::string source = "browser";  // where recorded versions come from: browser, import, sync
};

class ActionContext {
 public:
  explicit ActionContext(HostConfig config) : config_(std::move(config)) {}

  ActionContext(const ActionContext&) = delete;
  ActionContext& operator=(const ActionContext&) = delete;

  [[nodiscard]] const HostConfig& config() const { return config_; }

  // The service of type T, or nullptr if it has not been created yet.
  template <class T>
  T* find() const {
    auto it = services_.find(std::type_index(typeid(T)));
    return it == services_.end() ? nullptr : static_cast<T*>(it->second.get());
  }

  // Stores a service for the rest of the process; returns it.
  template <class T>
  T& put(std::unique_ptr<T> service) {
    T& ref = *service;
    services_[std::type_index(typeid(T))] = std::shared_ptr<void>(std::move(service));
    return ref;
  }

 private:
  HostConfig config_;
  std::unordered_map<std::type_index, std::shared_ptr<void>> services_;
};

}  // namespace cw
