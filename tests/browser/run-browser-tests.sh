#!/usr/bin/env bash
# Runs the status page's browser tests (page.test.js) in headless Debian
# chromium driven by playwright-core, installed here with `npm ci` from the
# committed package-lock.json (no browser download: /usr/bin/chromium).
#
#   tests/browser/run-browser-tests.sh OAPROBE RENDER_SAMPLES API_FAKE WORKDIR
#
# OAPROBE: the built binary; RENDER_SAMPLES: the render_samples program
# (bodies rendered by web/ that the fixture server answers with); API_FAKE:
# the real HTTP API with a fake daemon (tests/integration/api); WORKDIR:
# a build directory for node_modules and the samples. Screenshots go to
# tests/browser/test-output/ (git-ignored) or $OAPROBE_BROWSER_OUT.
# The browser and the servers run in a private network namespace (loopback
# only) when unshare may create one (root), else on 127.0.0.1 with ports the
# kernel picks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ $# -ne 4 ]; then
  echo "usage: run-browser-tests.sh OAPROBE RENDER_SAMPLES API_FAKE WORKDIR" >&2
  exit 2
fi
oaprobe=$1 render_samples=$2 api_fake=$3 work=$4
chromium_bin=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium_bin" ]; then
  echo "run-browser-tests: $chromium_bin is missing: run deploy/setup-debian.sh (package chromium)" >&2
  exit 1
fi

mkdir -p "$work/npm" "$work/samples"
cp "$here/package.json" "$here/package-lock.json" "$work/npm/"
# --prefer-offline: the npm cache answers when the machine is offline after
# a first install
(cd "$work/npm" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
"$render_samples" "$work/samples" >/dev/null

export NODE_PATH="$work/npm/node_modules"
export OAPROBE="$oaprobe" API_FAKE="$api_fake" SAMPLES="$work/samples" PAGE="$top/web/page" CHROMIUM="$chromium_bin"
export OUT="${OAPROBE_BROWSER_OUT:-$here/test-output}"
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up && exec node "$1"' sh "$here/page.test.js"
fi
exec node "$here/page.test.js"
