#include "engine/pattern_set.h"

#include <algorithm>

#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <re2/set.h>

namespace cw::engine {
namespace {

RE2::Options pattern_options(std::int64_t max_mem) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(max_mem);
  return options;
}

// RE2's own per-regex budget; the set budget is for one DFA over all patterns.
constexpr std::int64_t kPerPatternMem = std::int64_t{8} << 20;

std::string escape_literal(const std::string& atom) {
  return RE2::QuoteMeta(atom);
}

}  // namespace

struct PatternSet::Impl {
  Options options;
  bool compiled = false;
  std::vector<std::string> patterns;

  // kSet
  std::unique_ptr<RE2::Set> set;

  // kPrefiltered
  std::unique_ptr<re2::FilteredRE2> filtered;
  std::unique_ptr<RE2::Set> atom_set;  // literal atoms over lower-cased text
  std::vector<int> unfiltered;         // patterns without atoms: always confirmed
  std::size_t atoms = 0;

  explicit Impl(Options o) : options(o) {}
};

PatternSet::PatternSet() : PatternSet(Options{}) {}
PatternSet::PatternSet(Options options) : impl_(std::make_unique<Impl>(options)) {
  if (options.strategy == Strategy::kSet) {
    impl_->set = std::make_unique<RE2::Set>(pattern_options(options.max_mem), RE2::UNANCHORED);
  } else {
    impl_->filtered = std::make_unique<re2::FilteredRE2>(options.min_atom_len);
  }
}
PatternSet::~PatternSet() = default;
PatternSet::PatternSet(PatternSet&& other) noexcept = default;
PatternSet& PatternSet::operator=(PatternSet&& other) noexcept = default;

int PatternSet::Add(std::string_view pattern, std::string* error) {
  std::string ignored;
  std::string& message = error != nullptr ? *error : ignored;
  if (!impl_) {
    message = "pattern set was moved from";
    return -1;
  }
  if (impl_->compiled) {
    message = "Add() after Compile()";
    return -1;
  }
  const re2::StringPiece piece(pattern.data(), pattern.size());
  int index = -1;
  if (impl_->options.strategy == Strategy::kSet) {
    index = impl_->set->Add(piece, &message);
    if (index < 0) return -1;
  } else {
    const auto code =
        impl_->filtered->Add(piece, pattern_options(impl_->options.per_pattern_mem), &index);
    if (code != RE2::NoError) {
      // Compile again only to get RE2's own description of the problem.
      RE2 check(piece, pattern_options(kPerPatternMem));
      message = check.error();
      return -1;
    }
  }
  impl_->patterns.emplace_back(pattern);
  return index;
}

bool PatternSet::Compile(std::string* error) {
  std::string ignored;
  std::string& message = error != nullptr ? *error : ignored;
  if (!impl_) {
    message = "pattern set was moved from";
    return false;
  }
  if (impl_->compiled) return true;
  if (impl_->patterns.empty()) {
    impl_->compiled = true;
    return true;
  }
  if (impl_->options.strategy == Strategy::kSet) {
    if (!impl_->set->Compile()) {
      message = "RE2::Set compilation ran out of memory (max_mem " +
                std::to_string(impl_->options.max_mem) + " bytes)";
      return false;
    }
    impl_->compiled = true;
    return true;
  }
  std::vector<std::string> atoms;
  impl_->filtered->Compile(&atoms);
  impl_->atoms = atoms.size();
  // Patterns that yield no atom are potentials for every text: FilteredRE2 reports them from
  // AllPotentials() with an empty atom list.
  impl_->filtered->AllPotentials({}, &impl_->unfiltered);
  if (!atoms.empty()) {
    impl_->atom_set =
        std::make_unique<RE2::Set>(pattern_options(impl_->options.max_mem), RE2::UNANCHORED);
    for (const auto& atom : atoms) {
      if (impl_->atom_set->Add(escape_literal(atom), &message) < 0) return false;
    }
    if (!impl_->atom_set->Compile()) {
      message = "literal prefilter ran out of memory";
      return false;
    }
  }
  impl_->compiled = true;
  return true;
}

bool PatternSet::Match(std::string_view text, std::vector<int>* matches, MatchError* error) const {
  auto fail = [&](MatchError why) {
    if (error != nullptr) *error = why;
    if (matches != nullptr) matches->clear();
    return false;
  };
  if (error != nullptr) *error = MatchError::kNone;
  if (!impl_ || !impl_->compiled) return fail(MatchError::kNotCompiled);
  matches->clear();
  if (impl_->patterns.empty()) return true;
  const re2::StringPiece piece(text.data(), text.size());

  if (impl_->options.strategy == Strategy::kSet) {
    RE2::Set::ErrorInfo info{};
    if (!impl_->set->Match(piece, matches, &info)) {
      switch (info.kind) {
        case RE2::Set::kNoError:
          return true;  // simply no match
        case RE2::Set::kOutOfMemory:
          return fail(MatchError::kOutOfMemory);
        case RE2::Set::kNotCompiled:
          return fail(MatchError::kNotCompiled);
        case RE2::Set::kInconsistent:
          return fail(MatchError::kInconsistent);
      }
    }
    std::sort(matches->begin(), matches->end());
    return true;
  }

  // Prefiltered: atoms are lower case, so they are looked for in lower-cased text.
  std::vector<int> atom_hits;
  if (impl_->atom_set) {
    thread_local std::string lowered;
    lowered.assign(text);
    for (char& c : lowered) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    RE2::Set::ErrorInfo info{};
    if (!impl_->atom_set->Match(lowered, &atom_hits, &info) && info.kind != RE2::Set::kNoError) {
      return fail(info.kind == RE2::Set::kOutOfMemory ? MatchError::kOutOfMemory
                                                      : MatchError::kInconsistent);
    }
  }
  if (atom_hits.empty() && impl_->unfiltered.empty()) return true;
  std::vector<int> potentials;
  impl_->filtered->AllPotentials(atom_hits, &potentials);
  for (int index : potentials) {
    if (RE2::PartialMatch(piece, impl_->filtered->GetRE2(index))) matches->push_back(index);
  }
  std::sort(matches->begin(), matches->end());
  matches->erase(std::unique(matches->begin(), matches->end()), matches->end());
  return true;
}

bool PatternSet::compiled() const {
  return impl_ && impl_->compiled;
}
std::size_t PatternSet::size() const {
  return impl_ ? impl_->patterns.size() : 0;
}
PatternSet::Strategy PatternSet::strategy() const {
  return impl_ ? impl_->options.strategy : Strategy::kPrefiltered;
}
std::size_t PatternSet::atom_count() const {
  return impl_ ? impl_->atoms : 0;
}

std::string_view to_string(PatternSet::MatchError error) {
  switch (error) {
    case PatternSet::MatchError::kNone:
      return "no error";
    case PatternSet::MatchError::kNotCompiled:
      return "the pattern set is not compiled";
    case PatternSet::MatchError::kOutOfMemory:
      return "the pattern DFA ran out of memory";
    case PatternSet::MatchError::kInconsistent:
      return "RE2 reported an inconsistent result";
  }
  return "unknown";
}

}  // namespace cw::engine
