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
#   - releases by sync: every shard starts with --sync-index over one collection index made here
#     from $TTPGRAPH_SHARED_DATA/attack (each bundle with its sha256) and --sync-domains
#     enterprise-attack, so each converges on enterprise 18.0 and 18.1 (mobile and ICS listed,
#     not synced) before it reports SERVING; a restarted shard finds them stored;
#   - the figure: group techniques p50 through nginx minus direct (phase latency, G0016 on 18.1).
#   - rebalancing: a fourth shard joins (nginx.conf re-rendered, nginx reloaded); the organizations
#     whose hash moved answer NOT_FOUND through the proxy until each is moved (org export from the
#     old shard, org import on the new one, org delete on the old), then every organization answers
#     through the proxy exactly as before, and the moved ones are gone from their old shards.
# The shards share one admin token (--bootstrap-token-file, an `openssl rand -hex 32` secret as
# the Kubernetes Secret holds), which ttpctl and shard_check.py send.
#
# Growing into issue 15's full test as the server features land:
#   - re-encryption (10): shards with --tls-cert/--tls-key from the test CA (SAN ttpgraphd) and
#     render_conf.py --upstream-ca "$WORK/tls/ca.crt";
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
ATTACK="$TTPGRAPH_SHARED_DATA/attack"
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

# start_shard I: ttpgraphd on SHARD_ADDRS[I] (a free port the first time), data in $WORK/shardI,
# syncing the collection index; waits, bounded (60 s), for grpc.health SERVING.
start_shard() {
  local i=$1 attempt n
  for attempt in 1 2 3; do
    [ -n "${SHARD_ADDRS[$i]:-}" ] && [ "$attempt" = 1 ] || SHARD_ADDRS[$i]="127.0.0.1:$(free_port)"
    "$TTPGRAPHD" --listen "${SHARD_ADDRS[$i]}" --data-dir "$WORK/shard$i" --bootstrap-token-file "$WORK/admin.token" \
      --import-root "$WORK/index,$ATTACK" --sync-index "$WORK/index/index.json" --sync-domains enterprise-attack \
      --quiet >>"$WORK/shard$i.log" 2>&1 &
    SHARD_PIDS[$i]=$!
    for n in $(seq 1 1200); do  # SERVING once the first sync pass has ended
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

# ---- a collection index over the real bundles, in attack-stix-data's layout ----
mkdir -p "$WORK/index"
"$PY" - "$ATTACK" "$WORK/index/index.json" <<'PY' || { fail "collection index"; finish; }
import glob, hashlib, json, os, re, sys
attack, out = sys.argv[1], sys.argv[2]
names = {"enterprise-attack": "Enterprise ATT&CK", "mobile-attack": "Mobile ATT&CK", "ics-attack": "ATT&CK for ICS"}
collections = {}
for path in sorted(glob.glob(os.path.join(attack, "*-attack-*.json.gz"))):
    domain, version = re.match(r"(\w+-attack)-([\d.]+)\.json\.gz$", os.path.basename(path)).groups()
    if domain == "enterprise-attack" and version not in ("18.0", "18.1"):
        continue  # two enterprise releases keep the test short; the others are imported elsewhere
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    collections.setdefault(domain, []).append({"version": version, "url": path, "sha256": digest,
                                               "modified": "2025-10-28T00:00:00.000Z"})
index = {"id": "ttpgraph-shard-test", "name": "ATT&CK from shared/data", "created": "2025-10-28T00:00:00Z",
         "modified": "2025-10-28T00:00:00Z",
         "collections": [{"id": "x-mitre-collection--" + d, "name": names[d], "created": "2025-10-28T00:00:00Z",
                          "versions": v} for d, v in sorted(collections.items())]}
json.dump(index, open(out, "w"), indent=1)
PY

# ---- shards, each syncing the index (no import into any of them) ----
for i in $(seq 0 $((NSHARDS - 1))); do
  start_shard "$i" || { fail "shard $i did not start"; cat "$WORK/shard$i.log"; finish; }
done
for i in $(seq 0 $((NSHARDS - 1))); do
  "$TTPCTL" --server "${SHARD_ADDRS[$i]}" --json release list >"$WORK/releases$i.json" 2>&1
  check "shard $i synced enterprise 18.0 and 18.1 (and nothing else), no error" \
    "enterprise-attack@18.0,enterprise-attack@18.1 2 []" \
    "$("$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); s = d.get("sync", {})
