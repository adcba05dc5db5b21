#!/usr/bin/env bash
# End-to-end oracle test: the real ttpgraphd on a free port, enterprise 17.1
# and 18.1 imported with ttpctl, then tests/e2e/oracle_check.py compares
# every group's techniques (4 path sets), every technique's mitigations and
# detectability with a naive scan of the raw bundle. SIGTERM must stop the
# server cleanly (exit 0).
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA, TTPGRAPH_SOURCE_DIR (set by ctest).
set -u

: "${TTPGRAPHD:?set TTPGRAPHD to the ttpgraphd binary}"
: "${TTPCTL:?set TTPCTL to the ttpctl binary}"
: "${TTPGRAPH_SHARED_DATA:?set TTPGRAPH_SHARED_DATA to ../shared/data}"
SRC="${TTPGRAPH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
ATTACK="$TTPGRAPH_SHARED_DATA/attack"
RELEASES=(17.1 18.1)

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ttpgraph-oracle-XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts ttpgraphd on a free port and waits (bounded) until it answers.
# A port taken between picking and binding makes the server exit: try again.
start_server() {
  local attempt i
  for attempt in 1 2 3; do
    PORT="$(free_port)"
    ADDR="127.0.0.1:$PORT"
    "$TTPGRAPHD" --listen "$ADDR" --data-dir "$WORK/db" --quiet >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for i in $(seq 1 200); do
      if "$TTPCTL" --server "$ADDR" release list >/dev/null 2>&1; then
        return 0
      fi
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
  done
  return 1
}

if ! start_server; then
  fail "ttpgraphd did not start; its log:"
  cat "$WORK/server.log"
  finish
fi
pass "ttpgraphd answers on $ADDR"

files=()
for v in "${RELEASES[@]}"; do files+=("$ATTACK/enterprise-attack-$v.json.gz"); done
if "$TTPCTL" --server "$ADDR" release import "${files[@]}" >"$WORK/import.out" 2>"$WORK/import.err"; then
  pass "import enterprise ${RELEASES[*]}"
else
  fail "import enterprise ${RELEASES[*]}: $(cat "$WORK/import.err")"
  finish
fi

for v in "${RELEASES[@]}"; do
  release="enterprise-attack@$v"
  out="$WORK/oracle-$v.out"
  python3 "$SRC/tests/e2e/oracle_check.py" --ttpctl "$TTPCTL" --server "$ADDR" \
    --bundle "$ATTACK/enterprise-attack-$v.json.gz" --release "$release" --jobs 4 >"$out" 2>&1
  rc=$?
  summary="$(grep '^oracle:' "$out" | tail -1)"
  # "oracle: G groups x 4 path sets, T techniques: P passed, F failed"
  checks_passed="$(echo "$summary" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')"
  checks_failed="$(echo "$summary" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')"
  if [ "$rc" -eq 0 ] && [ -n "$checks_passed" ] && [ "$checks_passed" -gt 1000 ] && [ "$checks_failed" = 0 ]; then
    pass "$release $summary"
  else
    fail "$release (exit $rc) ${summary:-no summary}"
    head -60 "$out"
  fi
done

# Graceful shutdown: SIGTERM, bounded wait, exit status 0.
kill -TERM "$SERVER_PID"
for i in $(seq 1 300); do
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.05
done
if kill -0 "$SERVER_PID" 2>/dev/null; then
  fail "ttpgraphd still running 15 s after SIGTERM"
else
  wait "$SERVER_PID"
  rc=$?
  SERVER_PID=""
  if [ "$rc" -eq 0 ]; then pass "SIGTERM: ttpgraphd exited 0"; else fail "SIGTERM: ttpgraphd exited $rc"; fi
fi

finish
