#include "engine/rule_pack.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <re2/re2.h>

#include "common/bounded_json.h"
#include "common/file_read.h"
#include "common/limits.h"

namespace cw::engine {
namespace {

using nlohmann::json;

Error invalid(std::string_view file, std::string_view rule, const std::string& detail) {
  return Error::make(
      ErrorCode::RULE_PACK_INVALID,
      {{"file", std::string(file)}, {"rule", std::string(rule)}, {"detail", detail}});
}

// Validation of one provision object; collects the first problem.
class ProvisionReader {
 public:
  ProvisionReader(const json& object, std::string_view file, std::string rule)
      : object_(object), file_(file), rule_(std::move(rule)) {}

  [[nodiscard]] bool failed() const { return error_.has_value(); }
  [[nodiscard]] Error error() const { return *error_; }
  void fail(const std::string& detail) {
    if (!error_) error_ = invalid(file_, rule_, detail);
  }

  std::string string(const char* field, bool required) {
    auto it = object_.find(field);
    if (it == object_.end()) {
      if (required) fail(std::string("missing field '") + field + "'");
      return {};
    }
    if (!it->is_string()) {
      fail(std::string("field '") + field + "' must be a string");
      return {};
    }
    auto value = it->get<std::string>();
    if (required && value.find_first_not_of(" \t\n") == std::string::npos) {
      fail(std::string("field '") + field + "' is empty");
    }
    return value;
  }

  std::vector<std::string> strings(const char* field, bool required, bool allow_empty = false) {
    std::vector<std::string> out;
    auto it = object_.find(field);
    if (it == object_.end()) {
      if (required) fail(std::string("missing field '") + field + "'");
      return out;
    }
    if (!it->is_array()) {
      fail(std::string("field '") + field + "' must be an array of strings");
      return out;
    }
    for (const auto& item : *it) {
      if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
        fail(std::string("field '") + field + "' must hold non-empty strings");
        return out;
      }
      out.push_back(item.get<std::string>());
    }
    if (out.empty() && !allow_empty) fail(std::string("field '") + field + "' is empty");
    return out;
  }

  template <class Enum>
  Enum choice(const char* field, std::initializer_list<std::pair<std::string_view, Enum>> options,
              bool required, Enum fallback) {
    auto it = object_.find(field);
    if (it == object_.end()) {
      if (required) fail(std::string("missing field '") + field + "'");
      return fallback;
    }
    if (it->is_string()) {
      for (const auto& [name, value] : options) {
        if (it->get_ref<const std::string&>() == name) return value;
      }
    }
    std::string allowed;
    for (const auto& option : options) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(option.first);
    }
    fail(std::string("field '") + field + "' must be one of " + allowed + ", not " + it->dump());
    return fallback;
  }

  void regexes(const std::vector<std::string>& patterns, const char* field) {
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      RE2::Options options;
      options.set_log_errors(false);
      RE2 re(patterns[i], options);
      if (!re.ok()) {
        fail(std::string(field) + "[" + std::to_string(i) + "] does not compile: " + re.error() +
             " (pattern " + patterns[i] + ")");
        return;
      }
    }
  }

 private:
  const json& object_;
  std::string_view file_;
  std::string rule_;
  std::optional<Error> error_;
};

// Constant tables are arrays of string_view: nothing is allocated (or can throw) at start-up.
constexpr std::array<std::string_view, 15> kPatternFields{
    "id",        "kind",        "title",   "polarity", "severity",    "severity_reason",
    "doc_types", "patterns",    "unless",  "reason",   "explanation", "references",
    "claudette", "tosdr_cases", "examples"};
constexpr std::array<std::string_view, 14> kMissingFields{
    "id",        "kind",         "title",       "polarity", "severity",    "severity_reason",
    "doc_types", "when_present", "when_absent", "reason",   "explanation", "references",
    "claudette", "tosdr_cases"};
constexpr std::array<std::string_view, 8> kClaudetteLabels{"A",   "CH",  "CR",  "J",
                                                           "LAW", "LTD", "TER", "USE"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& table, std::string_view value) {
  return std::find(table.begin(), table.end(), value) != table.end();
}

