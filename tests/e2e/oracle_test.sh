#!/usr/bin/env bash
# End-to-end oracle test: the real ttpgraphd on a free port, enterprise 17.1
# and 18.1 imported with ttpctl, then tests/e2e/oracle_check.py compares
# every group's techniques (4 path sets), every technique's mitigations and
# detectability with a naive scan of the raw bundle. SIGTERM must stop the
# server cleanly (exit 0).
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA, TTPGRAPH_SOURCE_DIR (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init oracle
ATTACK="$TTPGRAPH_SHARED_DATA/attack"
RELEASES=(17.1 18.1)

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
stop_server
check "SIGTERM: ttpgraphd exits 0" 0 "$STOP_RC"

finish
