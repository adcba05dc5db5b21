#!/usr/bin/env bash
# Installs clients/python into a venv exactly as its README says, then runs that venv's python:
#
#   bash clients/python/run.sh VENV_DIR [PYTHON ARGS...]
#   bash clients/python/run.sh build/python-venv -m pytest clients/python/tests   # what ctest runs
#
# The venv sits on Debian's python3 with its packages (python3-grpcio, python3-protobuf,
# python3-grpc-tools, python3-pytest, python3-pandas: deploy/install_deps.sh); pip reaches no
# registry. $TTPGRAPH_PYTHON names another interpreter that has them.
# A venv in the CMake build directory (build/python-venv) takes the compiled messages the build
# made (build/libttpgraph_pyprotos.so) instead of compiling them again at each install.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:?usage: run.sh VENV_DIR [PYTHON ARGS...]}
shift
python=${TTPGRAPH_PYTHON:-/usr/bin/python3}
prebuilt=$(cd "$(dirname "$venv")" 2>/dev/null && pwd)/libttpgraph_pyprotos.so
if [ -z "${TTPGRAPH_CPP_PROTOS_LIB:-}" ] && [ -f "$prebuilt" ]; then export TTPGRAPH_CPP_PROTOS_LIB=$prebuilt; fi
[ -x "$venv/bin/python" ] || "$python" -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install --quiet --no-index --disable-pip-version-check \
  --no-build-isolation --no-deps --force-reinstall "$here"
exec "$venv/bin/python" "$@"
