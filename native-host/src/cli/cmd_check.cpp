// clausewatch check FILE: the findings of one document (HTML, Markdown or plain text), grouped by
// severity with quote and reason, protections listed as good news. --json prints exactly the
// page.analyze result.
#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <re2/re2.h>

#include "cli/commands.h"
#include "common/limits.h"
#include "engine/engine.h"
#include "engine/pack_store.h"
#include "protocol/dispatch.h"
#include "text/normalize.h"

namespace cw::cli {
namespace {

// HTML to Markdown-ish text: block elements become paragraph breaks, headings become '#' lines and
// list items '- ' lines; the normaliser strips remaining tags and decodes entities.
std::string html_to_markdown(std::string html) {
  static const RE2 kDrop(
      "(?is)<(script|style|noscript|template|svg)\\b.*?</"
      "(script|style|noscript|template|svg)\\s*>");
  static const RE2 kComment("(?s)<!--.*?-->");
  static const RE2 kHeading("(?i)<h([1-6])\\b[^>]*>");
  static const RE2 kHeadingEnd("(?i)</h[1-6]\\s*>");
  static const RE2 kItem("(?i)<li\\b[^>]*>");
  static const RE2 kBlock(
      "(?i)</"
      "?(p|div|br|tr|section|article|ul|ol|table|header|footer|main|nav|blockquote|dd|dt|li)\\b[^>]"
      "*>");
  RE2::GlobalReplace(&html, kDrop, " ");
  RE2::GlobalReplace(&html, kComment, " ");
  std::string out;
  out.reserve(html.size());
  // Headings: "<h2 ...>" -> "\n\n## "
  re2::StringPiece input(html);
  re2::StringPiece level;
  std::size_t last = 0;
  while (RE2::FindAndConsume(&input, kHeading, &level)) {
    const std::size_t match_end = static_cast<std::size_t>(input.data() - html.data());
    const std::size_t tag_start = html.rfind('<', match_end - 1);
    out.append(html, last, tag_start - last);
    out += "\n\n" + std::string(static_cast<std::size_t>(level[0] - '0'), '#') + " ";
    last = match_end;
  }
  out.append(html, last, std::string::npos);
  RE2::GlobalReplace(&out, kHeadingEnd, "\n\n");
  RE2::GlobalReplace(&out, kItem, "\n- ");
  RE2::GlobalReplace(&out, kBlock, "\n\n");
  // Decode the common entities here so quotes read as text; the normaliser handles the rest.
  static const std::array<std::pair<const char*, const char*>, 6> kEntities{{{"&nbsp;", "\u00a0"},
                                                                             {"&lt;", "<"},
                                                                             {"&gt;", ">"},
                                                                             {"&quot;", "\""},
                                                                             {"&#39;", "'"},
                                                                             {"&amp;", "&"}}};
  for (const auto& [entity, text] : kEntities) {
    for (std::size_t at = out.find(entity); at != std::string::npos; at = out.find(entity, at)) {
      out.replace(at, std::strlen(entity), text);
      at += std::strlen(text);
    }
  }
  return out;
}

// Underlined ("setext") Markdown headings as '#' lines: "Changes to These Terms\n-----" becomes
// "## Changes to These Terms\n", so the normaliser sees the heading and findings under it name the
// right section. Only an underline of 3 or more '=' or '-' right under a line of text counts; a
// '---' after a blank line is a rule, and "|---|" a table separator.
std::string setext_to_atx(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 64);
  std::size_t at = 0;
  std::string_view previous;  // the previous line, not yet written
  bool have_previous = false;
  auto underline_level = [](std::string_view line) {
    std::size_t marks = 0;
    char mark = 0;
    for (const char c : line) {
      if (c == ' ' || c == '\t' || c == '\r') continue;
      if ((c != '=' && c != '-') || (mark != 0 && c != mark)) return 0;
      mark = c;
      ++marks;
    }
    return marks < 3 ? 0 : (mark == '=' ? 1 : 2);
  };
  auto is_text = [](std::string_view line) {
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return false;
    return std::string_view("#>|-*+=").find(line[first]) == std::string_view::npos;
  };
  while (at <= text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + at, end - at);
    const int level = underline_level(line);
    if (have_previous && level > 0 && is_text(previous)) {
      out.append(static_cast<std::size_t>(level), '#');
      out += ' ';
      out.append(previous);
      out += "\n\n";
      have_previous = false;
    } else {
      if (have_previous) {
        out.append(previous);
        out += '\n';
      }
      previous = line;
      have_previous = true;
    }
    at = end + 1;
  }
  if (have_previous) out.append(previous);
  return out;
}

bool looks_like_html(const std::string& path, const std::string& text) {
  const auto dot = path.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot);
  if (ext == ".html" || ext == ".htm" || ext == ".xhtml") return true;
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos &&
         (text.compare(first, 5, "<!DOC") == 0 || text.compare(first, 5, "<html") == 0 ||
          text.compare(first, 5, "<HTML") == 0);
}

// Items grouped by key, groups in order of first appearance, items in their own order.
template <typename Item, typename KeyOf>
auto group_in_order(const std::vector<Item>& items, KeyOf key_of) {
  std::vector<std::pair<std::string, std::vector<Item>>> groups;
  for (const auto& item : items) {
    const std::string key = key_of(item);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&key](const auto& group) { return group.first == key; });
    if (it == groups.end()) {
      groups.emplace_back(key, std::vector<Item>{});
      it = std::prev(groups.end());
    }
    it->second.push_back(item);
  }
  return groups;
}

