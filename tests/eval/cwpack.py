"""Shared helpers for the ClauseWatch accuracy evaluations (Python 3 standard library only).

The evaluations score whatever the engine does: by default they pipe JSON lines through
`clausewatch classify --jsonl` and read back `findings` and `labels`. For rule development before
the engine exists, `--engine python` runs the rule pack with Python's `re` on text normalised the
way the engine does it; that path is a development aid, not the measurement.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_CORPUS = os.path.normpath(os.path.join(PROJECT_ROOT, "..", "shared", "corpus"))
DEFAULT_RULES = os.path.join(PROJECT_ROOT, "native-host", "rules")
FAMILIES = ("dispute", "liability", "change", "privacy", "ai", "cookies")
# ctest treats this exit code as "skipped" (SKIP_RETURN_CODE): the engine or data is missing.
SKIP_EXIT_CODE = 77


def read_jsonl(path):
    if not os.path.exists(path):
        print("SKIP: %s does not exist" % path, file=sys.stderr)
        sys.exit(SKIP_EXIT_CODE)
    with open(path, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def find_cli(explicit=None):
    """The clausewatch binary: --cli (used alone when given), $CW_CLI_BINARY, a build dir, PATH."""
    if explicit:
        return explicit if os.path.isfile(explicit) and os.access(explicit, os.X_OK) else None
    candidates = [os.environ.get("CW_CLI_BINARY")]
    build_root = os.path.join(PROJECT_ROOT, "build")
    if os.path.isdir(build_root):
        for name in sorted(os.listdir(build_root)):
            candidates.append(os.path.join(build_root, name, "native-host", "clausewatch"))
    candidates.append(shutil.which("clausewatch"))
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


# --- Normalisation used by the Python development engine (mirrors native-host/src/text) ---------

_PUNCT = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u00a0": " ", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
    "\u2026": "...",
})
_SPACES = re.compile(r"\s+")


def normalise(text):
    text = unicodedata.normalize("NFKC", text or "").translate(_PUNCT)
    text = text.replace("\\", "")  # Markdown escapes
    return _SPACES.sub(" ", text).strip()


# --- Scan view (mirrors native-host/src/text/scan_mask.cpp) -------------------------------------
# Dots that do not end a sentence ("Booking.com", "e.g.", "U.S.", "3.5", "Inc. is") become \x1f, one
# byte for one byte, so the rules' [^.;] gaps run across them; a rule's own `\.` matches both.

MASKED_DOT = "\x1f"
_ABBREVIATIONS = frozenset((
    "no.", "nos.", "inc.", "ltd.", "co.", "corp.", "llc.", "plc.", "u.s.", "u.k.", "e.u.", "e.g.",
    "i.e.", "mr.", "mrs.", "ms.", "dr.", "st.", "sec.", "secs.", "art.", "arts.", "para.", "paras.",
    "vs.", "v.", "cf.", "approx.", "fig.", "p.", "pp.", "ch.", "cal.", "civ.", "proc.", "reg.",
    "regs.", "stat.", "u.s.c.", "c.f.r.", "jr.", "sr.", "dept.", "ave."))
_DOTTED_INITIALS = re.compile(r"(?:[A-Za-z]\.){2,}\Z")
_WORD_BYTE = re.compile(r"[A-Za-z0-9\u0080-\U0010ffff]")


def _ascii_alnum(c):
    return c.isascii() and c.isalnum()


def _ends_abbreviation(text, dot):
    start = dot
    while start > 0 and text[start - 1] not in " \n(\"'[-/":
        if dot - start >= 16:  # longer than any abbreviation (bounds the look-back)
            return False
        start -= 1
    word = text[start:dot + 1].lower()
    return len(word) >= 2 and (word in _ABBREVIATIONS or bool(_DOTTED_INITIALS.match(word)))


def mask_dots(text):
    chars = list(text)
    for i in range(len(text) - 1, -1, -1):
        if text[i] != "." or i == 0 or not _ascii_alnum(text[i - 1]):
            continue
        if i + 1 < len(text) and _ascii_alnum(text[i + 1]):
            chars[i] = MASKED_DOT
        elif _ends_abbreviation(text, i) and _WORD_BYTE.search(text, i + 1):
            chars[i] = MASKED_DOT
    return "".join(chars)


def scan_pattern(pattern):
    out, i, in_class, negated = [], 0, False, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            if pattern[i + 1] == "." and not in_class:
                out.append(r"[.\x1f]")
            else:
                out.append(pattern[i:i + 2])
                if pattern[i + 1] == "." and not negated:
                    out.append(r"\x1f")
            i += 2
            continue
        out.append(c)
        i += 1
        if not in_class and c == "[":
            in_class, negated = True, False
            if pattern[i:i + 1] == "^":
                out.append("^")
                i += 1
                negated = True
            if pattern[i:i + 1] == "]":
                out.append("]")
                i += 1
        elif in_class and c == "[" and pattern[i:i + 1] == ":":
            close = pattern.find(":]", i + 1)
            if close >= 0:
                out.append(pattern[i:close + 2])
                i = close + 2
        elif in_class and c == "." and not negated:
            out.append(r"\x1f")
        elif in_class and c == "]":
            in_class = False
    return "".join(out)


# --- Rule pack --------------------------------------------------------------------------------

def load_pack(rules_dir=DEFAULT_RULES):
    provisions = []
    for family in FAMILIES:
        path = os.path.join(rules_dir, family + ".json")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as stream:
            pack = json.load(stream)
        words = pack.get("vocabulary", {})
        for provision in pack["provisions"]:
            provision = dict(provision)
            provision["family"] = family
            for field in ("patterns", "unless"):
                if field in provision:
                    provision[field] = [_write_out(p, words) for p in provision[field]]
            provisions.append(provision)
    return provisions


def _write_out(pattern, words):
    # {{NAME}} stands for the family's vocabulary word NAME (as the engine's rule_pack.cpp reads it).
    return re.sub(r"\{\{([A-Z][A-Z0-9_]*)\}\}", lambda m: words[m.group(1)], pattern)


def _python_flags(pattern):
    # RE2's \b \w \s are ASCII; make Python's the same.
    return re.compile(pattern, re.ASCII)


class PythonEngine:
    """Runs the pack with Python's re on one normalised text (development aid)."""

    def __init__(self, rules_dir=DEFAULT_RULES):
        self.provisions = load_pack(rules_dir)
        self.compiled = []
        for provision in self.provisions:
            if provision.get("kind", "pattern") != "pattern":
                continue
            patterns = [_python_flags(scan_pattern(p)) for p in provision["patterns"]]
            unless = [_python_flags(scan_pattern(p)) for p in provision.get("unless", [])]
            self.compiled.append((provision, patterns, unless))
        self.missing = [p for p in self.provisions if p.get("kind") == "missing_protection"]

    def labels_of(self, provision):
        labels = list(provision.get("claudette", []))
        labels += ["tosdr:%d" % case for case in provision.get("tosdr_cases", [])]
        return labels

    def classify(self, text):
        sentence = mask_dots(normalise(text))
        found = []
        for provision, patterns, unless in self.compiled:
            if any(p.search(sentence) for p in patterns) and not any(
                    u.search(sentence) for u in unless):
                found.append(provision)
        ids = {p["id"] for p in found}
        for provision in self.missing:
            if ids & set(provision["when_present"]) and not ids & set(provision["when_absent"]):
                found.append(provision)
        labels = []
        for provision in found:
            for label in self.labels_of(provision):
                if label not in labels:
                    labels.append(label)
        return [p["id"] for p in found], labels


