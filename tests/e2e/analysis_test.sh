#!/usr/bin/env bash
# End-to-end analysis test: the real ttpgraphd on a free port, enterprise
# 17.1, 18.0, 18.1 and ICS 18.1 imported with ttpctl, then:
#  - `ttpctl --json diff` for 17.1 -> 18.1 and 18.0 -> 18.1 against
#    tests/e2e/diff_oracle.py (diff_stix rules and naive set differences over
#    the raw bundles): every type x category count, every group delta;
#  - `ttpctl --json overlap` over a dozen groups against the oracle's naive set
#    arithmetic (every pair, three path selections);
#  - `diff layer` and `overlap layer` are Navigator 4.5 JSON;
#  - bad input: releases of different domains, an unknown release, unknown
#    groups each give the right status and a message naming the culprit.
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA, TTPGRAPH_SOURCE_DIR (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init analysis
ATTACK="$TTPGRAPH_SHARED_DATA/attack"
ORACLE="$SRC/tests/e2e/diff_oracle.py"
GROUPS_12="G0016,G0007,G0032,G0010,G0034,G0035,G0050,G0059,G0094,G0096,G0102,G0125"

if ! start_server; then
  fail "ttpgraphd did not start; its log:"
  cat "$WORK/server.log"
  finish
fi
pass "ttpgraphd answers on $ADDR"
ctl() { "$TTPCTL" --server "$ADDR" "$@"; }

if ctl release import "$ATTACK/enterprise-attack-17.1.json.gz" "$ATTACK/enterprise-attack-18.0.json.gz" \
    "$ATTACK/enterprise-attack-18.1.json.gz" "$ATTACK/ics-attack-18.1.json.gz" >"$WORK/import.out" 2>"$WORK/import.err"; then
  pass "import enterprise 17.1, 18.0, 18.1 and ics 18.1"
else
  fail "import: $(cat "$WORK/import.err")"
  finish
fi

# ---- diff: changelog categories and group deltas against the oracle ----------------
for pair in "17.1 18.1" "18.0 18.1"; do
  set -- $pair
  from="$1" to="$2"
  python3 "$ORACLE" --from "$ATTACK/enterprise-attack-$from.json.gz" --to "$ATTACK/enterprise-attack-$to.json.gz" \
    >"$WORK/oracle-$from-$to.json"
  if ! ctl --json diff --from "enterprise-attack@$from" --to "enterprise-attack@$to" >"$WORK/diff-$from-$to.json" \
      2>"$WORK/diff.err"; then
    fail "ttpctl diff $from -> $to: $(cat "$WORK/diff.err")"
    continue
  fi
  if out="$(python3 - "$WORK/oracle-$from-$to.json" "$WORK/diff-$from-$to.json" "$ORACLE" \
      "$ATTACK/enterprise-attack-$from.json.gz" "$ATTACK/enterprise-attack-$to.json.gz" <<'EOF'
import importlib.util, json, sys
oracle = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
# Group deltas cover every usage path (direct, via software, via attributed
# campaigns), as "techniques used by a group" does: the expected sets come
# from the oracle's own path-aware group_techniques over both bundles.
spec = importlib.util.spec_from_file_location("diff_oracle", sys.argv[3])
o = importlib.util.module_from_spec(spec)
spec.loader.exec_module(o)
old, new = o.Release(o.load(sys.argv[4])), o.Release(o.load(sys.argv[5]))
old.index()
new.index()
expected_groups = {}
for g in o.both_active(old, new, "intrusion-set"):
    d = {"techniques": o.delta(o.group_techniques(old, g, True, True, True), o.group_techniques(new, g, True, True, True)),
         "software": o.delta(old.out_active("uses", g, ("malware", "tool")), new.out_active("uses", g, ("malware", "tool")))}
    if any(v["gained"] or v["lost"] for v in d.values()):
        expected_groups[g] = d
oracle["groups"] = expected_groups
errors, checked = [], 0
counts = {(s["object_type"], c["category"]): c["count"] for s in got["summary"] for c in s["counts"]}
for t, cats in oracle["changelog"].items():
    for c, ids in cats.items():
        checked += 1
        if counts.get((t, c)) != len(ids):
            errors.append("%s/%s: server %s, oracle %d" % (t, c, counts.get((t, c)), len(ids)))
listed = {}
for ch in got["changes"]:
    listed.setdefault((ch["object_type"], ch["category"]), set()).add(ch["object"]["stix_id"])
for t, cats in oracle["changelog"].items():
    for c, ids in cats.items():
        if c != "unchanged" and listed.get((t, c), set()) != set(ids):
            errors.append("%s/%s: listed objects differ" % (t, c))
groups = {g["group"]["stix_id"]: g for g in got["groups"]}
if set(groups) != set(oracle["groups"]):
    errors.append("groups with changes differ: %d vs %d" % (len(groups), len(oracle["groups"])))
for sid, d in oracle["groups"].items():
    g = groups.get(sid, {})
    for k in ("techniques", "software"):
        for side in ("gained", "lost"):
            checked += 1
            mine = {o["stix_id"] for o in g.get(k, {}).get(side, [])}
            if mine != set(d[k][side]):
                errors.append("%s %s %s differ" % (sid, k, side))
techs = {t["technique"]["stix_id"] for t in got["techniques"]}
if techs != set(oracle["techniques"]):
    errors.append("techniques with relationship changes differ: %d vs %d" % (len(techs), len(oracle["techniques"])))
for side in ("from", "to"):
    d = got[side + "_detects"]
    o = oracle["detects"][side]
    if d["from_data_components"] != o["x-mitre-data-component"] or \
            d["from_detection_strategies"] != o["x-mitre-detection-strategy"]:
        errors.append("detects model of %s differs" % side)
print("%d checks, %d errors" % (checked, len(errors)))
for e in errors[:20]:
    print("  " + e)
sys.exit(1 if errors else 0)
EOF
)"; then
    pass "diff $from -> $to matches the oracle ($out)"
  else
    fail "diff $from -> $to: $out"
  fi
