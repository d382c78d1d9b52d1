#include "engine/pattern_set.h"

#include <algorithm>
#include <deque>
#include <mutex>

#include <re2/re2.h>
#include <re2/set.h>

#include "common/limits.h"
#include "common/work_pool.h"
#include "engine/literal_prefilter.h"

namespace cw::engine {
namespace {

RE2::Options pattern_options(std::int64_t max_mem) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(max_mem);
  return options;
}

// One pattern of a kPrefiltered set; its RE2 is built once, now or on first use.
struct Slot {
  std::string pattern;
  std::once_flag once;
  std::unique_ptr<RE2> re;  // null until compiled, or when it failed (then `error` says why)
  std::string error;
  std::atomic<bool> done{false};
};

}  // namespace

struct PatternSet::Impl {
  Options options;
  bool compiled = false;
  std::size_t count = 0;

  // kSet
  std::unique_ptr<RE2::Set> set;

  std::vector<int> group;  // per pattern; -1: none

  // kPrefiltered
  std::deque<Slot> slots;  // a deque: slots never move, so their once_flags stay valid
  LiteralPrefilter prefilter;
  bool prebuilt = false;  // the prefilter came from Compile()'s `prebuilt` bytes

  explicit Impl(Options o) : options(o) {}

  // The pattern's RE2, compiling it on first use; null if it does not compile.
  const RE2* regex(std::size_t index) {
    Slot& slot = slots[index];
    // Compiled already (nearly every call): skip call_once, which costs a thread-local set-up.
    if (slot.done.load(std::memory_order_acquire)) return slot.re.get();
    std::call_once(slot.once, [&] {
      auto re = std::make_unique<RE2>(slot.pattern, pattern_options(options.per_pattern_mem));
      if (re->ok()) {
        slot.re = std::move(re);
      } else {
        slot.error = re->error();
      }
      slot.done.store(true, std::memory_order_release);
    });
    return slot.re.get();
  }

  // Keeps the candidates (sorted indices) that their RE2 confirms, in place; with first_of_group,
  // a pattern whose group already matched is dropped without running it. False: a deferred
  // pattern did not compile.
  bool confirm(const re2::StringPiece& text, std::vector<int>& candidates) {
    std::size_t kept = 0;
    int matched_group = -1;
    for (const int index : candidates) {
      const int g = group[static_cast<std::size_t>(index)];
      if (options.first_of_group && g >= 0 && g == matched_group) continue;
      const RE2* re = regex(static_cast<std::size_t>(index));
      if (re == nullptr) return false;
      if (RE2::PartialMatch(text, *re)) {
        candidates[kept++] = index;
        matched_group = g;
      }
    }
    candidates.resize(kept);
    return true;
  }
};

PatternSet::PatternSet() : PatternSet(Options{}) {}
PatternSet::PatternSet(Options options) : impl_(std::make_unique<Impl>(options)) {
  if (options.strategy == Strategy::kSet) {
    impl_->set = std::make_unique<RE2::Set>(pattern_options(options.max_mem), RE2::UNANCHORED);
  }
}
PatternSet::~PatternSet() = default;
PatternSet::PatternSet(PatternSet&& other) noexcept = default;
PatternSet& PatternSet::operator=(PatternSet&& other) noexcept = default;

int PatternSet::Add(std::string_view pattern, std::string* error, int group) {
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
  auto& groups = impl_->group;
  if (group >= 0 && (groups.empty() || groups.back() != group) &&
      std::find(groups.begin(), groups.end(), group) != groups.end()) {
    message = "group " + std::to_string(group) + "'s patterns are not added one after another";
    return -1;
  }
  const re2::StringPiece piece(pattern.data(), pattern.size());
  if (impl_->options.strategy == Strategy::kSet) {
    const int index = impl_->set->Add(piece, &message);
    if (index < 0) return -1;
    ++impl_->count;
    groups.push_back(group < 0 ? -1 : group);
    return index;
  }
  std::unique_ptr<RE2> re;
  if (!impl_->options.defer_compile) {
    re = std::make_unique<RE2>(piece, pattern_options(impl_->options.per_pattern_mem));
    if (!re->ok()) {
      message = re->error();
      return -1;
    }
  }
  Slot& slot = impl_->slots.emplace_back();
  slot.pattern = std::string(pattern);
  if (re) {
    std::call_once(slot.once, [&] { slot.re = std::move(re); });
    slot.done.store(true, std::memory_order_release);
  }
  groups.push_back(group < 0 ? -1 : group);
  return static_cast<int>(impl_->count++);
}

bool PatternSet::Compile(std::string* error) {
  return Compile(error, KnownLiterals{});
}

bool PatternSet::Compile(std::string* error, const KnownLiterals& known) {
  return Compile(error, known, {});
}

