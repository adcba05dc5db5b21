#!/usr/bin/env bash
# The sharded deployment (issue 15) on loopback: 3 ttpgraphd shards behind a real nginx
# (Debian's, non-root, temporary prefix) configured by deploy/nginx/render_conf.py from the same
# template as the Kubernetes ConfigMap. Clients reach the proxy over TLS (certificates made here).
#   - 30 organizations created through the proxy spread over at least 2 shards, each on exactly one;
#   - every call of an organization (reads, writes, coverage) reaches its shard: detections land
#     there only, coverage equals the shard's direct answer, nginx logs one upstream per organization;
#   - calls without x-ttpgraph-org (releases, knowledge, health) reach a shard and answer as it does;
#   - killing a shard: its organizations answer UNAVAILABLE (never another shard's NOT_FOUND), the
#     others' still answer, org-less calls still answer; restarting it restores its organizations.
# Releases are imported into each shard with ttpctl (the documented fan-out, used when sync is off).
#
# Growing into issue 15's full test as the server features land:
#   - sync (15): start every shard with --sync-index pointing at a collection index made from
#     $TTPGRAPH_SHARED_DATA/attack (tests/testdata/mini_attack/collection-index.json.in shows the
#     layout) and --import-root, wait for the releases instead of the ttpctl import loop;
# The shards share one admin token (--bootstrap-token-file, an `openssl rand -hex 32` secret as
# the Kubernetes Secret holds), which ttpctl and shard_check.py send.
#   - re-encryption (10): shards with --tls-cert/--tls-key from the test CA (SAN ttpgraphd) and
#     render_conf.py --upstream-ca "$WORK/tls/ca.crt";
#   - moving an organization (11): org export from its shard, import on another, delete, and the
#     proxy answers from the new one once the shard list changes.
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_HEALTH, TTPGRAPH_SHARED_DATA (set by ctest).
source "$(dirname "$0")/../e2e/lib.sh"
: "${TTPGRAPH_HEALTH:?set TTPGRAPH_HEALTH to the ttpgraph_health binary}"
e2e_init shard
# Debian's python3-grpcio and python3-protobuf live under the system interpreter.
PY=/usr/bin/python3
NSHARDS=3
NORGS=30
RELEASE=enterprise-attack@18.0
openssl rand -hex 32 >"$WORK/admin.token"
export TTPGRAPH_TOKEN_FILE="$WORK/admin.token"

SHARD_PIDS=()
SHARD_ADDRS=()
NGINX_PID=""
shard_cleanup() {
  local pid i
  for pid in "${SHARD_PIDS[@]}"; do
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  if [ -n "$NGINX_PID" ]; then
    # TERM: the master stops its workers (a KILLed master would leave them running).
    kill -TERM "$NGINX_PID" 2>/dev/null
    for i in $(seq 1 100); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$NGINX_PID" 2>/dev/null
    wait "$NGINX_PID" 2>/dev/null
  fi
  e2e_cleanup
}
trap shard_cleanup EXIT
trap "exit 143" TERM INT  # so a stopped test still runs shard_cleanup

# start_shard I: ttpgraphd on SHARD_ADDRS[I] (a free port the first time), data in $WORK/shardI;
# waits, bounded, for grpc.health SERVING.
start_shard() {
  local i=$1 attempt n
  for attempt in 1 2 3; do
    [ -n "${SHARD_ADDRS[$i]:-}" ] && [ "$attempt" = 1 ] || SHARD_ADDRS[$i]="127.0.0.1:$(free_port)"
    "$TTPGRAPHD" --listen "${SHARD_ADDRS[$i]}" --data-dir "$WORK/shard$i" --bootstrap-token-file "$WORK/admin.token" --quiet >>"$WORK/shard$i.log" 2>&1 &
    SHARD_PIDS[$i]=$!
    for n in $(seq 1 200); do
      "$TTPGRAPH_HEALTH" --addr "${SHARD_ADDRS[$i]}" >/dev/null 2>&1 && return 0
      kill -0 "${SHARD_PIDS[$i]}" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "${SHARD_PIDS[$i]}" 2>/dev/null
    wait "${SHARD_PIDS[$i]}" 2>/dev/null
  done
  return 1
}

# phase NAME ARGS...: one shard_check.py phase; its PASS/FAIL lines count here.
phase() {
  local out="$WORK/phase.out" shard_args=() a
  for a in "${SHARD_ADDRS[@]}"; do shard_args+=(--shard "$a"); done
  "$PY" "$SRC/tests/deploy/shard_check.py" --descriptors "$WORK/api.pb" --proxy "localhost:$PROXY_PORT" \
    --proxy-ca "$WORK/tls/ca.crt" --token-file "$WORK/admin.token" "${shard_args[@]}" --state "$WORK/state.json" \
    --access-log "$WORK/nginx/access.log" "$@" >"$out" 2>&1
  cat "$out"
  passed=$((passed + $(grep -c '^PASS ' "$out")))
  failed=$((failed + $(grep -c '^FAIL ' "$out")))
  grep -q '^Traceback' "$out" && fail "shard_check.py $1 crashed"
  return 0
}

