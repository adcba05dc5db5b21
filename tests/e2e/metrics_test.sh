#!/usr/bin/env bash
# The HTTP listener of the real ttpgraphd (--http-listen, issue 15), scraped and parsed with the
# reference parser of the Prometheus text format (python3-prometheus-client, metrics_check.py):
#   - /healthz and /readyz answer without a token; /metrics with --metrics-token-file answers 401
#     without `authorization: Bearer` or with a wrong one, 200 with it;
#   - --sync-index over tests/testdata/sync/index.json: /readyz once the first pass ended, the
#     two releases imported (imports, bytes, seconds, sync figures) and shown in `release list`;
#   - after known calls, grpc_server_started_total / grpc_server_handled_total /
#     grpc_server_handling_seconds equal the number of calls made, per method and code (the sync
#     API and the async knowledge queries), tokens checked equal calls started, a wrong token is
#     refused by reason, the graph built is counted;
#   - no label carries an organization unless --metrics-org-labels is given; then it does;
#   - bad flags stop the start with a message naming them.
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init metrics
CHECK="$SRC/tests/e2e/metrics_check.py"
openssl rand -hex 24 >"$WORK/metrics.token"
AUTH="Bearer $(cat "$WORK/metrics.token")"
TESTDATA="$SRC/tests/testdata"

M() { "$PY" "$CHECK" value "$URL/metrics" "$@" --auth "$AUTH"; }  # M NAME [LABEL=VALUE]...
status() { "$PY" "$CHECK" status "$URL$1" "${@:2}"; }
wait_ready() {
  local i
  for i in $(seq 1 200); do
    [ "$(status /readyz)" = 200 ] && return 0
    sleep 0.05
  done
  return 1
}

# ---- bad flags: each stops the start with a message naming the flag
for bad in "--sync-index relative/index.json" "--sync-interval soon" "--sync-interval 10s --sync-index /x/index.json" \
           "--sync-domains pre-attack --sync-index /x/index.json" "--metrics-token-file $WORK/metrics.token" \
           "--http-listen 127.0.0.1:$(free_port) --metrics-token-file $WORK/none.token"; do
  # shellcheck disable=SC2086
  "$TTPGRAPHD" --listen "127.0.0.1:$(free_port)" --data-dir "$WORK/bad-db" --quiet $bad >"$WORK/bad.out" 2>&1
  rc=$?
  flag=$(echo "$bad" | awk '{print $1}')
  case "$bad" in
    *interval\ 10s*) flag=--sync-interval ;;
    *domains*) flag=--sync-domains ;;
    *none.token*) flag="metrics token file" ;;
    --metrics-token-file*) flag=--http-listen ;;
  esac
  if [ "$rc" -ne 0 ] && grep -q -- "$flag" "$WORK/bad.out"; then
    pass "ttpgraphd $bad: refused naming $flag"
  else
    fail "ttpgraphd $bad: exit $rc, $(cat "$WORK/bad.out")"
  fi
done

# ---- run 1: token-protected /metrics, sync from the fixture index
if ! start_with_http --import-root "$TESTDATA" --sync-index "$TESTDATA/sync/index.json" \
    --metrics-token-file "$WORK/metrics.token"; then
  fail "ttpgraphd did not start"
  cat "$WORK/server.log"
  finish
fi
t_start=$(date +%s)
wait_ready && pass "/readyz 200 once the first sync pass ended" || fail "/readyz never 200"
check "/healthz without a token" 200 "$(status /healthz)"
check "/metrics without a token" 401 "$(status /metrics)"
check "/metrics with a wrong token" 401 "$(status /metrics --auth "Bearer nope")"
check "/metrics with the token" 200 "$(status /metrics --auth "$AUTH")"
check "an unknown path" 404 "$(status /nothing)"
check "POST /metrics" 405 "$(status /metrics --post --auth "$AUTH")"

