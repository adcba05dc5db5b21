#!/usr/bin/env bash
# The ttpctl command-line contract (issue 2) on real data: every bundle of
# $TTPGRAPH_SHARED_DATA/attack imported in one call, --json documents,
# technique filters, revoked-by chains, group usage paths, technique
# questions, mobile and ics, errors on stderr with a non-zero exit, graceful
# SIGTERM and releases kept across a restart.
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init cli

ATTACK="$TTPGRAPH_SHARED_DATA/attack"
E18="enterprise-attack@18.1"


# ctl NAME ARGS...: runs ttpctl, stdout -> $WORK/NAME.out, stderr -> $WORK/NAME.err.
ctl() {
  local name=$1
  shift
  "$TTPCTL" --server "$ADDR" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
}

# A checker for --json output: exactly one JSON document; every ATT&CK object
# (any dict with a stix_id) carries attack_id, stix_id, name and type. With an
# expression, prints its value over `doc` (and `objs`, the ATT&CK objects).
cat >"$WORK/jq.py" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
try:
    doc = json.loads(text)  # refuses a second document or trailing text
except ValueError as e:
    sys.exit("not exactly one JSON document: %s" % e)
objs = []
def walk(x):
    if isinstance(x, dict):
        if "stix_id" in x:
            objs.append(x)
        for v in x.values():
            walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
walk(doc)
for o in objs:
    for k in ("attack_id", "stix_id", "name", "type"):
        if k not in o:
            sys.exit("object %s lacks %s" % (o.get("stix_id"), k))
    if not o["stix_id"] or not o["type"] or not o["stix_id"].startswith(o["type"] + "--"):
        sys.exit("bad object %r" % {k: o.get(k) for k in ("attack_id", "stix_id", "name", "type")})
if len(sys.argv) > 2:
    print(eval(sys.argv[2], {"doc": doc, "objs": objs, "set": set, "len": len, "all": all, "any": any, "sorted": sorted}))
EOF
# jval NAME [EXPR]: checks $WORK/NAME.out and prints EXPR.
jval() { python3 "$WORK/jq.py" "$WORK/$1.out" "${2:-len(objs)}"; }

# expect_json NAME DESCRIPTION EXPR: EXPR must be True.
expect_json() {
  local got
  if got="$(jval "$1" "$3" 2>&1)" && [ "$got" = "True" ]; then pass "$2"; else fail "$2: $got"; fi
}

# expect_error NAME DESCRIPTION SUBSTRING ARGS...: non-zero exit, SUBSTRING on stderr.
expect_error() {
  local name=$1 what=$2 needle=$3
  shift 3
  if ctl "$name" "$@"; then
    fail "$what: exit 0"
  elif grep -qF -- "$needle" "$WORK/$name.err"; then
    pass "$what: $(head -c 160 "$WORK/$name.err")"
  else
    fail "$what: stderr lacks '$needle': $(cat "$WORK/$name.err")"
  fi
}

if ! start_server; then
  fail "ttpgraphd did not start"
  cat "$WORK/server.log"
  finish
fi
pass "ttpgraphd answers on $ADDR"

