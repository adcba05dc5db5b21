#!/usr/bin/env bash
# Tokens, roles and the audit trail as an operator uses them through ttpctl (issue 10): the
# bootstrap admin token, `token create|list|revoke`, an editor and a reader of one
# organization, `audit`; TLS with `--ca`, and mTLS with `--cert/--key`.
#
# Env: TTPGRAPHD, TTPCTL (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init access

T() { "$TTPCTL" --server "$ADDR" "$@" </dev/null; }
# code CMD...: the gRPC code a failing ttpctl printed ("OK" when it succeeded).
code() {
  local out
  if out=$("$@" 2>&1 </dev/null); then echo OK; else sed -n 's/^ttpctl: \([A-Z_]*\): .*/\1/p' <<<"$out" | head -1; fi
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

if ! start_server; then
  fail "ttpgraphd did not start"
  cat "$WORK/server.log"
  finish
fi
check "admin.token is mode 0600" "600" "$(stat -c %a "$WORK/db/admin.token")"
secret=$(cat "$WORK/db/admin.token")
grep -qF "$secret" "$WORK/server.log" && fail "the log shows the admin secret" || pass "the log never shows the admin secret"
grep -q '"admin.token\|admin.token' "$WORK/server.log" && pass "the log names the token file" || fail "the log does not name admin.token"

editor_json=$(T token create --role editor --org acme --expires 30d --description "CI" --json)
editor=$(json 'd["token"]' <<<"$editor_json")
editor_id=$(json 'd["id"]' <<<"$editor_json")
check "token create --json has id and token" "ttpg_${editor_id}_" "${editor:0:22}"
reader=$(T token create --role reader --org acme 2>/dev/null)
check "token create prints the secret alone on stdout" "1" "$(wc -l <<<"$reader" | tr -d ' ')"
beta=$(T token create --role editor --org beta 2>/dev/null)
check "a reader or editor token needs --org" "2" "$(T token create --role reader >/dev/null 2>&1; echo $?)"
check "--expires takes a duration" "2" "$(T token create --role admin --expires soon >/dev/null 2>&1; echo $?)"

list=$(T token list --json)
check "token list shows the three new tokens and the bootstrap one" "4" "$(json 'len(d["tokens"])' <<<"$list")"
grep -qF "${editor:22}" <<<"$list" && fail "token list shows a secret" || pass "token list shows no secret"

# The editor's and reader's rights.
check "reader: the knowledge" "OK" "$(code env TTPGRAPH_TOKEN="$reader" TTPGRAPH_TOKEN_FILE= "$TTPCTL" --server "$ADDR" release list)"
check "reader: token list is admin's" "PERMISSION_DENIED" "$(code env TTPGRAPH_TOKEN="$reader" TTPGRAPH_TOKEN_FILE= "$TTPCTL" --server "$ADDR" token list)"
check "editor: release delete is admin's" "PERMISSION_DENIED" "$(code env TTPGRAPH_TOKEN="$editor" TTPGRAPH_TOKEN_FILE= "$TTPCTL" --server "$ADDR" release delete enterprise-attack@18.1 --yes)"
check "editor of beta: acme's detections" "PERMISSION_DENIED" "$(code env TTPGRAPH_TOKEN="$beta" TTPGRAPH_TOKEN_FILE= "$TTPCTL" --server "$ADDR" detection list --org acme)"
check "no token" "UNAUTHENTICATED" "$(code env TTPGRAPH_TOKEN= TTPGRAPH_TOKEN_FILE= "$TTPCTL" --server "$ADDR" release list)"
echo "ttpg_0000000000000000_$(printf '0%.0s' $(seq 64))" >"$WORK/wrong.token"
check "--token-file with an unknown token" "UNAUTHENTICATED" "$(code "$TTPCTL" --server "$ADDR" --token-file "$WORK/wrong.token" release list)"

# Revoke: the editor's token stops working at once.
check "token revoke" "OK" "$(code "$TTPCTL" --server "$ADDR" token revoke "$editor_id" --yes)"
check "a revoked token" "UNAUTHENTICATED" "$(code env TTPGRAPH_TOKEN="$editor" TTPGRAPH_TOKEN_FILE= "$TTPCTL" --server "$ADDR" release list)"

# The audit trail: the token writes and the refused release delete.
audit=$(T audit --json)
methods=$(json '" ".join(sorted(set(e["method"].split("/")[1] + ":" + e["outcome"] for e in d["events"])))' <<<"$audit")
for want in CreateToken:OK RevokeToken:OK DeleteRelease:PERMISSION_DENIED; do
  grep -qw "$want" <<<"$methods" && pass "audit has $want" || fail "audit lacks $want: $methods"
done
check "audit --method" "1" "$(T audit --method RevokeToken --json | json 'len(d["events"])')"
check "audit --since 1h keeps today's events" "$(json 'len(d["events"])' <<<"$audit")" "$(T audit --since 1h --json | json 'len(d["events"])')"
check "reader: audit of another org" "PERMISSION_DENIED" "$(code env TTPGRAPH_TOKEN="$reader" TTPGRAPH_TOKEN_FILE= "$TTPCTL" --server "$ADDR" audit --org beta)"
stop_server

# TLS and mTLS: ttpctl --ca, --cert/--key.
make_test_pki "$WORK/tls" || { fail "openssl"; cat "$WORK/tls/openssl.log"; finish; }
port=$(free_port)
"$TTPGRAPHD" --listen "127.0.0.1:$port" --data-dir "$WORK/db" --quiet --tls-cert "$WORK/tls/server.crt" \
  --tls-key "$WORK/tls/server.key" --client-ca "$WORK/tls/ca.crt" >>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ok=""
for i in $(seq 1 200); do
  "$TTPCTL" --server "localhost:$port" --ca "$WORK/tls/ca.crt" --cert "$WORK/tls/client.crt" --key "$WORK/tls/client.key" \
    release list >/dev/null 2>&1 && { ok=1; break; }
  sleep 0.05
done
[ -n "$ok" ] && pass "mTLS: --ca, --cert, --key and the token" || fail "mTLS call failed"
check "mTLS: no client certificate" "UNAVAILABLE" "$(code "$TTPCTL" --server "localhost:$port" --ca "$WORK/tls/ca.crt" release list)"
check "TLS port, plaintext client" "UNAVAILABLE" "$(code "$TTPCTL" --server "localhost:$port" release list)"

# Beyond loopback without TLS: refused unless --insecure.
"$TTPGRAPHD" --listen "0.0.0.0:$(free_port)" --data-dir "$WORK/db2" --quiet >"$WORK/insecure.log" 2>&1
check "0.0.0.0 without TLS exits 1" "1" "$?"
grep -q -- "--insecure" "$WORK/insecure.log" && pass "the refusal names --insecure" || fail "refusal: $(cat "$WORK/insecure.log")"
finish
