#!/usr/bin/env bash
# The API checks of issue 14, run by ctest (`proto_check`):
#   1. buf lint: proto/buf.yaml (STANDARD, with the three exceptions it explains);
#   2. buf breaking against proto/baseline/ttpgraph-v1.json, the v1 API as frozen by the proto
#      clean-up: additions pass, any change that breaks a client built on it fails;
#   3. buf breaking against the `main` branch of this checkout when it exists and differs from
#      HEAD: a change on a branch may not break what main already serves.
# Usage: proto_check.sh SOURCE_DIR            (buf from deploy/install_deps.sh: npm @bufbuild/buf)
#        proto_check.sh SOURCE_DIR --update-baseline   (only when a new major API version is cut)
set -euo pipefail
src=$(cd "${1:?usage: proto_check.sh SOURCE_DIR [--update-baseline]}" && pwd)
buf=${BUF:-$(command -v buf || true)}
[ -n "$buf" ] || { echo "proto_check: buf is not installed (bash deploy/install_deps.sh installs it from npm)"; exit 1; }
cd "$src"
baseline=proto/baseline/ttpgraph-v1.json
if [ "${2:-}" = "--update-baseline" ]; then
  "$buf" build proto --exclude-source-info -o "$baseline"
  echo "proto_check: wrote $baseline"
  exit 0
fi
"$buf" lint proto
echo "ok: buf lint"
"$buf" breaking proto --against "$baseline"
echo "ok: buf breaking against $baseline"
if git rev-parse --verify -q main >/dev/null 2>&1 && [ "$(git rev-parse main)" != "$(git rev-parse HEAD)" ]; then
  "$buf" breaking proto --against ".git#branch=main,subdir=proto"
  echo "ok: buf breaking against main"
else
  echo "skip: buf breaking against main (no main branch here, or HEAD is main)"
fi
