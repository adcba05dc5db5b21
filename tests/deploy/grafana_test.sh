#!/usr/bin/env bash
# deploy/grafana/ttpgraph.json: valid JSON in Grafana's dashboard shape (unique panel ids, a grid
# position, the ${datasource} variable on every query), every panel expression names only
# metrics ttpgraphd exports (the list of issue 15, histograms by their _bucket series) and grpc_code
# values as it writes them (grpc-go's names: NotFound, not NOT_FOUND), and
# every one of those metrics has a panel. A made-up metric in a copy is caught.
#
# Env: TTPGRAPH_SOURCE_DIR (set by ctest).
set -u
SRC="${TTPGRAPH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ttpgraph-grafana-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/check.py" <<'PY'
import json, re, sys

METRICS = {  # name -> kind; issue 15 "Metrics and probes"
    "grpc_server_started_total": "counter", "grpc_server_handled_total": "counter",
    "grpc_server_handling_seconds": "histogram",
    "ttpgraph_imports_total": "counter", "ttpgraph_import_bytes_total": "counter",
    "ttpgraph_import_seconds": "histogram",
    "ttpgraph_graphs_in_memory": "gauge", "ttpgraph_graph_bytes": "gauge",
    "ttpgraph_cache_entries": "gauge", "ttpgraph_cache_hits_total": "counter",
    "ttpgraph_cache_misses_total": "counter",
    "ttpgraph_rocksdb_live_bytes": "gauge", "ttpgraph_rocksdb_pending_compaction_bytes": "gauge",
    "ttpgraph_rocksdb_stalls_total": "counter", "ttpgraph_rocksdb_background_errors_total": "counter",
    "ttpgraph_tokens_checked_total": "counter", "ttpgraph_tokens_refused_total": "counter",
    "ttpgraph_sync_last_success_timestamp_seconds": "gauge",
    "process_resident_memory_bytes": "gauge", "process_threads": "gauge",
}
# grpc_code values as ttpgraphd (like go-grpc-prometheus) writes them: grpc-go's code names.
CODES = {"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
         "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
         "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"}
LABELS = {"grpc_service", "grpc_method", "grpc_code", "kind", "cache", "reason", "le", "job", "instance"}
KEYWORDS = {"sum", "max", "min", "avg", "count", "by", "without", "on", "ignoring", "group_left",
            "group_right", "rate", "irate", "increase", "histogram_quantile", "time", "and", "or",
            "unless", "bool", "offset"}
failures = 0
def check(name, ok, detail=""):
    global failures
    failures += not ok
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else ": %s" % (detail,)))

def metrics_in(expr):
    """Metric names of a PromQL expression, and the label names it uses."""
    labels = set(re.findall(r'([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)\s*"', expr))
    for grouping in re.findall(r'\b(?:by|without|on|ignoring)\s*\(([^)]*)\)', expr):
        labels |= {l.strip() for l in grouping.split(",") if l.strip()}
    bare = re.sub(r'"[^"]*"', '""', expr)
    bare = re.sub(r'\{[^}]*\}', "", bare)
    bare = re.sub(r'\[[^\]]*\]', "", bare)
    bare = re.sub(r'\b(?:by|without|on|ignoring)\s*\([^)]*\)', "", bare)
    names = set()
    for m in re.finditer(r'(?<![\w$])([a-zA-Z_:][\w:]*)(\s*\()?', bare):
        if m.group(2) or m.group(1) in KEYWORDS:
            continue
        names.add(m.group(1))
    return names, labels

def base(name):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and METRICS.get(name[:-len(suffix)]) == "histogram":
            return name[:-len(suffix)]
    return name

with open(sys.argv[1]) as f:
    try:
        dash = json.load(f)
    except ValueError as e:
        check("the dashboard is JSON", False, e)
        sys.exit(1)
check("the dashboard is JSON", True)
check("title, uid and schemaVersion", dash.get("title") == "ttpgraph" and dash.get("uid") == "ttpgraph"
      and isinstance(dash.get("schemaVersion"), int))
variables = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
check("a Prometheus data source variable", variables.get("datasource", {}).get("type") == "datasource"
      and variables["datasource"].get("query") == "prometheus")
panels = dash.get("panels", [])
ids = [p.get("id") for p in panels]
check("%d panels with unique ids" % len(panels), len(ids) == len(set(ids)) and None not in ids)
covered = set()
for p in panels:
    g = p.get("gridPos", {})
    check("panel %s %r: on the 24-column grid" % (p.get("id"), p.get("title")),
          {"h", "w", "x", "y"} <= set(g) and g["x"] + g["w"] <= 24)
    if p.get("type") == "row":
        continue
    targets = p.get("targets", [])
    check("panel %r has queries on ${datasource}" % p.get("title"),
          targets and all(t.get("datasource", {}).get("uid") == "${datasource}" for t in targets)
          and p.get("datasource", {}).get("uid") == "${datasource}")
    for t in targets:
        names, labels = metrics_in(t["expr"])
        known = {base(n) for n in names} <= set(METRICS)
        check("panel %r query %s names only exported metrics %s" % (p["title"], t["refId"], sorted(names)),
              names and known, sorted({base(n) for n in names} - set(METRICS)))
        check("panel %r query %s uses only exported labels" % (p["title"], t["refId"]),
              labels <= LABELS, sorted(labels - LABELS))
        for value in re.findall(r'grpc_code\s*[!=]~?\s*"([^"]*)"', t["expr"]):
            check("panel %r query %s names grpc codes as exported" % (p["title"], t["refId"]),
                  set(value.split("|")) <= CODES, sorted(set(value.split("|")) - CODES))
        for n in names:
            kind = METRICS.get(base(n))
            if kind == "histogram":
                check("%s is read through its _bucket series" % base(n), n == base(n) + "_bucket", n)
            if kind == "counter":
                check("counter %s is read as a rate or an increase (or in-flight arithmetic)" % n,
                      re.search(r'(rate|increase)\(%s\b' % n, t["expr"]) is not None
                      or ("grpc_server_started_total" in t["expr"] and "grpc_server_handled_total" in t["expr"]), t["expr"])
        covered |= {base(n) for n in names}
check("every exported metric has a panel", covered >= set(METRICS), sorted(set(METRICS) - covered))
sys.exit(min(failures, 100))
PY
passed=0
failed=0
run() {  # run FILE: the checker's PASS/FAIL lines count here
  /usr/bin/python3 "$WORK/check.py" "$1" >"$WORK/out" 2>&1
  cat "$WORK/out"
  passed=$((passed + $(grep -c '^PASS ' "$WORK/out")))
  failed=$((failed + $(grep -c '^FAIL ' "$WORK/out")))
  grep -q '^Traceback' "$WORK/out" && { failed=$((failed + 1)); echo "FAIL checker crashed"; }
}
run "$SRC/deploy/grafana/ttpgraph.json"
# Teeth: a copy querying a metric nobody exports must fail, naming it.
sed 's/process_threads{/process_thread_count{/' "$SRC/deploy/grafana/ttpgraph.json" >"$WORK/bad.json"
if ! /usr/bin/python3 "$WORK/check.py" "$WORK/bad.json" >"$WORK/bad.out" 2>&1 &&
  grep -q "^FAIL .*process_thread_count" "$WORK/bad.out" &&
  grep -q "^FAIL every exported metric has a panel.*process_threads" "$WORK/bad.out"; then
  passed=$((passed + 1)); echo "PASS a made-up metric in a copy is caught"
else
  failed=$((failed + 1)); echo "FAIL a made-up metric in a copy is not caught"; cat "$WORK/bad.out"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
