#include "changes/meaning.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include <re2/re2.h>

#include "changes/diff.h"
#include "changes/edit_script.h"
#include "changes/noise_rules.h"

namespace cw::changes {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int banner_marker_count(std::string_view lowered) {
  int n = 0;
  for (const auto& marker : noise_rules().dialog_markers) {
    if (lowered.find(marker) != std::string_view::npos) ++n;
  }
  return n;
}

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFirst:
      return "first";
    case Verdict::kChange:
      return "change";
    case Verdict::kFormatOnly:
      return "format_only";
    case Verdict::kLayoutOnly:
      return "layout_only";
    case Verdict::kBannerOnly:
      return "banner_only";
    case Verdict::kRevert:
      return "revert";
    case Verdict::kUnavailable:
      return "unavailable";
  }
  return "change";
}

Verdict verdict_from_string(std::string_view name) {
  for (Verdict v : {Verdict::kFirst, Verdict::kChange, Verdict::kFormatOnly, Verdict::kLayoutOnly,
                    Verdict::kBannerOnly, Verdict::kRevert, Verdict::kUnavailable}) {
    if (to_string(v) == name) return v;
  }
  return Verdict::kChange;
}

bool is_meaningful(Verdict verdict) {
  return verdict == Verdict::kFirst || verdict == Verdict::kChange;
}

bool becomes_reference(Verdict verdict) {
  return verdict == Verdict::kFirst || verdict == Verdict::kChange || verdict == Verdict::kRevert;
}

std::string_view verdict_reason(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFirst:
      return "first version of this document";
    case Verdict::kChange:
      return "the wording changed";
    case Verdict::kFormatOnly:
      return "only presentation changed (OS key names, link tokens, list numbering, spacing)";
    case Verdict::kLayoutOnly:
      return "the same words in another layout";
    case Verdict::kBannerOnly:
      return "only cookie-consent dialog text appeared or disappeared";
    case Verdict::kRevert:
      return "back to a text this document already had (flapping)";
    case Verdict::kUnavailable:
      return "an error or bot-check page, not the document";
  }
  return "";
}

std::string canonical_text(std::string_view normalized) {
  static const RE2 kOsKey(R"((?:⌘|\b(?:[Cc]md|CMD|Ctrl|CTRL))\s*\+?\s*([A-Z0-9])\b)");
  static const RE2 kUrlQuery(R"((https?://[^\s?#)]+)[?#][^\s)]*)");
  static const RE2 kUuid(
      R"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})");
  static const RE2 kListNumber(R"((?m)^\s*(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,5})[.)]\s+)");
  static const RE2 kSpaces(R"([ \t]+)");
  std::string text(normalized);
  RE2::GlobalReplace(&text, kOsKey, "Ctrl+\\1");
  RE2::GlobalReplace(&text, kUrlQuery, "\\1");
  RE2::GlobalReplace(&text, kUuid, "<id>");
  RE2::GlobalReplace(&text, kListNumber, "");
  RE2::GlobalReplace(&text, kSpaces, " ");
  return text;
}

std::string layout_key(std::string_view canonical) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < canonical.size()) {
    while (i < canonical.size() && std::isspace(static_cast<unsigned char>(canonical[i]))) ++i;
    const std::size_t start = i;
    while (i < canonical.size() && !std::isspace(static_cast<unsigned char>(canonical[i]))) ++i;
    if (i > start) words.push_back(canonical.substr(start, i - start));
  }
  std::sort(words.begin(), words.end());
  std::string key;
  for (auto w : words) {
    key.append(w);
    key.push_back(' ');
  }
  return key;
}

bool looks_unavailable(std::string_view normalized) {
  if (normalized.size() > 1500) return false;  // real legal texts are longer than an error page
  std::size_t letters = 0;
  for (char c : normalized) letters += std::isalpha(static_cast<unsigned char>(c)) != 0 ? 1 : 0;
  return letters < 40 || RE2::PartialMatch(normalized, *noise_rules().unavailable_page);
}

namespace {

// How many button labels `block` names, or -1 when it holds other words too.
int button_labels_only(std::string_view block) {
  if (block.size() > 120) return -1;
  std::string rest = lower_ascii(block);
  int labels = 0;
  // Labels are listed longest first, so "accept all" is consumed before "accept".
  for (const auto& label : noise_rules().button_labels) {
    for (auto at = rest.find(label); at != std::string::npos; at = rest.find(label)) {
      rest.replace(at, label.size(), 1, ' ');
      ++labels;
    }
  }
  int letters = 0;
  for (char c : rest) letters += std::isalpha(static_cast<unsigned char>(c)) != 0 ? 1 : 0;
  return letters <= 4 ? labels : -1;
}

bool has_dialog_words(std::string_view block) {
  return RE2::PartialMatch(block, *noise_rules().lead_words) ||
         banner_marker_count(lower_ascii(block)) > 0;
}

}  // namespace

