#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: install packages, build, start
# ttpgraphd on an embedded RocksDB (./var/ttpgraph), import ATT&CK releases and
# answer a real query through ttpctl.
#
# Releases come from ../shared/data/attack when that folder exists; otherwise
# enterprise-attack is fetched from MITRE's attack-stix-data collection index
# over https. The server keeps running afterwards; stop it with
#   kill $(cat var/ttpgraphd.pid)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash deploy/install_deps.sh
bash deploy/build.sh ttpgraphd ttpctl

listen=${TTPGRAPH_LISTEN:-127.0.0.1:50051}
data_dir=${TTPGRAPH_DATA_DIR:-$root/var/ttpgraph}
export TTPGRAPH_SERVER=$listen
mkdir -p "$root/var"
if [ -f var/ttpgraphd.pid ] && kill -0 "$(cat var/ttpgraphd.pid)" 2>/dev/null; then
  echo "quickstart: stopping the ttpgraphd left running by an earlier run"
  kill "$(cat var/ttpgraphd.pid)"; while kill -0 "$(cat var/ttpgraphd.pid)" 2>/dev/null; do sleep 0.1; done
fi
# Detached from this script's stdin/stdout, so a pipe reading the script's output ends with it.
build/ttpgraphd --listen "$listen" --data-dir "$data_dir" </dev/null >>var/ttpgraphd.log 2>&1 &
echo $! > var/ttpgraphd.pid
# On its first start ttpgraphd writes an admin token to DATA_DIR/admin.token (mode 0600):
# every ttpctl call below sends it.
export TTPGRAPH_TOKEN_FILE="$data_dir/admin.token"
for _ in $(seq 1 100); do build/ttpctl release list >/dev/null 2>&1 && break; sleep 0.1; done
echo "quickstart: ttpgraphd up on $listen (pid $(cat var/ttpgraphd.pid), data in $data_dir, log var/ttpgraphd.log)"

shared=${TTPGRAPH_SHARED_DATA:-$root/../shared/data}
if [ -d "$shared/attack" ]; then
  build/ttpctl release import "$shared"/attack/*.json.gz
else
  build/ttpctl release import --index https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/index.json \
    --collection enterprise-attack
fi
echo
echo "\$ ttpctl group techniques G0016 --release enterprise-attack@latest"
build/ttpctl group techniques G0016 --release enterprise-attack@latest
echo
echo "\$ ttpctl technique detectability T1059.001 --release enterprise-attack@latest"
build/ttpctl technique detectability T1059.001 --release enterprise-attack@latest
echo
echo "quickstart: the server keeps running; stop it with: kill \$(cat var/ttpgraphd.pid)"
echo "quickstart: its admin token is in $data_dir/admin.token: export TTPGRAPH_TOKEN_FILE=$data_dir/admin.token"