bool PatternSet::Compile(std::string* error, const KnownLiterals& known,
                         std::string_view prebuilt) {
  std::string ignored;
  std::string& message = error != nullptr ? *error : ignored;
  if (!impl_) {
    message = "pattern set was moved from";
    return false;
  }
  if (impl_->compiled) return true;
  if (impl_->count == 0) {
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
  if (!prebuilt.empty()) {
    std::vector<std::string_view> patterns;
    patterns.reserve(impl_->slots.size());
    for (const auto& slot : impl_->slots) patterns.emplace_back(slot.pattern);
    const auto key = prefilter_key(patterns, static_cast<std::size_t>(impl_->options.min_atom_len));
    // One that does not fit these patterns is simply not used: the automaton is built below.
    if (auto viewed = LiteralPrefilter::view(prebuilt, key, nullptr)) {
      impl_->prefilter = std::move(*viewed);
      impl_->prebuilt = true;
      impl_->compiled = true;
      return true;
    }
  }
  std::vector<RequiredLiterals> required;
  required.reserve(impl_->slots.size());
  for (const auto& slot : impl_->slots) {
    const RequiredLiterals* given = known ? known(slot.pattern) : nullptr;
    required.push_back(given != nullptr
                           ? *given
                           : required_literals(slot.pattern, static_cast<std::size_t>(
                                                                 impl_->options.min_atom_len)));
  }
  impl_->prefilter = LiteralPrefilter(required);
  impl_->compiled = true;
  return true;
}

bool PatternSet::CompileAll(std::string* error, const std::atomic<bool>* stop) const {
  if (!impl_ || impl_->options.strategy == Strategy::kSet) return true;
  for (std::size_t i = 0; i < impl_->slots.size(); ++i) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) return true;
    if (impl_->regex(i) == nullptr) {
      if (error != nullptr) *error = "pattern " + std::to_string(i) + ": " + impl_->slots[i].error;
      return false;
    }
  }
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
  if (impl_->count == 0) return true;
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
    if (impl_->options.first_of_group) {
      int last_group = -1;
      std::erase_if(*matches, [&](int index) {
        const int g = impl_->group[static_cast<std::size_t>(index)];
        if (g >= 0 && g == last_group) return true;
        last_group = g;
        return false;
      });
    }
    return true;
  }

  thread_local std::vector<int> candidates;
  candidates.clear();
  impl_->prefilter.candidates(text, &candidates);
  if (!impl_->confirm(piece, candidates)) return fail(MatchError::kPatternError);
  matches->assign(candidates.begin(), candidates.end());
  return true;
}

bool PatternSet::MatchEach(std::span<const std::string_view> texts,
                           std::vector<std::vector<int>>* matches, MatchError* error,
                           Split split) const {
  if (matches->size() < texts.size()) matches->resize(texts.size());
  if (!impl_ || impl_->options.strategy == Strategy::kSet || !impl_->compiled) {
    for (std::size_t k = 0; k < texts.size(); ++k) {
      if (!Match(texts[k], &(*matches)[k], error)) return false;
    }
    return true;
  }
  if (error != nullptr) *error = MatchError::kNone;
  if (impl_->count == 0) {
    for (std::size_t k = 0; k < texts.size(); ++k) (*matches)[k].clear();
    return true;
  }
  // A long page is split into parts of about equal text, matched on WorkPool's threads (RE2 and
  // the prefilter are safe to share; each part writes only its own texts' answers).
  std::size_t bytes = 0;
  for (const auto text : texts) bytes += text.size();
  // A short text list stays on the caller: the pool's threads are not even started for it.
  const std::size_t wanted = bytes / limits::kMinMatchPartBytes;
  const std::size_t parts = wanted > 1 && split == Split::kAcrossPool
                                ? std::min(wanted, WorkPool::shared().threads())
                                : 1;
  std::vector<std::size_t> bounds{0};  // part p holds texts [bounds[p], bounds[p + 1])
  std::size_t so_far = 0;
  for (std::size_t k = 0; k < texts.size() && bounds.size() < parts; ++k) {
    so_far += texts[k].size();
    if (so_far * parts >= bytes * bounds.size()) bounds.push_back(k + 1);
  }
  bounds.push_back(texts.size());
  std::atomic<bool> failed{false};
  const auto match_part = [&](std::size_t p) {
    const std::size_t first = bounds[p];
    const std::size_t count = bounds[p + 1] - first;
    impl_->prefilter.candidates_each(texts.subspan(first, count),
                                     std::span(*matches).subspan(first, count));
    for (std::size_t k = first; k < first + count && !failed.load(std::memory_order_relaxed); ++k) {
      if (!impl_->confirm(re2::StringPiece(texts[k].data(), texts[k].size()), (*matches)[k])) {
        failed.store(true, std::memory_order_relaxed);
      }
    }
  };
  if (parts == 1) {
    match_part(0);
  } else {
    WorkPool::shared().run(bounds.size() - 1, match_part);
  }
  if (failed.load()) {
    if (error != nullptr) *error = MatchError::kPatternError;
    return false;
  }
  return true;
}

bool PatternSet::prefilter_prebuilt() const {
  return impl_ && impl_->prebuilt;
}
bool PatternSet::compiled() const {
  return impl_ && impl_->compiled;
}
std::size_t PatternSet::size() const {
  return impl_ ? impl_->count : 0;
}
PatternSet::Strategy PatternSet::strategy() const {
  return impl_ ? impl_->options.strategy : Strategy::kPrefiltered;
}
std::size_t PatternSet::atom_count() const {
  return impl_ ? impl_->prefilter.literal_count() : 0;
}
std::size_t PatternSet::compiled_patterns() const {
  if (!impl_) return 0;
  if (impl_->options.strategy == Strategy::kSet) return impl_->compiled ? impl_->count : 0;
  return static_cast<std::size_t>(
      std::count_if(impl_->slots.begin(), impl_->slots.end(),
                    [](const Slot& s) { return s.done.load(std::memory_order_acquire); }));
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
    case PatternSet::MatchError::kPatternError:
      return "a pattern did not compile when it was first needed";
  }
  return "unknown";
}

}  // namespace cw::engine