done

# Readable table and the detects move 17.1 -> 18.1.
if ctl diff --from 17.1 --to 18.1 --summary >"$WORK/diff-table.out" 2>&1 &&
    grep -q "^techniques " "$WORK/diff-table.out" &&
    grep -q "enterprise-attack@17.1 has 2116 from data components, 0 from detection strategies; enterprise-attack@18.1 has 0 and 691" "$WORK/diff-table.out"; then
  pass "diff table shows the detects move from data components to detection strategies"
else
  fail "diff table: $(head -30 "$WORK/diff-table.out")"
fi

# ---- diff layer ---------------------------------------------------------------------
if ctl diff layer --from enterprise-attack@17.1 --to enterprise-attack@18.1 >"$WORK/diff-layer.json" 2>/dev/null &&
    python3 - "$WORK/diff-layer.json" "$WORK/oracle-17.1-18.1.json" <<'EOF'
import json, sys
layer = json.load(open(sys.argv[1]))
oracle = json.load(open(sys.argv[2]))
assert layer["versions"]["layer"] == "4.5" and layer["domain"] == "enterprise-attack", layer["versions"]
assert layer["versions"]["attack"] == "18.1"
colors = {"addition": "#a1d99b", "major_version_change": "#fcf3a2", "minor_version_change": "#c7c4e0", "patch": "#B99095"}
ids = set()
for t in layer["techniques"]:
    assert t["techniqueID"].startswith("T") and "tactic" in t, t
    word = t["comment"].split(" ")[0].rstrip(";")
    if word in colors:
        assert t["color"] == colors[word], t
    ids.add(t["techniqueID"])
changed = sum(len(v) for k, v in oracle["changelog"]["techniques"].items() if k not in ("unchanged", "deletions"))
assert len(ids) == changed, (len(ids), changed)
assert len(layer["legendItems"]) >= 8
EOF
then
  pass "diff layer is Navigator 4.5 with one ID per changed technique"
else
  fail "diff layer"
fi

