// A cookie-banner snapshot as the capture content script sends it (PROTOCOL.md, banner.analyze),
// parsed and checked against limits::kMaxBanner* before anything is copied.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/errors.h"

namespace cw::banner {

struct Box {
  double x = 0, y = 0, width = 0, height = 0;
  [[nodiscard]] double area() const { return width > 0 && height > 0 ? width * height : 0; }
};

struct Control {
  std::string text;
  std::string tag;   // lower-case element name: button, a, input, div ...
  std::string role;  // ARIA role attribute, if any
  std::string id;    // element id (evidence only)
  Box box;
  std::string colour;                // computed `color`
  std::string background;            // computed `background-color` of the control itself
  std::string effective_background;  // first non-transparent background behind it
  double font_size = 0;              // px
  int font_weight = 400;
  double opacity = 1;       // product of the opacities up to the banner root
  double border_width = 0;  // px, widest side
  bool in_text = false;     // inside running text (a paragraph)
  // Drawn as a button (own fill or border, or a button-like class); absent means unknown.
  std::optional<bool> button_like;
  bool visible = true;
  std::string hidden_reason;  // display, visibility, opacity, size, offscreen, inert
};

struct Toggle {
  std::string label;
  std::string context;  // id/class/section heading words, used to spot legitimate-interest switches
  std::string kind;     // checkbox, switch
  bool checked = false;  // the live state (.checked / aria-checked), not the serialized attribute
  bool disabled = false;
  bool legitimate_interest = false;  // the capture script saw a legitimate-interest marker
  bool visible = true;
};

struct Layer {
  int index = 0;
  std::string kind;  // first, second
  bool visible = true;
  std::string text;
  std::vector<Control> controls;
  std::vector<Toggle> toggles;
};

struct Cookie {
  std::string name;
  std::string domain;
  bool third_party = false;
};

struct TcfState {
  bool present = false;
  std::optional<nlohmann::json> ping;    // as returned by __tcfapi('ping')
  std::optional<nlohmann::json> tcdata;  // as returned by addEventListener / getTCData
};

struct Snapshot {
  int format = 1;
  std::string url;
  std::string frame_url;
  bool top_frame = true;
  bool found = false;  // the capture found a visible banner
  std::string cmp_id;  // onetrust, cookiebot, ..., generic
  std::string cmp_name;
  std::string detected_by;    // marker, generic, frame
  double viewport_share = 0;  // share of the viewport the banner covers (0..1)
  double overlay_share = 0;   // share covered by the banner or its backdrop (0..1)
  bool scroll_locked = false;
  std::string text;  // the whole banner's visible text
  std::vector<Layer> layers;
  TcfState tcf;
  std::optional<bool> gpc_sent;
  std::optional<bool> gpc_read_by_page;
  std::vector<Cookie> cookies_before;  // from the service worker's cookies API and document.cookie
  // CB-22: page links probed under the banner (elementFromPoint at their centres, no click).
  struct PageInteraction {
    int links_sampled = 0;
    int links_blocked = 0;
    std::vector<std::string> blocked_examples;
    std::string blocker;  // tag#id of what covers the first blocked link
  };
  std::optional<PageInteraction> page_interaction;
};

// Parses `json` (the payload's "snapshot" object). BANNER_SNAPSHOT_INVALID names the field;
// BANNER_TOO_LARGE names the count that exceeds its limit.
Expected<Snapshot> parse_snapshot(const nlohmann::json& json);

}  // namespace cw::banner
