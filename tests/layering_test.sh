#!/usr/bin/env bash
# Fails on an include that breaks the layering in STYLE.md. Three floors:
#   server/*_service (gRPC adapters) -> server/core (application) -> graph -> storage;
#   server, clients -> proto;
#   server/core/ never sees gRPC, generated protos or a service (server/ outside
#     core/ but for the gRPC-free log.h);
#   storage/ never sees gRPC, generated protos or Boost.Graph;
#   graph/ never sees gRPC, protos, server/ or storage/import/;
#   no module includes another module's internal/;
#   rocksdb/ only in storage/; boost/graph/ only in graph/internal/ and graph/*.cc.
# And the unit tests are hermetic: tests/graph, tests/server and tests/storage
# read only the fixtures of tests/testdata, never the real data of ../shared/data
# (tests/e2e and tests/bench do).
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
mapfile -t core < <(find server/core -name '*.h' -o -name '*.cc')
# White-box tests of storage's record encoders: tests/storage/ and the fuzz targets.
mapfile -t not_storage < <(find graph server clients tests -name '*.h' -o -name '*.cc' | grep -Ev '^tests/(storage|fuzz)/')
mapfile -t unit_tests < <(find tests/graph tests/server tests/storage -type f)
mapfile -t not_graph < <(find storage server clients tests -name '*.h' -o -name '*.cc' | grep -v '^tests/graph/')
check "storage/ includes gRPC, protos, Boost.Graph, graph/ or server/" \
  '#include [<"](grpc|grpcpp|google/protobuf|ttpgraph/v1|boost/graph|graph/|server/)' "${storage[@]}"
check "graph/ includes gRPC, protos or server/" '#include [<"](grpc|grpcpp|google/protobuf|ttpgraph/v1|server/)' "${graph[@]}"
check "graph/ includes storage/import/ (parsers are storage's business)" '#include [<"]storage/import/' "${graph[@]}"
check "server/core/ includes gRPC, generated protos or a service" \
  '#include [<"](grpc|grpcpp|google/protobuf|ttpgraph/v1|server/(export/|[a-z_]+_service|[a-z_]+_convert|rpc_util|async_unary|page_token|upload|server|grpc_status|group_answers|health_service))' "${core[@]}"
check "storage/internal/ included outside storage/" '#include [<"]storage/internal/' "${not_storage[@]}"
check "graph/internal/ included outside graph/" '#include [<"]graph/internal/' "${not_graph[@]}"
check "rocksdb outside storage/" '#include [<"]rocksdb/' "${outside_storage[@]}"
check "boost/graph in a public graph/ header" '#include [<"]boost/graph' "${graph_headers[@]}"
check "clients include server/, graph/ or storage/" '#include [<"](server|graph|storage)/' "${clients[@]}"
check "a unit test reads ../shared/data (move it to tests/e2e, or use a fixture of tests/testdata)" \
  'SharedData|shared/data|TTPGRAPH_SHARED_DATA' "${unit_tests[@]}"
if [ $fail = 0 ]; then echo "layering: 1 passed, 0 failed"; else echo "layering: 0 passed, 1 failed"; fi
exit $fail