bool valid_id(std::string_view id, std::string_view family) {
  if (id.size() <= family.size() + 1 || id.substr(0, family.size()) != family ||
      id[family.size()] != '.') {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
}

// The optional "examples": {"match": [...], "no_match": [...]} of a provision or a scope. A wrong
// shape fails `reader`; a bad list is returned as the error.
std::optional<Error> read_examples(const json& object, ProvisionReader& reader,
                                   std::string_view file, const std::string& name,
                                   std::vector<std::string>& match,
                                   std::vector<std::string>& no_match) {
  const auto it = object.find("examples");
  if (it == object.end()) return std::nullopt;
  if (!it->is_object()) {
    reader.fail("field 'examples' must be {\"match\": [...], \"no_match\": [...]}");
    return std::nullopt;
  }
  for (const auto& [key, value] : it->items()) {
    if (key != "match" && key != "no_match") reader.fail("examples: unknown field '" + key + "'");
  }
  ProvisionReader examples(*it, file, name);
  match = examples.strings("match", false, true);
  no_match = examples.strings("no_match", false, true);
  if (examples.failed()) return examples.error();
  return std::nullopt;
}

Error file_error(std::string_view file, const std::string& detail);

// --- Vocabulary: word lists a family's patterns name as {{NAME}} ------------------------------

// NAME -> the regex fragment it stands for (written once, used by many patterns).
using Vocabulary = std::map<std::string, std::string, std::less<>>;

constexpr std::string_view kWordOpen = "{{";
constexpr std::string_view kWordClose = "}}";

bool valid_word_name(std::string_view name) {
  if (name.empty() || name.size() > limits::kMaxVocabularyNameBytes || name[0] < 'A' ||
      name[0] > 'Z') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Expected<Vocabulary> read_vocabulary(const json& family, std::string_view file) {
  Vocabulary words;
  const auto it = family.find("vocabulary");
  if (it == family.end()) return words;
  if (!it->is_object()) {
    return file_error(file, "field 'vocabulary' must be an object of NAME: regex fragment");
  }
  if (it->size() > limits::kMaxVocabularyWords) {
    return file_error(
        file, "vocabulary has more than " + std::to_string(limits::kMaxVocabularyWords) + " words");
  }
  for (const auto& [name, value] : it->items()) {
    if (!valid_word_name(name)) {
      return file_error(file, "vocabulary word '" + name +
                                  "' must be upper-case letters, digits and '_', starting with a "
                                  "letter, at most " +
                                  std::to_string(limits::kMaxVocabularyNameBytes) + " bytes");
    }
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
      return file_error(file, "vocabulary word '" + name + "' must be a non-empty string");
    }
    const auto& fragment = value.get_ref<const std::string&>();
    if (fragment.size() > limits::kMaxVocabularyWordBytes) {
      return file_error(file, "vocabulary word '" + name + "' is longer than " +
                                  std::to_string(limits::kMaxVocabularyWordBytes) + " bytes");
    }
    // One level only: a word that names another could hide a cycle or a blow-up.
    if (fragment.find(kWordOpen) != std::string::npos) {
      return file_error(file, "vocabulary word '" + name + "' must not name another word");
    }
    words.emplace(name, fragment);
  }
  return words;
}

// Writes out each {{NAME}} of `pattern` in place; returns the problem, if any, with `pattern`
// left as it was. The size is summed before anything is built, so a pattern that names a long
// word many times is refused without allocating it.
std::optional<std::string> write_out_words(std::string& pattern, const Vocabulary& words) {
  struct Use {
    std::size_t at;
    std::size_t length;  // of {{NAME}}
    const std::string* fragment;
  };
  std::vector<Use> uses;
  std::size_t size = pattern.size();
  std::size_t at = pattern.find(kWordOpen);
  while (at != std::string::npos) {
    const std::size_t close = pattern.find(kWordClose, at + kWordOpen.size());
    if (close == std::string::npos) return "'{{' is not closed by '}}'";
    const std::string_view name =
        std::string_view(pattern).substr(at + kWordOpen.size(), close - at - kWordOpen.size());
    const auto word = words.find(name);
    if (word == words.end()) return "unknown vocabulary word '" + std::string(name) + "'";
    const std::size_t length = close + kWordClose.size() - at;
    uses.push_back({at, length, &word->second});
    size = size - length + word->second.size();
    if (size > limits::kMaxExpandedPatternBytes) {
      return "is longer than " + std::to_string(limits::kMaxExpandedPatternBytes) +
             " bytes with its words written out";
    }
    at = pattern.find(kWordOpen, at + length);
  }
  if (uses.empty()) return std::nullopt;
  std::string out;
  out.reserve(size);
  std::size_t from = 0;
  for (const Use& use : uses) {
    out.append(pattern, from, use.at - from);
    out.append(*use.fragment);
    from = use.at + use.length;
  }
  out.append(pattern, from, std::string::npos);
  pattern = std::move(out);
  return std::nullopt;
}

Expected<Provision> parse_provision(const json& object, std::string_view family,
                                    std::string_view file, std::size_t index,
                                    const Vocabulary& words, bool compile_patterns) {
  const std::string fallback_name = "#" + std::to_string(index);
  if (!object.is_object()) return invalid(file, fallback_name, "a provision must be an object");
  std::string name = fallback_name;
  if (auto it = object.find("id"); it != object.end() && it->is_string()) {
    name = it->get<std::string>();
  }
  ProvisionReader reader(object, file, name);
  Provision p;
  p.file = std::string(file);
  p.family = std::string(family);
  p.id = reader.string("id", true);
  if (!reader.failed() && !valid_id(p.id, family)) {
    reader.fail("id must be '" + std::string(family) + ".<name>' using only [a-z0-9_.]");
  }
  p.kind = reader.choice<ProvisionKind>("kind",
                                        {{"pattern", ProvisionKind::kPattern},
                                         {"missing_protection", ProvisionKind::kMissingProtection}},
                                        false, ProvisionKind::kPattern);
  if (reader.failed()) return reader.error();
  const bool is_pattern = p.kind == ProvisionKind::kPattern;
  for (const auto& [key, value] : object.items()) {
    const bool known = is_pattern ? contains(kPatternFields, key) : contains(kMissingFields, key);
    if (!known) reader.fail("unknown field '" + key + "'");
  }
  p.title = reader.string("title", true);
  p.polarity = reader.choice<Polarity>(
      "polarity", {{"risk", Polarity::kRisk}, {"protection", Polarity::kProtection}}, true,
      Polarity::kRisk);
  p.severity = reader.choice<Severity>("severity",
                                       {{"critical", Severity::kCritical},
                                        {"warning", Severity::kWarning},
                                        {"caution", Severity::kCaution},
                                        {"info", Severity::kInfo}},
                                       true, Severity::kInfo);
  p.severity_reason = reader.string("severity_reason", true);
  auto doc_types = reader.strings("doc_types", true);
  if (!reader.failed()) {
    if (std::find(doc_types.begin(), doc_types.end(), "*") != doc_types.end()) {
      if (doc_types.size() != 1) reader.fail("doc_types: \"*\" must stand alone");
    } else {
      const auto& known = known_doc_types();
      for (const auto& type : doc_types) {
        if (std::find(known.begin(), known.end(), type) == known.end()) {
          reader.fail("doc_types: unknown document type '" + type +
                      "' (use OTA's terms types or \"*\")");
        }
      }
      p.doc_types = std::move(doc_types);
    }
  }
  if (p.kind == ProvisionKind::kPattern) {
    p.patterns = reader.strings("patterns", true);
    p.unless = reader.strings("unless", false, true);
    for (auto [list, field] :
         {std::pair{&p.patterns, "patterns"}, std::pair{&p.unless, "unless"}}) {
      for (std::size_t i = 0; i < list->size() && !reader.failed(); ++i) {
        if (auto problem = write_out_words((*list)[i], words)) {
          reader.fail(std::string(field) + "[" + std::to_string(i) + "] " + *problem);
        }
      }
    }
    if (compile_patterns) {
      reader.regexes(p.patterns, "patterns");
      reader.regexes(p.unless, "unless");
    }
  } else {
    p.when_present = reader.strings("when_present", true);
    p.when_absent = reader.strings("when_absent", true);
  }
  p.reason = reader.string("reason", true);
  p.explanation = reader.string("explanation", true);
  if (auto it = object.find("references"); it == object.end()) {
    reader.fail("missing field 'references'");
  } else if (!it->is_array() || it->empty()) {
    reader.fail("field 'references' must be a non-empty array of {law, article}");
  } else {
    for (const auto& ref : *it) {
      if (!ref.is_object() || ref.size() != 2 || !ref.contains("law") || !ref.contains("article") ||
          !ref["law"].is_string() || !ref["article"].is_string() ||
          ref["law"].get_ref<const std::string&>().empty()) {
        reader.fail("each reference must be exactly {\"law\": \"...\", \"article\": \"...\"}");
        break;
      }
      p.references.push_back({ref["law"].get<std::string>(), ref["article"].get<std::string>()});
    }
  }
  p.claudette = reader.strings("claudette", false, true);
  for (const auto& label : p.claudette) {
    if (!contains(kClaudetteLabels, label)) {
      reader.fail("claudette: unknown label '" + label + "' (A CH CR J LAW LTD TER USE)");
    }
  }
  if (auto it = object.find("tosdr_cases"); it != object.end()) {
    if (!it->is_array())
      reader.fail("field 'tosdr_cases' must be an array of case ids");
    else {
      for (const auto& id : *it) {
        if (!id.is_number_integer() || id.get<std::int64_t>() <= 0) {
          reader.fail("tosdr_cases must hold positive integers");
          break;
        }
        p.tosdr_cases.push_back(id.get<int>());
      }
    }
  }
  if (auto error =
          read_examples(object, reader, file, name, p.examples_match, p.examples_no_match)) {
    return *error;
  }
  if (reader.failed()) return reader.error();
  return p;
}

Error file_error(std::string_view file, const std::string& detail) {
  return invalid(file, "(file)", detail);
}

constexpr std::array<std::string_view, 4> kScopeFields{"id", "label", "patterns", "examples"};

// "region.california": lower-case words joined by dots.
bool valid_scope_id(std::string_view id) {
  if (id.empty() || id.front() == '.' || id.back() == '.' || id.find("..") != id.npos) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
}

Expected<Scope> parse_scope(const json& object, std::string_view file, std::size_t index,
                            bool compile_patterns) {
  std::string name = "#" + std::to_string(index);
  if (!object.is_object()) return invalid(file, name, "a scope must be an object");
  if (auto it = object.find("id"); it != object.end() && it->is_string()) {
    name = it->get<std::string>();
  }
  ProvisionReader reader(object, file, name);
  for (const auto& [key, value] : object.items()) {
    if (!contains(kScopeFields, key)) reader.fail("unknown field '" + key + "'");
  }
  Scope scope;
  scope.file = std::string(file);
  scope.id = reader.string("id", true);
  if (!reader.failed() && !valid_scope_id(scope.id)) {
    reader.fail("id must be dotted lower-case words such as 'region.california' ([a-z0-9_.])");
  }
  scope.label = reader.string("label", true);
  if (scope.label.size() > limits::kMaxScopeLabelBytes) {
    reader.fail("label is longer than " + std::to_string(limits::kMaxScopeLabelBytes) + " bytes");
  }
  scope.patterns = reader.strings("patterns", true);
  if (scope.patterns.size() > limits::kMaxScopePatterns) {
    reader.fail("more than " + std::to_string(limits::kMaxScopePatterns) + " patterns");
  }
  if (compile_patterns && !reader.failed()) reader.regexes(scope.patterns, "patterns");
  if (!reader.failed()) {
    if (auto error = read_examples(object, reader, file, name, scope.examples_match,
                                   scope.examples_no_match)) {
      return *error;
    }
  }
  if (reader.failed()) return reader.error();
  return scope;
}

// The "scopes" array of a scopes file or of a pack blob.
Expected<std::vector<Scope>> parse_scope_list(const json& list, std::string_view file,
                                              bool compile_patterns) {
  if (!list.is_array()) return file_error(file, "field 'scopes' must be an array");
  if (list.size() > limits::kMaxRulePackScopes) {
    return file_error(file, "more than " + std::to_string(limits::kMaxRulePackScopes) + " scopes");
  }
  std::vector<Scope> out;
  std::set<std::string, std::less<>> ids;
  std::size_t index = 0;
  for (const auto& object : list) {
    auto scope = parse_scope(object, file, index++, compile_patterns);
    if (!scope) return scope.error();
    if (!ids.insert(scope->id).second) {
      return invalid(file, scope->id, "duplicate id '" + scope->id + "'");
    }
    out.push_back(std::move(*scope));
  }
  return out;
}

constexpr std::string_view kScopesFile = "scopes.json";

bool is_family_file(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  const std::string_view schema = ".schema.json";
  const bool is_schema =
      name.size() >= schema.size() &&
      name.compare(name.size() - schema.size(), schema.size(), schema.data(), schema.size()) == 0;
  return path.extension() == ".json" && !is_schema && name != kScopesFile;
}

// `dir`/scopes.json read and checked as a file ({"format": 1, "scopes": [...]}); null if absent.
Expected<json> read_scopes_file(const std::filesystem::path& dir) {
  const auto path = dir / kScopesFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return json(nullptr);
  auto text = read_file_bounded(path, limits::kMaxRulePackBytes);
  if (!text) return text.error();
  auto parsed = parse_bounded_json(*text);
  if (!parsed) return file_error(path.string(), parsed.error().message);
  return std::move(*parsed);
}

Expected<RulePack> finish_pack(std::vector<Provision> provisions, std::vector<std::string> families,
                               std::vector<Scope> scopes, std::int64_t version,
                               std::string source) {
  std::set<std::string, std::less<>> ids;
  for (const auto& p : provisions) {
    if (!ids.insert(p.id).second) return invalid(p.file, p.id, "duplicate id '" + p.id + "'");
  }
  for (const auto& p : provisions) {
    for (const auto* list : {&p.when_present, &p.when_absent}) {
      for (const auto& id : *list) {
        if (ids.find(id) == ids.end()) {
          return invalid(p.file, p.id, "refers to unknown rule '" + id + "'");
        }
        if (id == p.id) return invalid(p.file, p.id, "refers to itself");
      }
    }
  }
  if (provisions.size() > limits::kMaxRulePackProvisions) {
    return file_error(
        source, "more than " + std::to_string(limits::kMaxRulePackProvisions) + " provisions");
  }
  RulePack pack;
  pack.version = version;
  pack.families = std::move(families);
  pack.provisions = std::move(provisions);
  pack.scopes = std::move(scopes);
  pack.source = std::move(source);
  return pack;
}

struct FamilyFile {
  std::string name;
  json content;
  std::string path;
};

Expected<std::vector<FamilyFile>> read_family_files(const std::filesystem::path& dir,
                                                    std::int64_t& version) {
  std::vector<std::filesystem::path> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto& path = entry.path();
    if (entry.is_regular_file() && is_family_file(path)) {
      paths.push_back(path);
    }
  }
  if (ec) {
    return Error::make(ErrorCode::IO_ERROR, {{"path", dir.string()}, {"detail", ec.message()}});
  }
  std::sort(paths.begin(), paths.end());
  const auto version_path = dir / "VERSION";
  auto version_text = read_file_bounded(version_path, 64);
  if (!version_text) return version_text.error();
  try {
    std::size_t used = 0;
    version = std::stoll(*version_text, &used);
    if (version <= 0) throw std::invalid_argument("not positive");
  } catch (const std::exception&) {
    return file_error(version_path.string(), "VERSION must hold a positive integer");
  }
  std::vector<FamilyFile> files;
  for (const auto& path : paths) {
    auto text = read_file_bounded(path, limits::kMaxRulePackBytes);
    if (!text) return text.error();
    auto parsed = parse_bounded_json(*text);
    if (!parsed) return file_error(path.string(), parsed.error().message);
    if (!parsed->is_object() || !parsed->contains("family") || !(*parsed)["family"].is_string()) {
      return file_error(path.string(), "missing field 'family'");
    }
    files.push_back({(*parsed)["family"].get<std::string>(), std::move(*parsed), path.string()});
  }
  std::sort(files.begin(), files.end(),
            [](const FamilyFile& a, const FamilyFile& b) { return a.name < b.name; });
  return files;
}

}  // namespace

