#!/usr/bin/env bash
# Installer tests: installer/install.sh run in a throwaway HOME, checked against the manifest locations
# in docs/NATIVE-MESSAGING.md (written out here, not read from browsers.json, so a wrong table row fails).
#   install_test.sh CASE HOST_BINARY
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
INSTALL="$REPO/installer/install.sh"
CASE=${1:?case name}
HOST_BIN=${2:?path to the built clausewatch-host}
CHROMIUM_ORIGIN="chrome-extension://$(jq -r .chromium_extension_id "$REPO/manifests/extension-ids.json")/"
GECKO_ID=$(jq -r .gecko_id "$REPO/manifests/extension-ids.json")
MANIFEST_NAME="$(jq -r .host_name "$REPO/manifests/extension-ids.json").json"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
expect_file() { [ -f "$1" ] || fail "expected a file at $1"; }
expect_no_path() { [ ! -e "$1" ] || fail "expected nothing at $1"; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
expect_contains() { grep -qF -- "$2" <<<"$1" || fail "$3: output lacks '$2'"; }

new_home() {
  T=$(mktemp -d "${TMPDIR:-/tmp}/cw-install-test.XXXXXX")
  TMP_HOMES+=("$T")
}
TMP_HOMES=()
cleanup() { for t in "${TMP_HOMES[@]+"${TMP_HOMES[@]}"}"; do rm -rf "$t"; done; }
trap cleanup EXIT

# Runs install.sh with HOME=$T and no XDG overrides, so only the temporary HOME is touched.
run_install() {
  env -u XDG_CONFIG_HOME -u XDG_DATA_HOME HOME="$T" "$INSTALL" --no-deps --host "$HOST_BIN" "$@"
}
tree_of() { (cd "$1" && find . -printf '%p %M %s\n' | sort); }

# Linux user-level manifest folders, per NATIVE-MESSAGING.md.
linux_user_dir() {
  case "$1" in
    chrome) echo "$T/.config/google-chrome/NativeMessagingHosts" ;;
    chromium) echo "$T/.config/chromium/NativeMessagingHosts" ;;
    edge) echo "$T/.config/microsoft-edge/NativeMessagingHosts" ;;
    brave) echo "$T/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts" ;;
    vivaldi) echo "$T/.config/vivaldi/NativeMessagingHosts" ;;
    opera) echo "$T/.config/opera/NativeMessagingHosts" ;;
    firefox) echo "$T/.mozilla/native-messaging-hosts" ;;
  esac
}
macos_user_dir() {
  local lib="$T/Library/Application Support"
  case "$1" in
    chrome) echo "$lib/Google/Chrome/NativeMessagingHosts" ;;
    chromium) echo "$lib/Chromium/NativeMessagingHosts" ;;
    edge) echo "$lib/Microsoft Edge/NativeMessagingHosts" ;;
    brave) echo "$lib/BraveSoftware/Brave-Browser/NativeMessagingHosts" ;;
    vivaldi) echo "$lib/Vivaldi/NativeMessagingHosts" ;;
    opera) echo "$lib/com.operasoftware.Opera/NativeMessagingHosts" ;;
    firefox) echo "$lib/Mozilla/NativeMessagingHosts" ;;
  esac
}
ALL_BROWSERS="chrome chromium edge brave vivaldi opera firefox"

# A manifest as the browsers require it: exact name, stdio, absolute executable path, and the pinned
# caller (Chromium: origin with the trailing slash; Firefox: add-on id).
check_manifest() {  # check_manifest FILE BROWSER EXPECTED_HOST_PATH [ROOT]
  local file=$1 browser=$2 host=$3 root=${4:-}
  expect_file "$file" || return
  jq -e . "$file" >/dev/null || { fail "$file is not JSON"; return; }
  expect_eq "$(jq -r .name "$file")" "${MANIFEST_NAME%.json}" "$file name"
  expect_eq "$(jq -r .type "$file")" stdio "$file type"
  expect_eq "$(jq -r .path "$file")" "$host" "$file path"
  [ -x "$root$host" ] || fail "$file: path $host is not executable"
  if [ "$browser" = firefox ]; then
    expect_eq "$(jq -c .allowed_extensions "$file")" "[\"$GECKO_ID\"]" "$file allowed_extensions"
    expect_eq "$(jq -r 'has("allowed_origins")' "$file")" false "$file has no allowed_origins"
  else
    expect_eq "$(jq -c .allowed_origins "$file")" "[\"$CHROMIUM_ORIGIN\"]" "$file allowed_origins"
    expect_eq "$(jq -r 'has("allowed_extensions")' "$file")" false "$file has no allowed_extensions"
  fi
}

