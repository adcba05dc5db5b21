#!/usr/bin/env bash
# Configures and builds ttpgraph in Release mode into ./build (or $BUILD_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
launcher=()
# Paths relative to the checkout's parent in ccache's hashes, so checkouts side by side share hits.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$root")}
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
ninja -C "$build" -j"${JOBS:-$(nproc)}" "$@"
