"""Reads Open Terms Archive versions straight from corpus/ota/versions.tar.zst and splits them into
sentences the same way every time, so labels can refer to a sentence by path and hash instead of
storing its text. Standard library plus the `zstd` command-line tool (Debian package zstd).
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile

import cwpack

DEFAULT_TARBALL = os.path.join(cwpack.DEFAULT_CORPUS, "ota", "versions.tar.zst")
DEFAULT_INDEX = os.path.join(cwpack.DEFAULT_CORPUS, "ota", "index.jsonl")

_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"(\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)|`)")
_LINE_PREFIX = re.compile(r"^\s*(#{1,6}\s+|>\s*|[-*+]\s+|\d{1,3}[.)]\s+|\|)")
# A sentence ends at . ! ? (optionally followed by a quote or bracket) before whitespace and an
# upper-case letter, digit, quote or bracket; common abbreviations do not end one.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "Inc.", "Ltd.", "Co.", "U.S.", "No.", "Mr.", "Ms.",
                  "Dr.", "St.", "vs.", "Corp.", "L.L.C.", "cf.", "approx.", "Sec.", "art.")


def markdown_to_lines(text):
    lines = []
    for raw in text.splitlines():
        line = _MARKDOWN_LINK.sub(r"\1", raw)
        line = _LINE_PREFIX.sub("", line)
        line = _MARKUP.sub("", line).replace("|", " ")
        line = line.strip()
        if line and not re.fullmatch(r"[-=:| ]+", line):
            lines.append(line)
    return lines


def split_sentences(text):
    """Sentences of one document, each normalised (cwpack.normalise)."""
    sentences = []
    for line in markdown_to_lines(text):
        line = cwpack.normalise(line)
        pieces = _BOUNDARY.split(line)
        merged = []
        for piece in pieces:
            if merged and merged[-1].endswith(_ABBREVIATIONS):
                merged[-1] += " " + piece
            else:
                merged.append(piece)
        sentences.extend(p.strip() for p in merged if len(p.strip()) >= 3)
    return sentences


def sentence_hash(sentence):
    return hashlib.sha256(sentence.encode("utf-8")).hexdigest()


def read_members(paths, tarball=DEFAULT_TARBALL):
    """{path: text} for index paths (`versions/` + path in the tarball), streaming through zstd."""
    wanted = {"versions/" + path: path for path in paths}
    found = {}
    process = subprocess.Popen(["zstd", "-dc", tarball], stdout=subprocess.PIPE)
    try:
        with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
            for member in archive:
                if member.name in wanted and member.isfile():
                    data = archive.extractfile(member).read()
                    found[wanted[member.name]] = data.decode("utf-8", "replace")
                    if len(found) == len(wanted):
                        break
    finally:
        process.stdout.close()
        process.wait()
    return found


def latest_versions(index=DEFAULT_INDEX, collections=None):
    """The newest version path per (service, terms type)."""
    latest = {}
    with open(index, encoding="utf-8") as stream:
        for line in stream:
            row = json.loads(line)
            if collections and row["collection"] not in collections:
                continue
            key = (row["service"], row["terms_type"])
            if key not in latest or row["date"] > latest[key]["date"]:
                latest[key] = row
    return latest


def resolve(references, tarball=DEFAULT_TARBALL):
    """Rows that refer to a sentence by `path` and `sha256`, each returned with its `text`, and
    the (row, reason) pairs that no longer resolve (version missing, or its text changed)."""
    if not os.path.exists(tarball):
        print("SKIP: %s does not exist" % tarball, file=sys.stderr)
        sys.exit(cwpack.SKIP_EXIT_CODE)
    texts = read_members(sorted({row["path"] for row in references}), tarball)
    rows, missing = [], []
    by_path = {}
    for row in references:
        if row["path"] not in texts:
            missing.append((row, "version not in tarball"))
            continue
        if row["path"] not in by_path:
            sentences = split_sentences(texts[row["path"]])
            by_path[row["path"]] = {sentence_hash(s): s for s in sentences}
        text = by_path[row["path"]].get(row["sha256"])
        if text is None:
            missing.append((row, "sentence hash not found"))
            continue
        rows.append(dict(row, text=text))
    return rows, missing
