#!/usr/bin/env bash
# `clausewatch export --sealed` then `clausewatch import` into a second archive, as real processes:
# the second archive ends with the same versions; a wrong passphrase and a flipped byte are refused
# with exit 1 and a named error, and leave the second archive as it was.
set -euo pipefail
cli=${1:?usage: sealed_cli_test.sh CLI OTA_DATASET_DIR}
dataset=${2:?usage: sealed_cli_test.sh CLI OTA_DATASET_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/a" "$work/b"
printf 'a passphrase for the test\n' >"$work/pass"
printf 'not the passphrase\n' >"$work/wrong"

fail() { echo "FAIL: $*" >&2; exit 1; }
versions() { sqlite3 "$1/archive.sqlite3" 'SELECT hash FROM versions ORDER BY hash' | sha256sum; }

CLAUSEWATCH_HOME="$work/a" "$cli" import-ota "$dataset" >/dev/null 2>&1 ||
  fail "import-ota of the sample dataset"
count=$(sqlite3 "$work/a/archive.sqlite3" 'SELECT count(*) FROM versions')
(( count >= 2 )) || fail "the first archive holds only $count versions"

CLAUSEWATCH_HOME="$work/a" "$cli" export --sealed "$work/out.cw" --passphrase-file "$work/pass" |
  grep -q "^wrote $work/out.cw: " || fail "export did not report what it wrote"
grep -aq "Terms" "$work/out.cw" && fail "the sealed file holds plaintext"

# Refusals first, so they are checked against an archive that must stay empty of versions.
CLAUSEWATCH_HOME="$work/b" "$cli" import "$work/out.cw" --passphrase-file "$work/wrong" \
  2>"$work/err" && fail "a wrong passphrase was accepted"
grep -q SYNC_WRONG_PASSPHRASE "$work/err" || fail "wrong passphrase: $(cat "$work/err")"
cp "$work/out.cw" "$work/flipped.cw"
size=$(stat -c %s "$work/flipped.cw")
# Invert the middle byte: writing a fixed value would leave it unchanged 1 time in 256.
middle=$(od -An -tu1 -j $((size / 2)) -N1 "$work/flipped.cw" | tr -d ' ')
printf "\\$(printf '%03o' $((255 - middle)))" |
  dd of="$work/flipped.cw" bs=1 seek=$((size / 2)) conv=notrunc status=none
cmp -s "$work/out.cw" "$work/flipped.cw" && fail "the test did not change the export"
CLAUSEWATCH_HOME="$work/b" "$cli" import "$work/flipped.cw" --passphrase-file "$work/pass" \
  2>"$work/err" && fail "a damaged export was accepted"
[[ -s "$work/err" ]] || fail "a damaged export gave no error"
if [[ -f "$work/b/archive.sqlite3" ]]; then
  left=$(sqlite3 "$work/b/archive.sqlite3" 'SELECT count(*) FROM versions')
  (( left == 0 )) || fail "a refused import left $left versions"
fi

CLAUSEWATCH_HOME="$work/b" "$cli" import "$work/out.cw" --passphrase-file "$work/pass" --json \
  >"$work/result.json" || fail "import with the right passphrase"
grep -q '"added"' "$work/result.json" || fail "import --json has no added count"
[[ "$(versions "$work/a")" == "$(versions "$work/b")" ]] || fail "the archives differ after import"
echo "sealed export/import: $count versions round-tripped; wrong passphrase and damaged file refused"
