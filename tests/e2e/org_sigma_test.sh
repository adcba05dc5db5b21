#!/usr/bin/env bash
# Organizations end to end (issue 3) with the real SigmaHQ rule set over gRPC:
# ttpgraphd + ttpctl import sigma-rules.tar.gz into an organization against
# enterprise 17.1 and 18.1, and the DETECTED techniques and per-tactic counts
# must equal an independent count computed straight from the YAML files and
# the bundle (tests/e2e/org_sigma_oracle.py). Also: re-import is a no-op,
# deprecated/unsupported rules import disabled, the v19 master archive
# reports unknown technique IDs, layer export, trend, org delete.
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init org
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi; }
ATTACK="$TTPGRAPH_SHARED_DATA/attack"
SIGMA="$TTPGRAPH_SHARED_DATA/sigma"
start_server || { fail "ttpgraphd did not start"; cat "$WORK/server.log"; finish; }

T release import "$ATTACK/enterprise-attack-17.1.json.gz" "$ATTACK/enterprise-attack-18.1.json.gz" >/dev/null \
  && pass "releases imported" || fail "releases imported"

for V in 17.1 18.1; do
  ORG="sigma-${V/./-}"
  T org create "$ORG" --release "enterprise-attack@$V" >/dev/null && pass "org $ORG" || fail "org $ORG"
  T --json --org "$ORG" detection import "$SIGMA/sigma-rules.tar.gz" >"$WORK/imp.json" || fail "import $V"
  python3 - "$WORK/imp.json" <<'PY' && pass "import report $V" || fail "import report $V"
import json, sys
r = json.load(open(sys.argv[1]))
rules = r["rules"]
folders = {}
for x in rules:
    f = x["path"].split(":", 1)[1].split("/", 1)[0]
    folders[f] = folders.get(f, 0) + 1
assert folders.get("rules") == 3132 and folders.get("rules-emerging-threats") == 457 \
    and folders.get("rules-threat-hunting") == 139, folders
# every rule of deprecated/ (167 files) and unsupported/ (87 files, three of them
# multi-document collections) imports disabled, and no other rule does
retired = [x for x in rules if x["path"].split(":", 1)[1].split("/", 1)[0] in ("deprecated", "unsupported")]
assert folders["deprecated"] == 167 and len(retired) >= 167 + 87, (folders, len(retired))
assert all(x["state"] == "DETECTION_STATE_DISABLED" for x in retired)
assert r["disabled"] == len(retired), (r["disabled"], len(retired))
assert r["created"] == len(rules), (r["created"], len(rules))
PY
  T --json --org "$ORG" coverage --release "enterprise-attack@$V" >"$WORK/cov.json" || fail "coverage $V"
  python3 "$SRC/tests/e2e/org_sigma_oracle.py" --tarball "$SIGMA/sigma-rules.tar.gz" \
    --bundle "$ATTACK/enterprise-attack-$V.json.gz" >"$WORK/oracle.json" || fail "oracle $V"
  python3 - "$WORK/cov.json" "$WORK/oracle.json" <<'PY' && pass "DETECTED and per-tactic counts equal the oracle on $V" || fail "oracle comparison $V"
import json, sys
cov, ora = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
got = sorted(t["attack_id"] for t in cov["techniques"] if t["status"] == "COVERAGE_STATUS_DETECTED")
assert got == ora["detected"], (len(got), len(ora["detected"]), set(got) ^ set(ora["detected"]))
for t in cov["techniques"]:
    assert t["score"] == {"COVERAGE_STATUS_DETECTED": 100, "COVERAGE_STATUS_LOGGED": 50, "COVERAGE_STATUS_BLIND": 0}[t["status"]]
tac = {t["shortname"]: t["detected"] for t in cov["tactics"] if t["detected"]}
assert tac == ora["tactics"], (tac, ora["tactics"])
print(len(got), "techniques detected;", cov["total"], "in the release")
PY
done
check "18.1 detects the README's 397 IDs" "$(python3 -c "import json;print(len([t for t in json.load(open('$WORK/cov.json'))['techniques'] if t['status']=='COVERAGE_STATUS_DETECTED']))")" 397

# Re-import is a no-op keyed by Sigma id.
T --json --org sigma-18-1 detection import "$SIGMA/sigma-rules.tar.gz" >"$WORK/again.json"
check "re-import unchanged" "$(python3 -c "import json;r=json.load(open('$WORK/again.json'));print(r['created'],r['updated'])")" "0 0"
# Master (ATT&CK v19 tags): unknown technique IDs reported per rule, not fatal.
T org create master --release enterprise-attack@18.1 >/dev/null
T --json --org master detection import "$SIGMA/sigma-rules-master.tar.gz" >"$WORK/master.json" && pass "master import" || fail "master import"
check "master unknown IDs" "$(python3 -c "
import json;r=json.load(open('$WORK/master.json'))
print(sorted({u for x in r['rules'] for u in x['unresolved_techniques']}))")" \
  "['T1685', 'T1685.001', 'T1685.002', 'T1685.004', 'T1685.005', 'T1685.006', 'T1686', 'T1686.001', 'T1686.002', 'T1686.003', 'T1689', 'T1690']"
# Inventory inferred from the mapping table makes techniques LOGGED.
T --org sigma-18-1 inventory infer >/dev/null && pass "inventory infer" || fail "inventory infer"
check "logged after infer" "$(T --json --org sigma-18-1 coverage | python3 -c "import json,sys;print(json.load(sys.stdin)['logged']>0)")" True
# Layer, trend, table output, delete.
T --org sigma-18-1 coverage layer --release enterprise-attack@18.1 >"$WORK/layer.json"
check "layer version" "$(python3 -c "import json;l=json.load(open('$WORK/layer.json'));print(l['versions']['layer'],l['versions']['attack'],l['domain'],len(l['legendItems']))")" "4.5 18.1 enterprise-attack 3"
T --json --org sigma-18-1 coverage trend --releases enterprise-attack@17.1,enterprise-attack@18.1 >"$WORK/trend.json"
check "trend rows" "$(python3 -c "import json;print([r['release'] for r in json.load(open('$WORK/trend.json'))['rows']])")" "['enterprise-attack@17.1', 'enterprise-attack@18.1']"
T --org sigma-18-1 coverage | grep -q "TA0002" && pass "coverage table" || fail "coverage table"
T --org nobody detection list >/dev/null 2>"$WORK/err"; check "unknown org exit" "$?" 1
grep -q "NOT_FOUND" "$WORK/err" && pass "unknown org message" || fail "unknown org message"
T org delete master --yes >/dev/null && pass "org delete" || fail "org delete"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
