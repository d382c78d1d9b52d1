// Noise suppression: does a new version of a document mean something different from the version
// the user last saw? Every version is archived; this only decides which ones count as changes.
//
// Noise seen in the Open Terms Archive corpus, and how it is handled (the verdict names the
// reason):
//   per-request tokens in links     normalize() drops link targets; bare URLs lose query/fragment
//   whitespace / Markdown-only      normalize() canonicalises both -> same version hash
//   OS-dependent UI text            "⌘I", "Cmd+I", "CtrlI" -> "Ctrl+I"            (kFormatOnly)
//   alternate layouts               same words in another arrangement            (kLayoutOnly)
//   cookie-banner text leaking in   every changed run is consent-dialog UI       (kBannerOnly)
//   flapping A -> B -> A            the text was seen before in this document    (kRevert)
//   error and bot-wall pages        "This page isn't available", "Just a moment"  (kUnavailable)
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cw::changes {

enum class Verdict {
  kFirst,        // the first version of the document
  kChange,       // meaning may have changed: compare provisions, alert
  kFormatOnly,   // same canonical text as the reference version
  kLayoutOnly,   // same words, rearranged
  kBannerOnly,   // only cookie-consent UI text was added or removed
  kRevert,       // back to a text this document already had (a flap): no second alert
  kUnavailable,  // an error or bot-wall page, not the document
};
std::string_view to_string(Verdict verdict);
// The inverse of to_string; kChange for an unknown name.
Verdict verdict_from_string(std::string_view name);
// kFirst and kChange (and kRevert, which restores a known text) become the reference for the next
// comparison; noise verdicts do not.
bool is_meaningful(Verdict verdict);
bool becomes_reference(Verdict verdict);

// The text with presentation noise removed (OS key names, URL query strings, list numbering,
// case of the key names), from normalize()'s output.
std::string canonical_text(std::string_view normalized);
// A key equal for texts made of the same words in any order.
std::string layout_key(std::string_view canonical);
// True for error pages, bot walls and empty captures.
bool looks_unavailable(std::string_view normalized);
// Which blocks (split_blocks) belong to a consent dialog leaked into the page: control rows of
// button labels, the preference centre between two of them, and the dialog text around them.
std::vector<bool> consent_dialog_blocks(const std::vector<std::string_view>& blocks);
// True when every difference between the two canonical texts is a run of cookie-consent UI.
bool only_banner_differences(std::string_view before_canonical, std::string_view after_canonical);

// A one-line reason for a verdict, for reports and the history view.
std::string_view verdict_reason(Verdict verdict);

}  // namespace cw::changes
