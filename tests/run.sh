#!/usr/bin/env bash
# Runs every test: installs dependencies if missing, builds, then ctest (units, smoke, fuzz
# replays, installer, accuracy guards and the end-to-end browser tests).
#   tests/run.sh                 everything
#   tests/run.sh -L unit         only tests with a ctest label (passed to ctest)
set -euo pipefail
cd "$(dirname "$0")/.."
installer/deps.sh
BUILD_DIR=${BUILD_DIR:-build/default}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 1500 "$@"
