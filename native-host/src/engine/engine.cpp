#include "engine/engine.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <utility>

#include <re2/re2.h>
#include <re2/set.h>

#include "common/limits.h"
#include "common/work_pool.h"
#include "engine/literal_prefilter.h"
#include "engine/word_model.h"
#include "text/normalize.h"
#include "text/scan_mask.h"
#include "text/segment.h"

namespace cw::engine {

namespace {

// One `unless` pattern of a provision, its RE2 built once on first use. Each has its own RE2 and
// its own literals rather than one alternation per provision: a sentence then compiles and runs
// only the alternatives whose words it holds (one rule's alternation was up to 5 KB of pattern,
// compiled whole by the first sentence the rule matched).
struct LazyUnless {
  std::string pattern;
  std::once_flag once;
  std::atomic<bool> done{false};  // set once `re` or `error` is final
  std::unique_ptr<RE2> re;
  std::string error;
};

// A provision's rule text, which all its findings share.
std::shared_ptr<RuleText> rule_text_of(const Provision& p) {
  auto text = std::make_shared<RuleText>();
  text->rule_id = p.id;
  text->family = p.family;
  text->title = p.title;
  text->polarity = p.polarity;
  text->severity = p.severity;
  text->reason = p.reason;
  text->explanation = p.explanation;
  text->references = p.references;
  text->labels = p.labels();
  text->missing_protection = p.kind == ProvisionKind::kMissingProtection;
  return text;
}

}  // namespace

struct Engine::Impl {
  RulePack pack;
  PatternSet::Options options;
  PatternSet set;
  std::vector<std::size_t> pattern_rule;  // PatternSet index -> provision index
  std::deque<LazyUnless> unless;          // every provision's, provision by provision
  std::vector<std::size_t> unless_begin;  // provision r's are unless[unless_begin[r] .. [r + 1])
  // The literals each `unless` pattern requires: a sentence without them cannot match it, so its
  // RE2 is not run (most matched sentences). Built by unless_filter() when first needed (a
  // sentence a rule with `unless` patterns matched) or, with kNow, by prepare(): a host answering
  // a ping or rules.info never needs it, and it was a fifth of the start-up work.
  LiteralPrefilter unless_filter_;
  // Literals computed at build time, by pattern text; dropped once both filters are built.
  std::optional<LiteralTable> known;
  std::atomic<std::size_t> literals_from_table{0};
  std::once_flag unless_filter_once;
  std::atomic<bool> unless_filter_built{false};
  std::vector<std::size_t> missing_rules;  // provisions of kind missing_protection
  // The provisions' word models, built when a sentence first needs them (word_scorer()): a host
  // answering a ping never does, and building the table is a few milliseconds of a start.
  WordScorer words_;
  std::once_flag words_once;
  // Per provision, the rule text its findings share.
  std::vector<std::shared_ptr<RuleText>> rule_texts;
  // Scopes: every pattern of every scope in one RE2::Set (one pass per sentence), built by
  // build_scopes() with the other patterns (kNow) or when a page first needs it (kOnFirstUse).
  std::unique_ptr<RE2::Set> scope_set;
  std::vector<std::size_t> scope_of_pattern;                  // RE2::Set index -> scope index
  std::vector<std::shared_ptr<const ScopeText>> scope_texts;  // per scope, shared by findings
  std::once_flag scopes_once;
  std::optional<Error> scopes_error;
  std::optional<Error> prepare_error;
  std::once_flag compiled_all;
  std::optional<Error> compile_error;
  std::atomic<bool> stop{false};
  std::thread background;

  ~Impl() {
    stop.store(true);
    if (background.joinable()) background.join();
  }

