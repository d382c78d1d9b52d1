#include "banner/judge.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "banner/colour.h"
#include "banner/tcf.h"

namespace cw::banner {
namespace {

constexpr std::size_t kMaxEvidenceItems = 20;  // keeps one finding small in the reply
constexpr std::size_t kMaxQuoteBytes = 600;

// Consent wording sits at the top of a banner; the rest is cookie tables and vendor lists, so the
// text checks read only this much (it keeps the judge well under a millisecond on big banners).
constexpr std::size_t kTextCheckBytes = std::size_t{12} * 1024;

std::string_view prefix(const std::string& text) {
  std::size_t end = std::min(text.size(), kTextCheckBytes);
  while (end > 0 && end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U)
    --end;
  return std::string_view(text).substr(0, end);
}

bool is_reject_equivalent(const RoleResult& r) {
  return r.role == Role::kReject || (r.role == Role::kClose && r.tag == "without_accepting");
}

std::string in_quotes(const std::string& text) {
  return "'" + text + "'";
}

std::string join_texts(const std::vector<const ClassifiedControl*>& controls) {
  std::string out;
  for (const auto* c : controls) {
    if (!out.empty()) out += ", ";
    out += in_quotes(c->control->text);
  }
  return out;
}

std::string cut(std::string text, std::size_t max_bytes = kMaxQuoteBytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  text.resize(end);
  return text + "…";
}

// Looks like a text link: an <a> (or anything inside running text) with no fill or border.
bool link_styled(const Control& c) {
  if (c.button_like.has_value()) return !*c.button_like && (c.tag == "a" || c.in_text);
  if (c.tag == "button" || c.tag == "input" || c.role == "button") return c.in_text;
  return c.tag == "a" || c.in_text;
}

Rgba opaque_or_white(const std::string& css) {
  const auto parsed = parse_css_colour(css);
  if (!parsed || parsed->a <= 0) return Rgba{255, 255, 255, 1};
  return composite(*parsed, Rgba{255, 255, 255, 1});
}

// Text contrast of a control against what is behind it (WCAG 2.x), or 0 when unknown.
double text_contrast(const Control& c) {
  const auto fg = parse_css_colour(c.colour);
  if (!fg) return 0;
  Rgba behind = opaque_or_white(c.effective_background);
  if (const auto own = parse_css_colour(c.background); own && own->a > 0) {
    behind = composite(*own, behind);
  }
  Rgba text = composite(Rgba{fg->r, fg->g, fg->b, fg->a * c.opacity}, behind);
  return contrast_ratio(text, behind);
}

double round2(double v) {
  return static_cast<double>(std::llround(v * 100)) / 100;
}

nlohmann::json style_evidence(const Control& c) {
  return {{"text", c.text},
          {"tag", c.tag},
          {"color", c.colour},
          {"background", c.background},
          {"effective_background", c.effective_background},
          {"font_size", c.font_size},
          {"font_weight", c.font_weight},
          {"opacity", c.opacity},
          {"area", round2(c.box.area())},
          {"text_contrast", round2(text_contrast(c))}};
}

class Judge {
 public:
  Judge(const Snapshot& snapshot, const BannerRules& rules) : s_(snapshot), rules_(rules) {}

  Verdict run() {
    verdict_.banner_found = s_.found && !s_.layers.empty();
    if (!verdict_.banner_found) return std::move(verdict_);
    classify();
    const int first = first_layer_index();
    for (const auto& c : verdict_.controls) {
      if (c.layer != first) continue;
      if (!c.control->visible) {
        first_hidden_.push_back(&c);
        continue;
      }
      first_visible_.push_back(&c);
      if (c.role.role == Role::kAccept) accept_.push_back(&c);
      if (is_reject_equivalent(c.role)) reject_.push_back(&c);
      // "Learn more" links are neither a choice nor a refusal.
      if (c.role.role == Role::kSettings && c.role.tag != "more_info") settings_.push_back(&c);
      if (c.role.role == Role::kSave) save_.push_back(&c);
      if (c.role.role == Role::kClose && !is_reject_equivalent(c.role)) close_.push_back(&c);
    }
    first_layer_prefix_ = prefix(s_.layers[static_cast<std::size_t>(first)].text);
    for (const auto* c : first_visible_)
      first_controls_text_ += " " + normalize_label(c->control->text);
    first_layer_text_ = normalize_label(first_layer_prefix_) + first_controls_text_;
    verdict_.first_layer_accept = !accept_.empty();
    verdict_.first_layer_reject = !reject_.empty();

    cb01_no_reject();
    cb02_cb05_refusal_path();
    cb03_link_reject();
    cb04_asymmetry();
    cb06_cb07_toggles();
    cb07_tcf_legitimate_interest();
    cb08_implied_consent();
    cb09_notice_only();
    cb11_wall();
    cb12_trackers();
    cb13_tcf_consent();
    cb17_vendor_count();
    cb19_misleading_labels();
    cb20_hidden_reject();
    cb22_forced_action();
    std::stable_sort(
        verdict_.findings.begin(), verdict_.findings.end(),
        [](const BannerFinding& a, const BannerFinding& b) { return a.criterion < b.criterion; });
    return std::move(verdict_);
  }

