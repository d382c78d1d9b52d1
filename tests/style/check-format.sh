#!/usr/bin/env bash
# Fails when any C++ file of the project differs from what clang-format (the repo's .clang-format)
# would write, and names the files, so style drift is caught before review rather than in it.
set -euo pipefail
root=${1:?usage: check-format.sh PROJECT_ROOT}
cd "$root"
mapfile -d '' files < <(find native-host tests \( -name '*.cpp' -o -name '*.h' \) -not -path '*/build/*' -print0)
(( ${#files[@]} > 0 )) || { echo "no C++ files found under $root" >&2; exit 1; }
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if (( ${#bad[@]} > 0 )); then
  printf 'not clang-formatted (run clang-format -i on them):\n' >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "clang-format: ${#files[@]} files clean"
