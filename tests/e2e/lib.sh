# Shared pieces of the end-to-end shell tests: counters and the closing line,
# a scratch directory, and a real ttpgraphd on a free port.
#
#   source "$(dirname "$0")/lib.sh"     # needs TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA
#   e2e_init oracle                     # WORK=$(mktemp -d ...), cleanup on exit
#   start_server || { fail "no server"; cat "$WORK/server.log"; finish; }
#   T release list                      # ttpctl against it
#   stop_server; check "SIGTERM exit" 0 "$STOP_RC"
#   finish                              # prints "N passed, M failed"; exit status
# shellcheck shell=bash
set -u
: "${TTPGRAPHD:?set TTPGRAPHD to the ttpgraphd binary}"
: "${TTPCTL:?set TTPCTL to the ttpctl binary}"
: "${TTPGRAPH_SHARED_DATA:?set TTPGRAPH_SHARED_DATA to ../shared/data}"
SRC="${TTPGRAPH_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
PY=/usr/bin/python3  # Debian's, with the python3-* packages deploy/install_deps.sh installs

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

SERVER_PID=""
e2e_cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
e2e_init() {  # e2e_init NAME: scratch directory $WORK, removed (and any server killed) on exit
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/ttpgraph-$1-XXXXXX")"
  trap e2e_cleanup EXIT
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts ttpgraphd on a free port with its data in $WORK/db (extra arguments go
# to ttpgraphd; with TLS, set TTPCTL_CA to the CA the readiness probe trusts)
# and waits, bounded, until it answers; sets ADDR and SERVER_PID,
# and exports TTPGRAPH_TOKEN_FILE: the admin token the server writes at its
# first start, which every ttpctl call then sends.
# A port taken between picking and binding makes the server exit: try again.
start_server() {
  local attempt i
  export TTPGRAPH_TOKEN_FILE="$WORK/db/admin.token"
  for attempt in 1 2 3; do
    ADDR="127.0.0.1:$(free_port)"
    "$TTPGRAPHD" --listen "$ADDR" --data-dir "$WORK/db" --quiet "$@" >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for i in $(seq 1 200); do
      "$TTPCTL" --server "$ADDR" ${TTPCTL_CA:+--ca "$TTPCTL_CA"} release list >/dev/null 2>&1 && return 0
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
  done
  return 1
}

# start_server with --http-listen on a free port as well (ARGS... to ttpgraphd); sets
# HTTP_PORT and URL (http://127.0.0.1:HTTP_PORT).
start_with_http() {
  local attempt
  for attempt in 1 2 3; do
    HTTP_PORT=$(free_port)
    URL="http://127.0.0.1:$HTTP_PORT"
    start_server --http-listen "127.0.0.1:$HTTP_PORT" "$@" && return 0
  done
  return 1
}

# SIGTERM, bounded wait (15 s); sets STOP_RC to the exit status, or "running".
stop_server() {
  local i
  kill -TERM "$SERVER_PID"
  for i in $(seq 1 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    STOP_RC=running
    return
  fi
  wait "$SERVER_PID"
  STOP_RC=$?
  SERVER_PID=""
}

T() { "$TTPCTL" --server "$ADDR" "$@"; }  # ttpctl against the test server

# Makes a test PKI in DIR with openssl: ca.crt (+ ca.key), server.crt/server.key for
# DNS:localhost and IP:127.0.0.1, client.crt/client.key, and other.crt, an unrelated CA.
# The openssl output goes to DIR/openssl.log; non-zero when a step failed.
make_test_pki() {
  mkdir -p "$1" && (
    cd "$1" &&
      openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca -keyout ca.key -out ca.crt &&
      openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr &&
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext &&
      openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile san.ext -out server.crt &&
      openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key -out client.csr &&
      openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -out client.crt &&
      openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-ca -keyout other.key -out other.crt
  ) >"$1/openssl.log" 2>&1
}