def classify_rows(rows, engine="cli", cli=None, rules_dir=DEFAULT_RULES):
    """Returns rows with `findings` and `labels` filled in by the chosen engine."""
    if engine == "python":
        python_engine = PythonEngine(rules_dir)
        out = []
        for row in rows:
            findings, labels = python_engine.classify(row["text"])
            out.append(dict(row, findings=findings, labels=labels))
        return out
    binary = find_cli(cli)
    if binary is None:
        sys.exit("clausewatch CLI not found: build it, or pass --cli PATH (or --engine python)")
    probe = subprocess.run([binary, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           check=False)
    subcommands = probe.stdout.decode("utf-8", "replace")
    if re.search(r"^\s+classify\b", subcommands, re.MULTILINE):
        return _classify_with_cli(rows, binary)
    if re.search(r"^\s+call\b", subcommands, re.MULTILINE):
        print("note: %s has no `classify` yet; scoring through the page.analyze action "
              "(`clausewatch call`), one paragraph block per sentence" % binary, file=sys.stderr)
        return _classify_with_page_analyze(rows, binary)
    print("SKIP: %s has neither `classify` nor `call`" % binary, file=sys.stderr)
    sys.exit(SKIP_EXIT_CODE)


def _classify_with_cli(rows, binary):
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl") as batch:
        for row in rows:
            batch.write(json.dumps({"text": row["text"] or ""}, ensure_ascii=False) + "\n")
        batch.flush()
        result = subprocess.run([binary, "classify", "--jsonl", batch.name],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        sys.exit("clausewatch classify failed (%d): %s" %
                 (result.returncode, result.stderr.decode("utf-8", "replace")[:2000]))
    lines = [line for line in result.stdout.decode("utf-8").splitlines() if line.strip()]
    if len(lines) != len(rows):
        sys.exit("clausewatch classify returned %d lines for %d inputs" % (len(lines), len(rows)))
    out = []
    for row, line in zip(rows, lines):
        record = json.loads(line)
        findings = [f if isinstance(f, str) else f.get("rule_id") for f in record.get("findings", [])]
        out.append(dict(row, findings=findings, labels=[str(x) for x in record.get("labels", [])]))
    return out


# One page.analyze call carries at most this many sentences / bytes (argv limit is 128 KiB).
_PAGE_BLOCKS = 250
_PAGE_BYTES = 100_000


def _classify_with_page_analyze(rows, binary):
    """Each row becomes one paragraph block; rows are grouped by `doc_type` (default Terms of
    Service) into pages. Missing-protection findings (block-less, per page) are ignored."""
    out = [dict(row, findings=[], labels=[]) for row in rows]
    groups = {}
    for index, row in enumerate(rows):
        groups.setdefault(row.get("doc_type") or "Terms of Service", []).append(index)
    with tempfile.TemporaryDirectory(prefix="cw-eval-") as home:
        env = dict(os.environ, CLAUSEWATCH_HOME=home)
        for doc_type, indices in groups.items():
            start = 0
            while start < len(indices):
                page, size = [], 0
                while start < len(indices) and len(page) < _PAGE_BLOCKS:
                    length = len((rows[indices[start]]["text"] or "").encode("utf-8"))
                    if page and size + length > _PAGE_BYTES:
                        break
                    page.append(indices[start])
                    size += length
                    start += 1
                payload = {"url": "https://eval.invalid/%d" % start, "title": "evaluation",
                           "doc_type": doc_type,
                           "blocks": [{"kind": "paragraph", "text": (rows[i]["text"] or "").strip() or "-"}
                                      for i in page]}
                result = subprocess.run([binary, "call", "page.analyze", json.dumps(payload)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env=env, check=False)
                reply = json.loads(result.stdout.decode("utf-8") or "{}")
                if not reply.get("ok"):
                    sys.exit("page.analyze failed: %s" % json.dumps(reply.get("error"))[:2000])
                # Rule texts and labels come once per rule in `rules` (older hosts put them
                # on each finding).
                rule_texts = reply["result"].get("rules", {})
                for finding in reply["result"].get("findings", []):
                    if finding.get("missing_protection"):
                        continue
                    target = out[page[finding["block"]]]
                    if finding["rule_id"] not in target["findings"]:
                        target["findings"].append(finding["rule_id"])
                    labels = rule_texts.get(finding["rule_id"], finding).get("labels", [])
                    for label in labels:
                        if label not in target["labels"]:
                            target["labels"].append(label)
    return out


def add_engine_arguments(parser):
    parser.add_argument("--engine", choices=("cli", "python"), default="cli",
                        help="cli: score `clausewatch classify --jsonl` (default); "
                             "python: run the pack with Python re (development aid)")
    parser.add_argument("--cli", help="path to the clausewatch binary")
    parser.add_argument("--rules", default=DEFAULT_RULES, help="rule pack directory (python engine)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead of a table")


def prf(tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