bool Provision::applies_to(std::string_view doc_type) const {
  if (doc_types.empty() || doc_type.empty()) return true;
  return std::find(doc_types.begin(), doc_types.end(), doc_type) != doc_types.end();
}

std::vector<std::string> Provision::labels() const {
  std::vector<std::string> out = claudette;
  for (int case_id : tosdr_cases) out.push_back("tosdr:" + std::to_string(case_id));
  return out;
}

const Provision* RulePack::find(std::string_view id) const {
  for (const auto& p : provisions) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const std::vector<std::string>& known_doc_types() {
  static const std::vector<std::string> kTypes{"Terms of Service",
                                               "Privacy Policy",
                                               "Imprint",
                                               "Trackers Policy",
                                               "Developer Terms",
                                               "Community Guidelines",
                                               "Deceased Users",
                                               "Acceptable Use Policy",
                                               "Restricted Use Policy",
                                               "Commercial Terms",
                                               "Copyright Claims Policy",
                                               "Law Enforcement Guidelines",
                                               "Human Rights Policy",
                                               "In-App Purchases Policy",
                                               "Review Guidelines",
                                               "Brand Guidelines",
                                               "Quality Guidelines",
                                               "Data Controller Agreement",
                                               "Data Processor Agreement",
                                               "User Consent Policy",
                                               "Closed Captioning Policy",
                                               "Seller Warranty",
                                               "Single Sign-On Policy",
                                               "Vulnerability Disclosure Policy",
                                               "Live Policy",
                                               "Complaints Policy",
                                               "Conditions of Carriage",
                                               "General Conditions of Sale",
                                               "Marketplace Buyers Conditions",
                                               "Marketplace Sellers Conditions",
                                               "Ranking Parameters Description",
                                               "Premium Partner Conditions",
                                               "Platform to Business Notice",
                                               "Business Mediation Policy",
                                               "Business Privacy Policy",
                                               "Editorial Policy",
                                               "Anti-corruption Policy",
                                               "Accessibility Statement",
                                               "Hyperlinks Policy",
                                               "Whistleblower Policy",
                                               "Affiliate Agreement",
                                               "Service Level Agreement",
                                               "Content Monetisation Policy",
                                               "Advertising Content Policy"};
  return kTypes;
}

namespace {

// A word-model term: one or two words of [a-z0-9] (an apostrophe between letters kept), joined by
// one space, as engine/word_model.h reads a sentence.
bool valid_term(std::string_view term) {
  if (term.empty() || term.size() > limits::kMaxWordModelTermBytes) return false;
  std::size_t words = 0;
  std::size_t at = 0;
  while (at < term.size()) {
    const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(term[at])) return false;
    while (at < term.size() && alnum(term[at])) ++at;
    if (at + 1 < term.size() && term[at] == '\'' && term[at + 1] >= 'a' && term[at + 1] <= 'z') {
      ++at;
      while (at < term.size() && term[at] >= 'a' && term[at] <= 'z') ++at;
    }
    ++words;
    if (at == term.size()) break;
    if (term[at] != ' ' || at + 1 == term.size()) return false;
    ++at;
  }
  return words <= 2;
}

// The family's "word_model" ({"rules": {id: {"bias", "threshold", "terms": [...], "weights":
// [...]}}}), given to the provisions it names. Terms and weights are parallel lists rather than
// one object: a host start then parses no map of some 20,000 keys. Terms are in ascending byte
// order, which proves them distinct in one pass. The number of weights is checked before any is
// copied.
std::optional<Error> read_word_model(const json& family, std::string_view file,
                                     std::vector<Provision>& provisions) {
  const auto it = family.find("word_model");
  if (it == family.end()) return std::nullopt;
  const json& model = *it;
  if (!model.is_object()) return file_error(file, "field 'word_model' must be an object");
  for (const auto& [key, value] : model.items()) {
    if (key != "rules" && key != "$comment") {
      return file_error(file, "word_model: unknown field '" + key + "'");
    }
  }
  const auto rules = model.find("rules");
  if (rules == model.end() || !rules->is_object()) {
    return file_error(file, "word_model: missing field 'rules' (an object of rule id: model)");
  }
  std::size_t total = 0;
  for (const auto& [id, object] : rules->items()) {
    // A plain name for `id`, for the lambda: clang before 16 cannot capture a structured binding.
    const std::string& rule = id;
    auto provision = std::find_if(provisions.begin(), provisions.end(),
                                  [&rule](const Provision& p) { return p.id == rule; });
    if (provision == provisions.end() || provision->kind != ProvisionKind::kPattern) {
      return invalid(file, id, "word_model names a rule that is not a pattern rule of this family");
    }
    if (!object.is_object()) return invalid(file, id, "its word model must be an object");
    for (const auto& [key, value] : object.items()) {
      if (key != "bias" && key != "threshold" && key != "terms" && key != "weights") {
        return invalid(file, id, "word model: unknown field '" + key + "'");
      }
    }
    const auto finite = [](const json& value) {
      return value.is_number() && std::isfinite(value.get<double>()) &&
             std::abs(value.get<double>()) <= 1e6;
    };
    const auto bias = object.find("bias");
    const auto threshold = object.find("threshold");
    if (bias == object.end() || threshold == object.end() || !finite(*bias) ||
        !finite(*threshold)) {
      return invalid(file, id, "word model: 'bias' and 'threshold' must be finite numbers");
    }
    const auto terms = object.find("terms");
    const auto weights = object.find("weights");
    if (terms == object.end() || weights == object.end() || !terms->is_array() ||
        !weights->is_array() || terms->empty() || terms->size() != weights->size()) {
      return invalid(file, id,
                     "word model: 'terms' and 'weights' must be lists of the same length");
    }
    total += weights->size();
    if (total > limits::kMaxWordModelWeights) {
      return file_error(file, "word_model: more than " +
                                  std::to_string(limits::kMaxWordModelWeights) + " weights");
    }
    WordModel words;
    words.bias = bias->get<double>();
    words.threshold = threshold->get<double>();
    words.weights.reserve(weights->size());
    for (std::size_t k = 0; k < terms->size(); ++k) {
      const json& term = (*terms)[k];
      if (!term.is_string() || !valid_term(term.get_ref<const std::string&>())) {
        return invalid(file, id,
                       "word model: term " + term.dump().substr(0, 80) +
                           " is not one or two lower-case words of [a-z0-9']");
      }
      const std::string& text = term.get_ref<const std::string&>();
      if (k > 0 && !(words.weights.back().first < text)) {
        return invalid(file, id,
                       "word model: term '" + text +
                           "' is out of order or repeated (terms are "
                           "in ascending byte order)");
      }
      if (!finite((*weights)[k])) {
        return invalid(file, id, "word model: the weight of '" + text + "' is not a finite number");
      }
      words.weights.emplace_back(text, static_cast<float>((*weights)[k].get<double>()));
    }
    provision->words = std::move(words);
  }
  return std::nullopt;
}

}  // namespace

