#define BOOST_TEST_MODULE literal_prefilter
#include "engine/literal_prefilter.h"

#include <algorithm>
#include <array>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <re2/re2.h>

#include "engine/pattern_set.h"

using cw::engine::LiteralPrefilter;
using cw::engine::PatternSet;
using cw::engine::required_literals;
using Clauses = std::vector<std::vector<std::string>>;

namespace {

// What the prefilter must find: the indices of the literals that occur in `text`, by plain search.
std::vector<int> literals_in(const std::vector<std::string>& literals, const std::string& text) {
  std::vector<int> found;
  for (std::size_t i = 0; i < literals.size(); ++i) {
    if (text.find(literals[i]) != std::string::npos) found.push_back(static_cast<int>(i));
  }
  return found;
}

// `count` random literals of 12 letters (few shared prefixes: many states) and what each requires.
std::pair<std::vector<std::string>, std::vector<cw::engine::RequiredLiterals>> random_literals(
    std::mt19937& rng, int count) {
  std::vector<std::string> literals;
  std::vector<cw::engine::RequiredLiterals> required;
  for (int i = 0; i < count; ++i) {
    std::string literal;
    for (int k = 0; k < 12; ++k) literal += static_cast<char>('a' + rng() % 26);
    required.push_back(required_literals(literal));
    literals.push_back(std::move(literal));
  }
  return {literals, required};
}

}  // namespace

BOOST_AUTO_TEST_CASE(required_literals_of_rule_shapes) {
  // \b next to a word character marks that end of the literal (\x01): it is found only where the
  // text has no word character on that side.
  BOOST_TEST((required_literals("(?i)\\bwaive\\b[^.;]{0,80}\\bjury").clauses ==
              Clauses{{"\x01jury"}, {"\x01waive\x01"}}));
  BOOST_TEST((required_literals("(?i)\\b(sell|rent)s?\\b").clauses ==
              Clauses{{"\x01rent\x01", "\x01rents\x01", "\x01sell\x01", "\x01sells\x01"}}));
  // "sells" contains "sell": where "sell" need not end a word, the longer literal adds nothing.
  BOOST_TEST(
      (required_literals("(?i)\\b(sell|rent)s?").clauses == Clauses{{"\x01rent", "\x01sell"}}));
  BOOST_TEST(
      (required_literals("(?i)opt[- ]?out").clauses == Clauses{{"opt out", "opt-out", "optout"}}));
  // Upper case in the pattern is looked for in lower case (the text is folded the same way).
  // Only the first 14 bytes of a long phrase are looked for (any part of it is required too).
  BOOST_TEST((required_literals("Binding (?:Arbitration|ARBITRATION)").clauses ==
              Clauses{{"binding arbitr"}}));
  // A branch without a usable literal makes the alternation require nothing.
  // A space at either end is looked for as an edge: no word character there. Before a phrase
  // with spaces inside the edge is dropped (whitespace runs leave its start unknown).
  BOOST_TEST((required_literals("(?i)(we|\\w+) may sell").clauses == Clauses{{"may sell"}}));
  BOOST_TEST((required_literals("(?i)\\s+the\\s+").clauses == Clauses{{"\x01the\x01"}}));
  BOOST_TEST(required_literals("(?i)(data|\\w+)").clauses.empty());
  // Optional and starred parts require nothing; + keeps its operand's literals.
  BOOST_TEST((required_literals("(?:notice)?terms").clauses == Clauses{{"noticeterms", "terms"}}));
  BOOST_TEST((required_literals("(?:notice)*terms").clauses == Clauses{{"terms"}}));
  BOOST_TEST(
      (required_literals("(?:notice)+ terms").clauses == Clauses{{"\x01terms"}, {"notice"}}));
  // Hex escapes: scan_pattern() writes [.\x1f] for every \. (text/scan_mask.h); a wide code point
  // is a multi-byte character the reader does not spell out.
  BOOST_TEST((required_literals("(?i)aboutads[.\\x1f]info").clauses ==
              Clauses{{"aboutads\x1finfo", "aboutads.info"}}));
  BOOST_TEST((required_literals("\\x41bc\\x{2e}").clauses == Clauses{{"abc."}}));
  BOOST_TEST((required_literals("smile\\x{263a}").clauses == Clauses{{"smile"}}));
  BOOST_TEST(required_literals("bad\\xZZ").clauses.empty());
  // Short literals are not worth filtering on, unless they are whole words (\b or \s around).
  BOOST_TEST(required_literals("(?i)us").clauses.empty());
  BOOST_TEST(required_literals("(?i)\\bus").clauses.empty());
  BOOST_TEST((required_literals("(?i)\\bus\\b").clauses == Clauses{{"\x01us\x01"}}));
  BOOST_TEST((required_literals("(?i)\\b(1[2-4]|thirteen)\\b.{0,9}years").clauses ==
              Clauses{{"\x01"
                       "12\x01",
                       "\x01"
                       "13\x01",
                       "\x01"
                       "14\x01",
                       "\x01thirteen\x01"},
                      {"years"}}));
  BOOST_TEST((required_literals("(?i)\\bus\\b", 3, 3).clauses.empty()));
  // \b next to a non-word character says nothing about that side.
  BOOST_TEST(required_literals("\\b\\$5\\b").clauses.empty());
  // What the reader does not know contributes nothing (never a wrong requirement).
  BOOST_TEST(required_literals("\\Qa.b\\E").clauses.empty());
  BOOST_TEST(required_literals("(unclosed").clauses.empty());
  BOOST_TEST((required_literals("[|(]{2}pipe|x").clauses.empty()));
}

