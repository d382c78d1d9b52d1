#!/usr/bin/env bash
# Registers clausewatch-host with the browsers in manifests/browsers.json (Linux and macOS).
#
#   installer/install.sh                    deps, build, install for every detected browser, check a sample
#   installer/install.sh --browser firefox  only the named browser(s); repeat the option for more
#   installer/install.sh --system           system-wide manifests (needs root), binaries in /usr/local
#   installer/install.sh --dry-run          print what would be written; write nothing
#   installer/install.sh --uninstall        remove exactly what the install receipt lists
#
# Every file and folder it creates is listed in a receipt, so --uninstall leaves the machine as it was.
# Windows: installer/install.ps1 (same table).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TABLE="$REPO/manifests/browsers.json"
IDS="$REPO/manifests/extension-ids.json"
SAMPLE="$REPO/installer/sample/terms-of-service.html"

usage() {
  cat <<EOF
Usage: installer/install.sh [options]

  --browser NAME   install for this browser (repeatable; 'all' = every browser in the table).
                   Default: every detected browser (its config folder exists; if none does,
                   those whose program is on PATH).
  --system         system-wide manifests and /usr/local binaries instead of per-user ones
  --dry-run        print what would be built, written or removed; change nothing
  --uninstall      remove what the receipt lists (files only if unchanged), then the receipt
  --host PATH      install this clausewatch-host binary instead of building one
                   (the clausewatch CLI next to it is installed too, if present)
  --prefix DIR     install the binaries into DIR/bin (default: ~/.local, or /usr/local with --system)
  --destdir DIR    write everything under DIR (packaging, tests); manifests name the final paths
  --receipt FILE   where the receipt goes (default: \$XDG_DATA_HOME/clausewatch/install-receipt.json,
                   or /var/lib/clausewatch/install-receipt.json with --system)
  --no-deps        do not run installer/deps.sh --runtime
  --no-sample      do not check the sample terms page at the end
  --os linux|macos use another OS's locations (tests); default: this machine's
  --list-browsers  print the browser ids this OS supports, and exit
  -h, --help       this text

Browsers: $(jq -r '[.browsers[].id] | join(", ")' "$TABLE" 2>/dev/null || echo "see $TABLE")
EOF
}

die() {
  echo "install.sh: error: $*" >&2
  exit 1
}
note() { echo "install.sh: $*"; }

scope=user
dry_run=0
uninstall=0
run_deps=1
run_sample=1
host_arg=""
prefix=""
destdir=""
receipt=""
os=""
list_only=0
browsers_arg=()

while [ $# -gt 0 ]; do
  case "$1" in
    --browser) [ $# -ge 2 ] || die "--browser needs a name"; browsers_arg+=("$2"); shift 2 ;;
    --browser=*) browsers_arg+=("${1#*=}"); shift ;;
    --system) scope=system; shift ;;
    --dry-run) dry_run=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    --host) [ $# -ge 2 ] || die "--host needs a path"; host_arg=$2; shift 2 ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a folder"; prefix=$2; shift 2 ;;
    --destdir) [ $# -ge 2 ] || die "--destdir needs a folder"; destdir=${2%/}; shift 2 ;;
    --receipt) [ $# -ge 2 ] || die "--receipt needs a path"; receipt=$2; shift 2 ;;
    --os) [ $# -ge 2 ] || die "--os needs linux or macos"; os=$2; shift 2 ;;
    --no-deps) run_deps=0; shift ;;
    --no-sample) run_sample=0; shift ;;
    --list-browsers) list_only=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
done

if [ -z "$os" ]; then
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=macos ;;
    *) die "unsupported system '$(uname -s)'; on Windows run installer/install.ps1" ;;
  esac
fi
[ "$os" = linux ] || [ "$os" = macos ] || die "--os must be linux or macos, not '$os'"

# Runtime dependencies first: jq reads the table. A dry run never installs anything.
if [ "$run_deps" = 1 ] && [ "$dry_run" = 0 ] && [ "$uninstall" = 0 ] && [ "$list_only" = 0 ]; then
  if [ "$os" = linux ] && command -v apt-get >/dev/null; then
    note "checking runtime dependencies (installer/deps.sh --runtime)"
    "$REPO/installer/deps.sh" --runtime
  else
    note "not a Debian-family system: install cmake, a C++20 compiler, jq and the libraries in installer/deps.sh yourself"
  fi