 private:
  void classify() {
    for (const auto& layer : s_.layers) {
      for (const auto& control : layer.controls) {
        verdict_.controls.push_back({&control, layer.index,
                                     rules_.classifier().classify(control.text),
                                     link_styled(control)});
      }
    }
  }

  // The layer the user sees first: the one marked "first" if it is visible, else the first visible.
  int first_layer_index() const {
    for (const auto& layer : s_.layers) {
      if (layer.kind == "first" && layer.visible) return layer.index;
    }
    for (const auto& layer : s_.layers) {
      if (layer.visible) return layer.index;
    }
    return 0;
  }

  void add(const std::string& id, std::string quote, std::string reason, nlohmann::json evidence) {
    const Criterion& criterion = rules_.criterion(id);
    BannerFinding f;
    f.criterion = id;
    engine::RuleText& rule = f.finding.own_rule();  // its own: the reason is this banner's
    rule.rule_id = "banner." + id;
    rule.family = "cookies";
    rule.title = criterion.title;
    rule.polarity = engine::Polarity::kRisk;
    rule.severity = criterion.severity;
    rule.reason = std::move(reason);
    rule.explanation = criterion.explanation;
    rule.references = criterion.references;
    f.finding.quote = cut(std::move(quote));
    f.evidence = std::move(evidence);
    verdict_.findings.push_back(std::move(f));
  }

  static nlohmann::json texts(const std::vector<const ClassifiedControl*>& controls) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto* c : controls) {
      if (out.size() >= kMaxEvidenceItems) break;
      out.push_back(c->control->text);
    }
    return out;
  }

  void cb01_no_reject() {
    if (accept_.empty() || !reject_.empty()) return;
    std::string reason = "First layer offers " + join_texts(accept_) + " but no way to refuse";
    if (!settings_.empty()) reason += "; " + join_texts(settings_) + " only opens more options";
    add("CB-01", join_texts(first_visible_), reason,
        {{"accept", texts(accept_)},
         {"settings", texts(settings_)},
         {"close", texts(close_)},
         {"controls", texts(first_visible_)}});
  }

  // Where a refusal waits when the first layer has none: in a later layer the snapshot holds (the
  // preference centre's markup, shown or not). CB-05: refusing takes a detour through settings
  // (two clicks or more) while accepting takes one. CB-02 (instead of CB-05): the later layers the
  // snapshot holds offer no refusal at all, neither a reject nor a save that could store all off.
  void cb02_cb05_refusal_path() {
    if (accept_.empty() || !reject_.empty()) return;
    const int first = first_layer_index();
    std::vector<const ClassifiedControl*> later_rejects, later_saves;
    bool later_layer = false;
    for (const auto& layer : s_.layers) {
      if (layer.index != first && !layer.controls.empty()) later_layer = true;
    }
    for (const auto& c : verdict_.controls) {
      if (c.layer == first) continue;
      if (is_reject_equivalent(c.role)) later_rejects.push_back(&c);
      if (c.role.role == Role::kSave) later_saves.push_back(&c);
    }
    const bool nowhere = later_layer && later_rejects.empty() && later_saves.empty();
    if (!settings_.empty() && !nowhere) {
      std::string path = join_texts(settings_) + " then ";
      std::string clicks = "at least 2";
      if (!later_rejects.empty()) {
        path += in_quotes(later_rejects.front()->control->text);
        clicks = "2";
      } else if (!later_saves.empty()) {
        path += "switching purposes off and " + in_quotes(later_saves.front()->control->text);
        clicks = "at least 3";
      } else {
        path += "a choice in the next layer";
      }
      add("CB-05", join_texts(accept_) + " vs " + path,
          "Accepting takes one click on " + join_texts(accept_) + "; refusing takes " + clicks +
              " (" + path + ")",
          {{"clicks_to_accept", 1},
           {"clicks_to_refuse", clicks},
           {"path", texts(settings_)},
           {"later_reject", texts(later_rejects)},
           {"later_save", texts(later_saves)}});
    }
    if (nowhere) {
      std::size_t later_controls = 0;
      for (const auto& c : verdict_.controls) later_controls += c.layer != first ? 1 : 0;
      add("CB-02", join_texts(first_visible_),
          "Neither the first layer nor the preference layer (" + std::to_string(later_controls) +
              " controls) offers a way to refuse or to save with everything off",
          {{"accept", texts(accept_)},
           {"layers", s_.layers.size()},
           {"later_controls", later_controls}});
    }
  }