// Whitespace in a pattern is one space in a literal, whatever the run in the text: words joined
// by \s+ make one phrase.
BOOST_AUTO_TEST_CASE(phrases_across_whitespace) {
  BOOST_TEST((required_literals("(?i)\\bages?\\s+of\\s+(13|thirteen)\\b").clauses ==
              Clauses{{"age of 13\x01", "age of thirtee", "ages of 13\x01",
                       "ages of thirte"}}));  // 14 bytes: cut, so the end is not known
  BOOST_TEST((required_literals("(?i)provided\\s*\"?as  is").clauses ==
              Clauses{{"provided \"as i", "provided as is", "provided\"as is", "providedas is"}}));
  BOOST_TEST((required_literals("(?i)log\\n?\\toff").clauses == Clauses{{"log off"}}));
  LiteralPrefilter filter(
      {required_literals("(?i)\\bages?\\s+of\\s+13\\b"), required_literals("(?i)opt\\s+out")});
  std::vector<int> hits;
  filter.candidates("Users between the AGES\n of   13 and 17", &hits);
  BOOST_TEST(hits == std::vector<int>({0}), boost::test_tools::per_element());
  hits.clear();
  filter.candidates("ages of 1 3; opt-out; opt \t\r\n out", &hits);
  BOOST_TEST(hits == std::vector<int>({1}), boost::test_tools::per_element());
  hits.clear();
  filter.candidates("age of majority; optout", &hits);
  BOOST_TEST(hits.empty());
}

BOOST_AUTO_TEST_CASE(whole_word_literals) {
  LiteralPrefilter filter({required_literals("(?i)\\b(us|uk)\\b.{0,9}law"),
                           required_literals("(?i)\\b(1[2-4])\\b.{0,3}years")});
  std::vector<int> hits;
  filter.candidates("US law applies", &hits);
  BOOST_TEST(hits == std::vector<int>({0}), boost::test_tools::per_element());
  hits.clear();
  filter.candidates("use of law", &hits);  // "us" inside a word
  BOOST_TEST(hits.empty());
  filter.candidates("bus law; 120 years", &hits);
  BOOST_TEST(hits.empty());
  filter.candidates("(uk) law, _12 years", &hits);
  BOOST_TEST(hits == std::vector<int>({0}), boost::test_tools::per_element());
  hits.clear();
  filter.candidates("aged 13 years", &hits);
  BOOST_TEST(hits == std::vector<int>({1}), boost::test_tools::per_element());
  hits.clear();
  filter.candidates("13", &hits);  // the word at both ends of the text
  filter.candidates("us", &hits);
  BOOST_TEST(hits.empty());  // a clause is still missing
}

