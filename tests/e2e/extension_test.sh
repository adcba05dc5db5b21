#!/usr/bin/env bash
# End-to-end custom extensions (issue 12) on real enterprise 18.1: the real
# ttpgraphd and ttpctl. An organization creates an extension, imports a bundle
# (a custom technique with its ID, a custom group without one: the server
# assigns ACME-G0001), sets an x_ field on MITRE's G0016, reads the history,
# exports the merged view, which a naive Python reader (extension_oracle.py)
# checks (and a gap selects its threat by the custom field, --groups-where): the collection first, every object STIX 2.1, the custom technique by
# ID, the custom group's techniques, G0016's custom field. Bad inputs fail with
# their code and leave the extension at its version; the organization document
# carries the extension; delete removes it.
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA, TTPGRAPH_SOURCE_DIR (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init extension
ATTACK="$TTPGRAPH_SHARED_DATA/attack"
ORACLE="$SRC/tests/e2e/extension_oracle.py"
R181="$ATTACK/enterprise-attack-18.1.json.gz"

if ! start_server; then
  fail "ttpgraphd did not start; its log:"
  cat "$WORK/server.log"
  finish
fi
pass "ttpgraphd answers on $ADDR"

check() {  # name got want
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

T release import "$R181" >/dev/null && pass "18.1 imported" || fail "18.1 imported"
T org create acme --release enterprise-attack@18.1 >/dev/null && pass "org acme" || fail "org acme"
T --org acme --json extension create main --release 18.1 --prefix ACME >"$WORK/create.json" \
  && pass "extension created" || fail "extension created"
check "base release" "$(jq_ "$WORK/create.json" "d['base_release']")" "enterprise-attack@18.1"

python3 "$ORACLE" make-bundle "$R181" "$WORK/acme.json"
T --org acme --json extension import main "$WORK/acme.json" >"$WORK/import.json" \
  && pass "bundle imported" || fail "bundle imported: $(cat "$WORK/import.json")"
check "added" "$(jq_ "$WORK/import.json" "d['added']")" "4"
check "assigned id" "$(jq_ "$WORK/import.json" "d['assigned_ids'][0]['attack_id']")" "ACME-G0001"

T --org acme --json extension set main G0016 x_acme_sector=finance >"$WORK/set.json" \
  && pass "G0016 edited" || fail "G0016 edited"
check "G0016 field" "$(jq_ "$WORK/set.json" "d['object']['x_fields']['x_acme_sector']")" '"finance"'
check "version after set" "$(jq_ "$WORK/set.json" "d['extension']['version']")" "3"

T --org acme --json extension show main >"$WORK/show.json"
check "objects" "$(jq_ "$WORK/show.json" "len(d['objects'])")" "5"
check "custom technique listed" "$(jq_ "$WORK/show.json" "[o['custom'] for o in d['objects'] if o.get('attack_id')=='ACME-T0001']")" "[True]"
T --org acme --json extension history main --object G0016 >"$WORK/hist.json"
check "G0016 history" "$(jq_ "$WORK/hist.json" "[(c['action'], c['fields']) for c in d['changes']]")" \
  "[('edited', ['x_acme_sector'])]"
check "history names the token" "$(jq_ "$WORK/hist.json" "d['changes'][0]['token_id']")" \
  "$(cut -d_ -f2 "$TTPGRAPH_TOKEN_FILE")"

# ---- merged export, read by a naive reader ---------------------------------------
T --org acme extension export main --merged --output "$WORK/merged.json" && pass "merged export" || fail "merged export"
python3 "$ORACLE" check-merged "$WORK/merged.json" "$R181" ACME-G0001 >"$WORK/oracle.txt"
check "oracle" "$(cat "$WORK/oracle.txt")" "first type x-mitre-collection
contents match True
extra objects 4
all 2.1 True
ACME-T0001 ACME Payroll Fraud
ACME-G0001 ACME Finance Crew
group techniques ACME-T0001,T1059.001
G0016 x_acme_sector \"finance\""
T --org acme extension export main --collection-index --url https://cti.acme.example/main.json >"$WORK/index.json"
check "collection index version" "$(jq_ "$WORK/index.json" "d['collections'][0]['versions'][0]['version']")" "3.0"

# ---- gap with the threat selected by a custom field ---------------------------------
T --org acme --json gap --groups-where x_acme_sector=finance,energy >"$WORK/gap.json" \
  && pass "gap --groups-where" || fail "gap --groups-where: $(cat "$WORK/gap.json")"
check "gap groups: G0016, edited in the extension" "$(jq_ "$WORK/gap.json" "[g['attack_id'] for g in d['groups']]")" "['G0016']"
check "gap names the custom group, not counted" "$(jq_ "$WORK/gap.json" "[g['attack_id'] for g in d['custom_groups']]")" \
  "['ACME-G0001']"
T --org acme --json gap --groups G0016 >"$WORK/gap-g0016.json"
check "the same gap as --groups G0016" "$(jq_ "$WORK/gap.json" "(d['techniques_used'], d['blind'])")" \
  "$(jq_ "$WORK/gap-g0016.json" "(d['techniques_used'], d['blind'])")"
out=$(T --org acme gap --groups-where x_acme_sector=retail 2>&1); rc=$?
check "no group holds it: INVALID_ARGUMENT" "$rc $(echo "$out" | grep -c 'INVALID_ARGUMENT.*x_acme_sector holding retail')" "1 1"
out=$(T --org acme gap --groups-where x_acme_sector 2>&1); rc=$?
check "--groups-where needs FIELD=VALUE" "$rc" "2"
out=$(T --org acme gap --groups G0016 --groups-where x_acme_sector=finance 2>&1); rc=$?
check "one threat at a time" "$rc" "2"

# ---- refusals: code, message, nothing written --------------------------------------
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
def bundle(name, objs):
    json.dump({"type": "bundle", "id": "bundle--ac000000-0000-4000-8000-0000000e2e99", "objects": objs}, open(f"{w}/{name}", "w"))
stamp = "2026-12-01T00:00:00.000Z"
bundle("ns.json", [{"type": "attack-pattern", "id": "attack-pattern--ac000000-0000-4000-8000-0000000e2e31",
                    "created": stamp, "modified": stamp, "name": "x",
                    "external_references": [{"source_name": "mitre-attack", "external_id": "T9999"}]}])
bundle("rel.json", [{"type": "relationship", "id": "relationship--ac000000-0000-4000-8000-0000000e2e32",
                     "created": stamp, "modified": stamp, "relationship_type": "uses",
                     "source_ref": "intrusion-set--ac000000-0000-4000-8000-0000000e2e02",
                     "target_ref": "attack-pattern--ffffffff-ffff-4fff-8fff-ffffffffffff"}])
PY
out=$(T --org acme extension import main "$WORK/ns.json" 2>&1); rc=$?
check "namespace refused" "$rc $(echo "$out" | grep -c 'INVALID_ARGUMENT.*T9999, outside this extension.s namespace ACME-')" "1 1"
out=$(T --org acme extension import main "$WORK/rel.json" 2>&1); rc=$?
check "dangling relationship refused" "$rc $(echo "$out" | grep -c 'INVALID_ARGUMENT.*is in neither enterprise-attack@18.1 nor extension')" "1 1"
out=$(T --org acme extension set main G0016 sector=finance 2>&1); rc=$?
check "non-x_ field refused" "$rc $(echo "$out" | grep -c 'INVALID_ARGUMENT.*x_acme_sector')" "1 1"
out=$(T --org acme extension set main G0016 x_acme_sector 2>&1); rc=$?
check "FIELD=VALUE needed" "$rc" "2"
check "version unchanged" "$(T --org acme --json extension list | python3 -c 'import json,sys; print(json.load(sys.stdin)["extensions"][0]["version"])')" "3"

# ---- the organization document carries it; delete --------------------------------
T --org acme org export >"$WORK/org.json" && pass "org export" || fail "org export"
check "document extensions" "$(jq_ "$WORK/org.json" "(d['extensions'][0]['name'], len(d['extensions'][0]['objects']))")" "('main', 5)"
T --org acme extension delete main --yes >/dev/null && pass "deleted" || fail "deleted"
out=$(T --org acme extension show main 2>&1); rc=$?
check "gone" "$rc $(echo "$out" | grep -c "NOT_FOUND.*has no extension 'main'")" "1 1"

stop_server
check "SIGTERM exit" "$STOP_RC" 0
finish