  // CB-22: page links under the banner cannot be reached while it is shown, without being a wall
  // (CB-11 says that more strongly when scrolling is locked too).
  void cb22_forced_action() {
    if (!s_.page_interaction) return;
    const auto& pi = *s_.page_interaction;
    if (pi.links_sampled < rules_.thresholds().forced_action_min_links) return;
    const double share = static_cast<double>(pi.links_blocked) / pi.links_sampled;
    if (share < rules_.thresholds().forced_action_blocked_share) return;
    for (const auto& f : verdict_.findings) {
      if (f.criterion == "CB-11") return;
    }
    std::string quote;
    for (const auto& e : pi.blocked_examples) quote += (quote.empty() ? "" : ", ") + in_quotes(e);
    add("CB-22", quote.empty() ? pi.blocker : quote,
        std::to_string(pi.links_blocked) + " of " + std::to_string(pi.links_sampled) +
            " page links in view cannot be clicked while the banner is shown" +
            (pi.blocker.empty() ? "" : " (covered by " + pi.blocker + ")"),
        {{"links_sampled", pi.links_sampled},
         {"links_blocked", pi.links_blocked},
         {"blocked_examples", pi.blocked_examples},
         {"blocker", pi.blocker}});
  }

  void cb03_link_reject() {
    std::vector<const ClassifiedControl*> button_accepts;
    for (const auto* a : accept_) {
      if (!a->link_styled) button_accepts.push_back(a);
    }
    if (button_accepts.empty()) return;
    // The refusal the banner offers: a reject, or failing that a settings control worded as one.
    std::vector<const ClassifiedControl*> refusals = reject_;
    if (refusals.empty()) {
      for (const auto* c : settings_) {
        if (c->role.tag == "refusal_worded") refusals.push_back(c);
      }
    }
    if (refusals.empty()) return;
    if (!std::all_of(refusals.begin(), refusals.end(),
                     [](const ClassifiedControl* c) { return c->link_styled; })) {
      return;
    }
    add("CB-03", join_texts(refusals),
        "Accept is a button (" + join_texts(button_accepts) + ") but the refusal " +
            join_texts(refusals) + " is only a text link",
        {{"accept", texts(button_accepts)},
         {"refusal", texts(refusals)},
         {"refusal_tags", [&] {
            nlohmann::json tags = nlohmann::json::array();
            for (const auto* c : refusals) tags.push_back(c->control->tag);
            return tags;
          }()}});
  }