// A long literal keeps the word edges its pattern asks for: "use" in `\buse\b` is not found in
// "user" or "because", and `\banaly` not in "psychoanalysis".
BOOST_AUTO_TEST_CASE(word_edges_of_long_literals) {
  LiteralPrefilter filter({required_literals("(?i)\\b(use|uses)\\b[^.;]{0,40}\\bdata\\b"),
                           required_literals("(?i)\\banaly\\w+")});
  auto candidates = [&](std::string_view text) {
    std::vector<int> hits;
    filter.candidates(text, &hits);
    return hits;
  };
  BOOST_TEST(candidates("we use data") == std::vector<int>({0}), boost::test_tools::per_element());
  BOOST_TEST(candidates("USES: data") == std::vector<int>({0}), boost::test_tools::per_element());
  BOOST_TEST(candidates("user data").empty());
  BOOST_TEST(candidates("because database").empty());
  BOOST_TEST(candidates("use dataset").empty());
  BOOST_TEST(candidates("analysis") == std::vector<int>({1}), boost::test_tools::per_element());
  BOOST_TEST(candidates("(analytics)") == std::vector<int>({1}), boost::test_tools::per_element());
  BOOST_TEST(candidates("psychoanalysis").empty());
  // Scanned in lanes, each text gets the same answer.
  const std::vector<std::string_view> texts{"user data", "use data", "psychoanalysis", "analyse"};
  std::vector<std::vector<int>> together;
  filter.candidates_each(texts, &together);
  BOOST_TEST(together[0].empty());
  BOOST_TEST(together[1] == std::vector<int>({0}), boost::test_tools::per_element());
  BOOST_TEST(together[2].empty());
  BOOST_TEST(together[3] == std::vector<int>({1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(candidates_need_every_clause) {
  LiteralPrefilter filter({required_literals("(?i)\\bwaive\\b.*\\bjury"),
                           required_literals("(?i)class action"), required_literals("\\d+")});
  std::vector<int> hits;
  filter.candidates("You WAIVE any right to a Jury trial.", &hits);
  BOOST_TEST(hits == std::vector<int>({0, 2}), boost::test_tools::per_element());
  hits.clear();
  filter.candidates("a jury", &hits);
  BOOST_TEST(hits == std::vector<int>({2}), boost::test_tools::per_element());
  hits.clear();
  // KELVIN SIGN and LONG S fold to k and s, as in RE2's case-insensitive matching.
  LiteralPrefilter kelvin({required_literals("(?i)kiosks")});
  kelvin.candidates("\xE2\x84\xAAio\xC5\xBFks", &hits);
  BOOST_TEST(hits == std::vector<int>({0}), boost::test_tools::per_element());
  BOOST_TEST(RE2::PartialMatch("\xE2\x84\xAAio\xC5\xBFks", RE2("(?i)kiosks")));
}

// Texts scanned in lanes fold KELVIN SIGN and LONG S as a text scanned alone does, and the euro
// sign or a Polish letter (same lead bytes, no folding) changes nothing.
BOOST_AUTO_TEST_CASE(lanes_fold_as_one_text_does) {
  LiteralPrefilter filter({required_literals("(?i)kiosks"), required_literals("(?i)\\bzloty\\b")});
  const std::vector<std::string_view> texts{
      "\xE2\x84\xAAiosks open",
      "kio\xC5\xBFks",
      "kiosks cost 5 \xE2\x82\xAC",
      "\xC5\x81\xC3\xB3\x64\xC5\xBA kiosks",  // Lodz: Polish letters, d written as \x64
      "ten zloty",
      "no match here",
      "\xE2\x84\xAA",
      "zloty \xC5\x82 kiosks"};
  std::vector<std::vector<int>> together;
  filter.candidates_each(texts, &together);
  BOOST_REQUIRE_GE(together.size(), texts.size());
  for (std::size_t t = 0; t < texts.size(); ++t) {
    std::vector<int> alone;
    filter.candidates(texts[t], &alone);
    BOOST_TEST(alone == together[t], boost::test_tools::per_element());
  }
  BOOST_TEST(together[0] == std::vector<int>({0}), boost::test_tools::per_element());
  BOOST_TEST(together[1] == std::vector<int>({0}), boost::test_tools::per_element());
  BOOST_TEST(together[2] == std::vector<int>({0}), boost::test_tools::per_element());
  BOOST_TEST(together[7] == std::vector<int>({0, 1}), boost::test_tools::per_element());
}

namespace {

// Random patterns over a small alphabet, so matches and near-misses are frequent.
std::string random_pattern(std::mt19937& rng, int depth = 0) {
  static const std::vector<std::string> atoms{
      "a",       "b",   "ab",   "abc",  "ba",       "c",      "\\bab",   "\\s",
      "\\w",     ".",   "[ab]", "[^a]", "[a-c]",    "\\.",    "x y",     "(?i)B",
      "(?i:ca)", "^",   "$",    "\\d",  "[.\\x1f]", "\\x61b", "\\x{43}", "\\b",
      "\\s+",    "\\W", "a b",  "\\s*", "\\n",      "b\\s?c", " ",       "\\t"};
  std::string out;
  const int parts = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < parts; ++i) {
    std::string piece;
    if (depth < 2 && rng() % 4 == 0) {
      piece = "(" + random_pattern(rng, depth + 1) + "|" + random_pattern(rng, depth + 1) + ")";
    } else {
      piece = atoms[rng() % atoms.size()];
      if (piece.size() > 1 && piece[0] != '\\' && piece[0] != '[' && piece[0] != '(') {
        piece.insert(0, "(?:");
        piece += ')';
      }
    }
    if (piece == "^" || piece == "$") {
      out += piece;
      continue;
    }
    static const std::vector<std::string> quantifiers{"",  "",    "",      "?",     "*",
                                                      "+", "{2}", "{0,3}", "{1,2}", "+?"};
    out += piece + quantifiers[rng() % quantifiers.size()];
  }
  return out;
}

std::string random_text(std::mt19937& rng) {
  static const std::string alphabet = std::string("aAbBcC xy.1_,  \n\t") + '\x1f';
  std::string out;
  const std::size_t size = rng() % 16;
  for (std::size_t i = 0; i < size; ++i) {
    if (rng() % 64 == 0) {
      // KELVIN SIGN and LONG S fold to k and s; the euro sign and l with stroke start with the
      // same bytes and fold to nothing.
      static const std::array<const char*, 4> multibyte{"\xE2\x84\xAA", "\xC5\xBF", "\xE2\x82\xAC",
                                                        "\xC5\x82"};
      out += multibyte[rng() % multibyte.size()];
    } else {
      out += alphabet[rng() % alphabet.size()];
    }
  }
  return out;
}

}  // namespace

// The one property that matters: whenever RE2 finds a pattern, the prefilter lets it through.
// Run with plain literals of 2+ bytes, and with 3+ bytes or whole words of 1+ (word checks).
static void never_loses_a_match(std::size_t min_len, std::size_t min_word_len) {
  std::mt19937 rng(20261125 + static_cast<unsigned>(min_len));
  std::size_t checked = 0;
  std::size_t filtered_out = 0;
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> patterns;
    std::vector<cw::engine::RequiredLiterals> required;
    std::vector<std::unique_ptr<RE2>> regexes;
    for (int i = 0; i < 20; ++i) {
      std::string p = random_pattern(rng);
      auto re = std::make_unique<RE2>(p, RE2::Quiet);
      if (!re->ok()) continue;
      required.push_back(required_literals(p, min_len, min_word_len));
      regexes.push_back(std::move(re));
      patterns.push_back(std::move(p));
    }
    LiteralPrefilter filter(required);
    std::vector<std::string> texts;
    texts.reserve(50);
    for (int t = 0; t < 50; ++t) texts.push_back(random_text(rng));
    // Scanned together (in lanes), each text gets what it gets alone.
    const std::size_t batch = rng() % texts.size();
    const std::vector<std::string_view> views(texts.begin(),
                                              texts.begin() + static_cast<long>(batch));
    std::vector<std::vector<int>> together;
    filter.candidates_each(views, &together);
    BOOST_REQUIRE_GE(together.size(), batch);
    for (std::size_t t = 0; t < batch; ++t) {
      std::vector<int> alone;
      filter.candidates(texts[t], &alone);
      BOOST_REQUIRE_MESSAGE(alone == together[t],
                            "text '" << texts[t] << "' in a batch of " << batch);
    }
    for (const std::string& text : texts) {
      std::vector<int> candidates;
      filter.candidates(text, &candidates);
      for (std::size_t i = 0; i < regexes.size(); ++i) {
        const bool candidate =
            std::binary_search(candidates.begin(), candidates.end(), static_cast<int>(i));
        if (!candidate) ++filtered_out;
        if (RE2::PartialMatch(text, *regexes[i])) {
          ++checked;
          BOOST_REQUIRE_MESSAGE(candidate, "pattern '" << patterns[i] << "' matches '" << text
                                                       << "' but was filtered out");
        }
      }
    }
  }
  BOOST_TEST(checked > 1000U);
  BOOST_TEST(filtered_out > 1000U);  // the filter does filter
}

BOOST_AUTO_TEST_CASE(prefilter_never_loses_a_match) {
  never_loses_a_match(2, 2);
  never_loses_a_match(3, 1);
}

// A large automaton (more states than 16 bits count) finds the same literals as a plain substring
// search.
BOOST_AUTO_TEST_CASE(large_automaton_finds_every_literal) {
  std::mt19937 rng(7);
  const auto [literals, required] = random_literals(rng, 9000);
  const LiteralPrefilter filter(required);
  BOOST_TEST(filter.state_count() > 65536U);
  for (int t = 0; t < 200; ++t) {
    std::string text;
    for (int part = 0; part < 4; ++part) {
      const std::string& literal = literals[rng() % literals.size()];
      text += literal.substr(rng() % 3, 10 + rng() % 3);  // sometimes whole, sometimes cut
      text += ' ';
    }
    std::vector<int> hits;
    filter.candidates(text, &hits);
    BOOST_TEST(hits == literals_in(literals, text), boost::test_tools::per_element());
  }
}

// Many short literals over a tiny alphabet overlap everywhere, so most matches are found through
// failure and dictionary links, and runs of spaces must read as one: the automaton agrees with a
// plain substring search over the text with its runs of whitespace collapsed.
BOOST_AUTO_TEST_CASE(overlapping_literals_match_a_substring_search) {
  std::mt19937 rng(11);
  std::vector<std::string> literals;
  std::vector<cw::engine::RequiredLiterals> required;
  while (literals.size() < 300) {
    std::string literal(1, static_cast<char>('a' + rng() % 3));
    const std::size_t length = 4 + rng() % 4;
    while (literal.size() + 1 < length) {
      const char c = rng() % 4 == 0 ? ' ' : static_cast<char>('a' + rng() % 3);
      if (c != ' ' || literal.back() != ' ') literal += c;
    }
    literal += static_cast<char>('a' + rng() % 3);
    if (std::find(literals.begin(), literals.end(), literal) != literals.end()) continue;
    required.push_back(required_literals(literal));
    BOOST_REQUIRE_EQUAL(required.back().clauses.size(), 1U);
    literals.push_back(std::move(literal));
  }
  const LiteralPrefilter filter(required);
  for (int t = 0; t < 300; ++t) {
    std::string text;
    std::string collapsed;  // what the automaton reads: each run of whitespace as one space
    for (int k = 0; k < 40; ++k) {
      const unsigned r = rng() % 8;
      const std::string piece = r == 0   ? "  "
                                : r == 1 ? "\n\t"
                                : r == 2 ? " "
                                         : std::string(1, static_cast<char>('a' + rng() % 3));
      text += piece;
      const bool space = piece[0] == ' ' || piece[0] == '\n';
      if (!space) {
        collapsed += piece;
      } else if (collapsed.empty() || collapsed.back() != ' ') {
        collapsed += ' ';
      }
    }
    std::vector<int> hits;
    filter.candidates(text, &hits);
    BOOST_TEST(hits == literals_in(literals, collapsed), boost::test_tools::per_element());
  }
}

// anchor_clause keeps the clause with the rarest words: the longest shortest literal.
BOOST_AUTO_TEST_CASE(anchor_clause_keeps_the_rarest_words) {
  using cw::engine::anchor_clause;
  BOOST_TEST((anchor_clause(required_literals("(?i)\\bthe\\b.{0,20}\\barbitration\\b")).clauses ==
              Clauses{{"\x01"
                       "arbitration\x01"}}));
  BOOST_TEST((anchor_clause(required_literals("(?i)\\b(sell|rent)\\b.*\\b(binding|mandatory)\\b"))
                  .clauses == Clauses{{"\x01"
                                       "binding\x01",
                                       "\x01mandatory\x01"}}));
  BOOST_TEST((anchor_clause(required_literals("(?i)waive")).clauses == Clauses{{"waive"}}));
  BOOST_TEST(anchor_clause(required_literals("(?i)\\w+")).clauses.empty());
}

BOOST_AUTO_TEST_CASE(deferred_compilation_in_a_pattern_set) {
  PatternSet::Options options;
  options.defer_compile = true;
  PatternSet set(options);
  std::string error;
  BOOST_TEST(set.Add("(?i)binding arbitration", &error) == 0);
  // RE2 refuses the repetition, but only when it is compiled.
  BOOST_TEST(set.Add("(?i)class action{2,1}", &error) == 1);
  BOOST_REQUIRE(set.Compile(&error));
  BOOST_TEST(set.compiled_patterns() == 0U);
  std::vector<int> hits;
  PatternSet::MatchError why{};
  BOOST_TEST(set.Match("Binding Arbitration applies.", &hits, &why));
  BOOST_TEST(hits == std::vector<int>({0}), boost::test_tools::per_element());
  BOOST_TEST(set.compiled_patterns() == 1U);  // only the pattern the text needed
  BOOST_TEST(!set.Match("no class action", &hits, &why));
  BOOST_TEST((why == PatternSet::MatchError::kPatternError));
  BOOST_TEST(!set.CompileAll(&error));
  BOOST_TEST(error.find("pattern 1") != std::string::npos);
}

namespace {

// A prefilter over rule-like patterns (several clauses, whole words, phrases) and texts to run it
// on.
struct Sample {
  std::vector<cw::engine::RequiredLiterals> required;
  std::vector<std::string> texts;
};
Sample rule_like_sample() {
  Sample sample;
  for (const char* p :
       {"(?i)\\bwaive\\b[^.;]{0,80}\\bjury", "(?i)\\b(sell|rent)s?\\b", "(?i)\\b(us|uk)\\b",
        "(?i)ages?\\s+of\\s+1[3-8]", "(?i)\\bopt[- ]?out\\b", "(?i)class action", "\\d+"}) {
    sample.required.push_back(required_literals(p));
  }
  sample.texts = {"You WAIVE any right to a Jury trial.",
                  "We do not sell or rent your data",
                  "users in the UK and US",
                  "under the age  of 16",
                  "you may opt-out here",
                  "no CLASS ACTION",
                  "",
                  "nothing to see"};
  return sample;
}

std::vector<std::vector<int>> run(const LiteralPrefilter& filter,
                                  const std::vector<std::string>& texts) {
  std::vector<std::vector<int>> out;
  for (const auto& text : texts) filter.candidates(text, &out.emplace_back());
  return out;
}

}  // namespace

// serialize() then view() gives the same automaton, with 16-bit and with 32-bit transitions, read
// in place from aligned bytes and copied from unaligned ones.
BOOST_AUTO_TEST_CASE(serialized_automaton_round_trips) {
  const Sample sample = rule_like_sample();
  const LiteralPrefilter built(sample.required);
  const std::string bytes = built.serialize(42);
  BOOST_TEST(built.table_bytes() < bytes.size());
  std::string error;
  const auto viewed = LiteralPrefilter::view(bytes, 42, &error);
  BOOST_REQUIRE_MESSAGE(viewed.has_value(), error);
  BOOST_TEST((run(*viewed, sample.texts) == run(built, sample.texts)));
  BOOST_TEST(viewed->serialize(42) == bytes);
  BOOST_TEST(!LiteralPrefilter::view(bytes, 43, &error).has_value());
  BOOST_TEST(error == "built for other patterns");
  // One byte off alignment: the table is copied, the answers are the same.
  const std::string shifted = " " + bytes;
  const auto copied = LiteralPrefilter::view(std::string_view(shifted).substr(1), 42, &error);
  BOOST_REQUIRE_MESSAGE(copied.has_value(), error);
  BOOST_TEST((run(*copied, sample.texts) == run(built, sample.texts)));

  // More states than 16 bits count: 32-bit transitions.
  std::mt19937 rng(5);
  const auto [literals, required] = random_literals(rng, 9000);
  const LiteralPrefilter large(required);
  BOOST_REQUIRE_GT(large.state_count(), 65536U);
  const std::string large_bytes = large.serialize(7);
  const auto large_viewed = LiteralPrefilter::view(large_bytes, 7, &error);
  BOOST_REQUIRE_MESSAGE(large_viewed.has_value(), error);
  BOOST_TEST(large_viewed->table_bytes() == large.table_bytes());
  std::vector<std::string> texts;
  texts.reserve(50);
  for (int t = 0; t < 50; ++t)
    texts.push_back(literals[rng() % literals.size()] + " x " +
                    literals[rng() % literals.size()].substr(2));
  BOOST_TEST((run(*large_viewed, texts) == run(large, texts)));
}

// Bytes that are not a consistent automaton are refused, whatever is wrong with them, and nothing
// refused is ever scanned; what is accepted after a random change scans without going out of range
// (run it under ASan: tests/fuzz/CMakeLists.txt's build).
BOOST_AUTO_TEST_CASE(damaged_automata_are_refused) {
  const Sample sample = rule_like_sample();
  const std::string bytes = LiteralPrefilter(sample.required).serialize(1);
  std::string error;
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    BOOST_TEST(!LiteralPrefilter::view(bytes.substr(0, cut), 1, &error).has_value(),
               "cut at " << cut);
  }
  BOOST_TEST(!LiteralPrefilter::view(bytes + std::string(64, '\0'), 1, &error).has_value());
  std::string other_version = bytes;
  other_version[6] = '9';
  BOOST_TEST(!LiteralPrefilter::view(other_version, 1, &error).has_value());
  BOOST_TEST(error == "not a prefilter automaton of this version");
  // The header's counts follow magic (8), byte order (4) and key (8): inflate the state count.
  std::string more_states = bytes;
  more_states[20 + 3 * 4] = static_cast<char>(0xff);
  BOOST_TEST(!LiteralPrefilter::view(more_states, 1, &error).has_value());
  // A transition to a state that does not exist (the table starts at the first 64-byte boundary
  // after the header and the 256 byte classes).
  std::string wild = bytes;
  constexpr std::size_t kHeader = 20 + 12 * 4;  // magic, byte order and key; then 12 counts
  const std::size_t table = (kHeader + 256 + 63) / 64 * 64;
  wild[table] = static_cast<char>(0xff);
  wild[table + 1] = static_cast<char>(0xff);
  BOOST_TEST(!LiteralPrefilter::view(wild, 1, &error).has_value());
  BOOST_TEST(error == "a truncated transition table or a transition out of range");

  std::mt19937 rng(9);
  std::size_t accepted = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string damaged = bytes;
    const std::size_t at = rng() % damaged.size();
    damaged[at] = static_cast<char>(damaged[at] ^ (1 + rng() % 255));
    const auto viewed = LiteralPrefilter::view(damaged, 1, &error);
    if (!viewed) continue;
    ++accepted;  // a changed class or an in-range number: still a consistent automaton
    (void)run(*viewed, sample.texts);
  }
  BOOST_TEST(accepted < 3000U);
}
