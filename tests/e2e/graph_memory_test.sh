#!/usr/bin/env bash
# The release registry's memory budget (--graph-memory-mb, issue 11 "Memory stays bounded"):
# 20 releases imported and queried one after the other under a budget of about three of their
# graphs keep ttpgraphd's resident memory under the budget plus a fixed overhead, the least
# recently used graphs are evicted (the metrics say how many), and
# every release still answers exactly as the first one did, rebuilt on demand.
#   - the releases: enterprise-attack 18.1 without its collection object, imported 20 times as
#     enterprise-attack@1.1 ... @1.20 (the objects are stored once; each release has its own graph);
#   - the graph size is read from the metrics after the first build; the budget is 3 of them;
#   - fixed overhead: VmRSS once the first release is imported and its graph built, plus 160 MiB:
#     RocksDB's memtables (128 MiB at most, store.cc) and 32 MiB of allocator slack and block
#     cache. An enterprise graph is ~23 MB: 20 of them held would pass the limit by ~300 MB.
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init graph-memory

python3 - "$TTPGRAPH_SHARED_DATA/attack/enterprise-attack-18.1.json.gz" "$WORK/release.json" <<'EOF'
import gzip, json, sys
bundle = json.load(gzip.open(sys.argv[1]))
bundle["objects"] = [o for o in bundle["objects"] if o["type"] != "x-mitre-collection"]
json.dump(bundle, open(sys.argv[2], "w"))
EOF

T() { "$TTPCTL" --server "$ADDR" "$@"; }
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$SERVER_PID/status"; }
# What a release answers: its technique count and one group's techniques.
answers() {
  local n g
  n=$(T --json technique list --release "enterprise-attack@$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["objects"]))') || return 1
  g=$(T --json group techniques G0007 --release "enterprise-attack@$1" |
    python3 -c 'import json,sys; print(",".join(sorted(t["technique"]["attack_id"] for t in json.load(sys.stdin)["techniques"])))') || return 1
  echo "$n $g"
}
metric() { curl -s "http://$HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# A first start, to learn one graph's size (its metrics).
HTTP=127.0.0.1:$(free_port)
if ! start_server --http-listen "$HTTP"; then
  fail "ttpgraphd did not start"; cat "$WORK/server.log"; finish
fi
T release import "$WORK/release.json" --domain enterprise-attack --version 1.1 >/dev/null || fail "import of 1.1"
want=$(answers 1.1) || fail "queries of 1.1"
graph_bytes=$(metric ttpgraph_graph_bytes)
graph_bytes=${graph_bytes%.*}
stop_server
[ -n "$graph_bytes" ] && [ "$graph_bytes" -gt 0 ] && pass "one graph holds $graph_bytes bytes" ||
  { fail "no graph size in the metrics"; finish; }
budget_mb=$(( (3 * graph_bytes + (1 << 20) - 1) >> 20 ))
echo "answers of 1.1: $want"
echo "budget: $budget_mb MiB (3 graphs of $graph_bytes bytes)"

HTTP=127.0.0.1:$(free_port)
if ! start_server --graph-memory-mb "$budget_mb" --http-listen "$HTTP"; then
  fail "ttpgraphd did not restart"; cat "$WORK/server.log"; finish
fi
check "1.1 answers after the restart" "$want" "$(answers 1.1)"
sleep 1
base=$(kb VmRSS)
limit=$((base + budget_mb * 1024 + 160 * 1024))
echo "VmRSS with one graph: $base kB; limit: $limit kB (+ budget $budget_mb MiB + 160 MiB)"
peak=$base
wrong=0
for i in $(seq 2 20); do
  T release import "$WORK/release.json" --domain enterprise-attack --version "1.$i" >/dev/null || fail "import of 1.$i"
  got=$(answers "1.$i")
  [ "$got" = "$want" ] || { wrong=$((wrong + 1)); echo "1.$i answers: $got"; }
  now=$(kb VmRSS)
  [ "$now" -gt "$peak" ] && peak=$now
done
check "releases 1.2 ... 1.20 answer as 1.1" 0 "$wrong"
# Every release again, least recently used first: each is rebuilt and answers the same.
for i in $(seq 1 20); do
  got=$(answers "1.$i")
  [ "$got" = "$want" ] || { wrong=$((wrong + 1)); echo "1.$i answers again: $got"; }
  now=$(kb VmRSS)
  [ "$now" -gt "$peak" ] && peak=$now
done
check "all 20 answer as 1.1 when asked again" 0 "$wrong"
end=$(kb VmRSS)
echo "VmRSS: start $base kB, peak sampled $peak kB, end $end kB, limit $limit kB"
[ "$peak" -le "$limit" ] && pass "VmRSS stays under budget + fixed overhead (peak $peak kB <= $limit kB)" ||
  fail "VmRSS reached $peak kB, over $limit kB"
held=$(metric ttpgraph_graphs_in_memory)
bytes=$(metric ttpgraph_graph_bytes)
evicted=$(metric ttpgraph_graphs_evicted_total)
echo "metrics: graphs_in_memory $held, graph_bytes $bytes, graphs_evicted_total $evicted"
[ -n "$held" ] && [ "${held%.*}" -le 3 ] && pass "at most 3 graphs held ($held)" || fail "graphs held: '$held'"
[ -n "$bytes" ] && [ "${bytes%.*}" -le $((budget_mb << 20)) ] && pass "graph bytes within the budget ($bytes)" ||
  fail "graph bytes: '$bytes' over $((budget_mb << 20))"
# 39 builds (1.2 ... 1.20, then all 20 again, 1.1 built at the restart), at most 3 held at the end.
[ -n "$evicted" ] && [ "${evicted%.*}" -ge 37 ] && pass "least used graphs evicted ($evicted)" ||
  fail "graphs evicted: '$evicted', want >= 37"

stop_server
check "SIGTERM exit" 0 "$STOP_RC"
finish
