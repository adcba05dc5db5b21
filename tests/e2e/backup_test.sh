#!/usr/bin/env bash
# Backup, restore and moving an organization with the real ttpgraphd and ttpctl on real data
# (enterprise 18.1, the SigmaHQ rules): `ttpctl backup create|list|verify`, `ttpgraphd
# --restore-from` into a non-empty directory (refused, exit 1) and into a new one (exit 0), a server
# on the restored directory answering exactly as the source did (releases, organizations,
# detections, inventory, tokens, audit trail) to the old admin token; `org export`, `org delete`,
# `org import` giving the same organization back; `release delete` refused while acme maps to it.
source "$(dirname "$0")/lib.sh"
e2e_init backup
DATA="$TTPGRAPH_SHARED_DATA"

if ! start_server --backup-dir "$WORK/backups"; then
  fail "server did not start"; cat "$WORK/server.log"; finish
fi
T release import "$DATA/attack/enterprise-attack-18.1.json.gz" >/dev/null || fail "release import"
T org create acme --release enterprise-attack@18.1 >/dev/null || fail "org create"
T --org acme detection import "$DATA/sigma/sigma-rules.tar.gz" >/dev/null || fail "sigma import"
T --org acme inventory add DC0032 --log-source 'WinEventLog:Security|EventCode=4688' >/dev/null || fail "inventory add"
T token create --role editor --org acme --description "acme CI" >/dev/null 2>&1 || fail "token create"

# Everything a user can read, each document with its keys sorted (maps print in any order);
# token last-use times left out (a call may move them).
sorted_json() { python3 -c 'import json,sys; d=json.load(sys.stdin); [t.pop("last_used", None) for t in d.get("tokens", [])]; print(json.dumps(d, sort_keys=True))'; }
snapshot() {
  {
    T release list --json | sorted_json
    T org list --json | sorted_json
    T --org acme detection list --json --with-query | sorted_json
    T --org acme inventory list --json | sorted_json
    T token list --json | sorted_json
    T audit --json | sorted_json
  } >"$WORK/snapshot.$1"
  sha256sum <"$WORK/snapshot.$1" | cut -c1-64
}
before=$(snapshot source)

created=$(T backup create --json)
id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$created")
path=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["path"])' "$created")
check "backup create --json: id" "1" "$id"
check "backup create --json: path" "$WORK/backups/private/1" "$path"
check "the backup's directory exists" "yes" "$([ -d "$path" ] && echo yes)"
check "backup create prints id and path" "backup 2 $WORK/backups/private/2" "$(T backup create)"
check "backup list: two backups" "2" "$(T backup list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["backups"]))')"
T backup verify 1 | grep -q "backup 1 is intact" && pass "backup verify 1" || fail "backup verify 1"
out=$(T backup verify 99 2>&1); rc=$?
check "backup verify 99: exit 1" "1" "$rc"
case "$out" in *NOT_FOUND*"no backup 99"*) pass "backup verify 99 names it";; *) fail "backup verify 99: $out";; esac

# A restore refuses a directory that holds anything, and changes nothing there.
out=$("$TTPGRAPHD" --restore-from "$path" --data-dir "$WORK/db" 2>&1); rc=$?
check "restore into the live data directory: exit 1" "1" "$rc"
case "$out" in *"is not empty"*"nothing was changed"*) pass "restore says why";; *) fail "restore message: $out";; esac
out=$("$TTPGRAPHD" --restore-from "$path" 2>&1); rc=$?
check "restore without --data-dir: usage error" "2" "$rc"

start=$(date +%s%N)
"$TTPGRAPHD" --restore-from "$path" --data-dir "$WORK/new" >"$WORK/restore.out" 2>&1; rc=$?
restore_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "restore into a new directory: exit 0" "0" "$rc"
grep -q "restored backup 1" "$WORK/restore.out" && pass "restore says what it restored" || fail "restore: $(cat "$WORK/restore.out")"
echo "restore of enterprise 18.1 + SigmaHQ: ${restore_ms} ms, $(du -sm "$WORK/new" | cut -f1) MB"

stop_server; check "source server stops" 0 "$STOP_RC"
# The restored store, served by a new server, to the old admin token ($WORK/db/admin.token).
if ! start_server --backup-dir "$WORK/backups" --data-dir "$WORK/new"; then
  fail "server on the restored directory did not start"; cat "$WORK/server.log"; finish
fi
check "the restored server answers exactly as the source did" "$before" "$(snapshot restored)"
diff "$WORK/snapshot.source" "$WORK/snapshot.restored" | head -20

# Moving acme: export, delete, import gives the same organization.
org_state() {
  { T --org acme org show --json | python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("generation", None); print(json.dumps(d, sort_keys=True))'
    T --org acme detection list --json --with-query
    T --org acme inventory list --json; } | sha256sum | cut -c1-64
}
acme=$(org_state)
T --org acme org export > "$WORK/acme.json" || fail "org export"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["format"]=="ttpgraph.organization" and d["version"]==1 and len(d["detections"])>1000' "$WORK/acme.json" \
  && pass "org export writes a version 1 document" || fail "org export document"
grep -q 'ttpg_' "$WORK/acme.json" && fail "the document holds a secret" || pass "no secret in the document"
out=$(T org import "$WORK/acme.json" 2>&1); rc=$?
check "org import of an existing org: exit 1" "1" "$rc"
case "$out" in *ALREADY_EXISTS*) pass "org import names ALREADY_EXISTS";; *) fail "org import: $out";; esac
T org delete acme --yes >/dev/null || fail "org delete"
T org import "$WORK/acme.json" >"$WORK/import.out" 2>"$WORK/import.err" || fail "org import: $(cat "$WORK/import.err")"
grep -q "imported organization acme" "$WORK/import.out" && pass "org import reports" || fail "org import: $(cat "$WORK/import.out")"
grep -q "issue new ones" "$WORK/import.err" && pass "org import says tokens do not travel" || fail "org import stderr: $(cat "$WORK/import.err")"
check "export, delete, import gives acme back" "$acme" "$(org_state)"

# Nothing lost by an admin's mistake: acme maps to 18.1.
out=$(T release delete enterprise-attack@18.1 --yes 2>&1); rc=$?
check "release delete while acme maps to it: exit 1" "1" "$rc"
case "$out" in *FAILED_PRECONDITION*"(acme)"*"--force"*) pass "the refusal names acme and --force";; *) fail "release delete: $out";; esac
sha=$(sha256sum "$DATA/attack/enterprise-attack-18.1.json.gz" | cut -c1-64)
check "release show: the import's source sha256" "source:    $sha" "$(T release show enterprise-attack@18.1 | grep '^source:')"
check "a retried import is a no-op" "OUTCOME_UNCHANGED" \
  "$(T release import "$DATA/attack/enterprise-attack-18.1.json.gz" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["outcome"])')"
stop_server; check "SIGTERM exit" 0 "$STOP_RC"
finish