# The sync imported both mini releases, digests checked.
bytes=$(( $(stat -c %s "$TESTDATA/mini_attack/mini-v17.json") + $(stat -c %s "$TESTDATA/mini_attack/mini-v18.json") ))
check "imports_total{release,ok}" 2 "$(M ttpgraph_imports_total kind=release outcome=ok)"
check "imports_total{release,error}" 0 "$(M ttpgraph_imports_total kind=release outcome=error)"
check "import_bytes_total{release}: both bundles' bytes" "$bytes" "$(M ttpgraph_import_bytes_total kind=release)"
check "import_seconds_count{release}" 2 "$(M ttpgraph_import_seconds_count kind=release)"
check "import_seconds_count{detections}" 0 "$(M ttpgraph_import_seconds_count kind=detections)"
check "sync_releases_total{imported}" 2 "$(M ttpgraph_sync_releases_total outcome=imported)"
check "sync_passes_total{ok}" 1 "$(M ttpgraph_sync_passes_total outcome=ok)"
last=$(M ttpgraph_sync_last_success_timestamp_seconds)
now=$(date +%s)
if "$PY" -c "import sys; sys.exit(not ($t_start - 60 <= float('$last') <= $now + 1))"; then
  pass "sync_last_success_timestamp_seconds is the pass's time ($last)"
else
  fail "sync_last_success_timestamp_seconds $last not within [$((t_start - 60)), $now]"
fi
T --json release list >"$WORK/list.json"
check "release list shows the sync" "2 enterprise-attack@18.0,enterprise-attack@17.0 $TESTDATA/sync/index.json" \
  "$("$PY" -c "import json; d = json.load(open('$WORK/list.json')); s = d['sync']
print(s['releases_imported'], ','.join(s['last_imported']), s['index'])")"
T release list | grep -q "^imported:     2 since start" && pass "release list prints the sync" ||
  fail "release list: $(T release list)"

# Known calls. ListReleases was called by the start-up poll and above: count from here.
list_started=$(M grpc_server_started_total grpc_service=ttpgraph.v1.ReleaseService grpc_method=ListReleases)
list_ok=$(M grpc_server_handled_total grpc_method=ListReleases grpc_code=OK)
list_seconds=$(M grpc_server_handling_seconds_count grpc_method=ListReleases)
for _ in 1 2 3; do T release list >/dev/null; done
check "ListReleases started +3" $((list_started + 3)) "$(M grpc_server_started_total grpc_method=ListReleases)"
check "ListReleases handled OK +3" $((list_ok + 3)) "$(M grpc_server_handled_total grpc_method=ListReleases grpc_code=OK)"
check "ListReleases handling_seconds_count +3" $((list_seconds + 3)) \
  "$(M grpc_server_handling_seconds_count grpc_method=ListReleases)"
check "ListReleases handling_seconds +Inf bucket" $((list_seconds + 3)) \
  "$(M grpc_server_handling_seconds_bucket grpc_method=ListReleases le=+Inf)"
# GetObject (async API): never called before.
check "GetObject before any call" 0 "$(M grpc_server_started_total grpc_service=ttpgraph.v1.KnowledgeService grpc_method=GetObject)"
T object show T1001 --release enterprise-attack@18.0 >/dev/null
for _ in 1 2; do T object show T9999 --release enterprise-attack@18.0 >/dev/null 2>&1; done
check "GetObject started 3" 3 "$(M grpc_server_started_total grpc_method=GetObject)"
check "GetObject handled OK 1" 1 "$(M grpc_server_handled_total grpc_method=GetObject grpc_code=OK)"
check "GetObject handled NotFound 2" 2 "$(M grpc_server_handled_total grpc_method=GetObject grpc_code=NotFound)"
check "GetObject handling_seconds_count 3" 3 "$(M grpc_server_handling_seconds_count grpc_method=GetObject)"
check "one graph in memory (18.0, built by GetObject)" 1 "$(M ttpgraph_graphs_in_memory)"
check "release graph builds (cache misses)" 1 "$(M ttpgraph_cache_misses_total cache=release_graphs)"
check "release graph cache hits" 2 "$(M ttpgraph_cache_hits_total cache=release_graphs)"
# Wrong tokens: refused by reason.
openssl rand -hex 32 >"$WORK/unknown.token"  # well-formed, not the server's
echo "ttpg_nosuchtoken" >"$WORK/malformed.token"
TTPGRAPH_TOKEN_FILE="$WORK/unknown.token" T release list >/dev/null 2>&1
for _ in 1 2; do TTPGRAPH_TOKEN_FILE="$WORK/malformed.token" T release list >/dev/null 2>&1; done
check "tokens refused {unknown}" 1 "$(M ttpgraph_tokens_refused_total reason=unknown)"
check "tokens refused {malformed}" 2 "$(M ttpgraph_tokens_refused_total reason=malformed)"
check "tokens refused {missing}" 0 "$(M ttpgraph_tokens_refused_total reason=missing)"
check "ListReleases handled Unauthenticated" 3 "$(M grpc_server_handled_total grpc_method=ListReleases grpc_code=Unauthenticated)"
check "tokens checked = calls started" "$(M grpc_server_started_total)" "$(M ttpgraph_tokens_checked_total)"
check "calls handled = calls started" "$(M grpc_server_started_total)" "$(M grpc_server_handled_total)"
# An organization's calls carry no organization label by default.
T org create acme --release enterprise-attack@18.0 >/dev/null
T --org acme coverage >/dev/null
check "GetCoverage handled OK" 1 "$(M grpc_server_handled_total grpc_method=GetCoverage grpc_code=OK)"
check "handled_total labels (no org)" "grpc_code,grpc_method,grpc_service" \
  "$("$PY" "$CHECK" labels "$URL/metrics" grpc_server_handled_total --auth "$AUTH")"
