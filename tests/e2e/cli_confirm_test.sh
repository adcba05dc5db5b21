#!/usr/bin/env bash
# Destructive commands ask on a terminal (issue 14): `org delete`, `release
# delete` and `d3fend delete` typed into a real terminal (a tmux pane) ask
# "[y/N]"; "n" (or anything but y/yes) changes nothing and exits 1, "y"
# deletes, --yes asks nothing. The refusal without a terminal is in
# cli_usage_test.sh.
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init confirm
command -v tmux >/dev/null || { fail "tmux is not installed (deploy/install_deps.sh installs it)"; finish; }

DATA="$TTPGRAPH_SHARED_DATA"
T() { "$TTPCTL" --server "$ADDR" "$@" </dev/null; }
if ! start_server; then
  fail "ttpgraphd did not start"
  cat "$WORK/server.log"
  finish
fi
T release import "$DATA/attack/ics-attack-18.1.json.gz" >/dev/null && pass "ics 18.1 imported" || fail "ics import"
T d3fend import "$DATA/d3fend/d3fend-protege-1.2.0.ttl.gz" >/dev/null && pass "D3FEND imported" || fail "D3FEND import"
for o in keep gone; do T org create "$o" --release ics-attack@18.1 >/dev/null || fail "org create $o"; done

# One tmux server of our own (its socket in $WORK), one pane running bash.
SOCK="$WORK/tmux.sock"
tmux -S "$SOCK" new-session -d -s t -x 220 -y 50 "env -i PATH=$PATH HOME=$WORK TERM=xterm HISTFILE=/dev/null TTPGRAPH_TOKEN_FILE=$TTPGRAPH_TOKEN_FILE bash --norc --noprofile"
cleanup_tmux() { tmux -S "$SOCK" kill-server 2>/dev/null; e2e_cleanup; }
trap cleanup_tmux EXIT
screen() { tmux -S "$SOCK" capture-pane -p -t t -S -200; }
# wait_for TEXT: until the pane shows TEXT (bounded: 10 s).
wait_for() {
  local i
  for i in $(seq 1 200); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.05
  done
  return 1
}
# run_in_pane N COMMAND: types COMMAND, then a marker printing its exit status
# as "RC<N>=<status>" (typed as "RC""<N>=", so the typed line never matches).
run_in_pane() {
  tmux -S "$SOCK" send-keys -t t "$2; echo \"RC\"\"$1=\$?\"" Enter
}
# exit_status N: the status RC<N> printed (bounded wait), or "none".
exit_status() {
  local i rc
  for i in $(seq 1 200); do
    rc="$(screen | grep -o "RC$1=[0-9][0-9]*" | cut -d= -f2)"
    [ -n "$rc" ] && echo "$rc" && return 0
    sleep 0.05
  done
  echo none
}

# Answer "n": nothing deleted, exit 1.
run_in_pane 1 "'$TTPCTL' --server $ADDR org delete keep"
if wait_for "ttpctl: delete organization keep with all its detections and inventory? [y/N]"; then
  pass "org delete asks on a terminal"
  tmux -S "$SOCK" send-keys -t t "n" Enter
  check "answer n: exit 1" 1 "$(exit_status 1)"
  screen | grep -qF "ttpctl: org delete: not confirmed; nothing changed" && pass "answer n: says nothing changed" ||
    fail "answer n: $(screen)"
else
  fail "org delete did not ask: $(screen)"
fi
check "answer n: the organization is still there" keep "$(T org show keep --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["org_id"])')"

# Enter alone (the default is No).
run_in_pane 2 "'$TTPCTL' --server $ADDR release delete ics-attack@18.1"
if wait_for "ttpctl: delete release ics-attack@18.1? [y/N]"; then
  tmux -S "$SOCK" send-keys -t t Enter
  check "Enter alone: no (exit 1)" 1 "$(exit_status 2)"
else
  fail "release delete did not ask: $(screen)"
fi
T release show ics-attack@18.1 >/dev/null && pass "Enter alone: the release is still there" || fail "the release was deleted"

# Answer "y": deleted.
run_in_pane 3 "'$TTPCTL' --server $ADDR org delete gone"
if wait_for "ttpctl: delete organization gone with all its detections and inventory? [y/N]"; then
  tmux -S "$SOCK" send-keys -t t "y" Enter
  check "answer y: exit 0" 0 "$(exit_status 3)"
  screen | grep -qF "deleted organization gone and its 0 detections" && pass "answer y: deleted" || fail "answer y: $(screen)"
else
  fail "org delete did not ask: $(screen)"
fi
T org show gone >/dev/null 2>&1 && fail "org gone still exists" || pass "answer y: the organization is gone"

run_in_pane 4 "'$TTPCTL' --server $ADDR d3fend delete 1.2.0"
if wait_for "ttpctl: delete D3FEND 1.2.0? [y/N]"; then
  tmux -S "$SOCK" send-keys -t t "yes" Enter
  check "d3fend delete, answer yes: exit 0" 0 "$(exit_status 4)"
else
  fail "d3fend delete did not ask: $(screen)"
fi
check "d3fend delete: gone" 0 "$(T --json d3fend versions | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("versions", [])))')"

# Issue 10: a release organizations map to is not deleted (organization "keep" maps to it).
T release delete ics-attack@18.1 --yes >"$WORK/in_use.out" 2>&1 && fail "release delete went through while keep maps to it" ||
  { grep -qF "is in use: 1 organization maps to it (keep)" "$WORK/in_use.out" && pass "release in use: refused" ||
    fail "release in use: $(cat "$WORK/in_use.out")"; }
T org delete keep --yes >/dev/null || fail "org delete keep"

# --yes on a terminal: no question.
run_in_pane 5 "'$TTPCTL' --server $ADDR release delete ics-attack@18.1 --yes"
if [ "$(exit_status 5)" = 0 ]; then
  pass "--yes on a terminal: exit 0"
  screen | sed -n '/RC""5=/,$p' | grep -qF "[y/N]" && fail "--yes still asked: $(screen)" || pass "--yes asks nothing"
else
  fail "release delete --yes did not finish: $(screen)"
fi

finish
