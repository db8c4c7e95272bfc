#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, builds with ASan+UBSan,
# runs every ctest test (unit, integration, lab), then builds the libFuzzer
# targets with clang and runs each for OAPROBE_FUZZ_SECONDS (default 10), and
# last builds the tree with gcc -O3 -Werror (Release), since some warnings
# (-Wformat-truncation) come only from the optimiser.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

deploy/setup-debian.sh

jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DOAPROBE_SANITIZE=ON -DOAPROBE_WERROR=ON >/dev/null
cmake --build build/test -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/test --output-on-failure -j "$jobs"

CC=clang cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DOAPROBE_FUZZ=ON -DOAPROBE_TESTS=OFF -DOAPROBE_WERROR=ON \
      -DOAPROBE_FUZZ_SECONDS="${OAPROBE_FUZZ_SECONDS:-10}" >/dev/null
cmake --build build/fuzz -j "$jobs"
ctest --test-dir build/fuzz --output-on-failure -j "$jobs"

# about 15 s on 2 cores
cmake -S . -B build/rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DOAPROBE_WERROR=ON >/dev/null
cmake --build build/rel -j "$jobs"
