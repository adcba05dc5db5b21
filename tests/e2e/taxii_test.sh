#!/usr/bin/env bash
# TAXII 2.1 (issue 12) on the real ttpgraphd with the real enterprise 18.1 imported, read by a client
# that follows the specification to the letter (taxii_client.py: discovery, API root, collections,
# every object paged to the end and compared with the bundle, manifest, added_after, match filters,
# an object and its versions, the date headers, and the errors 401/403/404/406/400):
#   1. over plain HTTP (--http-listen) on a server without TLS; then an extension view's collection
#      (acme/main with a custom technique, group and an edited G0016), paged and compared with the
#      extension's merged export, and refused to another organization's reader;
#   2. over HTTPS (--https-listen, the gRPC --tls-cert/--tls-key, the test CA), the same server
#      restarted on its data; TAXII on its plain port answers 403 while /healthz and /metrics stay
#      plain, as before;
#   3. bad flags stop the start with a message naming them.
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init taxii
CLIENT="$SRC/tests/e2e/taxii_client.py"
BUNDLE="$TTPGRAPH_SHARED_DATA/attack/enterprise-attack-18.1.json.gz"

run_client() {  # run_client LABEL ARGS...: the client's checks, counted here
  local label=$1 out
  shift
  out=$("$PY" "$CLIENT" --token-file "$WORK/db/admin.token" --bundle "$BUNDLE" --release enterprise-attack@18.1 "$@" 2>&1)
  echo "$out" | sed "s/^/  [$label] /"
  passed=$((passed + $(grep -c '^PASS' <<<"$out")))
  failed=$((failed + $(grep -c '^FAIL' <<<"$out")))
  grep -q '^0 failed$' <<<"$out" || fail "$label: the client did not finish cleanly"
}
http_status() {  # http_status URL [CA]
  "$PY" - "$@" <<'PY'
import sys, requests
try:
    print(requests.get(sys.argv[1], verify=sys.argv[2] if len(sys.argv) > 2 else True, timeout=10).status_code)
except Exception as e:
    print(type(e).__name__)
PY
}

# ---- 1. plain HTTP
HTTP_PORT=$(free_port)
start_server --http-listen "127.0.0.1:$HTTP_PORT" || { fail "server did not start"; cat "$WORK/server.log"; finish; }
T release import "$BUNDLE" >/dev/null && pass "enterprise 18.1 imported" || fail "import"
run_client http --base "http://127.0.0.1:$HTTP_PORT"
# An extension view: its collection pages the merged export's objects; another organization's
# reader neither lists nor reads it.
python3 "$SRC/tests/e2e/extension_oracle.py" make-bundle "$BUNDLE" "$WORK/acme.json"
{ T org create acme --release enterprise-attack@18.1 && T org create beta --release enterprise-attack@18.1 &&
  T --org acme extension create main --release 18.1 --prefix ACME &&
  T --org acme extension import main "$WORK/acme.json" && T --org acme extension set main G0016 x_acme_sector=finance &&
  T --org acme extension export main --merged --output "$WORK/merged.json" &&
  T token create --role reader --org beta >"$WORK/beta.token"; } >"$WORK/view.out" 2>&1 &&
  pass "extension acme/main made and exported" || fail "extension acme/main: $(cat "$WORK/view.out")"
run_client view --base "http://127.0.0.1:$HTTP_PORT" --view acme/main --merged-export "$WORK/merged.json" \
  --other-token-file "$WORK/beta.token"
stop_server
check "plain server stopped" 0 "$STOP_RC"

# ---- 2. HTTPS with the gRPC certificate, on the same data
make_test_pki "$WORK/tls" || { fail "openssl"; cat "$WORK/tls/openssl.log"; finish; }
TLS=(--tls-cert "$WORK/tls/server.crt" --tls-key "$WORK/tls/server.key")
HTTP_PORT=$(free_port)
HTTPS_PORT=$(free_port)
TTPCTL_CA="$WORK/tls/ca.crt" start_server "${TLS[@]}" --http-listen "127.0.0.1:$HTTP_PORT" \
  --https-listen "127.0.0.1:$HTTPS_PORT" || { fail "TLS server did not start"; cat "$WORK/server.log"; finish; }
pass "TLS server up"
run_client https --base "https://localhost:$HTTPS_PORT" --ca "$WORK/tls/ca.crt" --plain-base "http://127.0.0.1:$HTTP_PORT"
check "plain /healthz beside TLS" 200 "$(http_status "http://127.0.0.1:$HTTP_PORT/healthz")"
check "plain /metrics beside TLS" 200 "$(http_status "http://127.0.0.1:$HTTP_PORT/metrics")"
check "HTTPS with another CA: refused" SSLError "$(http_status "https://localhost:$HTTPS_PORT/taxii2/" "$WORK/tls/other.crt")"
stop_server
check "TLS server stopped" 0 "$STOP_RC"

# ---- 3. bad flags
for bad in "--https-listen 127.0.0.1:$(free_port)" \
           "${TLS[*]} --https-listen 127.0.0.1:nope" \
           "--tls-cert $WORK/tls/server.crt --tls-key $WORK/tls/other.key --https-listen 127.0.0.1:$(free_port)"; do
  # shellcheck disable=SC2086
  "$TTPGRAPHD" --listen "127.0.0.1:$(free_port)" --data-dir "$WORK/bad-db" --quiet $bad >"$WORK/bad.out" 2>&1
  rc=$?
  case "$bad" in
    *nope*) says="--https-listen '127.0.0.1:nope' is not HOST:PORT" ;;
    *other.key*) says="" ;;  # gRPC refuses the pair first, in its words
    *) says="--https-listen needs --tls-cert and --tls-key" ;;
  esac
  if [ "$rc" -ne 0 ] && { [ -z "$says" ] || grep -qF -- "$says" "$WORK/bad.out"; }; then
    pass "ttpgraphd $bad: refused"
  else
    fail "ttpgraphd $bad: exit $rc, $(cat "$WORK/bad.out")"
  fi
done
finish
