// Button-role classifier evaluation on the labelled control texts of the shared corpus
// (corpus/banners/button-texts-alsacnc.csv, read in place). Prints a confusion matrix and, per
// role, recall (share of texts with that label classified as it) and precision.
//
//   banner_role_eval [CSV] [--min-overall F] [--min-recall role=F ...] [--errors N]
// With minimums it exits 1 when a figure falls below them (the ctest guard).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "banner/role_classifier.h"
#include "banner/rules.h"

namespace {

// RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines.
std::vector<std::vector<std::string>> read_csv(std::istream& in) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  char c = 0;
  while (in.get(c)) {
    if (quoted) {
      if (c == '"') {
        if (in.peek() == '"') {
          field.push_back('"');
          in.get(c);
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else if (c != '\r') {
      field.push_back(c);
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string role_of_label(const std::string& label) {
  if (label == "Accept") return "accept";
  if (label == "Reject") return "reject";
  if (label == "Cookies settings") return "settings";
  if (label == "Save cookie settings") return "save";
  if (label == "Close/Continue without accepting") return "close";
  if (label == "Other") return "other";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  std::string csv_path = std::string(CW_CORPUS_DIR) + "/banners/button-texts-alsacnc.csv";
  double min_overall = 0;
  std::map<std::string, double> min_recall;
  int show_errors = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--min-overall" && i + 1 < argc) {
      min_overall = std::atof(argv[++i]);
    } else if (arg == "--min-recall" && i + 1 < argc) {
      const std::string spec = argv[++i];
      const auto eq = spec.find('=');
      min_recall[spec.substr(0, eq)] = std::atof(spec.substr(eq + 1).c_str());
    } else if (arg == "--errors" && i + 1 < argc) {
      show_errors = std::atoi(argv[++i]);
    } else {
      csv_path = arg;
    }
  }
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << csv_path << '\n';
    return 2;
  }
  auto rules = cw::banner::BannerRules::instance();
  if (!rules) {
    std::cerr << rules.error().to_string() << '\n';
    return 2;
  }
  const auto rows = read_csv(in);
  const std::vector<std::string> roles = {"accept", "reject", "settings", "save", "close", "other"};
  std::map<std::string, std::map<std::string, int>> confusion;
  int total = 0;
  int correct = 0;
  std::map<std::string, std::vector<std::string>> errors;
  for (std::size_t r = 1; r < rows.size(); ++r) {  // row 0 is the header
    if (rows[r].size() < 2) continue;
    const std::string expected = role_of_label(rows[r][1]);
    if (expected.empty()) continue;
    const auto got =
        std::string(cw::banner::to_string((*rules)->classifier().classify(rows[r][0]).role));
    ++confusion[expected][got];
    ++total;
    if (got == expected) {
      ++correct;
    } else if (static_cast<int>(errors[expected].size()) < show_errors) {
      errors[expected].push_back(got + " <- " + rows[r][0].substr(0, 80));
    }
  }
  std::printf("Button-role classifier on %s\n%d texts, overall accuracy %.1f%%\n\n",
              csv_path.c_str(), total, total ? 100.0 * correct / total : 0.0);
  std::printf("%-10s", "label\\got");
  for (const auto& role : roles) std::printf("%9s", role.c_str());
  std::printf("%9s%11s%11s\n", "n", "recall", "precision");
  bool ok = total > 0 && 100.0 * correct / total >= min_overall;
  for (const auto& expected : roles) {
    int n = 0;
    for (const auto& got : roles) n += confusion[expected][got];
    int predicted = 0;
    for (const auto& other : roles) predicted += confusion[other][expected];
    const double recall = n ? 100.0 * confusion[expected][expected] / n : 0;
    const double precision = predicted ? 100.0 * confusion[expected][expected] / predicted : 0;
    std::printf("%-10s", expected.c_str());
    for (const auto& got : roles) std::printf("%9d", confusion[expected][got]);
    std::printf("%9d%10.1f%%%10.1f%%\n", n, recall, precision);
    if (min_recall.count(expected) && recall < min_recall[expected]) {
      std::printf("  FAIL: %s recall %.1f%% < %.1f%%\n", expected.c_str(), recall,
                  min_recall[expected]);
      ok = false;
    }
  }
  for (const auto& [role, list] : errors) {
    std::printf("\nmisclassified %s:\n", role.c_str());
    for (const auto& e : list) std::printf("  %s\n", e.c_str());
  }
  if (!ok) std::printf("\nFAIL: below the guard levels\n");
  return ok ? 0 : 1;
}
