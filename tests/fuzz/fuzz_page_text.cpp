// Fuzzes what a captured page's text goes through: normalize(), segment() and the engine with the
// built-in pack. The input is split into blocks at NUL bytes. Whatever the bytes:
//   - the normalised text maps back inside the original (origin arrays as long as the text, spans
//     in bounds) and sentences are ordered, non-overlapping spans of it;
//   - each finding quotes exactly the bytes of its block at its offsets;
//   - the patterns matched for all sentences together (MatchEach, the engine's path) are those
//     matched sentence by sentence (Match);
//   - the page cut into parts at paragraph breaks and segmented part by part (as the engine does on
//     its threads) gives exactly the sentences and sections of the whole.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/pack_store.h"
#include "text/normalize.h"
#include "text/scan_mask.h"
#include "text/segment.h"

namespace {

const cw::engine::ActivePack* g_pack = nullptr;

void require(bool condition) {
  if (!condition) std::abort();
}

void check_text(std::string_view joined) {
  const cw::text::NormalizedText normalized = cw::text::normalize(joined);
  const std::size_t size = normalized.text.size();
  require(normalized.origin_begin.size() == size && normalized.origin_end.size() == size);
  for (std::size_t i = 0; i < size; ++i) {
    require(normalized.origin_begin[i] <= normalized.origin_end[i]);
    require(normalized.origin_end[i] <= joined.size());
  }
  const cw::text::Segments segments = cw::text::segment(normalized);
  std::size_t previous_end = 0;
  std::vector<std::string> scan_texts;
  std::string buffer;
  for (const auto& sentence : segments.sentences) {
    require(sentence.span.begin <= sentence.span.end && sentence.span.end <= size);
    require(sentence.span.begin >= previous_end);
    previous_end = sentence.span.end;
    const cw::text::ByteSpan original = normalized.to_original(sentence.span);
    require(original.begin <= original.end && original.end <= joined.size());
    scan_texts.emplace_back(cw::text::scan_view(
        std::string_view(normalized.text)
            .substr(sentence.span.begin, sentence.span.end - sentence.span.begin),
        buffer));
  }
  for (const std::size_t parts : {2U, 3U}) {
    cw::text::Segments joined_parts;
    for (const auto range : cw::text::paragraph_ranges(normalized.text, parts)) {
      cw::text::append_part(joined_parts, cw::text::segment(normalized, range));
    }
    require(joined_parts.sentences.size() == segments.sentences.size());
    for (std::size_t i = 0; i < segments.sentences.size(); ++i) {
      const auto& a = joined_parts.sentences[i];
      const auto& b = segments.sentences[i];
      require(a.span.begin == b.span.begin && a.span.end == b.span.end && a.section == b.section &&
              a.is_heading == b.is_heading);
    }
    require(joined_parts.sections.size() == segments.sections.size());
    for (std::size_t i = 0; i < segments.sections.size(); ++i) {
      require(joined_parts.sections[i].heading.begin == segments.sections[i].heading.begin &&
              joined_parts.sections[i].first_sentence == segments.sections[i].first_sentence);
    }
  }
  const auto& patterns = g_pack->engine.patterns();
  const std::vector<std::string_view> views(scan_texts.begin(), scan_texts.end());
  std::vector<std::vector<int>> together;
  require(patterns.MatchEach(views, &together));
  std::vector<int> alone;
  for (std::size_t k = 0; k < views.size(); ++k) {
    require(patterns.Match(views[k], &alone));
    require(alone == together[k]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  static auto loaded = cw::engine::load_active_pack({});
  if (!loaded) std::abort();
  g_pack = &*loaded;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<cw::engine::PageBlock> blocks;
  std::size_t start = 0;
  while (start <= input.size()) {
    const std::size_t nul = input.find('\0', start);
    const std::size_t end = nul == std::string_view::npos ? input.size() : nul;
    blocks.push_back({input.substr(start, end - start), false});
    start = end + 1;
  }
  std::string joined;
  std::vector<std::size_t> block_begin;
  cw::engine::join_blocks(blocks, joined, block_begin);
  check_text(joined);
  auto findings = g_pack->engine.analyze(blocks, "");
  require(static_cast<bool>(findings));
  for (const auto& f : *findings) {
    if (f.rule().missing_protection && f.quote.empty()) continue;  // a protection no sentence shows
    require(f.block < blocks.size());
    const std::string_view text = blocks[f.block].text;
    require(f.start <= f.end && f.end <= text.size());
    require(f.quote == text.substr(f.start, f.end - f.start));
  }
  return 0;
}
