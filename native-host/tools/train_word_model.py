#!/usr/bin/env python3
"""Trains the AI rules' word models (native-host/src/engine/word_model.h) and writes them into the
family file (native-host/rules/ai.json, field "word_model"). Python 3 standard library only.

A word model lets a rule fire on wording its patterns did not foresee: per rule, a logistic
regression over the set of words and adjacent word pairs of a sentence, read exactly as the engine
reads them (ASCII letters and digits, lower-cased, one inner apostrophe kept).

Training data, all read in place:
- the project's own labelled sentences (tests/data/ai-labels/ai-challenge*.jsonl), except what the
  evaluations keep blind: the sets in BLIND_SETS, and the even-numbered lines of HALF_READ_SETS;
- the development label files (ai-labels, dev2, dev3), resolved from the OTA corpus (the held
  files stay out);
- each AI rule's own `examples` (positive for that rule) and `no_match` examples (negative for it);
- real sentences: CLAUDETTE's tos50-dev, ToS;DR's points-dev quotes and the latest versions of the
  development services' documents in the OTA corpus (held services excluded), labelled with what
  `clausewatch classify --patterns-only` finds in them.

Terms seen in fewer than --min-count training sentences are dropped before training; weights
smaller than --prune are dropped after it; weights are rounded to 3 decimals. Every rule gets
--threshold (a score of 1.0 is a probability of about 0.73). The real sentences' labels are only
what the patterns find, so a real sentence the patterns miss counts against its rule: the models
learn to stay quiet on ordinary terms. Runs are deterministic (fixed seeds, sorted terms). About a
minute.

  python3 native-host/tools/train_word_model.py --cli build/release/native-host/clausewatch
"""

import argparse
import collections
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "eval"))
import cwpack  # noqa: E402
import ota_sentences  # noqa: E402

LABELS_DIR = os.path.join(ROOT, "tests", "data", "ai-labels")
# Kept blind by the evaluations (tests/eval/README.md): never trained on.
BLIND_SETS = {3, 4, 7, 14, 17, 21, 23, 24, 26}
# Sets whose odd-numbered lines were read when patterns were written; their even-numbered lines
# stay unread and are not trained on.
HALF_READ_SETS = {2, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16, 18, 19, 20, 22, 25, 27, 28, 29, 30}
DEV_FILES = ("ai-labels.jsonl", "ai-labels-dev2.jsonl", "ai-labels-dev3.jsonl")
HELD_FILES = ("ai-labels-held.jsonl", "ai-labels-held2.jsonl")
FAMILY = "ai"

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def terms_of(text):
    """The sorted set of words and word pairs of `text`, as engine/word_model.h reads them."""
    words = WORD.findall(cwpack.normalise(text).lower())
    found = set(words)
    found.update(a + " " + b for a, b in zip(words, words[1:]))
    return sorted(found)


def set_number(name):
    match = re.fullmatch(r"ai-challenge(\d*)\.jsonl", name)
    if not match:
        return None
    return int(match.group(1) or 1)


def own_sentences():
    rows = []
    for name in sorted(os.listdir(LABELS_DIR)):
        number = set_number(name)
        if number is None or number in BLIND_SETS:
            continue
        lines = cwpack.read_jsonl(os.path.join(LABELS_DIR, name))
        for index, row in enumerate(lines):
            if number in HALF_READ_SETS and index % 2 == 1:
                continue  # an even-numbered line: unread
            rows.append({"text": row["text"], "labels": set(row["labels"]), "known": None})
    return rows


def dev_sentences():
    rows = []
    for name in DEV_FILES:
        references = cwpack.read_jsonl(os.path.join(LABELS_DIR, name))
        resolved, missing = ota_sentences.resolve(references, ota_sentences.DEFAULT_TARBALL)
        if missing:
            print("note: %d sentences of %s not resolved" % (len(missing), name), file=sys.stderr)
        rows += [{"text": r["text"], "labels": set(r["labels"]), "known": None} for r in resolved]
    return rows


def example_sentences(family):
    rows = []
    for provision in family["provisions"]:
        examples = provision.get("examples") or {}
        for text in examples.get("match", []):
            rows.append({"text": text, "labels": {provision["id"]}, "known": {provision["id"]}})
        for text in examples.get("no_match", []):
            rows.append({"text": text, "labels": set(), "known": {provision["id"]}})
    return rows