Expected<std::vector<Provision>> parse_family(const json& family, std::string_view file,
                                              bool compile_patterns) {
  if (!family.is_object()) return file_error(file, "a family file must be a JSON object");
  for (const auto& [key, value] : family.items()) {
    if (key != "format" && key != "family" && key != "provisions" && key != "vocabulary" &&
        key != "word_model" && key != "$comment") {
      return file_error(file, "unknown field '" + key + "'");
    }
  }
  if (!family.contains("format") || !family["format"].is_number_integer()) {
    return file_error(file, "missing field 'format'");
  }
  if (family["format"].get<int>() != kRulePackFormat) {
    return file_error(file, "format " + family["format"].dump() +
                                " is not supported (this build reads format 1)");
  }
  if (!family.contains("family") || !family["family"].is_string()) {
    return file_error(file, "missing field 'family'");
  }
  const auto name = family["family"].get<std::string>();
  if (name.empty() || !std::all_of(name.begin(), name.end(),
                                   [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; })) {
    return file_error(file, "family must be a lower-case name");
  }
  if (!family.contains("provisions") || !family["provisions"].is_array()) {
    return file_error(file, "missing field 'provisions' (an array)");
  }
  auto words = read_vocabulary(family, file);
  if (!words) return words.error();
  std::vector<Provision> out;
  std::size_t index = 0;
  for (const auto& object : family["provisions"]) {
    auto provision = parse_provision(object, name, file, index++, *words, compile_patterns);
    if (!provision) return provision.error();
    out.push_back(std::move(*provision));
  }
  if (auto error = read_word_model(family, file, out)) return *error;
  return out;
}

