#include "banner/snapshot.h"

#include <cmath>

#include "common/limits.h"

namespace cw::banner {
namespace {

Error invalid(const std::string& field, const std::string& detail) {
  return Error::make(ErrorCode::BANNER_SNAPSHOT_INVALID, {{"field", field}, {"detail", detail}});
}

Error too_large(const std::string& what, std::size_t count, std::size_t limit) {
  return Error::make(ErrorCode::BANNER_TOO_LARGE,
                     {{"what", what}, {"count", count}, {"limit", limit}});
}

// Reads optional typed fields, reporting the first mistyped one with its path.
class Reader {
 public:
  Reader(const nlohmann::json& object, std::string path)
      : object_(object), path_(std::move(path)) {}

  Status string(const char* key, std::string& out, std::size_t max_bytes) {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return ok_status();
    if (!it->is_string()) return invalid(field(key), "must be a string");
    const auto& value = it->get_ref<const std::string&>();
    if (value.size() > max_bytes) return too_large(field(key) + " bytes", value.size(), max_bytes);
    out = value;
    return ok_status();
  }
  Status number(const char* key, double& out, double min, double max) {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return ok_status();
    if (!it->is_number()) return invalid(field(key), "must be a number");
    const double value = it->get<double>();
    if (!std::isfinite(value) || value < min || value > max) {
      return invalid(field(key),
                     "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    out = value;
    return ok_status();
  }
  Status boolean(const char* key, bool& out) {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return ok_status();
    if (!it->is_boolean()) return invalid(field(key), "must be true or false");
    out = it->get<bool>();
    return ok_status();
  }
  Status optional_boolean(const char* key, std::optional<bool>& out) {
    bool value = false;
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return ok_status();
    if (auto s = boolean(key, value); !s) return s;
    out = value;
    return ok_status();
  }
  // An optional array whose size is checked before any element is read.
  Expected<const nlohmann::json*> array(const char* key, std::size_t limit, std::size_t* total,
                                        std::size_t total_limit, const std::string& what) {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return static_cast<const nlohmann::json*>(nullptr);
    if (!it->is_array()) return invalid(field(key), "must be an array");
    if (it->size() > limit) return too_large(what, it->size(), limit);
    if (total != nullptr) {
      *total += it->size();
      if (*total > total_limit) return too_large(what, *total, total_limit);
    }
    return &*it;
  }
  Expected<const nlohmann::json*> object(const char* key) {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return static_cast<const nlohmann::json*>(nullptr);
    if (!it->is_object()) return invalid(field(key), "must be an object");
    return &*it;
  }
  [[nodiscard]] std::string field(const char* key) const { return path_ + "." + key; }

 private:
  const nlohmann::json& object_;
  std::string path_;
};

#define CW_TRY(expr)             \
  do {                           \
    if (auto s_ = (expr); !s_) { \
      return s_.error();         \
    }                            \
  } while (false)

constexpr double kMaxCoordinate = 1e6;  // px; pages are never a million pixels wide

Status parse_control(const nlohmann::json& json, const std::string& path, Control& control) {
  if (!json.is_object()) return invalid(path, "must be an object");
  Reader r(json, path);
  CW_TRY(r.string("text", control.text, limits::kMaxBannerControlTextBytes));
  CW_TRY(r.string("tag", control.tag, 64));
  CW_TRY(r.string("role", control.role, 64));
  CW_TRY(r.string("id", control.id, 256));
  CW_TRY(r.string("color", control.colour, 128));
  CW_TRY(r.string("background", control.background, 128));
  CW_TRY(r.string("effective_background", control.effective_background, 128));
  CW_TRY(r.number("font_size", control.font_size, 0, 1000));
  double weight = control.font_weight;
  CW_TRY(r.number("font_weight", weight, 0, 1000));
  control.font_weight = static_cast<int>(weight);
  CW_TRY(r.number("opacity", control.opacity, 0, 1));
  CW_TRY(r.number("border_width", control.border_width, 0, 1000));
  CW_TRY(r.boolean("in_text", control.in_text));
  CW_TRY(r.optional_boolean("button_like", control.button_like));
  CW_TRY(r.boolean("visible", control.visible));
  CW_TRY(r.string("hidden_reason", control.hidden_reason, 64));
  auto box = r.object("box");
  if (!box) return box.error();
  if (*box != nullptr) {
    Reader b(**box, path + ".box");
    CW_TRY(b.number("x", control.box.x, -kMaxCoordinate, kMaxCoordinate));
    CW_TRY(b.number("y", control.box.y, -kMaxCoordinate, kMaxCoordinate));
    CW_TRY(b.number("width", control.box.width, 0, kMaxCoordinate));
    CW_TRY(b.number("height", control.box.height, 0, kMaxCoordinate));
  }
  if (control.tag.empty()) return invalid(path + ".tag", "is required");
  return ok_status();
}

Status parse_toggle(const nlohmann::json& json, const std::string& path, Toggle& toggle) {
  if (!json.is_object()) return invalid(path, "must be an object");
  Reader r(json, path);
  CW_TRY(r.string("label", toggle.label, limits::kMaxBannerControlTextBytes));
  CW_TRY(r.string("context", toggle.context, limits::kMaxBannerControlTextBytes));
  CW_TRY(r.string("kind", toggle.kind, 32));
  if (!json.contains("checked")) return invalid(path + ".checked", "is required");
  CW_TRY(r.boolean("checked", toggle.checked));
  CW_TRY(r.boolean("disabled", toggle.disabled));
  CW_TRY(r.boolean("legitimate_interest", toggle.legitimate_interest));
  CW_TRY(r.boolean("visible", toggle.visible));
  return ok_status();
}

}  // namespace

Expected<Snapshot> parse_snapshot(const nlohmann::json& json) {
  if (!json.is_object()) return invalid("snapshot", "must be an object");
  Snapshot snapshot;
  Reader r(json, "snapshot");
  double format = 0;
  if (!json.contains("format")) return invalid("snapshot.format", "is required");
  CW_TRY(r.number("format", format, 1, 1));
  snapshot.format = static_cast<int>(format);
  if (!json.contains("url")) return invalid("snapshot.url", "is required");
  CW_TRY(r.string("url", snapshot.url, limits::kMaxUrlBytes));
  CW_TRY(r.string("frame_url", snapshot.frame_url, limits::kMaxUrlBytes));
  CW_TRY(r.boolean("top_frame", snapshot.top_frame));
  if (!json.contains("found")) return invalid("snapshot.found", "is required");
  CW_TRY(r.boolean("found", snapshot.found));
  CW_TRY(r.number("viewport_share", snapshot.viewport_share, 0, 1));
  CW_TRY(r.number("overlay_share", snapshot.overlay_share, 0, 1));
  CW_TRY(r.boolean("scroll_locked", snapshot.scroll_locked));
  CW_TRY(r.string("text", snapshot.text, limits::kMaxBannerTextBytes));

  auto interaction = r.object("page_interaction");
  if (!interaction) return interaction.error();
  if (*interaction != nullptr) {
    Reader p(**interaction, "snapshot.page_interaction");
    Snapshot::PageInteraction pi;
    double sampled = 0;
    double blocked = 0;
    CW_TRY(p.number("links_sampled", sampled, 0, limits::kMaxBannerControls));
    CW_TRY(p.number("links_blocked", blocked, 0, sampled));
    pi.links_sampled = static_cast<int>(sampled);
    pi.links_blocked = static_cast<int>(blocked);
    CW_TRY(p.string("blocker", pi.blocker, 256));
    const auto it = (**interaction).find("blocked_examples");
    if (it != (**interaction).end() && !it->is_null()) {
      if (!it->is_array())
        return invalid("snapshot.page_interaction.blocked_examples", "must be an array");
      if (it->size() > 20)
        return too_large("snapshot.page_interaction.blocked_examples", it->size(), 20);
      for (const auto& e : *it) {
        if (!e.is_string() || e.get_ref<const std::string&>().size() > 512) {
          return invalid("snapshot.page_interaction.blocked_examples", "must hold short strings");
        }
        pi.blocked_examples.push_back(e.get<std::string>());
      }
    }
    snapshot.page_interaction = std::move(pi);
  }

  auto cmp = r.object("cmp");
  if (!cmp) return cmp.error();
  if (*cmp != nullptr) {
    Reader c(**cmp, "snapshot.cmp");
    CW_TRY(c.string("id", snapshot.cmp_id, 64));
    CW_TRY(c.string("name", snapshot.cmp_name, 128));
    CW_TRY(c.string("detected_by", snapshot.detected_by, 32));
  }

  auto layers = r.array("layers", limits::kMaxBannerLayers, nullptr, 0, "snapshot.layers");
  if (!layers) return layers.error();
  if (snapshot.found && *layers == nullptr) {
    return invalid("snapshot.layers", "is required when found is true");
  }
  std::size_t total_controls = 0;
  std::size_t total_toggles = 0;
  if (*layers != nullptr) {
    snapshot.layers.reserve((*layers)->size());
    for (std::size_t i = 0; i < (*layers)->size(); ++i) {
      const auto& layer_json = (**layers)[i];
      const std::string path = "snapshot.layers[" + std::to_string(i) + "]";
      if (!layer_json.is_object()) return invalid(path, "must be an object");
      Reader l(layer_json, path);
      Layer layer;
      layer.index = static_cast<int>(i);
      CW_TRY(l.string("kind", layer.kind, 32));
      CW_TRY(l.boolean("visible", layer.visible));
      CW_TRY(l.string("text", layer.text, limits::kMaxBannerTextBytes));
      auto controls = l.array("controls", limits::kMaxBannerControls, &total_controls,
                              limits::kMaxBannerControls, "snapshot controls");
      if (!controls) return controls.error();
      if (*controls != nullptr) {
        layer.controls.resize((*controls)->size());
        for (std::size_t j = 0; j < layer.controls.size(); ++j) {
          CW_TRY(parse_control((**controls)[j], path + ".controls[" + std::to_string(j) + "]",
                               layer.controls[j]));
        }
      }
      auto toggles = l.array("toggles", limits::kMaxBannerToggles, &total_toggles,
                             limits::kMaxBannerToggles, "snapshot toggles");
      if (!toggles) return toggles.error();
      if (*toggles != nullptr) {
        layer.toggles.resize((*toggles)->size());
        for (std::size_t j = 0; j < layer.toggles.size(); ++j) {
          CW_TRY(parse_toggle((**toggles)[j], path + ".toggles[" + std::to_string(j) + "]",
                              layer.toggles[j]));
        }
      }
      if (layer.kind.empty()) layer.kind = i == 0 ? "first" : "second";
      snapshot.layers.push_back(std::move(layer));
    }
  }

  auto tcf = r.object("tcf");
  if (!tcf) return tcf.error();
  if (*tcf != nullptr) {
    Reader t(**tcf, "snapshot.tcf");
    CW_TRY(t.boolean("present", snapshot.tcf.present));
    for (const char* key : {"ping", "tcdata"}) {
      auto part = t.object(key);
      if (!part) return part.error();
      if (*part == nullptr) continue;
      if ((*part)->dump().size() > limits::kMaxTcfDataBytes) {
        return too_large(std::string("snapshot.tcf.") + key + " bytes", (*part)->dump().size(),
                         limits::kMaxTcfDataBytes);
      }
      (std::string_view(key) == "ping" ? snapshot.tcf.ping : snapshot.tcf.tcdata) = **part;
    }
  }

  auto gpc = r.object("gpc");
  if (!gpc) return gpc.error();
  if (*gpc != nullptr) {
    Reader g(**gpc, "snapshot.gpc");
    CW_TRY(g.optional_boolean("sent", snapshot.gpc_sent));
    CW_TRY(g.optional_boolean("read_by_page", snapshot.gpc_read_by_page));
  }

  std::size_t total_cookies = 0;
  auto cookies = r.array("cookies_before", limits::kMaxBannerCookies, &total_cookies,
                         limits::kMaxBannerCookies, "snapshot cookies");
  if (!cookies) return cookies.error();
  auto names = r.array("document_cookie_names", limits::kMaxBannerCookies, &total_cookies,
                       limits::kMaxBannerCookies, "snapshot cookies");
  if (!names) return names.error();
  if (*cookies != nullptr) {
    for (std::size_t i = 0; i < (*cookies)->size(); ++i) {
      const std::string path = "snapshot.cookies_before[" + std::to_string(i) + "]";
      const auto& entry = (**cookies)[i];
      if (!entry.is_object()) return invalid(path, "must be an object");
      Reader c(entry, path);
      Cookie cookie;
      CW_TRY(c.string("name", cookie.name, limits::kMaxCookieNameBytes));
      CW_TRY(c.string("domain", cookie.domain, 512));
      CW_TRY(c.boolean("third_party", cookie.third_party));
      if (cookie.name.empty()) return invalid(path + ".name", "is required");
      snapshot.cookies_before.push_back(std::move(cookie));
    }
  }
  if (*names != nullptr) {
    for (std::size_t i = 0; i < (*names)->size(); ++i) {
      const auto& entry = (**names)[i];
      const std::string path = "snapshot.document_cookie_names[" + std::to_string(i) + "]";
      if (!entry.is_string()) return invalid(path, "must be a string");
      if (entry.get_ref<const std::string&>().size() > limits::kMaxCookieNameBytes) {
        return too_large(path + " bytes", entry.get_ref<const std::string&>().size(),
                         limits::kMaxCookieNameBytes);
      }
      snapshot.cookies_before.push_back(Cookie{entry.get<std::string>(), "", false});
    }
  }
  return snapshot;
}

}  // namespace cw::banner
