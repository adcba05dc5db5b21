#!/usr/bin/env bash
# deploy/k8s: every overlay renders with `kubectl kustomize` (offline; Debian 12's kubectl embeds
# kustomize v2.0.3, newer ones v5: the manifests are written for both), the sources and the
# rendered output pass yamllint, and k8s_check.py checks real properties of each rendering
# (probes, resources sized from the benchmarks, references that resolve, replicas = shard
# Services = nginx upstreams, the ConfigMap's nginx.conf = the template rendered, ...). A copy
# with 4 replicas and 3 shard Services must fail those checks. No secret material is committed.
#
# Env: TTPGRAPH_SOURCE_DIR (set by ctest); KUBECTL to pick a kubectl (default: the one on PATH).
set -u
SRC="${TTPGRAPH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
KUBECTL=${KUBECTL:-kubectl}
PY=/usr/bin/python3  # Debian's python3-yaml
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ttpgraph-k8s-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

"$KUBECTL" kustomize --help >/dev/null 2>&1 || { fail "$KUBECTL has no kustomize (install kubernetes-client)"; finish; }
echo "kubectl: $("$KUBECTL" version --client 2>/dev/null | head -1)"

# yamllint on the sources.
if yamllint -c "$SRC/deploy/k8s/.yamllint" "$SRC/deploy/k8s" >"$WORK/lint.out" 2>&1; then
  pass "yamllint deploy/k8s"
else
  fail "yamllint deploy/k8s"
  cat "$WORK/lint.out"
fi

# Nothing under a secrets/ folder is tracked but its .gitignore.
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
  tracked=$(git -C "$SRC" ls-files deploy/k8s | grep '/secrets/' | grep -v '/secrets/\.gitignore$')
  if [ -z "$tracked" ]; then pass "no secret material committed"; else fail "secret material committed: $tracked"; fi
fi

# A copy of deploy/k8s with test secrets where the Secret generators read them.
cp -r "$SRC/deploy/k8s" "$WORK/k8s"
K="$WORK/k8s"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=ttpgraph \
  -keyout "$K/overlays/sharded/secrets/tls.key" -out "$K/overlays/sharded/secrets/tls.crt" >/dev/null 2>&1
openssl rand -hex 32 >"$K/base/secrets/admin.token"
openssl rand -hex 32 >"$K/overlays/sharded-monitoring/secrets/metrics.token"

# render NAME DIR: kubectl kustomize DIR > $WORK/NAME.yaml, then yamllint it.
render() {
  if "$KUBECTL" kustomize "$2" >"$WORK/$1.yaml" 2>"$WORK/$1.err"; then
    pass "$1 renders"
  else
    fail "$1 renders"
    cat "$WORK/$1.err"
    return 1
  fi
  if yamllint -c "$SRC/deploy/k8s/yamllint-rendered.yaml" "$WORK/$1.yaml" >"$WORK/$1.lint" 2>&1; then
    pass "$1: yamllint on the rendered output"
  else
    fail "$1: yamllint on the rendered output"
    cat "$WORK/$1.lint"
  fi
}

# properties NAME OVERLAY: k8s_check.py's PASS/FAIL lines count here.
properties() {
  "$PY" "$SRC/tests/deploy/k8s_check.py" --source-dir "$SRC" "$2" "$WORK/$1.yaml" >"$WORK/$1.check" 2>&1
  cat "$WORK/$1.check"
  passed=$((passed + $(grep -c '^PASS ' "$WORK/$1.check")))
  failed=$((failed + $(grep -c '^FAIL ' "$WORK/$1.check")))
  grep -q '^Traceback' "$WORK/$1.check" && fail "k8s_check.py crashed on $1"
}

for overlay in single sharded sharded-monitoring; do
  render "$overlay" "$K/overlays/$overlay" && properties "$overlay" "$overlay"
done

# Without its secret files an overlay does not render, and kubectl names the missing file.
rm "$K/overlays/sharded/secrets/tls.key"
if "$KUBECTL" kustomize "$K/overlays/sharded" >/dev/null 2>"$WORK/nokey.err"; then
  fail "sharded renders without its TLS key"
elif grep -q 'tls.key' "$WORK/nokey.err"; then
  pass "sharded without secrets/tls.key: kubectl names the missing file"
else
  fail "sharded without secrets/tls.key: $(cat "$WORK/nokey.err")"
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=ttpgraph \
  -keyout "$K/overlays/sharded/secrets/tls.key" -out "$K/overlays/sharded/secrets/tls.crt" >/dev/null 2>&1

# The checks have teeth: 4 replicas with 3 shard Services and a 3-shard nginx.conf must fail.
sed -i 's/^  replicas: 3$/  replicas: 4/' "$K/overlays/sharded/statefulset-shards.yaml"
if "$KUBECTL" kustomize "$K/overlays/sharded" >"$WORK/bad.yaml" 2>/dev/null &&
  ! "$PY" "$SRC/tests/deploy/k8s_check.py" --source-dir "$SRC" sharded "$WORK/bad.yaml" >"$WORK/bad.check" 2>&1 &&
  grep -q '^FAIL sharded: one Service per shard ordinal 0..3' "$WORK/bad.check"; then
  pass "4 replicas behind 3 shard Services is caught"
else
  fail "4 replicas behind 3 shard Services is not caught"
  cat "$WORK/bad.check" 2>/dev/null
fi
finish