Expected<std::vector<Scope>> parse_scopes(const json& scopes, std::string_view file,
                                          bool compile_patterns) {
  if (!scopes.is_object()) return file_error(file, "a scopes file must be a JSON object");
  for (const auto& [key, value] : scopes.items()) {
    if (key != "format" && key != "scopes" && key != "$comment") {
      return file_error(file, "unknown field '" + key + "'");
    }
  }
  if (!scopes.contains("format") || scopes["format"] != kRulePackFormat) {
    return file_error(file, "missing or unsupported 'format' (this build reads format 1)");
  }
  if (!scopes.contains("scopes")) return file_error(file, "missing field 'scopes' (an array)");
  return parse_scope_list(scopes["scopes"], file, compile_patterns);
}

Expected<RulePack> load_rules_dir(const std::filesystem::path& dir) {
  std::int64_t version = 0;
  auto files = read_family_files(dir, version);
  if (!files) return files.error();
  std::vector<Provision> provisions;
  std::vector<std::string> families;
  for (const auto& file : *files) {
    if (std::find(families.begin(), families.end(), file.name) != families.end()) {
      return file_error(file.path, "family '" + file.name + "' is defined by two files");
    }
    auto parsed = parse_family(file.content, file.path);
    if (!parsed) return parsed.error();
    families.push_back(file.name);
    for (auto& p : *parsed) provisions.push_back(std::move(p));
  }
  auto scopes_file = read_scopes_file(dir);
  if (!scopes_file) return scopes_file.error();
  std::vector<Scope> scopes;
  if (!scopes_file->is_null()) {
    auto parsed = parse_scopes(*scopes_file, (dir / kScopesFile).string());
    if (!parsed) return parsed.error();
    scopes = std::move(*parsed);
  }
  return finish_pack(std::move(provisions), std::move(families), std::move(scopes), version,
                     dir.string());
}