  // Builds the literal prefilter and, unless compilation is deferred, every RE2. Called once.
  std::optional<Error> prepare() {
    PatternSet::Options set_options = options;
    set_options.first_of_group = true;  // a rule's patterns are alternatives: one match is enough
    set = PatternSet(set_options);
    rule_texts.reserve(pack.provisions.size());
    for (std::size_t r = 0; r < pack.provisions.size(); ++r) {
      const Provision& p = pack.provisions[r];
      rule_texts.push_back(rule_text_of(p));
      unless_begin.push_back(unless.size());
      if (p.kind == ProvisionKind::kMissingProtection) {
        missing_rules.push_back(r);
        continue;
      }
      for (const auto& pattern : p.patterns) {
        std::string error;
        const int index = set.Add(text::scan_pattern(pattern), &error, static_cast<int>(r));
        if (index < 0) {
          return Error::make(ErrorCode::PATTERN_ERROR,
                             {{"detail", "rule '" + p.id + "': " + error}});
        }
        if (pattern_rule.size() <= static_cast<std::size_t>(index)) {
          pattern_rule.resize(static_cast<std::size_t>(index) + 1);
        }
        pattern_rule[static_cast<std::size_t>(index)] = r;
      }
      for (const auto& each : p.unless) {
        const std::size_t u = unless.size();
        unless.emplace_back().pattern = text::scan_pattern(each);
        if (!options.defer_compile && unless_regex(u) == nullptr) return unless_error(u);
      }
    }
    unless_begin.push_back(unless.size());
    if (!options.defer_compile) {
      (void)unless_filter();
      if (auto error = build_scopes()) return error;
    }
    if (known && known->min_len() != static_cast<std::size_t>(options.min_atom_len)) known.reset();
    std::size_t from_table = 0;
    auto lookup = [&](std::string_view pattern) -> const RequiredLiterals* {
      const RequiredLiterals* found = known ? known->match(pattern) : nullptr;
      from_table += found != nullptr ? 1 : 0;
      return found;
    };
    std::string error;
    if (!set.Compile(&error, lookup, known ? known->match_automaton() : std::string_view())) {
      return Error::make(ErrorCode::PATTERN_ERROR, {{"detail", error}});
    }
    literals_from_table += from_table;
    if (unless_filter_built.load()) known.reset();
    return std::nullopt;
  }

  // Compiles the scope patterns once; the error (a pattern that does not compile) is kept.
  std::optional<Error> build_scopes() {
    std::call_once(scopes_once, [this] { scopes_error = compile_scopes(); });
    return scopes_error;
  }
  std::optional<Error> compile_scopes() {
    if (pack.scopes.empty()) return std::nullopt;
    RE2::Options re_options;
    re_options.set_log_errors(false);
    auto set_of_scopes = std::make_unique<RE2::Set>(re_options, RE2::UNANCHORED);
    for (std::size_t s = 0; s < pack.scopes.size(); ++s) {
      const Scope& scope = pack.scopes[s];
      scope_texts.push_back(std::make_shared<const ScopeText>(ScopeText{scope.id, scope.label}));
      for (const auto& pattern : scope.patterns) {
        std::string error;
        if (set_of_scopes->Add(text::scan_pattern(pattern), &error) < 0) {
          return Error::make(ErrorCode::PATTERN_ERROR,
                             {{"detail", "scope '" + scope.id + "': " + error}});
        }
        scope_of_pattern.push_back(s);
      }
    }
    if (!set_of_scopes->Compile()) {
      return Error::make(ErrorCode::PATTERN_ERROR,
                         {{"detail", "the scope patterns ran out of memory when compiled"}});
    }
    scope_set = std::move(set_of_scopes);
    return std::nullopt;
  }