  void cb04_asymmetry() {
    if (accept_.empty() || reject_.empty()) return;
    const Thresholds& t = rules_.thresholds();
    // Compare the most prominent accept with the most prominent reject.
    auto by_area = [](const ClassifiedControl* a, const ClassifiedControl* b) {
      return a->control->box.area() < b->control->box.area();
    };
    const Control& accept = *(*std::max_element(accept_.begin(), accept_.end(), by_area))->control;
    const Control& reject = *(*std::max_element(reject_.begin(), reject_.end(), by_area))->control;
    std::vector<std::string> why;
    const double accept_contrast = text_contrast(accept);
    const double reject_contrast = text_contrast(reject);
    if (reject.opacity < t.min_reject_opacity && accept.opacity >= t.min_reject_opacity) {
      why.push_back("the refusal is faded to opacity " +
                    std::to_string(round2(reject.opacity)).substr(0, 4));
    }
    if (reject_contrast > 0 && accept_contrast > 0) {
      if (reject_contrast < t.min_reject_contrast && accept_contrast >= t.min_reject_contrast) {
        std::ostringstream out;
        out.precision(2);
        out << std::fixed << "the refusal's text contrast is " << reject_contrast
            << ":1, below the WCAG minimum of 3:1 (accept: " << accept_contrast << ":1)";
        why.push_back(out.str());
      } else if (accept_contrast / reject_contrast > t.max_accept_to_reject_contrast &&
                 reject_contrast < 4.5) {
        std::ostringstream out;
        out.precision(2);
        out << std::fixed << "the accept's text contrast (" << accept_contrast
            << ":1) is over twice the refusal's (" << reject_contrast << ":1)";
        why.push_back(out.str());
      }
    }
    const double accept_area = accept.box.area();
    const double reject_area = reject.box.area();
    if (accept_area > 0 && reject_area > 0 &&
        accept_area / reject_area > t.max_accept_to_reject_area) {
      std::ostringstream out;
      out.precision(1);
      out << std::fixed << "the accept button is " << accept_area / reject_area
          << " times the refusal's area";
      why.push_back(out.str());
    }
    if (why.empty()) return;
    std::string reason =
        in_quotes(reject.text) + " is less visible than " + in_quotes(accept.text) + ": ";
    for (std::size_t i = 0; i < why.size(); ++i) reason += (i ? "; " : "") + why[i];
    add("CB-04", in_quotes(accept.text) + " vs " + in_quotes(reject.text), reason,
        {{"accept", style_evidence(accept)},
         {"reject", style_evidence(reject)},
         {"contrast_ratio", accept_contrast > 0 && reject_contrast > 0
                                ? nlohmann::json(round2(accept_contrast / reject_contrast))
                                : nlohmann::json(nullptr)},
         {"area_ratio", reject_area > 0 ? nlohmann::json(round2(accept_area / reject_area))
                                        : nlohmann::json(nullptr)}});
  }

  void cb06_cb07_toggles() {
    std::set<std::string> seen_pre;
    std::set<std::string> seen_li;
    nlohmann::json pre_evidence = nlohmann::json::array();
    nlohmann::json li_evidence = nlohmann::json::array();
    for (const auto& layer : s_.layers) {
      for (const auto& toggle : layer.toggles) {
        if (!toggle.checked || toggle.disabled) continue;
        const std::string label = normalize_label(toggle.label);
        const bool li = toggle.legitimate_interest ||
                        rules_.legitimate_interest(label + " " + normalize_label(toggle.context));
        const std::string shown = toggle.label.empty() ? "(unlabelled switch)" : toggle.label;
        if (li) {
          if (seen_li.insert(shown).second) {
            verdict_.legitimate_interest.push_back(shown);
            if (li_evidence.size() < kMaxEvidenceItems) {
              li_evidence.push_back({{"label", shown}, {"layer", layer.index}, {"checked", true}});
            }
          }
          continue;
        }
        if (rules_.necessary_label(label)) continue;
        // "Do not sell or share" switches protect the user when on.
        if (rules_.classifier().classify_normalized(label).role == Role::kReject) continue;
        if (seen_pre.insert(shown).second) {
          verdict_.prechecked.push_back(shown);
          if (pre_evidence.size() < kMaxEvidenceItems) {
            pre_evidence.push_back(
                {{"label", shown}, {"layer", layer.index}, {"checked", true}, {"disabled", false}});
          }
        }
      }
    }
    if (!verdict_.prechecked.empty()) {
      std::string quote;
      for (const auto& label : verdict_.prechecked)
        quote += (quote.empty() ? "" : ", ") + in_quotes(label);
      add("CB-06", quote,
          std::to_string(verdict_.prechecked.size()) +
              " optional purpose(s) switched on before any choice",
          {{"toggles", pre_evidence}, {"count", verdict_.prechecked.size()}});
    }
    if (!verdict_.legitimate_interest.empty()) {
      std::string quote;
      for (std::size_t i = 0; i < verdict_.legitimate_interest.size() && i < 5; ++i) {
        quote += (quote.empty() ? "" : ", ") + in_quotes(verdict_.legitimate_interest[i]);
      }
      li_found_ = true;
      add("CB-07", quote,
          std::to_string(verdict_.legitimate_interest.size()) +
              " legitimate-interest switch(es) on by default",
          {{"toggles", li_evidence}, {"count", verdict_.legitimate_interest.size()}});
    }
  }