// One entry per provision: its title and reason once, then every quote, so a clause repeated
// across a long document reads as one point with N places. `by_rule` is group_in_order's output.
void print_provisions(
    const std::vector<std::pair<std::string, std::vector<const nlohmann::json*>>>& by_rule,
    const nlohmann::json& rules, const char* bullet) {
  for (const auto& [id, places] : by_rule) {
    const auto& text = rules[id];
    std::cout << "  " << bullet << " " << text["title"].get<std::string>() << " [" << id << "]"
              << ((*places.front())["missing_protection"].get<bool>() ? " (missing protection)"
                                                                      : "");
    if (places.size() > 1) std::cout << ", " << places.size() << " places";
    std::cout << "\n    " << text["reason"].get<std::string>() << "\n";
    // The same sentence repeated (one per US state, say) is printed once, with its count.
    const auto by_quote = group_in_order(
        places, [](const auto* f) { return (*f)["quote"].template get<std::string>(); });
    for (const auto& [quote, same] : by_quote) {
      std::cout << "    \"" << quote << "\"";
      if (same.size() > 1) std::cout << " (" << same.size() << " times)";
      // The section tells a clause "for business users" or "for EU residents" from the rest.
      if (const auto section = same.front()->find("section"); section != same.front()->end()) {
        std::cout << "  [section: " << section->get<std::string>() << "]";
      }
      // Whom the clause applies to, when a scoping phrase says so ("California residents"). A
      // scope read only from the heading says where the quote sits: regional parts often restate
      // practices that hold for everyone.
      if (const auto scope = same.front()->find("scope"); scope != same.front()->end()) {
        const bool from_section = scope->value("from", "") == "section";
        std::cout << (from_section ? "  [in the part for: " : "  [applies to: ")
                  << (*scope)["label"].get<std::string>() << "]";
      }
      std::cout << "\n";
    }
  }
}

std::string rule_id_of(const nlohmann::json* finding) {
  return (*finding)["rule_id"].get<std::string>();
}

void print_human(const std::string& path, const nlohmann::json& result) {
  const auto& findings = result["findings"];
  // page.analyze sends each rule's texts once, in `rules`; a finding names its rule.
  const auto& rules = result["rules"];
  std::cout << path << ": "
            << (result["doc_type"].is_null() ? std::string("document type unknown")
                                             : result["doc_type"].get<std::string>())
            << ", rule pack " << result["rule_pack"]["version"].get<long long>() << "\n";
  if (findings.empty()) {
    std::cout << "No provisions found.\n";
    return;
  }
  for (const char* severity : {"critical", "warning", "caution", "info"}) {
    std::vector<const nlohmann::json*> group;
    for (const auto& f : findings) {
      if (f["polarity"] == "risk" && f["severity"] == severity) group.push_back(&f);
    }
    if (group.empty()) continue;
    std::string heading = severity;
    for (char& c : heading) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    // The heading counts provisions, as the popup does; each lists its places.
    const auto by_rule = group_in_order(group, rule_id_of);
    std::cout << "\n" << heading << " (" << by_rule.size() << ")\n";
    print_provisions(by_rule, rules, "-");
  }
  std::vector<const nlohmann::json*> good;
  for (const auto& f : findings) {
    if (f["polarity"] == "protection") good.push_back(&f);
  }
  if (!good.empty()) {
    const auto by_rule = group_in_order(good, rule_id_of);
    std::cout << "\nGOOD NEWS: protections (" << by_rule.size() << ")\n";
    print_provisions(by_rule, rules, "+");
  }
}

}  // namespace

void register_check(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand("check", "Find risky provisions and protections in a document");
  auto path = std::make_shared<std::string>();
  auto doc_type = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("file", *path, "HTML, Markdown or text file")->required();
  cmd->add_option("--doc-type", *doc_type, "OTA document type, e.g. \"Privacy Policy\"");
  cmd->add_flag("--json", *as_json, "Print the page.analyze result as JSON");
  cmd->callback([&state, path, doc_type, as_json] {
    std::error_code ec;
    const auto size = std::filesystem::file_size(*path, ec);
    if (ec) {
      state.exit_code = report_error(
          Error::make(ErrorCode::IO_ERROR, {{"path", *path}, {"detail", ec.message()}}));
      return;
    }
    if (size > limits::kMaxPageTextBytes) {
      state.exit_code = report_error(Error::make(
          ErrorCode::LIMIT_EXCEEDED, {{"what", *path}, {"limit", limits::kMaxPageTextBytes}}));
      return;
    }
    std::ifstream in(*path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    if (looks_like_html(*path, text)) text = html_to_markdown(std::move(text));
    text = setext_to_atx(text);

    const std::string title = std::filesystem::path(*path).stem().string();
    std::string type = *doc_type;
    if (type.empty()) {
      const auto normalized = text::normalize(text);
      std::vector<std::string_view> headings;
      for (const auto& h : normalized.headings) {
        headings.emplace_back(normalized.text.data() + h.span.begin, h.span.end - h.span.begin);
      }
      type = engine::guess_doc_type(*path, title, headings);
    }
    nlohmann::json payload{{"url", "file://" + std::filesystem::absolute(*path).string()},
                           {"title", title},
                           {"blocks", {{{"kind", "paragraph"}, {"text", text}}}}};
    if (!type.empty()) payload["doc_type"] = type;
    const nlohmann::json request{{"id", 1}, {"type", "page.analyze"}, {"payload", payload}};
    const auto reply = nlohmann::json::parse(handle_message(request.dump(), *state.ctx));
    if (!reply.value("ok", false)) {
      std::cerr << "clausewatch: [" << reply["error"]["name"].get<std::string>() << "] "
                << reply["error"]["message"].get<std::string>() << "\n";
      state.exit_code = 1;
      return;
    }
    if (*as_json)
      std::cout << reply["result"].dump(2) << "\n";
    else
      print_human(*path, reply["result"]);
    state.exit_code = 0;
  });
}

}  // namespace cw::cli