case "$CASE" in
  each_browser_linux | each_browser_macos)
    os=${CASE##*_}
    for b in $ALL_BROWSERS; do
      new_home
      before=$(tree_of "$T")
      out=$(run_install --os "$os" --browser "$b" --no-sample 2>&1) || fail "$b: install failed: $out"
      if [ "$os" = linux ]; then dir=$(linux_user_dir "$b"); else dir=$(macos_user_dir "$b"); fi
      check_manifest "$dir/$MANIFEST_NAME" "$b" "$T/.local/bin/clausewatch-host"
      count=$(find "$T" -name "$MANIFEST_NAME" | wc -l)
      expect_eq "$count" 1 "$b: manifests written"
      "$T/.local/bin/clausewatch-host" --version | grep -q clausewatch-host || fail "$b: installed host does not run"
      out=$(run_install --os "$os" --uninstall 2>&1) || fail "$b: uninstall failed: $out"
      expect_eq "$(tree_of "$T")" "$before" "$b: HOME after uninstall"
    done
    ;;

  detected)
    # Default selection: browsers whose config folder exists, and only those.
    new_home
    mkdir -p "$T/.config/chromium" "$T/.config/vivaldi" "$T/.mozilla"
    before=$(tree_of "$T")
    out=$(run_install --no-sample 2>&1) || fail "install failed: $out"
    for b in chromium vivaldi firefox; do
      check_manifest "$(linux_user_dir "$b")/$MANIFEST_NAME" "$b" "$T/.local/bin/clausewatch-host"
    done
    expect_eq "$(find "$T" -name "$MANIFEST_NAME" | wc -l)" 3 "manifests for detected browsers"
    for b in chrome edge brave opera; do expect_no_path "$(linux_user_dir "$b")"; done
    receipt="$T/.local/share/clausewatch/install-receipt.json"
    expect_file "$receipt"
    expect_eq "$(jq '[.files[] | select(.kind == "manifest")] | length' "$receipt")" 3 "manifests in the receipt"
    run_install --uninstall >/dev/null 2>&1 || fail "uninstall failed"
    expect_eq "$(tree_of "$T")" "$before" "HOME after uninstall"
    ;;

  detect_by_program)
    # No config folder at all: a browser program on PATH is enough.
    new_home
    mkdir -p "$T/fakebin"
    printf '#!/bin/sh\nexit 0\n' >"$T/fakebin/vivaldi" && chmod +x "$T/fakebin/vivaldi"
    out=$(PATH="$T/fakebin:$PATH" run_install --no-sample 2>&1) || fail "install failed: $out"
    check_manifest "$(linux_user_dir vivaldi)/$MANIFEST_NAME" vivaldi "$T/.local/bin/clausewatch-host"
    ;;

  dry_run)
    new_home
    mkdir -p "$T/.config/chromium" "$T/.mozilla"
    before=$(tree_of "$T")
    out=$(run_install --dry-run 2>&1) || fail "dry run failed: $out"
    expect_eq "$(tree_of "$T")" "$before" "HOME after --dry-run"
    expect_contains "$out" "would write $(linux_user_dir chromium)/$MANIFEST_NAME" "dry run"
    expect_contains "$out" "would write $(linux_user_dir firefox)/$MANIFEST_NAME" "dry run"
    expect_contains "$out" "\"allowed_origins\": [\"$CHROMIUM_ORIGIN\"]" "dry run shows the manifest"
    # Without --host it would build, and says so, but a dry run builds nothing either.
    out=$(env -u XDG_CONFIG_HOME -u XDG_DATA_HOME HOME="$T" CW_BUILD_DIR="$T/no-build" \
      "$INSTALL" --no-deps --dry-run --browser firefox 2>&1) || fail "dry run without --host failed: $out"
    expect_contains "$out" "would build clausewatch-host in $T/no-build" "dry run without --host"
    expect_eq "$(tree_of "$T")" "$before" "HOME after --dry-run without --host"
    # And a dry uninstall removes nothing.
    run_install --browser chromium --no-sample >/dev/null 2>&1 || fail "install failed"
    installed=$(tree_of "$T")
    out=$(run_install --uninstall --dry-run 2>&1) || fail "dry uninstall failed"
    expect_contains "$out" "would remove $(linux_user_dir chromium)/$MANIFEST_NAME" "dry uninstall"
    expect_eq "$(tree_of "$T")" "$installed" "HOME after --uninstall --dry-run"
    ;;

  uninstall_keeps_foreign_files)
    # Uninstall removes what the receipt lists and nothing else: not another host's manifest, not a file
    # the user put in a folder the installer created, not a manifest the user edited.
    new_home
    mkdir -p "$(linux_user_dir chromium)" "$T/.mozilla"
    echo '{"name":"com.other.host"}' >"$(linux_user_dir chromium)/com.other.host.json"
    before=$(tree_of "$T")
    run_install --no-sample >/dev/null 2>&1 || fail "install failed"
    echo '{"edited": true}' >"$(linux_user_dir firefox)/$MANIFEST_NAME"
    echo "mine" >"$T/.local/bin/users-own-tool"
    out=$(run_install --uninstall 2>&1) || fail "uninstall failed: $out"
    expect_file "$(linux_user_dir chromium)/com.other.host.json"
    expect_no_path "$(linux_user_dir chromium)/$MANIFEST_NAME"
    expect_file "$(linux_user_dir firefox)/$MANIFEST_NAME"
    expect_contains "$out" "changed since install, left in place" "uninstall of an edited manifest"
    expect_file "$T/.local/bin/users-own-tool"
    expect_no_path "$T/.local/bin/clausewatch-host"
    expect_no_path "$T/.local/share/clausewatch/install-receipt.json"
    # Without a receipt there is nothing to do, and that is not an error.
    out=$(run_install --uninstall 2>&1) || fail "second uninstall failed: $out"
    expect_contains "$out" "nothing to uninstall" "second uninstall"
    ;;

  reinstall_merges_receipt)
    new_home
    before=$(tree_of "$T")
    run_install --browser chromium --no-sample >/dev/null 2>&1 || fail "first install failed"
    run_install --browser firefox --no-sample >/dev/null 2>&1 || fail "second install failed"
    run_install --browser firefox --no-sample >/dev/null 2>&1 || fail "third install failed"
    receipt="$T/.local/share/clausewatch/install-receipt.json"
    expect_eq "$(jq -c '[.files[] | select(.kind == "manifest") | .browser] | sort' "$receipt")" \
      '["chromium","firefox"]' "receipt after two installs"
    run_install --uninstall >/dev/null 2>&1 || fail "uninstall failed"
    expect_eq "$(tree_of "$T")" "$before" "HOME after uninstall"
    ;;

  unknown_browser)
    new_home
    before=$(tree_of "$T")
    out=$(run_install --browser netscape 2>&1)
    rc=$?
    [ "$rc" -ne 0 ] || fail "an unknown browser must fail"
    expect_contains "$out" "unknown browser 'netscape'" "unknown browser"
    expect_contains "$out" "firefox" "unknown browser lists the known ones"
    expect_eq "$(tree_of "$T")" "$before" "HOME after a refused install"
    out=$(run_install --bogus-option 2>&1) && fail "an unknown option must fail"
    expect_contains "$out" "unknown option '--bogus-option'" "unknown option"
    ;;

  system_destdir)
    # System-wide locations, written under a staging root so the test needs no root and leaves /etc alone.
    new_home
    D="$T/root"
    mkdir -p "$D"
    out=$(run_install --system --destdir "$D" --browser chromium --browser chrome --browser edge \
      --browser firefox 2>&1) || fail "system install failed: $out"
    check_manifest "$D/etc/chromium/native-messaging-hosts/$MANIFEST_NAME" chromium /usr/local/bin/clausewatch-host "$D"
    check_manifest "$D/etc/opt/chrome/native-messaging-hosts/$MANIFEST_NAME" chrome /usr/local/bin/clausewatch-host "$D"
    check_manifest "$D/etc/opt/edge/native-messaging-hosts/$MANIFEST_NAME" edge /usr/local/bin/clausewatch-host "$D"
    check_manifest "$D/usr/lib/mozilla/native-messaging-hosts/$MANIFEST_NAME" firefox /usr/local/bin/clausewatch-host "$D"
    expect_file "$D/var/lib/clausewatch/install-receipt.json"
    run_install --system --destdir "$D" --uninstall >/dev/null 2>&1 || fail "system uninstall failed"
    expect_eq "$(find "$D" -mindepth 1 | wc -l)" 0 "staging root after uninstall"
    # No system-wide folder is documented for Brave: naming it is an error, not a guess.
    out=$(run_install --system --destdir "$D" --browser brave 2>&1) && fail "system install for brave must fail"
    expect_contains "$out" "no system-wide manifest location is known for Brave" "brave --system"
    ;;

  sample_check)
    # The full user path (minus deps and build): install, how to load the extension, the sample check.
    new_home
    mkdir -p "$T/.config/chromium"
    out=$(run_install 2>&1) || fail "install failed: $out"
    expect_contains "$out" "Load the extension" "install output"
    expect_contains "$out" "Registered" "install output"
    if "$T/.local/bin/clausewatch" --help 2>/dev/null | grep -Eq '^ +check( |$)'; then
      expect_contains "$out" "clausewatch check installer/sample/terms-of-service.html" "install output"
      grep -qi arbitration <<<"$out" || fail "the sample check reports no arbitration warning: $out"
    else
      expect_contains "$out" '"ok":true' "install output (ping fallback)"
    fi
    run_install --uninstall >/dev/null 2>&1 || fail "uninstall failed"
    ;;

  ps1_matches_table)
    # install.ps1 carries the Windows rows of browsers.json; every row must match, in both directions.
    ps1="$REPO/installer/install.ps1"
    table_rows=$(jq -r '.browsers[] | "\(.id)|\(.family)|\(.windows.registry_key)"' "$REPO/manifests/browsers.json" | sort)
    ps1_rows=$(grep -oE "@\{ *Id *= *'[^']+' *; *Family *= *'[^']+' *; *Key *= *'[^']+' *\}" "$ps1" |
      sed -E "s/@\{ *Id *= *'([^']+)' *; *Family *= *'([^']+)' *; *Key *= *'([^']+)' *\}/\1|\2|\3/" | sort)
    expect_eq "$ps1_rows" "$table_rows" "install.ps1 browser rows vs browsers.json"
    grep -q 'HKCU:' "$ps1" || fail "install.ps1 never writes HKCU"
    grep -q 'HKLM:' "$ps1" || fail "install.ps1 never writes HKLM"
    grep -q 'extension-ids.json' "$ps1" || fail "install.ps1 does not read the pinned ids"
    grep -qF 'manifests\host.$Family.json.in' "$ps1" || fail "install.ps1 does not render manifests/host.<family>.json.in"
    ;;

  table_is_complete)
    # Every browser has a family, both OSes and a Windows key; chromium-family templates carry origins.
    jq -e '.browsers | length == 7' "$REPO/manifests/browsers.json" >/dev/null || fail "the table must list 7 browsers"
    bad=$(jq -r '.browsers[] | select(((.family == "chromium" or .family == "firefox") | not)
      or (.linux.user | type) != "string" or (.macos.user | type) != "string"
      or (.linux.detect | type) != "string" or (.macos.detect | type) != "string"
      or ((.windows.registry_key | test("^SOFTWARE\\\\.+\\\\NativeMessagingHosts$")) | not)) | .id' \
      "$REPO/manifests/browsers.json") || fail "jq could not read browsers.json"
    expect_eq "$bad" "" "browsers with incomplete rows"
    grep -q '"allowed_origins"' "$REPO/manifests/host.chromium.json.in" || fail "chromium template lacks allowed_origins"
    grep -q '"allowed_extensions"' "$REPO/manifests/host.firefox.json.in" || fail "firefox template lacks allowed_extensions"
    ;;

  *)
    echo "unknown case $CASE" >&2
    exit 2
    ;;
esac

if [ "$failures" -gt 0 ]; then
  echo "$CASE: $failures failure(s)" >&2
  exit 1
fi
echo "$CASE: passed"
