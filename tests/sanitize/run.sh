#!/usr/bin/env bash
# Builds ttpgraph and its tests under a sanitizer (clang-14) and runs them with ctest
# (tests/sanitize/README.md).
#
#   bash tests/sanitize/run.sh asan            # ASan+UBSan, the whole suite         -> ./build-asan
#   bash tests/sanitize/run.sh tsan            # TSan, the concurrency tests         -> ./build-tsan
#   bash tests/sanitize/run.sh ci              # what CI runs: the fuzz targets 20 s each, then the
#                                              # storage and graph tests, ASan+UBSan -> ./build-fuzz
#   bash tests/sanitize/run.sh asan -L storage # any ctest selection instead of the default
#
# Any report fails the test that made it: UBSan stops at the first error
# (-fno-sanitize-recover), ASan and LeakSanitizer abort, TSan exits 66.
set -euo pipefail
mode=${1:?usage: tests/sanitize/run.sh asan|tsan|ci [ctest selection...]}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
cxx=${SANITIZE_CXX:-clang++-14}
command -v "$cxx" >/dev/null || { echo "sanitize: $cxx not found (bash deploy/install_deps.sh installs clang-14)" >&2; exit 1; }
case $mode in
  asan|ci)
    sanitizers=address,undefined
    # The e2e tests run ttpgraphd and ttpctl, built with the same sanitizers.
    selection=(-E '^fuzz\.')
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:strict_string_checks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
    ;;
  tsan)
    sanitizers=thread
    # Every test that runs code on more than one thread in one process: the in-process
    # gRPC servers (server.*: gRPC's thread pool, the query pool, the graph cache), the
    # store (background compaction), parallel bundle and Sigma parsing.
    selection=(-R "${TSAN_TESTS:-^(storage|graph|server)\\.}")
    export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$root/tests/sanitize/tsan.supp:second_deadlock_stack=1}
    ;;
  *) echo "sanitize: unknown mode '$mode' (asan, tsan or ci)" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && selection=("$@")

if [ "$mode" = ci ]; then
  # One clang tree (ASan+UBSan+libFuzzer) for both: the storage library is compiled once,
  # and the storage and graph tests need no gRPC services (tests/CMakeLists.txt).
  build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
  FUZZ_BUILD_DIR=$build bash "$root/tests/fuzz/run.sh" "${FUZZ_SECONDS:-20}"
  mapfile -t tests < <(cd "$root/tests" && ls storage/*_test.cc storage/import/*_test.cc graph/*_test.cc | xargs -n1 basename | sed 's/\.cc$//')
  ninja -C "$build" -j"${JOBS:-$(nproc)}" "${tests[@]}"
  ctest --test-dir "$build" --output-on-failure -j"${CTEST_JOBS:-$(nproc)}" --timeout 1200 -L 'storage|graph'
  exit
fi

build=${SANITIZE_BUILD_DIR:-$root/build-$mode}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$root")}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DTTPGRAPH_SANITIZE="$sanitizers" "${launcher[@]}" >/dev/null
ninja -C "$build" -j"${JOBS:-$(nproc)}"
ctest --test-dir "$build" --output-on-failure -j"${CTEST_JOBS:-$(nproc)}" --timeout 2400 "${selection[@]}"
