#!/usr/bin/env bash
# run-fuzz.sh [--seconds N] [--build DIR] [TARGET...]
#
# Runs each libFuzzer target (default: all tests/fuzz/fuzz_*.c) for N seconds
# (default 60) over its seed corpus tests/fuzz/corpus/<name>/ plus a scratch
# corpus in the build directory. Prints the executions each reached; exits 1
# if any target found a crash, a leak, a timeout or an out-of-memory.
# Build the targets first: CC=clang cmake -B build/fuzz -DOAPROBE_FUZZ=ON ...
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=60
build="$top/build/fuzz"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "run-fuzz: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "run-fuzz: --seconds needs a whole number" >&2; exit 2 ;; esac
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$here"/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi

passed=0 failed=0
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/$t"
  if [ ! -x "$bin" ]; then
    echo "run-fuzz: $bin is not built" >&2; failed=$((failed + 1)); continue
  fi
  name=${t#fuzz_}
  seeds="$here/corpus/$name"
  work="$build/fuzz-work/$name"
  mkdir -p "$work/corpus" "$work/artifacts"
  dirs=("$work/corpus")
  [ -d "$seeds" ] && dirs+=("$seeds")
  log="$work/last.log"
  "$bin" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=512 \
         -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ $rc -eq 0 ]; then
    echo "run-fuzz: $t ok, ${execs:-?} executions in ${seconds}s"
    passed=$((passed + 1))
  else
    echo "run-fuzz: $t FAILED (exit $rc) after ${execs:-?} executions; log $log" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 20 >&2
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
