#!/usr/bin/env bash
# End-to-end test of a framework in ATT&CK's shape imported as a domain of its
# own (issue 12): the hand-made ATLAS-shaped fixture of tests/testdata/frameworks
# (README there for its answers), through the real ttpgraphd and ttpctl.
#  - Import: domain, version, source and kill-chain names from the bundle; the
#    knowledge commands answer on it like on enterprise (tactics in matrix
#    order, techniques by tactic, object show, sub-techniques, mitigations,
#    a group's techniques).
#  - An organization mapped to it: detections from a CSV, coverage, coverage
#    layer, gap and gap layer over its techniques.
#  - --lenient: the bundle that reuses relationship ids is refused by default
#    (naming the first, nothing written), imported with --lenient, every
#    re-identified object listed in the table and in --json.
#  - Bad input: unknown domain, a bad --source-name, nothing written.
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA, TTPGRAPH_SOURCE_DIR (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init framework
FW="$SRC/tests/testdata/frameworks"
R=atlas@4.9

if ! start_server; then
  fail "ttpgraphd did not start; its log:"
  cat "$WORK/server.log"
  finish
fi
pass "ttpgraphd answers on $ADDR"

# q NAME FILE EXPR: EXPR (Python, over `doc`, the file's JSON) must be True.
q() {
  local got
  if got="$(python3 -c 'import json, sys
doc = json.load(open(sys.argv[1]))
ids = lambda xs: [x["attack_id"] for x in xs]
v = eval(sys.argv[2])
print(v if v is True else "got: %r" % (v,))' "$2" "$3" 2>&1)" && [ "$got" = "True" ]; then pass "$1"; else fail "$1: $3: $got"; fi
}
# J NAME ARGS...: `ttpctl --json ARGS` into $WORK/NAME.json.
J() {
  local name=$1
  shift
  T --json "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" || fail "$name: ttpctl $*: $(cat "$WORK/$name.err")"
}
# E NAME NEEDLE ARGS...: ttpctl fails, NEEDLE on stderr.
E() {
  local name=$1 needle=$2
  shift 2
  if T "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"; then
    fail "$name: exit 0"
  elif grep -qF -- "$needle" "$WORK/$name.err"; then
    pass "$name: $(head -c 200 "$WORK/$name.err")"
  else
    fail "$name: stderr lacks '$needle': $(cat "$WORK/$name.err")"
  fi
}
releases() { T --json release list | python3 -c 'import json,sys; print(" ".join(r["name"] for r in json.load(sys.stdin).get("releases", [])))'; }

# ---- bad input first: nothing written ----------------------------------------------
E unknown_domain "unknown domain 'pre-attack'" release import "$SRC/tests/testdata/mini_attack/mini-v17.json" \
  --domain pre-attack --version 1.0
E bad_source "--source-name 'mitre atlas' is not a name" release import "$FW/atlas-mini.json" --source-name "mitre atlas"
E strict "objects[35]: duplicate id relationship--a71a0000-0000-4000-8000-000000000501" \
  release import "$FW/atlas-mini-reused-ids.json"
grep -qF -- "--lenient" "$WORK/strict.err" && pass "the refusal names --lenient" || fail "refusal: $(cat "$WORK/strict.err")"
check "nothing written" "" "$(releases)"
E unknown_release "unknown domain 'atlas'" technique list --release atlas@latest

# ---- import as a domain of its own ---------------------------------------------------
J import release import "$FW/atlas-mini.json"
q "imported as atlas@4.9" "$WORK/import.json" \
  'doc["results"][0]["release"]["name"] == "atlas@4.9" and doc["results"][0]["outcome"] == "OUTCOME_CREATED"'
q "38 objects, 12 techniques" "$WORK/import.json" \
  'doc["results"][0]["release"]["object_count"] == "38" and doc["results"][0]["release"]["counts_by_type"]["attack-pattern"] == "12"'
q "source and kill-chain names from the matrix" "$WORK/import.json" \
  'doc["results"][0]["source_names"] == ["mitre-atlas"] and doc["results"][0]["kill_chains"] == ["mitre-atlas"]'
q "nothing re-identified" "$WORK/import.json" 'doc["results"][0].get("reidentified", []) == []'
J list release list --domain atlas
q "release list --domain atlas" "$WORK/list.json" '[r["name"] for r in doc["releases"]] == ["atlas@4.9"]'

J tactics tactic list --release "$R"
q "tactics in matrix order" "$WORK/tactics.json" \
  'ids(doc["objects"]) == ["AML.TA0002", "AML.TA0003", "AML.TA0004", "AML.TA0000", "AML.TA0001"]'
J techniques technique list --release "$R"
q "every technique, by ID (one Workbench-tagged enterprise-attack counts)" "$WORK/techniques.json" \
  'ids(doc["objects"]) == ["AML.T0000", "AML.T0000.000", "AML.T0000.001", "AML.T0002", "AML.T0002.000", "AML.T0002.001", "AML.T0010", "AML.T0015", "AML.T0040", "AML.T0043", "AML.T0043.000", "AML.T0051"]'
J staging technique list --release "$R" --tactic ml-attack-staging
q "techniques of a tactic by short name" "$WORK/staging.json" 'ids(doc["objects"]) == ["AML.T0015", "AML.T0043", "AML.T0043.000"]'
J access technique list --release "$R" --tactic AML.TA0004
q "techniques of a tactic by ID" "$WORK/access.json" 'ids(doc["objects"]) == ["AML.T0010", "AML.T0015", "AML.T0051"]'
J show object show AML.T0010 --release "$R"
q "object show: the framework's ID, not the ATT&CK reference before it" "$WORK/show.json" \
  'doc["object"]["attack_id"] == "AML.T0010" and doc["object"]["name"] == "ML Supply Chain Compromise" and doc["object"]["url"] == "https://atlas.mitre.org/techniques/AML.T0010"'
J t0010 technique tactics AML.T0010 --release "$R"
q "only the framework's kill chain gives tactics" "$WORK/t0010.json" 'ids(doc["objects"]) == ["AML.TA0004"]'
J subs technique subtechniques AML.T0043 --release "$R"
q "sub-techniques" "$WORK/subs.json" 'ids(doc["subtechniques"]) == ["AML.T0043.000"]'
J mits technique mitigations AML.T0015 --release "$R"
q "mitigations" "$WORK/mits.json" '[m["mitigation"]["attack_id"] for m in doc["mitigations"]] == ["AML.M0015"]'
J group group techniques AML.G0001 --release "$R"
q "a group's techniques" "$WORK/group.json" \
  '[t["technique"]["attack_id"] for t in doc["techniques"]] == ["AML.T0000.001", "AML.T0002.000", "AML.T0043", "AML.T0051"]'

# ---- an organization on the framework --------------------------------------------------
cat >"$WORK/detections.csv" <<'CSV'
id,name,techniques,state,data_components,source_format,tags
adv-1,Adversarial input monitor,AML.T0043;AML.T0015,enabled,,other,
llm-2,Prompt filter,aml.t0051,enabled,,other,
rec-3,Registry watch,AML.T0002.000,disabled,,other,
new-4,Not yet in the framework,AML.T0099,enabled,,other,
CSV
T org create lab --release "$R" >/dev/null && pass "org on $R" || fail "org create"
J imp --org lab detection import "$WORK/detections.csv"
J det --org lab detection get new-4
q "an unknown ID of the framework's shape is kept unresolved" "$WORK/det.json" \
  'doc["unresolved_techniques"] == ["AML.T0099"] and "AML.T0099 is not a technique in atlas@4.9" in doc["notes"]'
J cov --org lab coverage
q "coverage over the framework's techniques" "$WORK/cov.json" \
  'doc["release"] == "atlas@4.9" and doc["total"] == 12 and doc["detected"] == 3 and doc["blind"] == 9'
q "coverage: detected techniques" "$WORK/cov.json" \
  'sorted(t["attack_id"] for t in doc["techniques"] if t["status"] == "COVERAGE_STATUS_DETECTED") == ["AML.T0015", "AML.T0043", "AML.T0051"]'
q "coverage: tactics in matrix order" "$WORK/cov.json" \
  '[(t["attack_id"], t["techniques"], t.get("detected", 0)) for t in doc["tactics"]] == [("AML.TA0002", 3, 0), ("AML.TA0003", 3, 0), ("AML.TA0004", 3, 2), ("AML.TA0000", 1, 0), ("AML.TA0001", 3, 2)]'
T --org lab coverage layer --output "$WORK/cov-layer.json" >/dev/null 2>"$WORK/covl.err" || fail "coverage layer: $(cat "$WORK/covl.err")"
q "coverage layer: the framework's domain and every technique" "$WORK/cov-layer.json" \
  'doc["domain"] == "atlas" and sorted(t["techniqueID"] for t in doc["techniques"] if t.get("score") == 100) == ["AML.T0015", "AML.T0043", "AML.T0051"] and len({t["techniqueID"] for t in doc["techniques"]}) == 12'
J gap --org lab gap --groups AML.G0001
q "gap: the group's techniques the organization does not detect" "$WORK/gap.json" \
  'doc["techniques_used"] == 4 and doc["detected"] == 2 and [g["technique"]["attack_id"] for g in doc["gaps"]] == ["AML.T0000.001", "AML.T0002.000"]'
T --org lab gap layer --groups AML.G0001 --output "$WORK/gap-layer.json" >/dev/null 2>"$WORK/gapl.err" || fail "gap layer: $(cat "$WORK/gapl.err")"
q "gap layer" "$WORK/gap-layer.json" \
  'doc["domain"] == "atlas" and sorted(t["techniqueID"] for t in doc["techniques"]) == ["AML.T0000.001", "AML.T0002.000"]'

# ---- --lenient ---------------------------------------------------------------------------
T release import "$FW/atlas-mini-reused-ids.json" --lenient >"$WORK/lenient.txt" 2>"$WORK/lenient.err" \
  && pass "lenient import" || fail "lenient import: $(cat "$WORK/lenient.err")"
grep -q "^3 objects re-identified" "$WORK/lenient.txt" && pass "the table says how many were re-identified" \
  || fail "lenient table: $(cat "$WORK/lenient.txt")"
grep -q "atlas@4.10 *37 *relationship *relationship--a71a0000-0000-4000-8000-000000000511 *relationship--9ac6c01c-c8b1-566a-be16-7cd8ce785a63" \
  "$WORK/lenient.txt" && pass "the table lists old and new ids" || fail "lenient table rows: $(cat "$WORK/lenient.txt")"
J lenient_again release import "$FW/atlas-mini-reused-ids.json" --lenient
q "re-import: unchanged, the same ids listed (--json)" "$WORK/lenient_again.json" \
  'doc["results"][0]["outcome"] == "OUTCOME_UNCHANGED" and [(r["index"], r["type"], r["old_id"][-3:], r["new_id"]) for r in doc["results"][0]["reidentified"]] == [("35", "relationship", "501", "relationship--2effc888-93b0-54ae-8c14-8e235b1bc1aa"), ("36", "relationship", "506", "relationship--9fea591f-7bfb-5120-ab2a-b88a4eff7c92"), ("37", "relationship", "511", "relationship--9ac6c01c-c8b1-566a-be16-7cd8ce785a63")]'
J group10 group techniques AML.G0001 --release atlas@4.10
q "the re-identified uses count" "$WORK/group10.json" \
  '[t["technique"]["attack_id"] for t in doc["techniques"]] == ["AML.T0000.001", "AML.T0002.000", "AML.T0043", "AML.T0051"]'
J subs10 technique subtechniques AML.T0000 --release atlas@4.10
q "the first holder of a reused id keeps it" "$WORK/subs10.json" 'ids(doc["subtechniques"]) == ["AML.T0000.000", "AML.T0000.001"]'
check "releases" "atlas@4.9 atlas@4.10" "$(releases)"

stop_server
check "SIGTERM exit" 0 "$STOP_RC"
finish