  // The scopes one of whose patterns matches `scan_text` (a sentence as the rules scan it), in
  // pack order. None when the pack has no scopes, or when the match runs out of memory: a scope
  // only adds to a finding, so the page's findings are still reported without it.
  void scopes_in(std::string_view scan_text, std::vector<int>& out) const {
    out.clear();
    if (!scope_set) return;
    const re2::StringPiece piece(scan_text.data(), scan_text.size());
    // Most sentences name no one: asking only whether any pattern matches stops at the first match
    // and allocates nothing, where asking which ones allocates and runs to the end of the text.
    if (!scope_set->Match(piece, nullptr)) return;
    thread_local std::vector<int> patterns;
    if (!scope_set->Match(piece, &patterns)) return;
    for (int i : patterns)
      out.push_back(static_cast<int>(scope_of_pattern[static_cast<std::size_t>(i)]));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  // The first scope that matches `scan_text`; -1 if none.
  int first_scope(std::string_view scan_text) const {
    thread_local std::vector<int> found;
    scopes_in(scan_text, found);
    return found.empty() ? -1 : found.front();
  }

  const WordScorer& word_scorer() {
    std::call_once(words_once, [this] { words_ = WordScorer(pack); });
    return words_;
  }

  const LiteralPrefilter& unless_filter() {
    if (unless_filter_built.load(std::memory_order_acquire)) return unless_filter_;
    std::call_once(unless_filter_once, [this] {
      std::vector<RequiredLiterals> unless_literals;
      unless_literals.reserve(unless.size());
      // One clause each: the filter only spares most matched sentences an RE2 run, and a smaller
      // automaton is quicker to build.
      std::size_t from_table = 0;
      for (const auto& u : unless) {
        const RequiredLiterals* given = known ? known->unless(u.pattern) : nullptr;
        from_table += given != nullptr ? 1 : 0;
        unless_literals.push_back(given != nullptr ? *given
                                                   : anchor_clause(required_literals(u.pattern)));
      }
      literals_from_table += from_table;
      if (set.compiled()) known.reset();  // prepare() is done with it
      unless_filter_ = LiteralPrefilter(unless_literals);
      unless_filter_built.store(true, std::memory_order_release);
    });
    return unless_filter_;
  }

  // The RE2 of unless[i] (compiled on first use); null if it does not compile (unless_error says
  // why).
  const RE2* unless_regex(std::size_t i) {
    LazyUnless& u = unless[i];
    if (u.done.load(std::memory_order_acquire)) return u.re.get();  // without call_once's set-up
    std::call_once(u.once, [&u] {
      RE2::Options re_options;
      re_options.set_log_errors(false);
      auto re = std::make_unique<RE2>(u.pattern, re_options);
      if (re->ok()) {
        u.re = std::move(re);
      } else {
        u.error = re->error();
      }
      u.done.store(true, std::memory_order_release);
    });
    return u.re.get();
  }
  // Whether one of provision r's `unless` patterns matches `sentence` (as the rules scan it);
  // `candidates`: the sorted `unless` patterns whose literals the sentence holds.
  Expected<bool> cancelled(std::string_view sentence, std::size_t r,
                           const std::vector<int>& candidates) {
    const auto first = static_cast<int>(unless_begin[r]);
    const auto end = static_cast<int>(unless_begin[r + 1]);
    for (auto u = std::lower_bound(candidates.begin(), candidates.end(), first);
         u != candidates.end() && *u < end; ++u) {
      const RE2* re = unless_regex(static_cast<std::size_t>(*u));
      if (re == nullptr) return unless_error(static_cast<std::size_t>(*u));
      if (RE2::PartialMatch(re2::StringPiece(sentence.data(), sentence.size()), *re)) return true;
    }
    return false;
  }
  Error unless_error(std::size_t i) const {
    // The provision that owns unless[i]: the last one starting at or before it.
    const auto r = static_cast<std::size_t>(
        std::upper_bound(unless_begin.begin(), unless_begin.end(), i) - unless_begin.begin() - 1);
    return Error::make(ErrorCode::PATTERN_ERROR, {{"detail", "rule '" + pack.provisions[r].id +
                                                                 "' unless: " + unless[i].error}});
  }

  // Every RE2 of the pack, now (deferred ones included). Stops early when `stop` is set.
  std::optional<Error> compile_all() {
    std::string error;
    if (!set.CompileAll(&error, &stop)) {
      // Name the rule: "pattern N: ..." -> the provision of pattern N.
      std::size_t index = 0;
      if (error.rfind("pattern ", 0) == 0) index = std::stoul(error.substr(8));
      const std::string id =
          index < pattern_rule.size() ? pack.provisions[pattern_rule[index]].id : "?";
      return Error::make(ErrorCode::PATTERN_ERROR, {{"detail", "rule '" + id + "': " + error}});
    }
    (void)unless_filter();
    for (std::size_t i = 0; i < unless.size() && !stop.load(); ++i) {
      if (unless_regex(i) == nullptr) return unless_error(i);
    }
    return build_scopes();
  }
};

Engine::Engine() : impl_(std::make_unique<Impl>()) {}
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;
Engine::~Engine() = default;

Expected<Engine> Engine::compile(RulePack pack, PatternSet::Options options, When when,
                                 std::optional<LiteralTable> known) {
  Engine engine;
  engine.impl_->pack = std::move(pack);
  engine.impl_->known = std::move(known);
  options.defer_compile = when == When::kOnFirstUse;
  engine.impl_->options = options;
  if (auto error = engine.impl_->prepare()) return *error;
  return engine;
}

Status Engine::ensure_compiled() const {
  Impl& impl = *impl_;
  std::call_once(impl.compiled_all, [&impl] { impl.compile_error = impl.compile_all(); });
  if (impl.compile_error) return *impl.compile_error;
  return ok_status();
}

void Engine::compile_in_background() {
  Impl& impl = *impl_;
  if (!impl.options.defer_compile || impl.background.joinable()) return;
  impl.background = std::thread([&impl] {
    (void)impl.set.CompileAll(nullptr, &impl.stop);
    if (!impl.stop.load()) (void)impl.build_scopes();  // else the first page builds them
  });
}

const RulePack& Engine::pack() const {
  return impl_->pack;
}
std::size_t Engine::literals_from_table() const {
  return impl_->literals_from_table.load();
}

std::size_t Engine::pattern_count() const {
  std::size_t count = 0;
  for (const auto& p : impl_->pack.provisions) count += p.patterns.size();
  return count;
}
const PatternSet& Engine::patterns() const {
  return impl_->set;
}

Error Engine::match_error(PatternSet::MatchError why) const {
  if (why == PatternSet::MatchError::kPatternError) {
    if (auto status = ensure_compiled(); !status) return status.error();
  }
  return Error::make(ErrorCode::PATTERN_ERROR, {{"detail", std::string(to_string(why))}});
}

Expected<std::vector<const Provision*>> Engine::match_sentence(std::string_view sentence,
                                                               std::string_view doc_type,
                                                               Detect detect) const {
  thread_local std::string masked;  // rules scan with in-word dots masked (text/scan_mask.h)
  const std::string_view scan = text::scan_view(sentence, masked);
  thread_local std::vector<int> hits;
  PatternSet::MatchError why = PatternSet::MatchError::kNone;
  if (!impl_->set.Match(scan, &hits, &why)) return match_error(why);
  auto found = provisions_of(scan, hits, doc_type);
  if (!found || detect == Detect::kPatternsOnly) return found;
  if (auto status = add_word_model_hits(sentence, scan, doc_type, &*found); !status) {
    return status.error();
  }
  return found;
}

Expected<std::vector<const Scope*>> Engine::scopes_matching(
    std::string_view normalized_sentence) const {
  if (auto error = impl_->build_scopes()) return *error;
  thread_local std::string masked;
  thread_local std::vector<int> found;
  impl_->scopes_in(text::scan_view(normalized_sentence, masked), found);
  std::vector<const Scope*> out;
  out.reserve(found.size());
  for (int s : found) out.push_back(&impl_->pack.scopes[static_cast<std::size_t>(s)]);
  return out;
}

Expected<std::vector<const Provision*>> Engine::provisions_of(
    std::string_view sentence, const std::vector<int>& hits, std::string_view doc_type,
    const std::vector<int>* unless_literals) const {
  std::vector<const Provision*> out;
  std::size_t previous = static_cast<std::size_t>(-1);
  thread_local std::vector<int> found_here;
  // `unless` patterns that may match: the caller's answer, or read below when first needed.
  const std::vector<int>& unless_candidates =
      unless_literals != nullptr ? *unless_literals : found_here;
  bool unless_read = unless_literals != nullptr;
  for (int hit : hits) {  // sorted, and a rule's patterns have adjacent indices
    const std::size_t r = impl_->pattern_rule[static_cast<std::size_t>(hit)];
    if (r == previous) continue;
    previous = r;
    const Provision& p = impl_->pack.provisions[r];
    if (!p.applies_to(doc_type)) continue;
    if (impl_->unless_begin[r] < impl_->unless_begin[r + 1] && !unless_read) {
      found_here.clear();
      impl_->unless_filter().candidates(sentence, &found_here);
      unless_read = true;
    }
    // The rule is cancelled if one of its `unless` patterns matches; only those whose literals
    // the sentence holds can.
    auto cancelled = impl_->cancelled(sentence, r, unless_candidates);
    if (!cancelled) return cancelled.error();
    if (*cancelled) continue;
    if (std::find(out.begin(), out.end(), &p) == out.end()) out.push_back(&p);
  }
  return out;
}

Status Engine::add_word_model_hits(std::string_view plain, std::string_view scan,
                                   std::string_view doc_type,
                                   std::vector<const Provision*>* out) const {
  const WordScorer& words = impl_->word_scorer();
  if (words.empty()) return ok_status();
  thread_local std::vector<std::size_t> fired;
  fired.clear();
  words.fire(plain, &fired);
  thread_local std::vector<int> unless_candidates;
  static const std::vector<int> kNoCandidates;
  bool unless_read = false;
  for (const std::size_t r : fired) {
    const Provision& p = impl_->pack.provisions[r];
    if (!p.applies_to(doc_type) || std::find(out->begin(), out->end(), &p) != out->end()) continue;
    if (!unless_read && impl_->unless_begin[r] < impl_->unless_begin[r + 1]) {
      unless_candidates.clear();
      impl_->unless_filter().candidates(scan, &unless_candidates);
      unless_read = true;
    }
    // A rule's `unless` patterns (its fair form, its negations) cancel its word model too.
    auto cancelled = impl_->cancelled(scan, r, unless_read ? unless_candidates : kNoCandidates);
    if (!cancelled) return cancelled.error();
    if (!*cancelled) out->push_back(&p);
  }
  return ok_status();
}

namespace {

// A sentence that grants a protection often names the risk it relieves ("you can opt out of our
// use of your chats for training"). When the risk also has a sentence of its own, that sentence is
// the better quote, so the shared one is dropped from the risk and kept by the protection. The
// pairs of risk and protection are the missing-protection rules' `when_present` / `when_absent`.
constexpr std::size_t kNoBlock = static_cast<std::size_t>(-1);

// For each block, the last heading block before it (kNoBlock if none): one pass, so naming the
// section of every finding stays linear in the page.
void index_heading_blocks(std::span<const PageBlock> blocks, std::vector<std::size_t>& out) {
  out.assign(blocks.size(), kNoBlock);
  std::size_t last = kNoBlock;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    out[i] = last;
    if (blocks[i].heading) last = i;
  }
}

// The heading nearest above a sentence: the last heading block before its block, or the Markdown
// heading that opens its section, whichever comes later in the page; cut to
// limits::kMaxFindingSectionBytes on a character boundary. Empty when the sentence has no heading
// above.
std::string section_of(const text::Sentence& sentence, std::size_t block,
                       std::span<const PageBlock> blocks,
                       const std::vector<std::size_t>& block_begin,
                       const std::vector<std::size_t>& heading_block_before,
                       const text::NormalizedText& normalized, const text::Segments& segments) {
  std::string_view heading;
  std::size_t heading_at = 0;
  if (const std::size_t i = heading_block_before[block]; i != kNoBlock) {
    heading = blocks[i].text;
    heading_at = block_begin[i];
  }
  if (sentence.section != text::kNoSection) {
    const text::ByteSpan span = segments.sections[sentence.section].heading;
    if (span.end > span.begin &&
        (heading.empty() || normalized.to_original(span).begin >= heading_at)) {
      heading = std::string_view(normalized.text).substr(span.begin, span.end - span.begin);
    }
  }
  while (!heading.empty() && std::isspace(static_cast<unsigned char>(heading.back())) != 0) {
    heading.remove_suffix(1);
  }
  if (heading.size() > limits::kMaxFindingSectionBytes) {
    std::size_t cut = limits::kMaxFindingSectionBytes;
    while (cut > 0 && (static_cast<unsigned char>(heading[cut]) & 0xC0U) == 0x80U) --cut;
    heading = heading.substr(0, cut);
  }
  return std::string(heading);
}

void drop_relieved_quotes(const RulePack& pack, const std::vector<std::size_t>& missing_rules,
                          std::vector<Finding>& findings) {
  for (std::size_t r : missing_rules) {
    const Provision& rule = pack.provisions[r];
    std::vector<std::pair<std::size_t, std::size_t>> protected_at;  // (block, start)
    for (const Finding& f : findings) {
      // Only a protection relieves: a rule may also list a risk that makes its warning redundant
      // ("changes without notice" for "no promise to tell you"), and that sentence stays a quote.
      if (f.rule().polarity == Polarity::kProtection &&
          std::find(rule.when_absent.begin(), rule.when_absent.end(), f.rule().rule_id) !=
              rule.when_absent.end()) {
        protected_at.emplace_back(f.block, f.start);
      }
    }
    if (protected_at.empty()) continue;
    std::sort(protected_at.begin(), protected_at.end());
    const auto shared = [&](const Finding& f) {
      return std::binary_search(protected_at.begin(), protected_at.end(),
                                std::pair{f.block, f.start});
    };
    for (const std::string& risk : rule.when_present) {
      bool own_sentence = false;
      for (const Finding& f : findings) {
        own_sentence = own_sentence || (f.rule().rule_id == risk && !shared(f));
      }
      if (!own_sentence) continue;
      std::erase_if(findings,
                    [&](const Finding& f) { return f.rule().rule_id == risk && shared(f); });
    }
  }
}

}  // namespace

namespace {

// One part of a page (a run of whole paragraphs, text::paragraph_ranges), segmented and matched on
// one of WorkPool's threads. Per sentence of the part: the text the rules scan, the rules that
// fire there and, where any fires, the first scope it names (-1: none).
struct PagePart {
  text::Segments segments;
  std::string masked;  // masked copies of its sentences, one after another; never reallocated
  std::vector<std::string_view> views;
  std::vector<std::vector<int>> hits;
  std::vector<std::vector<const Provision*>> provisions;
  std::vector<int> scope;
  std::optional<Error> error;
};

}  // namespace

Expected<std::vector<Finding>> Engine::analyze(std::span<const PageBlock> blocks,
                                               std::string_view doc_type,
                                               std::string* normalized_page, Detect detect) const {
  // The page is normalised once, as the text the archive hashes (blocks joined by a blank line,
  // see join_blocks), rather than block by block: one pass instead of one per block, and the
  // archive can reuse the result. A blank line is always a sentence boundary, so no sentence
  // spans two blocks.
  thread_local std::string joined;
  thread_local std::vector<std::size_t> block_begin;
  join_blocks(blocks, joined, block_begin);
  text::NormalizedText normalized = text::normalize(joined);  // its text is handed on at the end
  if (auto error = impl_->build_scopes()) return *error;
  // Everything a sentence needs on its own (segmenting, masking, matching, `unless`, scopes) runs
  // in parts of whole paragraphs on WorkPool's threads; naming blocks and sections, which needs
  // the page, runs after, for the few sentences a rule fired in.
  const std::size_t wanted = normalized.text.size() / limits::kMinMatchPartBytes;
  const std::vector<text::ByteSpan> ranges = text::paragraph_ranges(
      normalized.text, std::clamp<std::size_t>(wanted, 1, WorkPool::shared().threads()));
  // Kept between pages for their buffers; the parts reach it through a reference, since a worker
  // thread naming the thread_local itself would get its own, empty one.
  thread_local std::vector<PagePart> parts_of_page;
  std::vector<PagePart>& parts = parts_of_page;
  parts.resize(ranges.size());
  const auto run_part = [&](std::size_t p) {
    PagePart& part = parts[p];
    part.error.reset();
    part.segments = text::segment(normalized, ranges[p]);
    const std::size_t count = part.segments.sentences.size();
    // Every sentence as the rules scan it (text/scan_mask.h), then all of them matched together.
    thread_local std::string buffer;
    part.masked.clear();
    part.masked.reserve(ranges[p].end - ranges[p].begin);
    part.views.clear();
    for (const auto& sentence : part.segments.sentences) {
      const std::string_view plain(normalized.text.data() + sentence.span.begin,
                                   sentence.span.end - sentence.span.begin);
      const std::string_view view = text::scan_view(plain, buffer);
      if (view.data() == plain.data()) {
        part.views.push_back(view);
      } else {
        const std::size_t at = part.masked.size();
        part.masked.append(view);
        part.views.push_back(std::string_view(part.masked).substr(at, view.size()));
      }
    }
    PatternSet::MatchError why = PatternSet::MatchError::kNone;
    if (!impl_->set.MatchEach(part.views, &part.hits, &why, PatternSet::Split::kNone)) {
      part.error = match_error(why);
      return;
    }
    // The `unless` literals of the sentences a rule matched, scanned together (four in step).
    thread_local std::vector<std::string_view> matched_views;
    thread_local std::vector<std::vector<int>> unless_literals;
    matched_views.clear();
    for (std::size_t k = 0; k < count; ++k) {
      if (!part.hits[k].empty()) matched_views.push_back(part.views[k]);
    }
    if (!matched_views.empty())
      impl_->unless_filter().candidates_each(matched_views, &unless_literals);
    part.provisions.resize(count);
    part.scope.assign(count, -1);
    std::size_t matched_index = 0;
    for (std::size_t k = 0; k < count; ++k) {
      part.provisions[k].clear();
      if (!part.hits[k].empty()) {
        auto matched =
            provisions_of(part.views[k], part.hits[k], doc_type, &unless_literals[matched_index++]);
        if (!matched) {
          part.error = matched.error();
          return;
        }
        part.provisions[k] = std::move(*matched);
      }
      if (detect == Detect::kAll) {
        const text::ByteSpan span = part.segments.sentences[k].span;
        const std::string_view plain(normalized.text.data() + span.begin, span.end - span.begin);
        if (auto status = add_word_model_hits(plain, part.views[k], doc_type, &part.provisions[k]);
            !status) {
          part.error = status.error();
          return;
        }
      }
      // A scoping phrase in the sentence itself ("If you live in the EEA, ...") is the surest sign.
      if (!part.provisions[k].empty()) part.scope[k] = impl_->first_scope(part.views[k]);
    }
  };
  WorkPool::shared().run(parts.size(), run_part);
  text::Segments segments;
  for (PagePart& part : parts) {
    if (part.error) return *part.error;
    text::append_part(segments, std::move(part.segments));
  }
  // Sections repeat for every finding under one heading: the last one's scope is remembered.
  std::string last_section;
  int last_section_scope = -1;
  thread_local std::string section_masked;
  const auto section_scope = [&](const std::string& section) {
    if (section.empty()) return -1;
    if (section != last_section) {
      last_section = section;
      const std::string plain = text::normalize(section).text;
      last_section_scope = impl_->first_scope(text::scan_view(plain, section_masked));
    }
    return last_section_scope;
  };
  std::vector<Finding> findings;
  std::vector<Finding> heading_findings;
  thread_local std::vector<std::size_t> heading_block_before;
  index_heading_blocks(blocks, heading_block_before);
  std::unordered_set<std::string_view> found;
  std::size_t k = 0;  // the sentence's index in the page
  for (const PagePart& part : parts) {
    for (std::size_t in_part = 0; in_part < part.views.size(); ++in_part, ++k) {
      const std::vector<const Provision*>& matched = part.provisions[in_part];
      if (matched.empty()) continue;
      const auto& sentence = segments.sentences[k];
      const text::ByteSpan at = normalized.to_original(sentence.span);
      // The block that holds the sentence's start; the quote never runs past that block.
      auto b = static_cast<std::size_t>(
          std::upper_bound(block_begin.begin(), block_begin.end(), at.begin) - block_begin.begin() -
          1);
      std::size_t begin = at.begin;
      if (begin >= block_begin[b] + blocks[b].text.size() && b + 1 < blocks.size()) {
        // The start maps into the blank line that joins two blocks: a combining mark that opens a
        // block is grouped with the newline before it. The quote starts with the next block.
        ++b;
        begin = block_begin[b];
      }
      const std::string_view original = blocks[b].text;
      const std::size_t start = std::min(begin - block_begin[b], original.size());
      const std::size_t end =
          std::clamp(at.end > block_begin[b] ? at.end - block_begin[b] : 0, start, original.size());
      // A heading (a page's heading block, or a Markdown one) names a topic such as "Class Action
      // Waiver" or "Essential cookies"; the sentences under it say what the provision is, and they
      // are the quote a user can check. A heading is the quote only when no sentence is.
      const bool heading = sentence.is_heading || blocks[b].heading;
      const std::string section = heading ? std::string()
                                          : section_of(sentence, b, blocks, block_begin,
                                                       heading_block_before, normalized, segments);
      // The sentence's own scope (found with its rules), else that of the heading it sits under
      // ("Notice to California residents").
      std::shared_ptr<const ScopeText> scope;
      ScopeFrom scope_from = ScopeFrom::kSentence;
      if (int s = part.scope[in_part]; s >= 0) {
        scope = impl_->scope_texts[static_cast<std::size_t>(s)];
      } else if (s = section_scope(section); s >= 0) {
        scope = impl_->scope_texts[static_cast<std::size_t>(s)];
        scope_from = ScopeFrom::kSection;
      }
      for (const Provision* p : matched) {
        Finding f;
        f.share_rule(
            impl_->rule_texts[static_cast<std::size_t>(p - impl_->pack.provisions.data())]);
        f.quote = std::string(original.substr(start, end - start));
        f.start = start;
        f.end = end;
        f.block = b;
        f.section = section;
        f.scope = scope;
        f.scope_from = scope_from;
        if (heading) {
          heading_findings.push_back(std::move(f));
          continue;
        }
        found.insert(p->id);
        findings.push_back(std::move(f));
      }
    }
  }
  for (auto& f : heading_findings) {
    if (!found.insert(f.rule().rule_id).second) continue;
    const auto at = std::upper_bound(
        findings.begin(), findings.end(), f, [](const Finding& a, const Finding& x) {
          return std::tie(a.block, a.start) < std::tie(x.block, x.start);
        });
    findings.insert(at, std::move(f));
  }
  drop_relieved_quotes(impl_->pack, impl_->missing_rules, findings);
  for (std::size_t r : impl_->missing_rules) {
    const Provision& p = impl_->pack.provisions[r];
    if (!p.applies_to(doc_type)) continue;
    const bool present = std::any_of(p.when_present.begin(), p.when_present.end(),
                                     [&](const std::string& id) { return found.count(id) > 0; });
    const bool protected_ = std::any_of(p.when_absent.begin(), p.when_absent.end(),
                                        [&](const std::string& id) { return found.count(id) > 0; });
    if (!present || protected_) continue;
    // Quote the first sentence that shows the risk, so the user sees what lacks its protection.
    const auto evidence = std::find_if(findings.begin(), findings.end(), [&](const Finding& f) {
      return !f.rule().missing_protection && std::find(p.when_present.begin(), p.when_present.end(),
                                                       f.rule().rule_id) != p.when_present.end();
    });
    Finding f;
    f.share_rule(impl_->rule_texts[r]);
    if (evidence != findings.end()) {
      f.quote = evidence->quote;
      f.start = evidence->start;
      f.end = evidence->end;
      f.block = evidence->block;
      f.section = evidence->section;
      f.scope = evidence->scope;
      f.scope_from = evidence->scope_from;
    }
    findings.push_back(std::move(f));
  }
  if (normalized_page != nullptr) *normalized_page = std::move(normalized.text);
  return findings;
}

void join_blocks(std::span<const PageBlock> blocks, std::string& text,
                 std::vector<std::size_t>& block_begin) {
  text.clear();
  block_begin.clear();
  for (const auto& block : blocks) {
    if (!text.empty()) text += "\n\n";
    block_begin.push_back(text.size());
    text.append(block.text);
  }
  if (block_begin.empty()) block_begin.push_back(0);
}

Expected<std::vector<Finding>> Engine::analyze_text(std::string_view text,
                                                    std::string_view doc_type,
                                                    Detect detect) const {
  const PageBlock block{text, false};
  return analyze(std::span<const PageBlock>(&block, 1), doc_type, nullptr, detect);
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_any(const std::string& haystack, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return haystack.find(n) != std::string::npos; });
}

