#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan+UBSan+libFuzzer) and runs each
# for SECONDS on its seed corpus (tests/fuzz/README.md).
#
#   bash tests/fuzz/run.sh SECONDS [TARGET...]   # default: every *_fuzz target
#   FUZZ_RUNS=1000000 bash tests/fuzz/run.sh 7200  # each target to 1,000,000 inputs (SECONDS caps it)
#
# Build tree: $FUZZ_BUILD_DIR (default ./build-fuzz); corpora grow in
# $FUZZ_BUILD_DIR/corpus/<target> across runs; a crash leaves its input in
# $FUZZ_BUILD_DIR/artifacts/ and makes the script exit 1.
set -euo pipefail
seconds=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
shared=${TTPGRAPH_SHARED_DATA:-$root/../shared/data}
cxx=${FUZZ_CXX:-clang++-14}
command -v "$cxx" >/dev/null || { echo "fuzz: $cxx not found (bash deploy/install_deps.sh installs clang-14)" >&2; exit 1; }

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cd "$root/tests/fuzz" && ls -- *_fuzz.cc | sed 's/\.cc$//')
fi

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$root")}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# -O1 -g and no NDEBUG: assertions stay on, stacks stay readable.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DTTPGRAPH_FUZZ=ON -DTTPGRAPH_SANITIZE=address,undefined \
  -DTTPGRAPH_SHARED_DATA="$shared" "${launcher[@]}" >/dev/null
ninja -C "$build" -j"${JOBS:-$(nproc)}" fuzz_seeds "${targets[@]}"

corpus=$build/corpus
mkdir -p "$corpus" "$build/artifacts" "$build/logs"
python3 "$root/tests/fuzz/make_corpus.py" "$root" "$shared" "$corpus"
"$build/tests/fuzz/fuzz_seeds" "$root" "$corpus"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
runs=()
[ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$corpus/$t"
  log=$build/logs/$t.log
  # -rss_limit_mb: the parsers' own limits keep far below it; -timeout: one input, seconds.
  if "$build/tests/fuzz/$t" -max_total_time="$seconds" "${runs[@]}" -print_final_stats=1 -rss_limit_mb=2048 -timeout=30 \
       -artifact_prefix="$build/artifacts/$t-" "$corpus/$t" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  inputs=$(find "$corpus/$t" -type f | wc -l)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  printf '%-24s %-6s %12s execs %8s/s %6s s  corpus %6s  (%s)\n' "$t" "$status" "${execs:-?}" "${rate:-?}" \
    "${secs:-$seconds}" "$inputs" "$log"
  if [ "$status" = FAILED ]; then grep -E "ERROR|invariant failed|SUMMARY|Test unit written" "$log" | head -20; fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} of ${#targets[@]} targets failed: ${failed[*]} (inputs in $build/artifacts)"
  exit 1
fi
echo "fuzz: ${#targets[@]} of ${#targets[@]} targets ran ${seconds} s each without a crash, leak or invariant failure"
