#!/usr/bin/env python3
"""Scores the AI-family rules on the project's own labelled sentences from the OTA AI corpus.

The labels file (default tests/data/ai-labels/ai-labels.jsonl) stores only references: the version
`path` inside corpus/ota/versions.tar.zst, the `sentence_index` and `sha256` of the sentence as
ota_sentences.split_sentences() produces it, and `labels` (rule ids). The text is re-extracted from
the tarball at run time; a sentence whose hash no longer matches is reported and skipped.
A file whose rows all carry `text` instead (sentences written by the project, such as
ai-challenge.jsonl) is scored as it is.
Prints precision/recall/F1 per labelled rule id; `--json` for a JSON summary; `--errors ID` lists
mistakes for one rule; `--min-f1 ID=VALUE` / `--min-macro` make it a regression guard.
"""

import argparse
import json
import os
import sys

import cwpack
import ota_sentences

DEFAULT_LABELS = os.path.join(cwpack.PROJECT_ROOT, "tests", "data", "ai-labels", "ai-labels.jsonl")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("labels", nargs="?", default=DEFAULT_LABELS)
    parser.add_argument("--tarball", default=ota_sentences.DEFAULT_TARBALL)
    cwpack.add_engine_arguments(parser)
    parser.add_argument("--errors", metavar="RULE_ID")
    parser.add_argument("--min-macro", type=float)
    parser.add_argument("--min-f1", action="append", default=[], metavar="RULE_ID=VALUE")
    args = parser.parse_args()

    labels = cwpack.read_jsonl(args.labels)
    # Rows that carry their own `text` (sentences we wrote) need no corpus; references do.
    if all("text" in row and "path" not in row for row in labels):
        rows, missing = [dict(row, service=row.get("service", "-")) for row in labels], []
    else:
        rows, missing = ota_sentences.resolve(labels, args.tarball)
    classified = cwpack.classify_rows(rows, args.engine, args.cli, args.rules)
    label_ids = sorted({label for row in labels for label in row["labels"]})

    if args.errors:
        for original, row in zip(rows, classified):
            truth = args.errors in original["labels"]
            predicted = args.errors in row["findings"]
            if truth != predicted:
                print("%s %s | %s" % ("FN" if truth else "FP", original["service"], original["text"]))
        return 0

    per_rule = {}
    for rule_id in label_ids:
        tp = fp = fn = 0
        for original, row in zip(rows, classified):
            truth = rule_id in original["labels"]
            predicted = rule_id in row["findings"]
            tp += truth and predicted
            fp += predicted and not truth
            fn += truth and not predicted
        precision, recall, f1 = cwpack.prf(tp, fp, fn)
        per_rule[rule_id] = {"support": tp + fn, "tp": tp, "fp": fp, "fn": fn,
                             "precision": precision, "recall": recall, "f1": f1}
    totals = [sum(r[k] for r in per_rule.values()) for k in ("tp", "fp", "fn")]
    summary = {
        "labels_file": args.labels, "engine": args.engine, "sentences": len(rows),
        "unresolved": len(missing), "services": len({row["service"] for row in rows}),
        "rules": per_rule, "micro_f1": cwpack.prf(*totals)[2],
        "macro_f1": sum(r["f1"] for r in per_rule.values()) / max(1, len(per_rule)),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print("AI provisions evaluation: %s (%d sentences from %d services, %d unresolved, "
              "engine %s)" % (args.labels, len(rows), summary["services"], len(missing),
                              args.engine))
        print("%-34s %7s %4s %4s %4s %9s %7s %6s" %
              ("rule", "support", "tp", "fp", "fn", "precision", "recall", "F1"))
        for rule_id, r in per_rule.items():
            print("%-34s %7d %4d %4d %4d %9.3f %7.3f %6.3f" %
                  (rule_id, r["support"], r["tp"], r["fp"], r["fn"], r["precision"], r["recall"],
                   r["f1"]))
        print("micro-F1 %.3f  macro-F1 %.3f" % (summary["micro_f1"], summary["macro_f1"]))
        for row, why in missing[:10]:
            print("unresolved: %s #%s (%s)" % (row["path"], row.get("sentence_index"), why),
                  file=sys.stderr)

    failures = []
    if args.min_macro is not None and summary["macro_f1"] < args.min_macro:
        failures.append("macro-F1 %.3f < %.3f" % (summary["macro_f1"], args.min_macro))
    for item in args.min_f1:
        rule_id, _, value = item.partition("=")
        if per_rule.get(rule_id, {"f1": 0.0})["f1"] < float(value):
            failures.append("%s F1 %.3f < %s" % (rule_id, per_rule.get(rule_id, {"f1": 0})["f1"],
                                                 value))
    if missing and len(missing) > len(labels) // 10:
        failures.append("%d of %d labelled sentences could not be resolved" %
                        (len(missing), len(labels)))
    for failure in failures:
        print("REGRESSION: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
