#!/usr/bin/env python3
"""Scores the rule pack on ToS;DR points (default: corpus tosdr/points-dev.jsonl).

Each point is a quote from a real document mapped to a ToS;DR case. Points are positives only, so:
  * recall of case N   = share of case-N quotes that get the label "tosdr:N";
  * precision of N     = case-N hits / all quotes labelled "tosdr:N", counting quotes of OTHER cases
                         as negatives (noisy: another case's quote may also contain the provision).
A point's case is its `modern_case_id`; legacy points (no id) are mapped to a modern case when their
case title matches a modern title closely (word Jaccard >= 0.6 after light normalisation), which
links e.g. "This service forces users into binding arbitration..." to case 339. Only cases named by
some provision's `tosdr_cases` are scored. `--json` prints a JSON summary.
"""

import argparse
import json
import os
import re
import sys

import cwpack

_STOP = {"the", "a", "an", "of", "to", "and", "or", "is", "are", "be", "in", "this", "service",
         "you", "may", "can", "by", "for", "on", "as", "it", "its", "their", "any"}


def title_words(title):
    title = (title or "").lower()
    for old, new in (("the user", "you"), ("users", "you"), ("your", "you"), ("user", "you")):
        title = title.replace(old, new)
    return set(re.findall(r"[a-z]+", title)) - _STOP


def case_resolver(cases_path):
    modern = [c for c in cwpack.read_jsonl(cases_path) if c.get("source") == "modern"]
    modern_words = [(c["id"], title_words(c["title"])) for c in modern]
    cache = {}

    def resolve(point):
        if point.get("modern_case_id") is not None:
            return int(point["modern_case_id"])
        title = point.get("case") or ""
        if title not in cache:
            words = title_words(title)
            best, best_score = None, 0.0
            for case_id, other in modern_words:
                union = words | other
                score = len(words & other) / len(union) if union else 0.0
                if score > best_score:
                    best, best_score = case_id, score
            cache[title] = best if best_score >= 0.6 else None
        return cache[title]

    return resolve, {c["id"]: c for c in modern}


def mapped_cases(rules_dir):
    cases = {}
    for provision in cwpack.load_pack(rules_dir):
        for case_id in provision.get("tosdr_cases", []):
            cases.setdefault(case_id, []).append(provision["id"])
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?",
                        default=os.path.join(cwpack.DEFAULT_CORPUS, "tosdr", "points-dev.jsonl"))
    parser.add_argument("--cases", default=os.path.join(cwpack.DEFAULT_CORPUS, "tosdr", "cases.jsonl"))
    cwpack.add_engine_arguments(parser)
    parser.add_argument("--errors", type=int, metavar="CASE", help="list misses and false hits")
    parser.add_argument("--min-recall", action="append", default=[], metavar="CASE=VALUE")
    args = parser.parse_args()

    resolve, case_info = case_resolver(args.cases)
    wanted = mapped_cases(args.rules)
    points = [p for p in cwpack.read_jsonl(args.input) if (p.get("quote") or "").strip()]
    for point in points:
        point["case_id"] = resolve(point)
        point["text"] = point["quote"]
    scored = [p for p in points if p["case_id"] is not None]
    classified = cwpack.classify_rows(scored, args.engine, args.cli, args.rules)

    if args.errors is not None:
        label = "tosdr:%d" % args.errors
        for row in classified:
            truth, predicted = row["case_id"] == args.errors, label in row["labels"]
            if truth != predicted:
                print("%s [%s] %s" % ("FN" if truth else "FP(case %s)" % row["case_id"],
                                      ",".join(row["findings"]),
                                      row["text"].replace("\n", " ")[:300]))
        return 0

    per_case = {}
    for case_id in sorted(wanted):
        label = "tosdr:%d" % case_id
        positives = [r for r in classified if r["case_id"] == case_id]
        hits = sum(label in r["labels"] for r in positives)
        false_hits = sum(label in r["labels"] for r in classified if r["case_id"] != case_id)
        recall = hits / len(positives) if positives else None
        precision = hits / (hits + false_hits) if hits + false_hits else None
        per_case[case_id] = {
            "title": case_info.get(case_id, {}).get("title", "?"),
            "classification": case_info.get(case_id, {}).get("classification", "?"),
            "rules": wanted[case_id], "quotes": len(positives), "hits": hits,
            "other_case_hits": false_hits, "recall": recall, "precision": precision,
        }
    with_support = [c for c in per_case.values() if c["quotes"]]
    total_hits = sum(c["hits"] for c in with_support)
    total_quotes = sum(c["quotes"] for c in with_support)
    total_false = sum(c["other_case_hits"] for c in with_support)
    summary = {
        "input": args.input, "engine": args.engine, "points": len(points),
        "points_with_case": len(scored), "cases": per_case,
        "micro_recall": total_hits / total_quotes if total_quotes else None,
        "micro_precision": (total_hits / (total_hits + total_false)
                            if total_hits + total_false else None),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print("ToS;DR evaluation: %s (%d quotes, %d with a resolved case, engine %s)" %
              (args.input, len(points), len(scored), args.engine))
        print("%5s %-8s %6s %5s %6s %7s %9s  %s" %
              ("case", "class", "quotes", "hits", "others", "recall", "precision", "title"))
        for case_id, c in per_case.items():
            fmt = lambda v: "%.3f" % v if v is not None else "  -  "
            print("%5d %-8s %6d %5d %6d %7s %9s  %s" %
                  (case_id, c["classification"], c["quotes"], c["hits"], c["other_case_hits"],
                   fmt(c["recall"]), fmt(c["precision"]), c["title"][:60]))
        print("over cases with quotes: recall %s, precision against other cases' quotes %s" %
              (("%.3f" % summary["micro_recall"]) if summary["micro_recall"] is not None else "-",
               ("%.3f" % summary["micro_precision"]) if summary["micro_precision"] is not None
               else "-"))

    failures = []
    for item in args.min_recall:
        case_id, _, value = item.partition("=")
        recall = per_case.get(int(case_id), {}).get("recall")
        if recall is None or recall < float(value):
            failures.append("case %s recall %s < %s" % (case_id, recall, value))
    for failure in failures:
        print("REGRESSION: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
