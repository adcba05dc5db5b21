#!/usr/bin/env bash
# Fails on an include that breaks the layering in STYLE.md:
#   server -> graph -> storage; server, clients -> proto;
#   storage/ never sees gRPC, generated protos or Boost.Graph;
#   graph/ never sees gRPC or protos; rocksdb/ only in storage/;
#   boost/graph/ only in graph/internal/ and graph/*.cc.
set -u
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
fail=0
check() {  # check DESCRIPTION PATTERN FILES...
  local what=$1 pattern=$2; shift 2
  local hits
  hits=$(grep -nE "$pattern" "$@" 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "layering: $what"; echo "$hits"; fail=1
  fi
}
mapfile -t storage < <(find storage -name '*.h' -o -name '*.cc')
mapfile -t graph < <(find graph -name '*.h' -o -name '*.cc')
mapfile -t graph_headers < <(find graph -maxdepth 1 -name '*.h')
mapfile -t outside_storage < <(find graph server clients -name '*.h' -o -name '*.cc')
mapfile -t clients < <(find clients -name '*.h' -o -name '*.cc')
check "storage/ includes gRPC, protos, Boost.Graph, graph/ or server/" \
  '#include [<"](grpc|grpcpp|google/protobuf|ttpgraph/v1|boost/graph|graph/|server/)' "${storage[@]}"
check "graph/ includes gRPC, protos or server/" '#include [<"](grpc|grpcpp|google/protobuf|ttpgraph/v1|server/)' "${graph[@]}"
check "rocksdb outside storage/" '#include [<"]rocksdb/' "${outside_storage[@]}"
check "boost/graph in a public graph/ header" '#include [<"]boost/graph' "${graph_headers[@]}"
check "clients include server/, graph/ or storage/" '#include [<"](server|graph|storage)/' "${clients[@]}"
if [ $fail = 0 ]; then echo "layering: 1 passed, 0 failed"; else echo "layering: 0 passed, 1 failed"; fi
exit $fail