print(",".join(r["name"] for r in d.get("releases", [])), s.get("releases_imported"), [s["last_error"]] if s.get("last_error") else [])' \
      "$WORK/releases$i.json")"
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
phase latency enterprise-attack@18.1

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
"$TTPCTL" --server "${SHARD_ADDRS[$dead]}" --json release list >"$WORK/restarted.json" 2>&1
check "shard $dead after its restart: the releases stored, the sync imports nothing" "2 0" \
  "$("$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(len(d["releases"]), d["sync"]["releases_imported"])' \
    "$WORK/restarted.json")"
check "shard $dead kept its address (nginx knows no other)" "$old_addr" "${SHARD_ADDRS[$dead]}"
phase serve

# ---- rebalancing: a fourth shard joins, the organizations whose hash moved are moved ----
# As deploy/README.md ("Moving an organization between shards") says: re-render nginx.conf with
# the new shard and reload it; the organizations that now hash to the new shard answer NOT_FOUND
# through the proxy until each is exported from its old shard, imported on the new one and
# deleted from the old one.
proxy() { "$TTPCTL" --server "localhost:$PROXY_PORT" --ca "$WORK/tls/ca.crt" "$@"; }
org_line() {  # ORG SERVER...: "detections inventory" of ORG as that server answers it
  local org=$1; shift
  "$PY" -c 'import json, sys; d = json.load(sys.stdin); print(d.get("detection_count", 0), d.get("inventory_count", 0))' \
    < <("$@" --org "$org" --json org show 2>/dev/null) 2>/dev/null
}
new=$NSHARDS
start_shard "$new" || { fail "shard $new did not start"; cat "$WORK/shard$new.log"; finish; }
NSHARDS=$((NSHARDS + 1))
shards=()
for a in "${SHARD_ADDRS[@]}"; do shards+=(--shard "$a"); done
"$PY" "$SRC/deploy/nginx/render_conf.py" "${shards[@]}" --listen "127.0.0.1:$PROXY_PORT" \
  --health-listen "127.0.0.1:$HEALTH_PORT" --run-dir "$WORK/nginx" --error-log "$WORK/nginx/error.log" \
  --access-log "$WORK/nginx/access.log" --tls-cert "$WORK/tls/tls.crt" --tls-key "$WORK/tls/tls.key" \
  -o "$WORK/nginx/nginx.conf.new" && mv "$WORK/nginx/nginx.conf.new" "$WORK/nginx/nginx.conf"
check "nginx.conf re-rendered with $NSHARDS shards" 0 $?
[ "$(id -u)" -eq 0 ] && chown -R nobody "$WORK/nginx"
kill -HUP "$NGINX_PID"
orgs=$("$PY" -c 'import json, sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["placement"])))' "$WORK/state.json")
declare -A before old_shard
for org in $orgs; do
  old_shard[$org]=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["placement"][sys.argv[2]])' "$WORK/state.json" "$org")
  before[$org]=$(org_line "$org" "$TTPCTL" --server "${SHARD_ADDRS[${old_shard[$org]}]}")
  [ -n "${before[$org]}" ] || fail "$org: org show on its shard ${old_shard[$org]} answered nothing"
done
check "org-00 before the move (detections, inventory entries)" "3 0" "${before[org-00]}"
moved=""
for n in $(seq 1 100); do  # the reload takes effect when nginx's new workers answer
  moved=""
  for org in $orgs; do
    proxy --org "$org" org show >/dev/null 2>"$WORK/show.err" || { grep -q NOT_FOUND "$WORK/show.err" && moved="$moved $org"; }
  done
  [ -n "$moved" ] && break
  sleep 0.1
done
check "after the reload some organizations hash to the new shard (and answer NOT_FOUND there)" 1 "$([ -n "$moved" ] && echo 1 || echo 0)"
for org in $moved; do
  from=${SHARD_ADDRS[${old_shard[$org]}]}
  "$TTPCTL" --server "$from" --org "$org" org export >"$WORK/move-$org.json" &&
    "$TTPCTL" --server "${SHARD_ADDRS[$new]}" org import "$WORK/move-$org.json" >/dev/null 2>&1 &&
    "$TTPCTL" --server "$from" org delete "$org" --yes >/dev/null 2>&1
  check "$org moved from shard ${old_shard[$org]} to shard $new" 0 $?
done
for org in $orgs; do
  check "$org through the proxy after the move: as before" "${before[$org]}" "$(org_line "$org" proxy)"
done
for org in $moved; do
  out=$("$TTPCTL" --server "${SHARD_ADDRS[${old_shard[$org]}]}" --org "$org" org show 2>&1)
  case "$out" in *NOT_FOUND*) pass "$org is gone from its old shard";; *) fail "$org still on its old shard: $out";; esac
done

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
