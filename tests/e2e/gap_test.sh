#!/usr/bin/env bash
# End-to-end gap and migration test: the real ttpgraphd on a free port and
# ttpctl over gRPC.
#  - Gap on real data: enterprise 18.1, an organization with the real SigmaHQ
#    rules (sigma-rules.tar.gz) and "Process Creation" collected, all groups:
#    `ttpctl --json gap` equals tests/e2e/gap_oracle.py, which recomputes it
#    from the raw bundle and org_sigma_oracle.py's DETECTED set (ranking,
#    status, groups, software, campaigns, data components, counts, greedy
#    recommendations); the same with --no-software --min-groups 3 and with
#    two explicit groups; the gap layer (score = groups); the table output.
#  - Migration of the real SigmaHQ rules from 17.1 to 18.1: every mapping
#    classified, coverage after the plan = OrgService coverage after applying,
#    a second apply is a no-op.
#  - Migration on the hand-built pair (tests/testdata/migration): dry run
#    writes nothing, --apply rewrites, a second --apply is a no-op; `diff
#    --org` shows the impact; releases of different domains and unknown groups
#    give the right status with a message naming them.
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA, TTPGRAPH_SOURCE_DIR (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init gap
ATTACK="$TTPGRAPH_SHARED_DATA/attack"
SIGMA="$TTPGRAPH_SHARED_DATA/sigma"
MIG="$SRC/tests/testdata/migration"

if ! start_server; then
  fail "ttpgraphd did not start; its log:"
  cat "$WORK/server.log"
  finish
fi
pass "ttpgraphd answers on $ADDR"

check() {  # name got want
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}

# ---- gap on real data ----------------------------------------------------------
T release import "$ATTACK/enterprise-attack-18.1.json.gz" >/dev/null && pass "18.1 imported" || fail "18.1 imported"
T org create acme --release enterprise-attack@18.1 >/dev/null && pass "org acme" || fail "org acme"
T --json --org acme detection import "$SIGMA/sigma-rules.tar.gz" >"$WORK/imp.json" && pass "sigma imported" \
  || fail "sigma import"
T --org acme inventory set "Process Creation" >/dev/null && pass "inventory set" || fail "inventory set"
python3 "$SRC/tests/e2e/org_sigma_oracle.py" --tarball "$SIGMA/sigma-rules.tar.gz" \
  --bundle "$ATTACK/enterprise-attack-18.1.json.gz" >"$WORK/detected.json" || fail "sigma oracle"

compare() {  # name, ttpctl gap flags..., --, oracle flags...
  local name="$1"; shift
  local ours=() theirs=()
  while [ "$1" != "--" ]; do ours+=("$1"); shift; done
  shift
  theirs=("$@")
  T --json --org acme gap --release enterprise-attack@18.1 "${ours[@]}" >"$WORK/gap.json" || { fail "$name: ttpctl gap"; return; }
  python3 "$SRC/tests/e2e/gap_oracle.py" --bundle "$ATTACK/enterprise-attack-18.1.json.gz" \
    --detected "$WORK/detected.json" --collect "Process Creation" "${theirs[@]}" >"$WORK/oracle.json" \
    || { fail "$name: oracle"; return; }
  python3 - "$WORK/gap.json" "$WORK/oracle.json" <<'PY' && pass "$name equals the oracle" || fail "$name differs from the oracle"
import json, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("techniques_used", "detected", "logged", "blind"):
    assert got.get(k, 0) == want[k], (k, got.get(k, 0), want[k])
ids = lambda xs: [x["attack_id"] or x["stix_id"] for x in xs]
g = [{"id": x["technique"]["attack_id"], "status": x["status"].removeprefix("COVERAGE_STATUS_"), "groups": ids(x["groups"]),
      "software": ids(x["software"]), "campaigns": ids(x["campaigns"]),
      "data_components": sorted(ids(x["data_components"]))} for x in got["gaps"]]
assert len(g) == len(want["gaps"]), (len(g), len(want["gaps"]))
for i, (a, b) in enumerate(zip(g, want["gaps"])):
    assert a == b, (i, a, b)
assert [x["rank"] for x in got["gaps"]] == list(range(1, len(g) + 1))
recs = [[r["data_component"]["attack_id"], r["gaps_added"], r["cumulative"]] for r in got["recommendations"]]
assert recs == want["recommendations"], (recs, want["recommendations"])
print(len(g), "gaps;", got["blind"], "blind;", "top", g[0]["id"], len(g[0]["groups"]), "groups; recs", recs[:3])
PY
}
compare "all groups, all paths" --all-groups --
compare "all groups, no software, min 3 groups" --all-groups --no-software --min-groups 3 -- --no-software --min-groups 3
compare "G0016,G0007" --groups G0016,G0007 -- --groups G0016,G0007

T --org acme gap --release enterprise-attack@18.1 --all-groups --limit 5 >"$WORK/table.txt" \
  && grep -q "Telemetry recommendations" "$WORK/table.txt" && grep -q "^1 " "$WORK/table.txt" \
  && pass "gap table" || fail "gap table: $(head -5 "$WORK/table.txt")"
T --org acme gap layer --release enterprise-attack@18.1 --groups G0016,G0007 >"$WORK/layer.json" 2>/dev/null
python3 - "$WORK/layer.json" <<'PY' && pass "gap layer: Navigator 4.5, score = groups" || fail "gap layer"
import json, sys
l = json.load(open(sys.argv[1]))
assert l["versions"]["layer"] == "4.5" and l["domain"] == "enterprise-attack" and l["techniques"]
for t in l["techniques"]:
    assert 1 <= t["score"] <= 2 and t["comment"].count("G00") == t["score"], t
PY

out="$(T --org acme gap --release enterprise-attack@18.1 --groups G0016,G9999,G8888 2>&1)"
case "$out" in *NOT_FOUND*G9999*G8888*|*NOT_FOUND*G8888*G9999*) pass "unknown groups: NOT_FOUND naming both";; *) fail "unknown groups: $out";; esac
out="$(T --org acme gap --release enterprise-attack@18.1 --groups G0016 --no-direct --no-software --no-campaigns 2>&1)"
case "$out" in *INVALID_ARGUMENT*"usage paths"*) pass "all paths excluded";; *) fail "all paths excluded: $out";; esac

