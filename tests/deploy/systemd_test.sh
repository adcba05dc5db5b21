#!/usr/bin/env bash
# deploy/ttpgraphd.service and deploy/ttpgraphd.env.example:
#   - `systemd-analyze verify` accepts the unit (ExecStart pointed at the built ttpgraphd);
#   - `systemd-analyze security --offline` rates its exposure at most 1.5 (it is 1.2; what is
#     left is what a network server needs: sockets, the host's network);
#   - the hardening the issue names is there (DynamicUser, ProtectSystem=strict, NoNewPrivileges,
#     a writable state directory);
#   - every TTPGRAPH_* in the environment file names a flag, and ttpgraphd starts with the
#     file's settings and answers grpc.health.
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_HEALTH, TTPGRAPH_SHARED_DATA (set by ctest).
source "$(dirname "$0")/../e2e/lib.sh"
: "${TTPGRAPH_HEALTH:?set TTPGRAPH_HEALTH to the ttpgraph_health binary}"
e2e_init systemd
UNIT="$SRC/deploy/ttpgraphd.service"
ENVFILE="$SRC/deploy/ttpgraphd.env.example"

# The unit as installed, but with ExecStart on the binary just built (verify wants it to exist).
sed "s|^ExecStart=/usr/local/bin/ttpgraphd|ExecStart=$TTPGRAPHD|" "$UNIT" >"$WORK/ttpgraphd.service"
grep -q "^ExecStart=$TTPGRAPHD\$" "$WORK/ttpgraphd.service"
check "ExecStart is /usr/local/bin/ttpgraphd" 0 $?

systemd-analyze verify "$WORK/ttpgraphd.service" >"$WORK/verify.out" 2>&1
check "systemd-analyze verify" 0 $?
check "systemd-analyze verify says nothing" "" "$(grep -v '^$' "$WORK/verify.out")"

systemd-analyze security --offline=true --threshold=15 "$WORK/ttpgraphd.service" >"$WORK/security.out" 2>&1
check "systemd-analyze security: exposure at most 1.5" 0 $?
grep 'Overall exposure level' "$WORK/security.out"

for directive in DynamicUser=yes ProtectSystem=strict NoNewPrivileges=yes ProtectHome=yes PrivateTmp=yes \
  PrivateDevices=yes CapabilityBoundingSet= 'StateDirectory=ttpgraph ttpgraph-backup' \
  'EnvironmentFile=-/etc/ttpgraph/ttpgraphd.env' 'SystemCallFilter=@system-service'; do
  grep -qx "$directive" "$UNIT"
  check "unit sets $directive" 0 $?
done
# The default data directory is the unit's state directory.
check "TTPGRAPH_DATA_DIR is the StateDirectory" 1 "$(grep -c '^Environment=.*TTPGRAPH_DATA_DIR=/var/lib/ttpgraph\b' "$UNIT")"

# Environment file: every name, set or commented, is a flag's twin.
unknown=$(grep -o 'TTPGRAPH_[A-Z_]*' "$ENVFILE" | sed 's/^TTPGRAPH_//' | sort -u |
  grep -vxF -f <(grep -v '^#' "$SRC/tests/deploy/flag_env_names.txt"))
check "every TTPGRAPH_* in the environment file names a flag" "" "$unknown"
# Each name that today's ttpgraphd --help lists is one of them too (the list is not stale).
help_names=$("$TTPGRAPHD" --help 2>&1 | grep -o 'TTPGRAPH_[A-Z_]*' | sed 's/^TTPGRAPH_//' | sort -u |
  grep -vxF -f <(grep -v '^#' "$SRC/tests/deploy/flag_env_names.txt"))
check "flag_env_names.txt lists every twin ttpgraphd --help shows" "" "$help_names"

# ttpgraphd with the file's settings (as systemd passes them), on a free port and a scratch store.
settings=()
while IFS= read -r line; do
  case "$line" in '' | '#'*) continue ;; esac
  settings+=("$line")
done <"$ENVFILE"
check "the environment file sets LISTEN, DATA_DIR and the three limits" 5 "${#settings[@]}"
ADDR="127.0.0.1:$(free_port)"
env -i PATH="$PATH" "${settings[@]}" TTPGRAPH_LISTEN="$ADDR" TTPGRAPH_DATA_DIR="$WORK/db" "$TTPGRAPHD" --quiet \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
up=1
for i in $(seq 1 200); do
  "$TTPGRAPH_HEALTH" --addr "$ADDR" >/dev/null 2>&1 && { up=0; break; }
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.05
done
check "ttpgraphd starts with the environment file's settings and answers grpc.health" 0 "$up"
[ "$up" = 0 ] || cat "$WORK/server.log"
stop_server
check "ttpgraphd stops on SIGTERM" 0 "$STOP_RC"
finish
