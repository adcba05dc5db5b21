#!/usr/bin/env bash
# Installs what is needed, builds everything (Release) and runs the whole test
# suite with ctest. .ci/run runs exactly this.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash deploy/install_deps.sh
export BUILD_DIR=${BUILD_DIR:-$root/build}
bash deploy/build.sh
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"${JOBS:-$(nproc)}" --timeout 1200