def real_texts():
    texts = []
    corpus = cwpack.DEFAULT_CORPUS
    for row in cwpack.read_jsonl(os.path.join(corpus, "claudette", "tos50-dev.jsonl")):
        if isinstance(row.get("text"), str) and row["text"]:
            texts.append(row["text"])
    for row in cwpack.read_jsonl(os.path.join(corpus, "tosdr", "points-dev.jsonl")):
        if row.get("quote"):
            texts.append(row["quote"])
    dev_services, held = set(), set()
    for name in DEV_FILES:
        for row in cwpack.read_jsonl(os.path.join(LABELS_DIR, name)):
            dev_services.add(row["path"].split("/")[1])
    for name in HELD_FILES:
        for row in cwpack.read_jsonl(os.path.join(LABELS_DIR, name)):
            parts = row["path"].split("/")
            held.add((parts[1], parts[2]))
    paths = sorted(version["path"] for key, version in ota_sentences.latest_versions().items()
                   if key[0] in dev_services and key not in held)
    members = ota_sentences.read_members(paths)
    for path in paths:
        if path in members:
            texts += ota_sentences.split_sentences(members[path])
    return texts


def patterns_only_labels(texts, cli):
    """What the rules' patterns alone find in each text (AI rules only)."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl") as batch:
        for text in texts:
            batch.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
        batch.flush()
        result = subprocess.run([cli, "classify", "--patterns-only", "--jsonl", batch.name],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        sys.exit("clausewatch classify failed: %s" % result.stderr.decode("utf-8", "replace"))
    lines = result.stdout.decode("utf-8").splitlines()
    if len(lines) != len(texts):
        sys.exit("classify returned %d lines for %d texts" % (len(lines), len(texts)))
    out = []
    for line in lines:
        found = json.loads(line).get("findings", [])
        out.append({f for f in found if isinstance(f, str) and f.startswith(FAMILY + ".")})
    return out


def train_one(rows, rule, epochs, rate, l2):
    """Logistic regression by stochastic gradient descent, for one rule."""
    data = [(row["terms"], 1.0 if rule in row["labels"] else 0.0)
            for row in rows if row["known"] is None or rule in row["known"]]
    shuffle = random.Random("word-model:" + rule)
    weights = collections.defaultdict(float)
    bias = 0.0
    for epoch in range(epochs):
        shuffle.shuffle(data)
        step = rate / (1 + epoch)
        for terms, truth in data:
            z = bias + sum(weights[t] for t in terms)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            gradient = p - truth
            if abs(gradient) < 1e-4:
                continue
            bias -= step * gradient
            for t in terms:
                weights[t] -= step * (gradient + l2 * weights[t])
    return bias, weights


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", help="the clausewatch binary (for the real sentences' labels)")
    parser.add_argument("--rules", default=cwpack.DEFAULT_RULES)
    parser.add_argument("--threshold", type=float, default=1.0,
                        help="score above which a rule fires (0 is probability one half)")
    parser.add_argument("--min-count", type=int, default=8)
    parser.add_argument("--prune", type=float, default=0.35)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--l2", type=float, default=1e-5)
    args = parser.parse_args()

    cli = cwpack.find_cli(args.cli)
    if cli is None:
        sys.exit("clausewatch CLI not found: build it, or pass --cli PATH")
    family_path = os.path.join(args.rules, FAMILY + ".json")
    with open(family_path, encoding="utf-8") as stream:
        family = json.load(stream)
    rules = [p["id"] for p in family["provisions"]
             if p.get("kind", "pattern") == "pattern" and p.get("patterns")]

    rows = own_sentences() + dev_sentences() + example_sentences(family)
    texts = real_texts()
    for text, found in zip(texts, patterns_only_labels(texts, cli)):
        rows.append({"text": text, "labels": found, "known": None})
    labelled = collections.Counter(label for row in rows for label in row["labels"])
    trained_rules = [rule for rule in rules if labelled[rule] >= 50]
    print("%d training sentences (%d real); rules with 50+ positives: %d of %d" %
          (len(rows), len(texts), len(trained_rules), len(rules)), file=sys.stderr)

    for row in rows:
        row["terms"] = terms_of(row["text"])
    counts = collections.Counter(t for row in rows for t in row["terms"])
    for row in rows:
        row["terms"] = [t for t in row["terms"] if counts[t] >= args.min_count]

    models = {}
    for rule in trained_rules:
        bias, weights = train_one(rows, rule, args.epochs, args.rate, args.l2)
        kept = [(t, round(w, 3)) for t, w in sorted(weights.items()) if abs(w) >= args.prune]
        models[rule] = {"bias": round(bias, 3), "threshold": args.threshold,
                        "terms": [t for t, _ in kept], "weights": [w for _, w in kept]}
        print("%-34s %5d positives, %5d weights" % (rule, labelled[rule], len(kept)),
              file=sys.stderr)

    family["word_model"] = {
        "$comment": "Trained by native-host/tools/train_word_model.py (min count %d, prune %g, "
                    "%d epochs); a rule fires where bias plus the weights of the sentence's words "
                    "and word pairs exceeds threshold (engine/word_model.h)." %
                    (args.min_count, args.prune, args.epochs),
        "rules": models,
    }
    with open(family_path, "w", encoding="utf-8") as stream:
        stream.write(json.dumps(family, indent=2, ensure_ascii=False) + "\n")
    print("wrote %s" % family_path, file=sys.stderr)


if __name__ == "__main__":
    main()