# ------------------------------------------------------------------ import
bundles=("$ATTACK"/*-attack-*.json.gz)
if [ "${#bundles[@]}" -ne 8 ]; then fail "expected 8 bundles in $ATTACK, found ${#bundles[@]}"; finish; fi
if ctl import release import "${bundles[@]}" && [ "$(grep -c CREATED "$WORK/import.out")" -eq 8 ]; then
  pass "one import call created 8 releases"
else
  fail "import of 8 bundles: $(cat "$WORK/import.err") $(cat "$WORK/import.out")"
fi

ctl list --json release list
expect_json list "release list --json: 8 releases" \
  'sorted(r["name"] for r in doc["releases"]) == sorted(["enterprise-attack@14.1", "enterprise-attack@15.1", "enterprise-attack@16.1", "enterprise-attack@17.1", "enterprise-attack@18.0", "enterprise-attack@18.1", "ics-attack@18.1", "mobile-attack@18.1"])'
ctl list_text release list
if grep -q "enterprise-attack@18.1" "$WORK/list_text.out" && grep -q "RELEASE" "$WORK/list_text.out"; then
  pass "release list prints a table"
else
  fail "release list table: $(cat "$WORK/list_text.out")"
fi

if ctl reimport --json release import "${bundles[@]}"; then
  expect_json reimport "re-import of the 8 bundles: all UNCHANGED" \
    'len(doc["results"]) == 8 and all(r["outcome"] == "OUTCOME_UNCHANGED" for r in doc["results"])'
else
  fail "re-import: $(cat "$WORK/reimport.err")"
fi

# ------------------------------------------------------------------ technique lists
declare -A COUNT
for spec in "base:" "revoked:--include-revoked" "deprecated:--include-deprecated" \
            "both:--include-revoked --include-deprecated" "nosub:--no-subtechniques" \
            "exec:--tactic execution" "exec_nosub:--tactic execution --no-subtechniques" \
            "linux:--platform Linux" "linux_exec:--platform linux --tactic execution"; do
  name="${spec%%:*}"
  # shellcheck disable=SC2086
  if ctl "tl_$name" --json technique list --release "$E18" ${spec#*:}; then
    if n="$(jval "tl_$name" 'len(doc["objects"])')"; then COUNT[$name]=$n; else COUNT[$name]=-1; fail "technique list $name: $n"; fi
  else
    COUNT[$name]=-1
    fail "technique list ${spec#*:}: $(cat "$WORK/tl_$name.err")"
  fi
done
echo "technique list counts: $(for k in "${!COUNT[@]}"; do printf '%s=%s ' "$k" "${COUNT[$k]}"; done)"
c() { echo "${COUNT[$1]}"; }
if [ "$(c base)" -gt 600 ] && [ "$(c revoked)" -gt "$(c base)" ] && [ "$(c deprecated)" -gt "$(c base)" ] &&
   [ "$(c both)" -ge "$(c revoked)" ] && [ "$(c both)" -ge "$(c deprecated)" ] &&
   [ "$(c nosub)" -lt "$(c base)" ] && [ "$(c nosub)" -gt 150 ] &&
   [ "$(c exec)" -gt 0 ] && [ "$(c exec)" -lt "$(c base)" ] && [ "$(c exec_nosub)" -lt "$(c exec)" ] &&
   [ "$(c linux)" -gt 0 ] && [ "$(c linux)" -lt "$(c base)" ] &&
   [ "$(c linux_exec)" -gt 0 ] && [ "$(c linux_exec)" -le "$(c linux)" ] && [ "$(c linux_exec)" -le "$(c exec)" ]; then
  pass "technique list filters give nested counts"
else
  fail "technique list filter counts are not nested"
fi
expect_json tl_base "default list: active techniques only" \
  'all(not o["revoked"] and not o["deprecated"] and o["in_domain"] and o["attack_id"].startswith("T") for o in doc["objects"])'
expect_json tl_revoked "--include-revoked adds revoked techniques" 'any(o["revoked"] for o in doc["objects"])'
expect_json tl_nosub "--no-subtechniques: no sub-technique" 'not any(o["is_subtechnique"] or "." in o["attack_id"] for o in doc["objects"])'
expect_json tl_exec "--tactic execution: every technique has it" 'all("execution" in o["tactics"] for o in doc["objects"])'
expect_json tl_linux_exec "--platform linux --tactic execution" \
  'all("Linux" in o["platforms"] and "execution" in o["tactics"] for o in doc["objects"])'

# ------------------------------------------------------------------ revoked-by chain
# The revoked technique with the longest revoked-by chain in 18.1, from the raw bundle.
python3 - "$ATTACK/enterprise-attack-18.1.json.gz" >"$WORK/revoked.txt" <<'EOF'
import gzip, json, sys
objs = json.loads(gzip.open(sys.argv[1]).read())["objects"]
by_id = {o["id"]: o for o in objs}
def aid(o):
    for r in o.get("external_references", []):
        if r.get("source_name") == "mitre-attack" and r.get("external_id"):
            return r["external_id"]
    return ""
succ = {o["source_ref"]: o["target_ref"] for o in objs
        if o["type"] == "relationship" and o["relationship_type"] == "revoked-by" and o["target_ref"] in by_id}
best = None
for o in objs:
    if o["type"] != "attack-pattern" or not o.get("revoked") or o["id"] not in succ or not aid(o):
        continue
    hops, seen, cur = [], {o["id"]}, succ[o["id"]]
    while cur and cur not in seen:
        seen.add(cur)
        hops.append(aid(by_id[cur]) or cur)
        cur = succ.get(cur)
    if best is None or len(hops) > len(best[1]):
        best = (aid(o), hops)
print(best[0], ",".join(best[1]))
EOF
read -r REVOKED HOPS <"$WORK/revoked.txt"
if ctl revoked_text object show "$REVOKED" --type attack-pattern --release "$E18" &&
   grep -qF "revoked by: ${HOPS//,/, }" "$WORK/revoked_text.out"; then
  pass "object show $REVOKED shows the revoked-by chain $HOPS"
else
  fail "object show $REVOKED: expected chain $HOPS: $(cat "$WORK/revoked_text.out" "$WORK/revoked_text.err")"
fi
if ctl revoked_json --json object show "$REVOKED" --type attack-pattern --release "$E18"; then
  expect_json revoked_json "object show --json: revoked_by hops $HOPS" \
    "doc[\"object\"][\"revoked\"] and [h[\"attack_id\"] or h[\"stix_id\"] for h in doc[\"revoked_by\"][\"hops\"]] == \"$HOPS\".split(\",\") and doc[\"revoked_by\"][\"final\"][\"attack_id\"] == \"${HOPS##*,}\""
else
  fail "object show --json $REVOKED: $(cat "$WORK/revoked_json.err")"
fi

# ------------------------------------------------------------------ group techniques
G=G0016
for spec in "all:" "nosoft:--no-software" "direct:--no-software --no-campaigns" \
            "soft:--no-direct --no-campaigns" "camp:--no-direct --no-software"; do
  name="${spec%%:*}"
  # shellcheck disable=SC2086
  ctl "g_$name" --json group techniques "$G" --release "$E18" ${spec#*:} || fail "group techniques $G ${spec#*:}: $(cat "$WORK/g_$name.err")"
done
if python3 - "$WORK" <<'EOF'
import json, sys
w = sys.argv[1]
def load(n):
    d = json.load(open("%s/g_%s.out" % (w, n)))
    return {t["technique"]["attack_id"]: t for t in d.get("techniques", [])}
a, nosoft, direct, soft, camp = (load(n) for n in ("all", "nosoft", "direct", "soft", "camp"))
assert direct and soft and len(a) > len(nosoft) >= len(direct), (len(a), len(nosoft), len(direct))
assert set(a) == set(nosoft) | set(soft), "all != no-software + software-only"
assert set(nosoft) == set(direct) | set(camp), "no-software != direct + campaigns"
assert all(t["direct"] and not t["via_software"] and not t["via_campaigns"] for t in direct.values())
assert all(t["via_software"] and not t["direct"] for t in soft.values())
assert all(t["via_campaigns"] and not t["direct"] for t in camp.values())
for tid, t in a.items():
    assert t["direct"] == (tid in direct), tid
    assert bool(t["via_software"]) == (tid in soft), tid
    assert bool(t["via_campaigns"]) == (tid in camp), tid
print("%d techniques: %d direct, %d via software, %d via campaigns" % (len(a), len(direct), len(soft), len(camp)))
EOF
then pass "group techniques $G: path flags are consistent"; else fail "group techniques $G path flags"; fi
expect_json g_all "group techniques --json objects are complete" 'doc["group"]["attack_id"] == "G0016" and len(objs) > 50'
ctl g_text group techniques "$G" --release "$E18"
if grep -q "^G0016 APT29" "$WORK/g_text.out" && grep -q "VIA SOFTWARE" "$WORK/g_text.out"; then
  pass "group techniques prints a table"
else
  fail "group techniques table: $(head -3 "$WORK/g_text.out")"
fi

# ------------------------------------------------------------------ technique questions
T=T1059.001
ctl t_groups --json technique groups "$T" --release "$E18" &&
  expect_json t_groups "technique groups $T" 'len(doc["users"]) > 10 and all(u["user"]["type"] == "intrusion-set" for u in doc["users"])' ||
  fail "technique groups: $(cat "$WORK/t_groups.err")"
ctl t_software --json technique software "$T" --release "$E18" &&
  expect_json t_software "technique software $T" 'len(doc["users"]) > 10 and all(u["user"]["type"] in ("malware", "tool") for u in doc["users"])' ||
  fail "technique software: $(cat "$WORK/t_software.err")"
ctl t_mitigations --json technique mitigations "$T" --release "$E18" &&
  expect_json t_mitigations "technique mitigations $T" 'len(doc["mitigations"]) > 0 and all(m["mitigation"]["type"] == "course-of-action" and m["mitigation"]["attack_id"].startswith("M") for m in doc["mitigations"])' ||
  fail "technique mitigations: $(cat "$WORK/t_mitigations.err")"
ctl t_detect --json technique detectability "$T" --release "$E18" &&
  expect_json t_detect "technique detectability $T (18.1: detection strategies)" 'len(doc["data_components"]) > 0 and len(doc["detection_strategies"]) > 0 and all(d["data_component"]["attack_id"].startswith("DC") and d["detection_strategies"] for d in doc["data_components"])' ||
  fail "technique detectability: $(cat "$WORK/t_detect.err")"
ctl t_detect17 --json technique detectability "$T" --release enterprise-attack@17.1 &&
  expect_json t_detect17 "technique detectability $T (17.1: data component detects)" 'len(doc["data_components"]) > 0 and all(d["via_detects_relationship"] for d in doc["data_components"])' ||
  fail "technique detectability 17.1: $(cat "$WORK/t_detect17.err")"
ctl t_subs --json technique subtechniques T1059 --release "$E18" &&
  expect_json t_subs "technique subtechniques T1059" '"T1059.001" in [s["attack_id"] for s in doc["subtechniques"]] and all(s["attack_id"].startswith("T1059.") for s in doc["subtechniques"])' ||
  fail "technique subtechniques: $(cat "$WORK/t_subs.err")"
ctl t_parent --json technique subtechniques "$T" --release "$E18" &&
  expect_json t_parent "technique subtechniques $T names its parent" 'doc["parent"]["attack_id"] == "T1059" and not doc["subtechniques"]' ||
  fail "technique subtechniques $T: $(cat "$WORK/t_parent.err")"
for q in "groups $T" "mitigations $T" "detectability $T" "subtechniques T1059"; do
  # shellcheck disable=SC2086
  if ctl t_text technique $q --release "$E18" && [ -s "$WORK/t_text.out" ] && grep -q "^ID" "$WORK/t_text.out"; then
    pass "technique $q prints a table"
  else
    fail "technique $q table: $(head -3 "$WORK/t_text.out") $(cat "$WORK/t_text.err")"
  fi
done

# ------------------------------------------------------------------ mobile and ics
for domain in mobile ics; do
  R="$domain-attack@18.1"
  ctl "${domain}_tl" --json technique list --release "$R" &&
    expect_json "${domain}_tl" "$R technique list" 'len(doc["objects"]) > 40 and all(o["in_domain"] for o in doc["objects"])' ||
    fail "$R technique list: $(cat "$WORK/${domain}_tl.err")"
  ctl "${domain}_tac" --json tactic list --release "$domain-attack@latest" &&
    expect_json "${domain}_tac" "$domain-attack@latest tactics" 'len(doc["objects"]) >= 10 and all(o["type"] == "x-mitre-tactic" for o in doc["objects"])' ||
    fail "$R tactics: $(cat "$WORK/${domain}_tac.err")"
  # A group of that domain with direct technique use, from the raw bundle.
  grp="$(python3 - "$ATTACK/$domain-attack-18.1.json.gz" <<'EOF'
import gzip, json, sys
objs = json.loads(gzip.open(sys.argv[1]).read())["objects"]
by_id = {o["id"]: o for o in objs}
active = lambda o: not o.get("revoked") and not o.get("x_mitre_deprecated")
def aid(o):
    for r in o.get("external_references", []):
        if r.get("source_name", "").startswith("mitre-") and r.get("external_id"):
            return r["external_id"]
for r in objs:
    if r["type"] == "relationship" and r["relationship_type"] == "uses" and active(r) \
       and r["source_ref"].startswith("intrusion-set--") and r["target_ref"].startswith("attack-pattern--"):
        g, t = by_id.get(r["source_ref"]), by_id.get(r["target_ref"])
        if g and t and active(g) and active(t):
            print(aid(g)); break
EOF
)"
  if [ -n "$grp" ] && ctl "${domain}_g" --json group techniques "$grp" --release "$R"; then
    expect_json "${domain}_g" "$R group techniques $grp" 'len(doc["techniques"]) > 0 and any(t["direct"] for t in doc["techniques"])'
  else
    fail "$R group techniques ${grp:-?}: $(cat "$WORK/${domain}_g.err" 2>/dev/null)"
  fi
done

# ------------------------------------------------------------------ errors
expect_error e_release "unknown release" "enterprise-attack@99.0" technique list --release enterprise-attack@99.0
expect_error e_id "unknown ATT&CK ID" "T9999" object show T9999 --release "$E18"
expect_error e_group "unknown group" "G9999" group techniques G9999 --release "$E18"
expect_error e_syntax "bad release syntax" "DOMAIN@VERSION" technique list --release enterprise
expect_error e_domain "unknown domain" "pre-attack" technique list --release pre-attack@1.0
expect_error e_tactic "unknown tactic" "stealth" technique list --release "$E18" --tactic stealth
# T1003 names a technique and an old mitigation.
expect_error e_ambiguous "ATT&CK ID shared by two types" "give the type" object show T1003 --release "$E18"
if ctl typed --json object show T1003 --type attack-pattern --release "$E18"; then
  expect_json typed "object show T1003 --type attack-pattern" 'doc["object"]["type"] == "attack-pattern" and doc["object"]["name"] == "OS Credential Dumping"'
else
  fail "object show T1003 --type attack-pattern: $(cat "$WORK/typed.err")"
fi
expect_error e_json "errors with --json go to stderr" "T9999" --json object show T9999 --release "$E18"
if [ -s "$WORK/e_json.out" ]; then fail "an error printed to stdout with --json: $(cat "$WORK/e_json.out")"; else pass "nothing on stdout on error"; fi
expect_error e_file "missing file" "/nonexistent/enterprise-attack-1.0.json" release import /nonexistent/enterprise-attack-1.0.json
expect_error e_bad "invalid JSON bundle" "line 7" release import "$SRC/tests/testdata/bad/invalid.json" --domain enterprise-attack --version 99.0
size="$(stat -c %s "$ATTACK/ics-attack-18.1.json.gz")"
head -c $((size / 2)) "$ATTACK/ics-attack-18.1.json.gz" >"$WORK/ics-attack-99.0.json.gz"
expect_error e_trunc "truncated gzip" "truncated" release import "$WORK/ics-attack-99.0.json.gz"
ctl list_after --json release list
expect_json list_after "failed imports wrote nothing" 'len(doc["releases"]) == 8'

# ------------------------------------------------------------------ shutdown and restart
stop_server
if [ "$STOP_RC" = 0 ]; then pass "SIGTERM: ttpgraphd exited 0"; else fail "SIGTERM: ttpgraphd exit status $STOP_RC"; fi
if start_server; then
  ctl restarted --json release list
  expect_json restarted "after restart: the 8 releases are still there" 'len(doc["releases"]) == 8'
  ctl restarted_q --json group techniques G0016 --release enterprise-attack@latest --no-software
  expect_json restarted_q "after restart: queries answer" 'len(doc["techniques"]) > 50'
  stop_server
  if [ "$STOP_RC" = 0 ]; then pass "second SIGTERM: exit 0"; else fail "second SIGTERM: exit status $STOP_RC"; fi
else
  fail "ttpgraphd did not restart on the same data directory"
fi

finish
