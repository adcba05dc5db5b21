#!/usr/bin/env bash
# Installs the Debian 12 packages ttpgraph builds and tests with.
# Idempotent; skips apt when everything is already installed.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config ccache python3
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libboost-dev libboost-graph-dev libsimdjson-dev libyaml-cpp-dev
  libcurl4-openssl-dev libssl-dev libabsl-dev zlib1g-dev libdeflate-dev libarchive-dev
  libserd-dev serdi libgoogle-perftools-dev libgtest-dev libgmock-dev googletest
  # --http-listen: /metrics (prometheus-cpp's registry and text format), /healthz, /readyz
  prometheus-cpp-dev
  # the HTTP listener itself (--http-listen, --https-listen: metrics, probes, TAXII 2.1), TLS by GnuTLS:
  # Debian's civetweb dlopens libssl and crashes on OpenSSL 3 (server/README.md)
  libmicrohttpd-dev
  # tests/deploy: nginx sharding, rendered manifests, the systemd unit
  nginx yamllint systemd
  # clients/python: the ttpgraph package, its build step, tests (openssl: TLS certificates) and pandas
  python3-grpcio python3-protobuf python3-grpc-tools python3-setuptools python3-wheel
  python3-pip python3-venv python3-pytest python3-pandas openssl
  # tests/e2e/metrics_test.sh parses /metrics with the reference parser
  python3-prometheus-client
  # tests/e2e/taxii_test.sh: a TAXII 2.1 client over requests (Debian 12 packages no taxii2-client)
  python3-requests
  # ttpctl: TLS certificates in tests (openssl), the confirmation prompt under tmux
  tmux
  # the executive report: checked in headless Chromium (PDF via poppler), Markdown parsed
  chromium poppler-utils python3-markdown python3-pil
  # fuzzing and sanitizer builds (tests/fuzz, tests/sanitize)
  clang-14 libclang-rt-14-dev llvm-14
)
# kubectl renders the Kustomize overlays (tests/deploy): Debian's kubernetes-client, unless
# another package already provides /usr/bin/kubectl (they would conflict on that file).
command -v kubectl >/dev/null || packages+=(kubernetes-client)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
else
  echo "install_deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# buf (proto lint and breaking-change checks, tests/proto_check.sh) is not packaged by Debian; it
# comes from npm, pinned. Node and npm from Debian unless the machine already has them.
BUF_VERSION=1.75.0
if [ "$(buf --version 2>/dev/null)" != "$BUF_VERSION" ]; then
  command -v npm >/dev/null || { $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm; }
  echo "install_deps: installing @bufbuild/buf@$BUF_VERSION from npm"
  $SUDO npm install -g --no-audit --no-fund "@bufbuild/buf@$BUF_VERSION" >/dev/null
fi