fi
command -v jq >/dev/null || die "jq is required to read $TABLE (Debian: apt-get install jq)"
jq -e '.format == 1' "$TABLE" >/dev/null || die "$TABLE is not a format-1 browser table"

all_ids=$(jq -r '.browsers[].id' "$TABLE")
if [ "$list_only" = 1 ]; then
  echo "$all_ids"
  exit 0
fi

field() {  # field BROWSER KEY -> the browser's value for this OS ("" when null)
  jq -r --arg id "$1" --arg os "$os" --arg key "$2" \
    '.browsers[] | select(.id == $id) | .[$os][$key] // empty | if type == "array" then .[] else . end' \
    "$TABLE"
}
browser_attr() {  # browser_attr BROWSER KEY -> a top-level attribute (name, family)
  jq -r --arg id "$1" --arg key "$2" '.browsers[] | select(.id == $id) | .[$key]' "$TABLE"
}

xdg_config=${XDG_CONFIG_HOME:-$HOME/.config}
expand() {  # the table's placeholders -> real paths
  local p=$1
  p=${p//"{home}"/$HOME}
  p=${p//"{xdg_config}"/$xdg_config}
  printf '%s' "$p"
}

if [ "$scope" = system ]; then
  [ -n "$prefix" ] || prefix=/usr/local
  [ -n "$receipt" ] || receipt=/var/lib/clausewatch/install-receipt.json
else
  [ -n "$prefix" ] || prefix="$HOME/.local"
  [ -n "$receipt" ] || receipt="${XDG_DATA_HOME:-$HOME/.local/share}/clausewatch/install-receipt.json"
fi
case "$prefix" in /*) ;; *) die "--prefix must be an absolute path: $prefix" ;; esac
receipt_file="$destdir$receipt"

sha256_of() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# ---------------------------------------------------------------------------------------------
# Uninstall: remove exactly what the receipt lists, newest folders first, then the receipt.
# ---------------------------------------------------------------------------------------------
if [ "$uninstall" = 1 ]; then
  [ ${#browsers_arg[@]} -eq 0 ] || die "--uninstall removes everything the receipt lists; it takes no --browser"
  if [ ! -f "$receipt_file" ]; then
    note "nothing to uninstall: no receipt at $receipt_file"
    exit 0
  fi
  jq -e '.format == 1 and (.files | type == "array") and (.dirs | type == "array")' "$receipt_file" \
    >/dev/null || die "$receipt_file is not a ClauseWatch install receipt; nothing removed"
  # Read the folder list now: the receipt itself goes before the folders do.
  dirs=$(jq -r '.dirs | sort_by(length) | reverse | .[]' "$receipt_file")
  while IFS=$'\t' read -r path sum; do
    [ -n "$path" ] || continue
    if [ ! -e "$path" ]; then
      note "already gone: $path"
    elif [ "$(sha256_of "$path")" != "$sum" ]; then
      note "changed since install, left in place: $path"
    elif [ "$dry_run" = 1 ]; then
      echo "would remove $path"
    else
      rm -f -- "$path"
      echo "removed $path"
    fi
  done < <(jq -r '.files[] | [.path, .sha256] | @tsv' "$receipt_file")
  if [ "$dry_run" = 1 ]; then
    echo "would remove $receipt_file"
  else
    rm -f -- "$receipt_file"
    echo "removed $receipt_file"
  fi
  # Folders the installer created, deepest first; only if empty, so nothing of the user's is lost.
  while IFS= read -r dir; do
    [ -n "$dir" ] && [ -d "$dir" ] || continue
    if [ "$dry_run" = 1 ]; then
      echo "would remove folder $dir (if empty)"
    elif rmdir -- "$dir" 2>/dev/null; then
      echo "removed folder $dir"
    fi
  done <<<"$dirs"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Which browsers
# ---------------------------------------------------------------------------------------------
selected=()
explicit=0
if [ ${#browsers_arg[@]} -gt 0 ]; then
  explicit=1
  for b in "${browsers_arg[@]}"; do
    if [ "$b" = all ]; then
      while IFS= read -r id; do selected+=("$id"); done <<<"$all_ids"
      continue
    fi
    grep -qx -- "$b" <<<"$all_ids" ||
      die "unknown browser '$b'; known browsers: $(tr '\n' ' ' <<<"$all_ids")"
    selected+=("$b")
  done
else
  while IFS= read -r id; do
    detect=$(field "$id" detect)
    if [ -n "$detect" ] && [ -d "$(expand "$detect")" ]; then selected+=("$id"); fi
  done <<<"$all_ids"
  if [ ${#selected[@]} -eq 0 ]; then
    # A browser installed but never started has no config folder yet: fall back to programs on PATH.
    while IFS= read -r id; do
      while IFS= read -r cmd; do
        if [ -n "$cmd" ] && command -v "$cmd" >/dev/null; then selected+=("$id"); break; fi
      done <<<"$(field "$id" commands)"
    done <<<"$all_ids"
  fi
  [ ${#selected[@]} -gt 0 ] ||
    die "no supported browser detected; name one with --browser (one of: $(tr '\n' ' ' <<<"$all_ids"))"
fi

# De-duplicate, keeping the table's order.
unique=()
while IFS= read -r id; do
  for s in "${selected[@]}"; do
    if [ "$s" = "$id" ]; then unique+=("$id"); break; fi
  done
done <<<"$all_ids"
selected=("${unique[@]}")

# ---------------------------------------------------------------------------------------------
# The host binary: the one given, or build it
# ---------------------------------------------------------------------------------------------
build_dir=${CW_BUILD_DIR:-$REPO/build/release}
if [ -n "$host_arg" ]; then
  case "$host_arg" in /*) ;; *) host_arg="$PWD/$host_arg" ;; esac
  [ -f "$host_arg" ] && [ -x "$host_arg" ] || die "--host $host_arg is not an executable file"
  source_host=$host_arg
else
  source_host="$build_dir/native-host/clausewatch-host"
  if [ "$dry_run" = 1 ]; then
    [ -x "$source_host" ] || echo "would build clausewatch-host in $build_dir"
  else
    command -v cmake >/dev/null || die "cmake is required to build the host (or pass --host PATH)"
    if [ ! -f "$build_dir/CMakeCache.txt" ]; then
      note "configuring a release build in $build_dir"
      launcher=()
      command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
      cmake -S "$REPO" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCW_BUILD_TESTS=OFF \
        ${launcher[@]+"${launcher[@]}"} >/dev/null
    fi
    note "building clausewatch-host and clausewatch (up to date builds are a no-op)"
    jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
    cmake --build "$build_dir" -j "$jobs" --target clausewatch-host clausewatch >/dev/null ||
      die "the build failed; run: cmake --build $build_dir --target clausewatch-host"
    [ -x "$source_host" ] || die "the build did not produce $source_host"
  fi
fi
source_cli="$(dirname "$source_host")/clausewatch"

host_name=$(jq -r '.host_name' "$IDS")
chromium_id=$(jq -r '.chromium_extension_id' "$IDS")
gecko_id=$(jq -r '.gecko_id' "$IDS")
[[ "$host_name" =~ ^[a-z0-9_]+(\.[a-z0-9_]+)*$ ]] || die "host_name '$host_name' in $IDS is not a valid native-messaging name"
[[ "$chromium_id" =~ ^[a-p]{32}$ ]] || die "chromium_extension_id '$chromium_id' in $IDS is not an extension id"

installed_host="$prefix/bin/clausewatch-host"  # the path manifests name (without --destdir)
installed_cli="$prefix/bin/clausewatch"

# ---------------------------------------------------------------------------------------------
# Writing, with a record of every file and folder created
# ---------------------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/clausewatch-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
: >"$work/files"  # kind|browser|path; browser "-" for the binaries
: >"$work/dirs"

make_dir() {  # mkdir -p that records each folder it creates
  local dir=$1 missing=()
  while [ ! -d "$dir" ] && ! grep -qxF -- "$dir" "$work/dirs"; do
    missing=("$dir" ${missing[@]+"${missing[@]}"})
    dir=$(dirname "$dir")
  done
  for d in ${missing[@]+"${missing[@]}"}; do
    if [ "$dry_run" = 1 ]; then
      echo "would create folder $d"
    else
      mkdir -- "$d" || die "cannot create $d (for system-wide locations run as root)"
    fi
    echo "$d" >>"$work/dirs"
  done
}

render_manifest() {  # render_manifest FAMILY -> manifest text on stdout
  local template="$REPO/manifests/host.$1.json.in"
  [ -f "$template" ] || die "no manifest template for family '$1' ($template)"
  jq -Rjs --arg name "$host_name" --arg path "$installed_host" --arg cid "$chromium_id" \
    --arg gid "$gecko_id" \
    --arg desc "ClauseWatch: checks terms and privacy pages on this machine" '
    def esc: tojson | .[1:-1];
    gsub("@HOST_NAME@"; $name | esc) | gsub("@HOST_PATH@"; $path | esc)
    | gsub("@CHROMIUM_EXTENSION_ID@"; $cid | esc) | gsub("@GECKO_ID@"; $gid | esc)
    | gsub("@DESCRIPTION@"; $desc | esc)' "$template"
}

write_file() {  # write_file KIND BROWSER TARGET SOURCE MODE
  local kind=$1 browser=$2 target=$3 source=$4 mode=$5
  make_dir "$(dirname "$target")"
  if [ "$dry_run" = 1 ]; then
    echo "would write $target"
    return
  fi
  local tmp="$target.clausewatch-tmp.$$"
  cp -- "$source" "$tmp" && chmod "$mode" "$tmp" && mv -f -- "$tmp" "$target" ||
    { rm -f -- "$tmp"; die "cannot write $target (for system-wide locations run as root)"; }
  printf '%s|%s|%s\n' "$kind" "$browser" "$target" >>"$work/files"
  echo "wrote $target"
}

# The binaries first, so every manifest's path resolves once written.
if [ "$dry_run" = 1 ] && [ ! -x "$source_host" ]; then
  echo "would write $destdir$installed_host"
else
  write_file host - "$destdir$installed_host" "$source_host" 0755
  if [ -x "$source_cli" ]; then
    write_file cli - "$destdir$installed_cli" "$source_cli" 0755
  else
    note "no clausewatch CLI next to $source_host; only the host is installed"
  fi
fi

written_manifests=()
for b in "${selected[@]}"; do
  if [ "$scope" = system ]; then dir=$(field "$b" system); else dir=$(field "$b" user); fi
  if [ -z "$dir" ]; then
    msg="no $scope-wide manifest location is known for $(browser_attr "$b" name) on $os"
    [ "$explicit" = 0 ] || die "$msg"
    note "$msg; skipped"
    continue
  fi
  family=$(browser_attr "$b" family)
  target="$destdir$(expand "$dir")/$host_name.json"
  render_manifest "$family" >"$work/manifest.$b.json"
  jq -e . "$work/manifest.$b.json" >/dev/null || die "the $family template did not render to valid JSON"
  ! grep -q '@[A-Z_]*@' "$work/manifest.$b.json" || die "the $family template has an unknown placeholder"
  if [ "$dry_run" = 1 ]; then
    make_dir "$(dirname "$target")"
    echo "would write $target for $(browser_attr "$b" name):"
    sed 's/^/    /' "$work/manifest.$b.json"
    continue
  fi
  write_file manifest "$b" "$target" "$work/manifest.$b.json" 0644
  written_manifests+=("$b:$family:$target")
done

if [ "$dry_run" = 1 ]; then
  echo "would write the receipt $receipt_file"
  exit 0
fi
[ ${#written_manifests[@]} -gt 0 ] || note "no browser manifest was written (see above); only the binaries are installed"

# ---------------------------------------------------------------------------------------------
# Check what was written: each manifest parses, names an absolute executable host that runs
# ---------------------------------------------------------------------------------------------
check_failed=0
for entry in ${written_manifests[@]+"${written_manifests[@]}"}; do
  b=${entry%%:*}; rest=${entry#*:}; family=${rest%%:*}; target=${rest#*:}
  path=$(jq -r '.path' "$target")
  problem=""
  case "$path" in /*) ;; *) problem="path '$path' is not absolute" ;; esac
  [ -n "$problem" ] || [ -x "$destdir$path" ] || problem="path '$path' is not an executable file"
  [ -n "$problem" ] || [ "$(jq -r '.name' "$target")" = "$host_name" ] || problem="name is not $host_name"
  [ -n "$problem" ] || [ "$(jq -r '.type' "$target")" = stdio ] || problem="type is not stdio"
  if [ -z "$problem" ] && [ "$family" = chromium ]; then
    jq -e '.allowed_origins | length > 0 and all(test("^chrome-extension://[a-p]{32}/$"))' "$target" \
      >/dev/null || problem="allowed_origins must be chrome-extension://ID/ with the trailing slash"
  elif [ -z "$problem" ]; then
    jq -e '.allowed_extensions | length > 0' "$target" >/dev/null || problem="allowed_extensions is empty"
  fi
  if [ -n "$problem" ]; then
    echo "install.sh: check FAILED for $target: $problem" >&2
    check_failed=1
  fi
done
if [ -z "$destdir" ]; then
  "$installed_host" --version >/dev/null 2>&1 || { echo "install.sh: check FAILED: $installed_host --version does not run" >&2; check_failed=1; }
fi

# The receipt: merged with an earlier one, so reinstalling keeps everything uninstallable.
make_dir "$(dirname "$receipt_file")"
new_files=$(while IFS='|' read -r kind browser path; do
  jq -cn --arg kind "$kind" --arg browser "$browser" --arg path "$path" --arg sha "$(sha256_of "$path")" \
    '{kind: $kind, path: $path, sha256: $sha} + (if $browser == "-" then {} else {browser: $browser} end)'
done <"$work/files" | jq -s .)
new_dirs=$(jq -R . <"$work/dirs" | jq -s .)
old='{"files": [], "dirs": []}'
if [ -f "$receipt_file" ]; then
  jq -e '.format == 1' "$receipt_file" >/dev/null 2>&1 && old=$(cat "$receipt_file")
fi
jq -n --argjson old "$old" --argjson files "$new_files" --argjson dirs "$new_dirs" \
  --arg scope "$scope" --arg os "$os" --arg host "$installed_host" --arg name "$host_name" \
  --arg when "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '{
    format: 1, tool: "clausewatch installer/install.sh", scope: $scope, os: $os,
    host_name: $name, host: $host, updated: $when,
    files: (($old.files | map(select(.path as $p | $files | all(.path != $p)))) + $files),
    dirs: ($old.dirs + $dirs | unique)
  }' >"$receipt_file.tmp"
mv -f -- "$receipt_file.tmp" "$receipt_file"
echo "wrote the receipt $receipt_file (installer/install.sh --uninstall removes what it lists)"
[ "$check_failed" = 0 ] || die "some manifests failed their check (see above)"

echo
echo "Registered $host_name for: $(for e in ${written_manifests[@]+"${written_manifests[@]}"}; do
  printf '%s ' "$(browser_attr "${e%%:*}" name)"; done)"
[ -n "$destdir" ] && exit 0

# ---------------------------------------------------------------------------------------------
# How to load the extension, then a first check of the sample page
# ---------------------------------------------------------------------------------------------
ext_build="$REPO/build/extension"
if [ ! -d "$ext_build/chromium" ] && command -v node >/dev/null && [ -f "$REPO/extension/tools/build.mjs" ]; then
  node "$REPO/extension/tools/build.mjs" >/dev/null 2>&1 || true
fi
echo
echo "Load the extension:"
if [ -d "$ext_build/chromium" ]; then
  echo "  Chromium-family: open chrome://extensions, turn on Developer mode, 'Load unpacked' -> $ext_build/chromium"
  echo "  Firefox:         open about:debugging#/runtime/this-firefox, 'Load Temporary Add-on' -> $ext_build/firefox/manifest.json"
else
  echo "  build it first: node extension/tools/build.mjs  (writes build/extension/chromium and build/extension/firefox)"
  echo "  then Chromium: chrome://extensions -> Developer mode -> 'Load unpacked' -> build/extension/chromium"
  echo "  and Firefox:   about:debugging -> This Firefox -> 'Load Temporary Add-on' -> build/extension/firefox/manifest.json"
fi

if [ "$run_sample" = 1 ]; then
  [ -x "$installed_cli" ] || note "the clausewatch CLI was not installed, so the sample page is not checked"
  if [ -x "$installed_cli" ]; then
    echo
    if "$installed_cli" --help 2>/dev/null | grep -Eq '^ +check( |$)'; then
      echo "Checking the sample page: clausewatch check installer/sample/terms-of-service.html"
      "$installed_cli" check "$SAMPLE" || true
    else
      echo "This build has no 'clausewatch check' yet; asking the host for its version instead:"
      "$installed_cli" call ping || true
    fi
  fi
fi
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo; echo "Note: $prefix/bin is not on your PATH." ;; esac
