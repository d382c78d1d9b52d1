#include "engine/word_model.h"

#include <algorithm>
#include <bit>
#include <map>

#include "common/fnv1a.h"

namespace cw::engine {

std::uint64_t term_hash(std::string_view term) {
  const std::size_t space = term.find(' ');
  if (space == std::string_view::npos) return fnv1a(term);
  return pair_hash(fnv1a(term.substr(0, space)), fnv1a(term.substr(space + 1)));
}

WordScorer::WordScorer(const RulePack& pack) {
  // Each term's weights together, so a sentence's term costs one probe and one short run.
  std::map<std::uint64_t, std::vector<Weight>> by_term;
  for (std::size_t r = 0; r < pack.provisions.size(); ++r) {
    const WordModel& model = pack.provisions[r].words;
    if (model.empty()) continue;
    const auto index = static_cast<std::uint32_t>(models_.size());
    models_.push_back({r, model.bias, model.threshold});
    for (const auto& [term, weight] : model.weights) {
      std::uint64_t key = term_hash(term);
      if (key == 0) key = 1;  // 0 marks an empty slot (and no term hashes to it in practice)
      by_term[key].push_back({index, weight});
    }
  }
  if (models_.empty()) return;
  keys_.assign(std::bit_ceil(by_term.size() * 2 + 2), 0);
  runs_.assign(keys_.size(), Run{});
  // About 16 filter bits per term: a term of no model passes the filter about once in 16.
  filter_.assign(std::max<std::size_t>(1, std::bit_ceil(by_term.size() * 16) / 64), 0);
  const std::size_t mask = keys_.size() - 1;
  for (const auto& [key, weights] : by_term) {
    const std::uint64_t bit = (key >> kFilterShift) & (filter_.size() * 64 - 1);
    filter_[bit / 64] |= std::uint64_t{1} << (bit % 64);
    std::size_t at = key & mask;
    while (keys_[at] != 0) at = (at + 1) & mask;
    keys_[at] = key;
    runs_[at] = {static_cast<std::uint32_t>(weights_.size()),
                 static_cast<std::uint32_t>(weights.size())};
    weights_.insert(weights_.end(), weights.begin(), weights.end());
  }
}

std::size_t WordScorer::find(std::uint64_t key) const {
  if (key == 0) key = 1;
  const std::size_t mask = keys_.size() - 1;
  for (std::size_t at = key & mask;; at = (at + 1) & mask) {
    if (keys_[at] == key) return at;
    if (keys_[at] == 0) return kNotFound;
  }
}

void WordScorer::sum_terms(std::string_view sentence, std::vector<double>& sums) const {
  sums.assign(models_.size(), 0.0);
  // A term counts once per sentence, as in training: a slot stamped with this call's number was
  // already added. Stamps are per thread; a new call never reuses a number.
  thread_local std::vector<std::uint32_t> stamps;
  thread_local std::uint32_t call = 0;
  if (stamps.size() < keys_.size()) stamps.resize(keys_.size(), 0);
  if (++call == 0) {  // wrapped: forget every stamp
    std::fill(stamps.begin(), stamps.end(), 0);
    call = 1;
  }
  const std::uint32_t now = call;
  for_each_term(sentence, [&](std::uint64_t hash) {
    // Most of a sentence's words and pairs are in no model: a bit per hash (a few KB, in cache)
    // rules most of them out before the table is probed.
    const std::uint64_t bit = (hash >> kFilterShift) & (filter_.size() * 64 - 1);
    if ((filter_[bit / 64] >> (bit % 64) & 1U) == 0) return;
    const std::size_t at = find(hash);
    if (at == kNotFound || stamps[at] == now) return;
    stamps[at] = now;
    const Run& run = runs_[at];
    for (std::uint32_t k = run.first; k < run.first + run.count; ++k) {
      sums[weights_[k].model] += weights_[k].weight;
    }
  });
}

void WordScorer::fire(std::string_view sentence, std::vector<std::size_t>* rules) const {
  if (models_.empty()) return;
  thread_local std::vector<double> sums;
  sum_terms(sentence, sums);
  for (std::size_t m = 0; m < models_.size(); ++m) {
    if (models_[m].bias + sums[m] > models_[m].threshold) rules->push_back(models_[m].rule);
  }
}

double WordScorer::score(std::string_view sentence, std::size_t rule) const {
  const auto model = std::find_if(models_.begin(), models_.end(),
                                  [rule](const Model& m) { return m.rule == rule; });
  if (model == models_.end()) return 0.0;
  std::vector<double> sums;
  sum_terms(sentence, sums);
  return model->bias + sums[static_cast<std::size_t>(model - models_.begin())];
}

}  // namespace cw::engine
