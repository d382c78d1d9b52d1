#!/usr/bin/env bash
# Installs what ClauseWatch needs to build and test on Debian 12: compilers, the libraries from the
# design card (Debian packages only), headless Chromium and Firefox ESR, and the npm lockfile.
# Idempotent: packages already present are not fetched again.
#   installer/deps.sh            build + test dependencies
#   installer/deps.sh --runtime  only what building and running the host needs
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PACKAGES=(
  build-essential cmake pkg-config ccache
  nlohmann-json3-dev libre2-dev libsqlite3-dev libsodium-dev libzstd-dev libutf8proc-dev
  libcli11-dev libdtl-dev libarchive-dev libboost-test-dev
  jq  # installer/install.sh reads manifests/browsers.json with it
)
TEST_PACKAGES=(
  chromium chromium-driver firefox-esr nodejs npm strace sqlite3 zstd jq
  libhyperscan-dev clang-format clang-tidy
)

packages=("${BUILD_PACKAGES[@]}")
[ "${1:-}" = "--runtime" ] || packages+=("${TEST_PACKAGES[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from elsewhere on a developer machine; only install them if absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi

if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" != "--runtime" ] && [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
fi