std::string type_of(const std::string& s) {
  if (contains_any(s, {"cookie", "tracker", "tracking technolog"})) return "Trackers Policy";
  if (contains_any(s, {"privacy", "data protection", "personal data", "datenschutz"}))
    return "Privacy Policy";
  if (contains_any(s, {"acceptable use", "usage polic", "use policy", "acceptable-use", "/aup"}))
    return "Acceptable Use Policy";
  if (contains_any(s, {"developer terms", "api terms", "developer agreement"}))
    return "Developer Terms";
  if (contains_any(s, {"commercial terms", "business terms", "enterprise terms"}))
    return "Commercial Terms";
  if (contains_any(s, {"community guidelines", "community standards"}))
    return "Community Guidelines";
  if (contains_any(s, {"terms", "conditions", "/tos", "user agreement", "legal/", "eula"}))
    return "Terms of Service";
  return {};
}

}  // namespace

std::string guess_doc_type(std::string_view url, std::string_view title,
                           std::span<const std::string_view> headings) {
  // The title speaks most directly for the page, then the URL path, then the first headings.
  if (auto t = type_of(lower(title)); !t.empty()) return t;
  if (auto t = type_of(lower(url)); !t.empty()) return t;
  const std::size_t kHeadingsToRead = 3;
  for (std::size_t i = 0; i < headings.size() && i < kHeadingsToRead; ++i) {
    if (auto t = type_of(lower(headings[i])); !t.empty()) return t;
  }
  return {};
}

}  // namespace cw::engine