# ---- the API's descriptors, for the Python client ----
protoc --include_imports --descriptor_set_out="$WORK/api.pb" -I "$SRC/proto" \
  "$SRC"/proto/ttpgraph/v1/*.proto "$SRC"/proto/grpc/health/v1/health.proto ||
  { fail "protoc descriptor set"; finish; }

# ---- shards, each loaded with the release by ttpctl (fan-out to every shard's address) ----
for i in $(seq 0 $((NSHARDS - 1))); do
  start_shard "$i" || { fail "shard $i did not start"; cat "$WORK/shard$i.log"; finish; }
  "$TTPCTL" --server "${SHARD_ADDRS[$i]}" release import "$SRC/tests/testdata/mini_attack/mini-v18.json" \
    --domain enterprise-attack --version 18.0 >"$WORK/import$i.out" 2>&1
  check "release imported into shard $i" 0 $?
done

# ---- TLS for the proxy's clients: a CA and a certificate for localhost ----
mkdir -p "$WORK/tls"
(
  cd "$WORK/tls" &&
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=ttpgraph-test-ca -keyout ca.key -out ca.crt &&
    openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout tls.key -out tls.csr &&
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext &&
    openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile san.ext -out tls.crt
) >"$WORK/openssl.log" 2>&1 || { fail "openssl"; cat "$WORK/openssl.log"; finish; }

# ---- nginx, non-root, in a temporary prefix ----
PROXY_PORT=$(free_port)
HEALTH_PORT=$(free_port)
mkdir -p "$WORK/nginx"
shards=()
for a in "${SHARD_ADDRS[@]}"; do shards+=(--shard "$a"); done
"$PY" "$SRC/deploy/nginx/render_conf.py" "${shards[@]}" --listen "127.0.0.1:$PROXY_PORT" \
  --health-listen "127.0.0.1:$HEALTH_PORT" --run-dir "$WORK/nginx" --error-log "$WORK/nginx/error.log" \
  --access-log "$WORK/nginx/access.log" --tls-cert "$WORK/tls/tls.crt" --tls-key "$WORK/tls/tls.key" \
  -o "$WORK/nginx/nginx.conf"
check "nginx.conf rendered" 0 $?
as_user=()
if [ "$(id -u)" -eq 0 ]; then  # as root (CI): nginx runs as nobody, which must read its files
  chmod 755 "$WORK" "$WORK/tls"
  chmod 644 "$WORK/tls/tls.key"
  chown -R nobody "$WORK/nginx"
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
"${as_user[@]}" nginx -t -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx-t.out" 2>&1
check "nginx -t accepts the rendered configuration" 0 $?
"${as_user[@]}" nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' \
  >>"$WORK/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
proxy_up=1
for n in $(seq 1 100); do
  "$TTPGRAPH_HEALTH" --addr "localhost:$PROXY_PORT" --ca "$WORK/tls/ca.crt" >/dev/null 2>&1 && { proxy_up=0; break; }
  sleep 0.05
done
check "grpc.health through the proxy over TLS" 0 "$proxy_up"
[ "$proxy_up" = 0 ] || { cat "$WORK/nginx-t.out" "$WORK/nginx/error.log"; finish; }
check "nginx runs as a non-root user" 1 "$([ "$(stat -c %u "/proc/$NGINX_PID")" -ne 0 ] && echo 1 || echo 0)"
health_body=$("$PY" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().strip())' \
  "http://127.0.0.1:$HEALTH_PORT/healthz" 2>&1)
check "proxy /healthz" ok "$health_body"

# ---- routing ----
phase place "$NORGS" "$RELEASE"
phase route
phase anyshard "$RELEASE"
phase latency "$RELEASE"

# ---- a shard dies ----
dead=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["placement"]["org-00"])' "$WORK/state.json")
kill -KILL "${SHARD_PIDS[$dead]}"
wait "${SHARD_PIDS[$dead]}" 2>/dev/null
SHARD_PIDS[$dead]=""
phase down "$dead" "$RELEASE"

# ---- it comes back on the same address and data ----
old_addr=${SHARD_ADDRS[$dead]}
start_shard "$dead"
check "shard $dead restarted" 0 $?
check "shard $dead kept its address (nginx knows no other)" "$old_addr" "${SHARD_ADDRS[$dead]}"
phase serve

# ---- orderly stop ----
for i in $(seq 0 $((NSHARDS - 1))); do
  SERVER_PID=${SHARD_PIDS[$i]}
  stop_server
  check "shard $i stops on SIGTERM" 0 "$STOP_RC"
  SHARD_PIDS[$i]=""
done
kill -QUIT "$NGINX_PID" && wait "$NGINX_PID"
check "nginx stops gracefully" 0 $?
NGINX_PID=""
grep -q '\[emerg\]\|\[alert\]\|\[crit\]' "$WORK/nginx/error.log" && { fail "nginx error log"; cat "$WORK/nginx/error.log"; }
finish