  // TCF: purpose LI bits before any user action; purposes 3-6 may not use LI under TCF 2.2.
  void cb07_tcf_legitimate_interest() {
    if (li_found_ || !s_.tcf.tcdata) return;
    const auto& tcdata = *s_.tcf.tcdata;
    if (tcdata.value("eventStatus", "") == "useractioncomplete") return;
    std::vector<int> purposes;
    if (tcdata.contains("purpose") && tcdata["purpose"].is_object() &&
        tcdata["purpose"].contains("legitimateInterests") &&
        tcdata["purpose"]["legitimateInterests"].is_object()) {
      for (const auto& [id, on] : tcdata["purpose"]["legitimateInterests"].items()) {
        if (on.is_boolean() && on.get<bool>()) purposes.push_back(std::atoi(id.c_str()));
      }
    } else if (tcdata.contains("tcString") && tcdata["tcString"].is_string()) {
      if (auto tc = decode_tc_string(tcdata["tcString"].get<std::string>()); tc) {
        purposes = tc->purpose_legitimate_interests;
      }
    }
    if (purposes.empty()) return;
    std::sort(purposes.begin(), purposes.end());
    std::vector<int> restricted;
    for (int p : purposes) {
      if (p >= 3 && p <= 6) restricted.push_back(p);
    }
    std::string list;
    for (int p : purposes) list += (list.empty() ? "" : ", ") + std::to_string(p);
    std::string reason = "The TCF data claims legitimate interest for purpose(s) " + list +
                         " before you chose anything";
    if (!restricted.empty()) reason += "; purposes 3-6 may not rely on it under TCF 2.2";
    add("CB-07", "purpose.legitimateInterests: " + list, reason,
        {{"tcf_purposes_legitimate_interest", purposes},
         {"tcf_purposes_3_to_6", restricted},
         {"eventStatus", tcdata.value("eventStatus", "")}});
  }

  void cb08_implied_consent() {
    std::string quote;
    // On long banners both texts are the first layer's first 12 KB: normalised once, not twice.
    const std::string_view whole = prefix(s_.text);
    const std::string text =
        whole == first_layer_prefix_
            ? first_layer_text_.substr(0, first_layer_text_.size() - first_controls_text_.size()) +
                  " " + first_layer_text_
            : normalize_label(whole) + " " + first_layer_text_;
    if (!rules_.implied_consent(text, &quote)) return;
    add("CB-08", quote, "The banner treats browsing, continuing or closing as consent",
        {{"matched_text", quote}});
  }

  void cb09_notice_only() {
    if (!reject_.empty() || !settings_.empty() || !save_.empty()) return;
    if (accept_.empty() && close_.empty()) return;
    for (const auto& layer : s_.layers) {
      if (layer.index != first_layer_index()) continue;
      for (const auto& toggle : layer.toggles) {
        if (toggle.visible && !toggle.disabled) return;  // choices are on the first layer
      }
    }
    std::vector<const ClassifiedControl*> offered = accept_;
    offered.insert(offered.end(), close_.begin(), close_.end());
    add("CB-09", join_texts(offered),
        "The only choices are " + join_texts(offered) + "; nothing refuses or sets preferences",
        {{"controls", texts(first_visible_)}});
  }

  void cb11_wall() {
    const Thresholds& t = rules_.thresholds();
    std::vector<const ClassifiedControl*> pay;
    for (const auto* c : reject_) {
      if (c->role.tag == "pay") pay.push_back(c);
    }
    const double coverage = std::max(s_.overlay_share, s_.viewport_share);
    const bool wall = coverage >= t.wall_viewport_share && s_.scroll_locked && !accept_.empty() &&
                      reject_.size() == pay.size();
    if (!wall && pay.empty()) return;
    std::string reason;
    if (wall) {
      reason = "The banner covers " + std::to_string(std::lround(coverage * 100)) +
               "% of the page, scrolling is locked and there is no free refusal";
    } else {
      reason = "Refusing means paying or subscribing: " + join_texts(pay);
    }
    add("CB-11", pay.empty() ? join_texts(accept_) : join_texts(pay), reason,
        {{"coverage", round2(coverage)},
         {"scroll_locked", s_.scroll_locked},
         {"pay_options", texts(pay)},
         {"accept", texts(accept_)}});
  }