# ---- overlap: a dozen groups, every pair, against naive set arithmetic ----------------
for flags in "" "--no-software" "--no-software --no-campaigns"; do
  python3 "$ORACLE" --overlap "$ATTACK/enterprise-attack-18.1.json.gz" --groups "$GROUPS_12" $flags >"$WORK/ov-oracle.json"
  if ! ctl --json overlap --release enterprise-attack@18.1 --groups "$GROUPS_12" $flags >"$WORK/ov.json" 2>"$WORK/ov.err"; then
    fail "overlap [$flags]: $(cat "$WORK/ov.err")"
    continue
  fi
  if out="$(python3 - "$WORK/ov-oracle.json" "$WORK/ov.json" <<'EOF'
import json, sys
oracle = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
want = {(p["a"], p["b"]): p for p in oracle["pairs"]}
errors = []
for p in got["pairs"]:
    key = (p["a"]["attack_id"], p["b"]["attack_id"])
    o = want.pop(key, None) or want.pop((key[1], key[0]), None)
    if o is None:
        errors.append("unexpected pair %s" % (key,))
        continue
    flip = o["a"] != key[0]
    oa, ob = (o["only_b"], o["only_a"]) if flip else (o["only_a"], o["only_b"])
    if (p["shared"], p["only_a"], p["only_b"]) != (o["shared"], oa, ob) or abs(p["jaccard"] - o["jaccard"]) > 1e-9:
        errors.append("%s: server %s/%s/%s %.4f, oracle %s/%s/%s %.4f" % (key, p["shared"], p["only_a"], p["only_b"],
                      p["jaccard"], o["shared"], oa, ob, o["jaccard"]))
errors += ["missing pair %s" % (k,) for k in want]
print("%d pairs, %d errors" % (len(got["pairs"]), len(errors)))
for e in errors[:10]:
    print("  " + e)
sys.exit(1 if errors or len(got["pairs"]) != 66 else 0)
EOF
)"; then
    pass "overlap [${flags:-all paths}] $out"
  else
    fail "overlap [${flags:-all paths}] $out"
  fi
done

if ctl overlap --release enterprise-attack@18.1 --group G0016 --top-k 5 >"$WORK/topk.out" 2>&1 &&
    [ "$(grep -c '^[1-5] ' "$WORK/topk.out")" = 5 ]; then
  pass "top-5 similar to G0016"
else
  fail "top-k: $(cat "$WORK/topk.out")"
fi

if ctl overlap layer --release enterprise-attack@18.1 --groups G0016,G0007 >"$WORK/ov-layer.json" 2>/dev/null &&
    python3 - "$WORK/ov-layer.json" <<'EOF'
import json, sys
layer = json.load(open(sys.argv[1]))
assert layer["versions"]["layer"] == "4.5" and layer["gradient"]["maxValue"] == 2
scores = [t["score"] for t in layer["techniques"]]
assert scores and set(scores) <= {1, 2} and 2 in scores, scores[:10]
EOF
then
  pass "overlap layer scores 1..2 for two groups"
else
  fail "overlap layer"
fi

# ---- bad input -----------------------------------------------------------------------
expect_error() {  # expect_error NAME CODE SUBSTRING -- ARGS...
  local name="$1" code="$2" sub="$3"
  shift 4
  if ctl "$@" >"$WORK/err.out" 2>&1; then
    fail "$name: succeeded"
  elif grep -q "$code" "$WORK/err.out" && grep -q -- "$sub" "$WORK/err.out"; then
    pass "$name: $code"
  else
    fail "$name: $(cat "$WORK/err.out")"
  fi
}
expect_error "diff of two domains" INVALID_ARGUMENT "ics-attack@18.1" -- diff --from enterprise-attack@18.1 --to ics-attack@18.1
expect_error "diff of an unknown release" NOT_FOUND "16.0" -- diff --from enterprise-attack@16.0 --to enterprise-attack@18.1
expect_error "overlap with unknown groups" NOT_FOUND "G9998, G9999" -- overlap --release enterprise-attack@18.1 --groups G0016,G9998,G9999
expect_error "top-k of an unknown group" NOT_FOUND "G9999" -- overlap --release enterprise-attack@18.1 --group G9999 --top-k 3

kill -TERM "$SERVER_PID"
for i in $(seq 1 300); do
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.05
done
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""
finish