check "org_views cache: one entry" 1 "$(M ttpgraph_cache_entries cache=org_views)"
# Process figures against /proc.
rss_kb=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$SERVER_PID/status")
if "$PY" -c "import sys; r = float('$(M process_resident_memory_bytes)'); sys.exit(not abs(r - $rss_kb * 1024) <= 0.2 * $rss_kb * 1024)"; then
  pass "process_resident_memory_bytes within 20% of VmRSS ($rss_kb kB)"
else
  fail "process_resident_memory_bytes $(M process_resident_memory_bytes), VmRSS $rss_kb kB"
fi
check "process_threads = /proc Threads" "$(awk '$1 == "Threads:" {print $2}' "/proc/$SERVER_PID/status")" "$(M process_threads)"
check "rocksdb background errors" 0 "$(M ttpgraph_rocksdb_background_errors_total)"
[ "$(M ttpgraph_rocksdb_live_bytes)" -gt 0 ] && pass "rocksdb live bytes counted" || fail "rocksdb live bytes 0"
"$PY" "$CHECK" families "$URL/metrics" --auth "$AUTH" >"$WORK/families"
while read -r name type; do
  grep -qx "$name $type" "$WORK/families" && pass "family $name is a $type" || fail "family $name $type missing"
done <<'LIST'
grpc_server_started counter
grpc_server_handled counter
grpc_server_handling_seconds histogram
ttpgraph_import_seconds histogram
ttpgraph_rocksdb_pending_compaction_bytes gauge
ttpgraph_rocksdb_import_compaction_running gauge
ttpgraph_rocksdb_stalls counter
LIST
check "every series and grpc_code deploy/grafana/ttpgraph.json queries is exported" "" \
  "$("$PY" "$CHECK" dashboard "$URL/metrics" "$SRC/deploy/grafana/ttpgraph.json" --auth "$AUTH")"
stop_server
check "SIGTERM exit" 0 "$STOP_RC"

# ---- run 2: --metrics-org-labels, no token, no sync (the store keeps its releases)
if ! start_with_http --metrics-org-labels; then
  fail "ttpgraphd did not restart"
  cat "$WORK/server.log"
  finish
fi
AUTH=""
check "/readyz at once without sync" 200 "$(status /readyz)"
check "/metrics without a token file needs none" 200 "$(status /metrics)"
T --org acme coverage >/dev/null
check "GetCoverage handled {org=acme}" 1 "$(M grpc_server_handled_total grpc_method=GetCoverage org=acme)"
check "no sync figures without --sync-index" absent "$(M ttpgraph_sync_last_success_timestamp_seconds)"
T release list | grep -q "^sync:" && fail "release list shows a sync that is off" || pass "release list: no sync line"
stop_server
check "SIGTERM exit (run 2)" 0 "$STOP_RC"
finish
