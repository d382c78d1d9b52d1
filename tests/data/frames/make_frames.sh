#!/usr/bin/env bash
# Regenerates each recorded frame NAME.bin from NAME.json: a 4-byte little-endian length (the byte order
# of every machine the host targets), then the JSON bytes exactly as stored (no trailing newline).
#   tests/data/frames/make_frames.sh
set -euo pipefail
cd "$(dirname "$0")"
for json in *.json; do
  n=$(wc -c <"$json")
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $((n >> 8 & 255)) $((n >> 16 & 255)) $((n >> 24 & 255)))" >"${json%.json}.bin"
  cat "$json" >>"${json%.json}.bin"
  echo "wrote ${json%.json}.bin ($n-byte body)"
done