# ---- migration of the real SigmaHQ rules from 17.1 to 18.1 -------------------------
T release import "$ATTACK/enterprise-attack-17.1.json.gz" >/dev/null && pass "17.1 imported" || fail "17.1 imported"
T org create s17 --release enterprise-attack@17.1 >/dev/null
T --json --org s17 detection import "$SIGMA/sigma-rules.tar.gz" >/dev/null || fail "sigma import on 17.1"
T --json --org s17 detection list >"$WORK/s17.json" || fail "detection list"
T --json --org s17 migrate --from enterprise-attack@17.1 --to enterprise-attack@18.1 >"$WORK/plan17.json" \
  || fail "migrate dry run 17.1 -> 18.1"
T --json --org s17 migrate --from enterprise-attack@17.1 --to enterprise-attack@18.1 --apply >"$WORK/apply17.json" \
  || fail "migrate --apply 17.1 -> 18.1"
T --json --org s17 coverage --release enterprise-attack@18.1 >"$WORK/cov18.json" || fail "coverage on 18.1"
T --json --org s17 migrate --from enterprise-attack@17.1 --to enterprise-attack@18.1 --apply >"$WORK/again17.json" \
  || fail "second apply 17.1 -> 18.1"
python3 - "$WORK/s17.json" "$WORK/plan17.json" "$WORK/apply17.json" "$WORK/cov18.json" "$WORK/again17.json" <<'PY' \
  && pass "SigmaHQ 17.1 -> 18.1: every mapping classified, coverage after = OrgService coverage, second apply no-op" \
  || fail "SigmaHQ 17.1 -> 18.1 migration"