  void cb12_trackers() {
    std::set<std::string> seen;
    nlohmann::json evidence = nlohmann::json::array();
    for (const auto& cookie : s_.cookies_before) {
      const TrackerMatch* tracker = rules_.tracker_for_cookie(cookie.name);
      if (tracker == nullptr || !seen.insert(cookie.name).second) continue;
      verdict_.tracker_cookies.push_back(cookie.name);
      if (evidence.size() < kMaxEvidenceItems) {
        evidence.push_back({{"name", cookie.name},
                            {"domain", cookie.domain},
                            {"vendor", tracker->vendor},
                            {"purpose", tracker->purpose}});
      }
    }
    if (verdict_.tracker_cookies.empty()) return;
    std::string quote;
    for (const auto& name : verdict_.tracker_cookies) quote += (quote.empty() ? "" : ", ") + name;
    add("CB-12", quote,
        std::to_string(verdict_.tracker_cookies.size()) +
            " tracking cookie(s) were set before any choice (" +
            evidence[0]["vendor"].get<std::string>() + (evidence.size() > 1 ? ", ..." : "") + ")",
        {{"cookies", evidence}});
  }

  void cb13_tcf_consent() {
    if (!s_.tcf.tcdata) return;
    const auto& tcdata = *s_.tcf.tcdata;
    const std::string status = tcdata.value("eventStatus", "");
    if (status == "useractioncomplete") return;
    // "tcloaded" is a stored choice; it only counts while the banner still asks for one.
    if (status != "cmpuishown" && !(status == "tcloaded" && verdict_.banner_found)) return;
    std::vector<int> purposes;
    if (tcdata.contains("purpose") && tcdata["purpose"].is_object() &&
        tcdata["purpose"].contains("consents") && tcdata["purpose"]["consents"].is_object()) {
      for (const auto& [id, on] : tcdata["purpose"]["consents"].items()) {
        if (on.is_boolean() && on.get<bool>()) purposes.push_back(std::atoi(id.c_str()));
      }
    }
    int vendors = 0;
    if (tcdata.contains("vendor") && tcdata["vendor"].is_object() &&
        tcdata["vendor"].contains("consents") && tcdata["vendor"]["consents"].is_object()) {
      for (const auto& [id, on] : tcdata["vendor"]["consents"].items()) {
        vendors += on.is_boolean() && on.get<bool>() ? 1 : 0;
      }
    }
    if (purposes.empty() && vendors == 0 && tcdata.contains("tcString") &&
        tcdata["tcString"].is_string()) {
      if (auto tc = decode_tc_string(tcdata["tcString"].get<std::string>()); tc) {
        purposes = tc->purpose_consents;
        vendors = tc->vendor_consents;
      }
    }
    if (purposes.empty() && vendors == 0) return;
    std::sort(purposes.begin(), purposes.end());
    std::string list;
    for (int p : purposes) list += (list.empty() ? "" : ", ") + std::to_string(p);
    add("CB-13", "eventStatus: " + status + (list.empty() ? "" : "; purpose.consents: " + list),
        "The consent platform reports consent for " +
            (list.empty() ? std::string("vendors") : "purpose(s) " + list) +
            (vendors > 0 ? " and " + std::to_string(vendors) + " vendor(s)" : "") +
            " while you have not chosen",
        {{"eventStatus", status}, {"purpose_consents", purposes}, {"vendor_consents", vendors}});
  }

  void cb17_vendor_count() {
    const bool tcf = s_.tcf.present || s_.tcf.ping.has_value() || s_.tcf.tcdata.has_value();
    if (!tcf || rules_.states_vendor_count(first_layer_text_)) return;
    if (s_.tcf.ping && s_.tcf.ping->value("gdprApplies", true) == false) return;
    add("CB-17", cut(s_.layers[static_cast<std::size_t>(first_layer_index())].text, 200),
        "A TCF consent platform is present but the first layer does not say how many partners",
        {{"cmp_id", s_.tcf.ping ? s_.tcf.ping->value("cmpId", 0) : 0}});
  }