Expected<std::string> canonical_blob_from_dir(const std::filesystem::path& dir) {
  std::int64_t version = 0;
  auto files = read_family_files(dir, version);
  if (!files) return files.error();
  json blob{{"format", kRulePackFormat}, {"version", version}, {"families", json::array()}};
  for (auto& file : *files) {
    file.content.erase("$comment");
    blob["families"].push_back(std::move(file.content));
  }
  auto scopes_file = read_scopes_file(dir);
  if (!scopes_file) return scopes_file.error();
  if (!scopes_file->is_null()) {
    // Checked as a file here, since the blob keeps only its list (format and comment dropped).
    auto parsed = parse_scopes(*scopes_file, (dir / kScopesFile).string());
    if (!parsed) return parsed.error();
    blob["scopes"] = std::move((*scopes_file)["scopes"]);
  }
  return blob.dump();
}

Expected<RulePack> parse_pack_blob(std::string_view blob, std::string_view source,
                                   bool compile_patterns) {
  if (blob.size() > limits::kMaxRulePackBytes) {
    return file_error(source,
                      "larger than " + std::to_string(limits::kMaxRulePackBytes) + " bytes");
  }
  auto parsed = parse_bounded_json(blob);
  if (!parsed) return file_error(source, parsed.error().message);
  const json& root = *parsed;
  if (!root.is_object()) return file_error(source, "a pack must be a JSON object");
  for (const auto& [key, value] : root.items()) {
    if (key != "format" && key != "version" && key != "families" && key != "scopes") {
      return file_error(source, "unknown field '" + key + "'");
    }
  }
  if (!root.contains("format") || root["format"] != kRulePackFormat) {
    return file_error(source, "missing or unsupported 'format' (this build reads format 1)");
  }
  if (!root.contains("version") || !root["version"].is_number_integer() ||
      root["version"].get<std::int64_t>() <= 0) {
    return file_error(source, "missing field 'version' (a positive integer)");
  }
  if (!root.contains("families") || !root["families"].is_array()) {
    return file_error(source, "missing field 'families' (an array)");
  }
  std::vector<Provision> provisions;
  std::vector<std::string> families;
  for (const auto& family : root["families"]) {
    auto parsed_family = parse_family(family, source, compile_patterns);
    if (!parsed_family) return parsed_family.error();
    const auto name = family["family"].get<std::string>();
    if (std::find(families.begin(), families.end(), name) != families.end()) {
      return file_error(source, "family '" + name + "' appears twice");
    }
    families.push_back(name);
    for (auto& p : *parsed_family) provisions.push_back(std::move(p));
  }
  std::vector<Scope> scopes;
  if (auto it = root.find("scopes"); it != root.end()) {
    auto listed = parse_scope_list(*it, source, compile_patterns);
    if (!listed) return listed.error();
    scopes = std::move(*listed);
  }
  return finish_pack(std::move(provisions), std::move(families), std::move(scopes),
                     root["version"].get<std::int64_t>(), std::string(source));
}

}  // namespace cw::engine
