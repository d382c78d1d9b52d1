#!/usr/bin/env python3
"""Reads the blind second opinion on CLAUDETTE sentences (tests/data/claudette-adjudication) and
prints, per category, how often the second annotator said "yes" to each kind of sentence that was
drawn: our false positives (fp), a sample of our true positives (tp), of our misses (fn) and of
hard negatives (hn: no gold label, not predicted, but with the category's key words).

With --cli it also runs the current rules over the CLAUDETTE dev set and estimates precision as
the second annotator would score it: each current true positive counts with the "yes" rate of
the tp sample, each current false positive with the "yes" rate of the fp sample. This is an
estimate of how much of the remaining precision gap is the gold labels' omissions; it does not
replace the gold labels, and the targets are still measured against them.
"""

import argparse
import collections
import json
import os
import subprocess
import sys

import cwpack

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FILE = os.path.normpath(os.path.join(HERE, "..", "data", "claudette-adjudication",
                                             "adjudication.jsonl"))
KINDS = ("tp", "fp", "fn", "hn")


def rates(rows):
    counts = collections.Counter((r["category"], r["drawn_as"], r["answer"]) for r in rows)
    table = {}
    for category in sorted({r["category"] for r in rows}):
        table[category] = {}
        for kind in KINDS:
            yes, no, unsure = (counts[(category, kind, a)] for a in ("yes", "no", "unsure"))
            decided = yes + no
            table[category][kind] = {"yes": yes, "no": no, "unsure": unsure,
                                     "yes_rate": yes / decided if decided else None}
    return table


def check(rows, corpus):
    if not os.path.exists(corpus):
        print("skipped: %s not found" % corpus)
        return 77
    with open(corpus, encoding="utf-8") as handle:
        sentences = {(r["doc"], r["idx"]) for r in map(json.loads, handle)}
    problems = []
    for number, row in enumerate(rows, 1):
        if (row.get("doc"), row.get("idx")) not in sentences:
            problems.append("row %d: no sentence %r/%r in the corpus" % (number, row.get("doc"),
                                                                         row.get("idx")))
        if row.get("category") not in ("A", "CH", "CR", "J", "LAW", "LTD", "TER", "USE"):
            problems.append("row %d: unknown category %r" % (number, row.get("category")))
        if row.get("drawn_as") not in KINDS or row.get("answer") not in ("yes", "no", "unsure"):
            problems.append("row %d: bad drawn_as/answer" % number)
    for problem in problems:
        print(problem)
    print("%d rows, %d problems" % (len(rows), len(problems)))
    return 1 if problems else 0


def current_counts(cli, corpus):
    out = subprocess.run([sys.executable, os.path.join(HERE, "eval_claudette.py"), "--json",
                          "--cli", cli, corpus], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["categories"]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", default=DEFAULT_FILE)
    parser.add_argument("--cli", help="clausewatch binary: also estimate adjudicated precision")
    parser.add_argument("--corpus", default=os.path.join(cwpack.DEFAULT_CORPUS, "claudette",
                                                        "tos50-dev.jsonl"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--check", action="store_true",
                        help="only check that every row is well-formed and names a corpus sentence")
    args = parser.parse_args()
    with open(args.file, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    if args.check:
        return check(rows, args.corpus)
    table = rates(rows)
    if args.cli:
        for category, now in current_counts(args.cli, args.corpus).items():
            if category not in table:
                continue
            tp_rate = table[category]["tp"]["yes_rate"]
            fp_rate = table[category]["fp"]["yes_rate"]
            predicted = now["tp"] + now["fp"]
            table[category]["now"] = {
                "tp": now["tp"], "fp": now["fp"], "gold_precision": now["precision"],
                "adjudicated_precision": (now["tp"] * tp_rate + now["fp"] * fp_rate) / predicted
                if predicted and tp_rate is not None and fp_rate is not None else None}
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    print("blind second opinion (%s): 'yes' / decided, per kind of sentence drawn" % args.file)
    print("cat   " + "".join("%-14s" % kind for kind in KINDS) + ("  precision gold -> adjudicated"
                                                              if args.cli else ""))
    for category, kinds in table.items():
        cells = "".join("%-14s" % ("%d/%d" % (k["yes"], k["yes"] + k["no"]) +
                                   (" (+%d?)" % k["unsure"] if k["unsure"] else ""))
                        for k in (kinds[kind] for kind in KINDS))
        extra = ""
        if "now" in kinds and kinds["now"]["adjudicated_precision"] is not None:
            extra = "  %.3f -> %.3f" % (kinds["now"]["gold_precision"],
                                        kinds["now"]["adjudicated_precision"])
        print("%-6s%s%s" % (category, cells, extra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