  void cb19_misleading_labels() {
    std::vector<const ClassifiedControl*> misleading;
    std::vector<std::string> why;
    for (const auto* c : reject_) {
      if (c->role.accept_verb && c->role.tag == "necessary_only") {
        misleading.push_back(c);
        why.push_back(in_quotes(c->control->text) + " refuses but is worded as an acceptance");
      }
    }
    if (!reject_.empty() || !settings_.empty()) {
      for (const auto* c : accept_) {
        if (c->role.tag == "acknowledge") {
          misleading.push_back(c);
          why.push_back(in_quotes(c->control->text) +
                        " gives consent but reads as an acknowledgement");
        }
      }
    }
    for (const auto* c : first_visible_) {
      if (c->role.double_negative) {
        misleading.push_back(c);
        why.push_back(in_quotes(c->control->text) + " is a double negative");
      }
    }
    if (misleading.empty()) return;
    std::string reason;
    for (const auto& w : why) reason += (reason.empty() ? "" : "; ") + w;
    add("CB-19", join_texts(misleading), reason, {{"controls", texts(misleading)}});
  }

  void cb20_hidden_reject() {
    if (!reject_.empty() || accept_.empty()) return;
    std::vector<const ClassifiedControl*> hidden;
    for (const auto* c : first_hidden_) {
      if (is_reject_equivalent(c->role)) hidden.push_back(c);
    }
    if (hidden.empty()) return;
    nlohmann::json details = nlohmann::json::array();
    for (const auto* c : hidden) {
      details.push_back({{"text", c->control->text}, {"hidden_reason", c->control->hidden_reason}});
    }
    add("CB-20", join_texts(hidden),
        "A refuse control (" + join_texts(hidden) + ") is in the page but hidden (" +
            hidden.front()->control->hidden_reason + ") while " + join_texts(accept_) + " is shown",
        {{"hidden", details}, {"accept", texts(accept_)}});
  }

  const Snapshot& s_;
  const BannerRules& rules_;
  Verdict verdict_;
  std::vector<const ClassifiedControl*> first_visible_, first_hidden_, accept_, reject_, settings_,
      save_, close_;
  std::string first_layer_text_;
  std::string_view first_layer_prefix_;
  std::string first_controls_text_;
  bool li_found_ = false;
};

}  // namespace

Verdict judge(const Snapshot& snapshot, const BannerRules& rules) {
  return Judge(snapshot, rules).run();
}

nlohmann::json to_json(const Snapshot& snapshot, const Verdict& verdict) {
  nlohmann::json findings = nlohmann::json::array();
  nlohmann::json criteria = nlohmann::json::array();
  for (const auto& f : verdict.findings) {
    nlohmann::json item = engine::to_json(f.finding);
    item["criterion"] = f.criterion;
    item["evidence"] = f.evidence;
    findings.push_back(std::move(item));
    criteria.push_back(f.criterion);
  }
  nlohmann::json controls = nlohmann::json::array();
  constexpr std::size_t kMaxControlsInReply = 200;
  std::size_t total_controls = 0;
  for (const auto& c : verdict.controls) {
    ++total_controls;
    if (controls.size() >= kMaxControlsInReply) continue;
    controls.push_back({{"layer", c.layer},
                        {"text", cut(c.control->text, 200)},
                        {"tag", c.control->tag},
                        {"role", std::string(to_string(c.role.role))},
                        {"tag_reason", c.role.tag},
                        {"visible", c.control->visible},
                        {"link_styled", c.link_styled}});
  }
  auto first_n = [](const std::vector<std::string>& items) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < items.size() && i < kMaxEvidenceItems; ++i) out.push_back(items[i]);
    return out;
  };
  return nlohmann::json{{"banner_found", verdict.banner_found},
                        {"url", snapshot.url},
                        {"cmp",
                         {{"id", snapshot.cmp_id},
                          {"name", snapshot.cmp_name},
                          {"detected_by", snapshot.detected_by}}},
                        {"findings", std::move(findings)},
                        {"criteria", std::move(criteria)},
                        {"summary",
                         {{"first_layer_accept", verdict.first_layer_accept},
                          {"first_layer_reject", verdict.first_layer_reject},
                          {"prechecked", first_n(verdict.prechecked)},
                          {"prechecked_count", verdict.prechecked.size()},
                          {"legitimate_interest_on", first_n(verdict.legitimate_interest)},
                          {"legitimate_interest_count", verdict.legitimate_interest.size()},
                          {"tracker_cookies", first_n(verdict.tracker_cookies)}}},
                        {"controls", std::move(controls)},
                        {"controls_total", total_controls}};
}

}  // namespace cw::banner