import json, sys
dets, dry, applied, cov, again = (json.load(open(p)) for p in sys.argv[1:6])
dets = dets["detections"]
plan = dry["plan"]
mappings = sum(len(d.get("techniques", [])) for d in dets)
classified = sum(plan[k] for k in ("unchanged", "auto_migrated", "needs_review", "orphaned", "unknown", "at_target"))
assert plan["detections_in_scope"] == len(dets), (plan["detections_in_scope"], len(dets))
assert classified == mappings, (classified, mappings)
assert not dry["applied"] and applied["applied"], (dry["applied"], applied["applied"])
assert applied["detections_written"] == plan["detections_changed"] > 0, (applied["detections_written"], plan["detections_changed"])
detected = sum(1 for t in cov["techniques"] if t["status"] == "COVERAGE_STATUS_DETECTED")
assert detected == plan["coverage_after"]["detected"], (detected, plan["coverage_after"])
assert not again["applied"] and again["plan"]["detections_changed"] == 0, again["plan"]["detections_changed"]
assert again["plan"]["detections_at_target"] == applied["detections_written"]
print("mappings", mappings, {k: plan[k] for k in ("unchanged", "auto_migrated", "needs_review", "orphaned", "unknown")},
      "detected before/after", plan["coverage_before"]["detected"], detected)
PY

# ---- migration on the hand-built pair ----------------------------------------------
T release import --domain enterprise-attack --version 1.0 "$MIG/migration-old.json" >/dev/null \
  && T release import --domain enterprise-attack --version 2.0 "$MIG/migration-new.json" >/dev/null \
  && pass "migration pair imported" || fail "migration pair imported"
T org create mig --release enterprise-attack@1.0 >/dev/null
for spec in "r-same:T3001" "r-revoked:T3002" "r-deprecated:T3003" "r-major:T3005" "r-merged:T3011"; do
  T --org mig detection create "${spec%%:*}" --name "${spec%%:*}" --techniques "${spec#*:}" --release enterprise-attack@1.0 >/dev/null \
    || fail "create ${spec%%:*}"
done
T --json --org mig migrate --from enterprise-attack@1.0 --to enterprise-attack@2.0 >"$WORK/dry.json" || fail "dry run"
check "dry run: counts" "$(python3 -c "
import json;p=json.load(open('$WORK/dry.json'));q=p['plan']
print(p['applied'],q['auto_migrated'],q['needs_review'],q['orphaned'],q['unchanged'],q['detections_changed'])")" "False 1 2 1 1 2"
check "dry run wrote nothing" "$(T --json --org mig detection get r-revoked | python3 -c "import json,sys;print(json.load(sys.stdin)['techniques'])")" "['T3002']"
T --org mig migrate --from enterprise-attack@1.0 --to enterprise-attack@2.0 --apply >"$WORK/apply.txt" \
  && grep -q "Applied: 2 detections" "$WORK/apply.txt" && pass "apply" || fail "apply: $(cat "$WORK/apply.txt")"
check "re-mapped" "$(T --json --org mig detection get r-revoked | python3 -c "import json,sys;d=json.load(sys.stdin);print(d['techniques'],d['release'])")" "['T3010'] enterprise-attack@2.0"
T --org mig migrate --from enterprise-attack@1.0 --to enterprise-attack@2.0 --apply >"$WORK/again.txt" \
  && grep -q "Nothing to apply" "$WORK/again.txt" && pass "second apply is a no-op" || fail "second apply: $(cat "$WORK/again.txt")"
T diff --from enterprise-attack@1.0 --to enterprise-attack@2.0 --org mig >"$WORK/impact.txt" \
  && grep -q "Impact on the detections of mig" "$WORK/impact.txt" && grep -q "r-merged" "$WORK/impact.txt" \
  && pass "diff --org shows the impact" || fail "diff --org"
T release import "$ATTACK/ics-attack-18.1.json.gz" >/dev/null
out="$(T --org mig migrate --from enterprise-attack@1.0 --to ics-attack@18.1 2>&1)"
case "$out" in *INVALID_ARGUMENT*"different domains"*) pass "different domains: INVALID_ARGUMENT";; *) fail "different domains: $out";; esac

finish