std::vector<bool> consent_dialog_blocks(const std::vector<std::string_view>& blocks) {
  // The blocks of a leaked consent dialog: its control rows (blocks of two or more button
  // labels, or label blocks next to each other), everything between two control rows at most
  // kMaxDialogBlocks apart (a preference centre lists purposes and vendors in between), and the
  // dialog text right before a control row ("We value your privacy", "We and our 1558 partners
  // use cookies...") and the dialog furniture right after it ("Powered by ...").
  constexpr std::size_t kMaxDialogBlocks = 400;
  constexpr std::size_t kMaxLeadBlocks = 8;
  const std::size_t n = blocks.size();
  std::vector<bool> mask(n, false);
  std::vector<std::size_t> rows;
  std::vector<int> labels(n);
  for (std::size_t i = 0; i < n; ++i) labels[i] = button_labels_only(blocks[i]);
  for (std::size_t i = 0; i < n; ++i) {
    if (labels[i] >= 2 || (labels[i] == 1 && ((i + 1 < n && labels[i + 1] >= 1) ||
                                              (i + 2 < n && labels[i + 2] >= 1)))) {
      rows.push_back(i);
    }
  }
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const std::size_t r = rows[k];
    mask[r] = true;
    if (k + 1 < rows.size() && rows[k + 1] - r <= kMaxDialogBlocks) {
      for (std::size_t i = r; i <= rows[k + 1]; ++i) mask[i] = true;
    }
    // Before the buttons: the dialog's own sentences, back to the farthest dialog marker ("We
    // value your privacy") within reach; the sentences between say what the buttons do.
    std::size_t lead = r;
    for (std::size_t i = r, steps = 0; i > 0 && steps < kMaxLeadBlocks; ++steps) {
      --i;
      if (banner_marker_count(lower_ascii(blocks[i])) > 0 || labels[i] >= 1 ||
          (blocks[i].size() > 40 && has_dialog_words(blocks[i]))) {
        lead = i;
      }
      if (blocks[i].size() <= 40 && banner_marker_count(lower_ascii(blocks[i])) == 0 &&
          labels[i] < 1) {
        break;  // a short block without a marker is a heading of the page
      }
    }
    for (std::size_t i = lead; i < r; ++i) mask[i] = true;
    // After the buttons only dialog furniture ("Powered by ..."): a cookie policy may follow.
    for (std::size_t i = r + 1, steps = 0; i < n && steps < kMaxLeadBlocks; ++i, ++steps) {
      if (banner_marker_count(lower_ascii(blocks[i])) == 0 && labels[i] < 1) break;
      mask[i] = true;
    }
  }
  return mask;
}

bool only_banner_differences(std::string_view before_canonical, std::string_view after_canonical) {
  const auto a = split_blocks(before_canonical);
  const auto b = split_blocks(after_canonical);
  std::vector<std::uint64_t> ha, hb;
  for (auto s : a) ha.push_back(item_hash(s));
  for (auto s : b) hb.push_back(item_hash(s));
  const auto dialog_a = consent_dialog_blocks(a);
  const auto dialog_b = consent_dialog_blocks(b);
  // A changed run is consent UI when every block of it lies in a consent dialog of its text (as
  // above), or when the run itself reads as one: at least two distinct dialog markers (a cookie
  // policy sentence alone has at most one) and every block of it dialog text (a short label, or a
  // sentence about cookies, consent or vendors). So a real edit next to a leaked dialog, or in a
  // cookie policy, still counts.
  std::string run;
  bool any_run = false;
  bool all_banner = true;
  bool run_dialog_text = true;  // every block of the run is dialog text
  bool run_in_dialog = true;    // every block of the run lies in a consent dialog
  auto add_block = [&](std::string_view block, bool in_dialog) {
    run.append(block).push_back('\n');
    if (block.size() > 80 && !RE2::PartialMatch(block, *noise_rules().dialog_words)) {
      run_dialog_text = false;
    }
    if (!in_dialog) run_in_dialog = false;
  };
  auto close_run = [&] {
    if (run.empty()) return;
    any_run = true;
    const bool reads_as_dialog = run_dialog_text && banner_marker_count(lower_ascii(run)) >= 2;
    if (!reads_as_dialog && !run_in_dialog) all_banner = false;
    run.clear();
    run_dialog_text = true;
    run_in_dialog = true;
  };
  for (const auto& e : edit_script(ha, hb)) {
    if (e.type == EditType::kCommon) {
      close_run();
    } else if (e.type == EditType::kRemoved) {
      add_block(a[e.before], dialog_a[e.before]);
    } else {
      add_block(b[e.after], dialog_b[e.after]);
    }
  }
  close_run();
  return any_run && all_banner;
}

}  // namespace cw::changes
