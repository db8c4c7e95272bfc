#!/usr/bin/env bash
# The demo: installs what oaprobe needs, builds it, and runs it on examples.
# (Grows with the project: the bundled lab and the service join it as they land.)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

deploy/setup-debian.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOAPROBE_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
bin=build/release/service/oaprobe

echo "== oaprobe validports: the Exchange 2003 SP1 default for EXCH01, checked for the names clients use"
set +e
"$bin" validports 'EXCH01:6001-6002;EXCH01:6004' --names EXCH01,exch01.contoso.local,mail.contoso.com
echo "(exit $?)"
set -e
