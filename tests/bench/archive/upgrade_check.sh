#!/bin/bash
# An archive written by an older clausewatch, opened (and so upgraded) by a newer one: change
# records and history read the same, every sighting exports byte-identical, a re-import adds
# nothing. Not a ctest: it needs a build of the older commit.
#
#   upgrade_check.sh OLD_CLAUSEWATCH NEW_CLAUSEWATCH [DATASET]
#   e.g. git archive <old commit> | tar -x -C /tmp/old/src, build clausewatch there, then
#   tests/bench/archive/upgrade_check.sh /tmp/old/build/native-host/clausewatch \
#       build/archive-rel/native-host/clausewatch
set -u
OLD=$1
NEW=$2
DATASET=${3:-$(dirname "$0")/../../../../shared/corpus/ota/versions.tar.zst}
H=$(mktemp -d /tmp/cw-upgrade-XXXXXX)
trap 'rm -rf "$H"' EXIT
fail=0
dump() {  # binary, output prefix
  local bin=$1 out=$2 off doc
  : > "$out.changes"
  : > "$out.history"
  for off in $(seq 0 50 5000); do
    CLAUSEWATCH_HOME=$H "$bin" changes --json --offset "$off" --limit 50 >> "$out.changes"
  done
  for doc in $(sqlite3 "$H/archive.sqlite3" "SELECT id FROM documents"); do
    CLAUSEWATCH_HOME=$H "$bin" call archive.history "{\"document_id\": $doc, \"limit\": 500}" \
      >> "$out.history"
  done
  CLAUSEWATCH_HOME=$H "$bin" export-ota "$out.export" > /dev/null
}
CLAUSEWATCH_HOME=$H "$OLD" import-ota "$DATASET" --json || exit 1
before=$(sqlite3 "$H/archive.sqlite3" "PRAGMA user_version")
dump "$OLD" "$H/old"
dump "$NEW" "$H/new"
after=$(sqlite3 "$H/archive.sqlite3" "PRAGMA user_version")
echo "schema $before -> $after; integrity: $(sqlite3 "$H/archive.sqlite3" "PRAGMA integrity_check")"
cmp -s "$H/old.changes" "$H/new.changes" && echo "change records identical" || { echo "change records DIFFER"; fail=1; }
cmp -s "$H/old.history" "$H/new.history" && echo "history identical" || { echo "history DIFFERS"; fail=1; }
if diff -r "$H/old.export" "$H/new.export" > /dev/null; then
  echo "export identical ($(find "$H/new.export" -type f | wc -l) files)"
else
  echo "export DIFFERS"; fail=1
fi
again=$(CLAUSEWATCH_HOME=$H "$NEW" import-ota "$DATASET" --json)
echo "re-import by the new binary: $again"
case $again in *'"recorded":0'*) ;; *) fail=1 ;; esac
exit $fail
