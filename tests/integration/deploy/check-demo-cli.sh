#!/usr/bin/env bash
# deploy/demo.sh --cli: the one-shot demo runs `oaprobe check` on two lab
# scenarios (its own --net) and `oaprobe validports`, with the given binary,
# and prints the expected verdicts; it leaves no process and no state behind.
#   check-demo-cli.sh DEMO OAPROBE_BINARY
set -euo pipefail
demo=$1 bin=$2
out=$("$demo" --cli healthy,cert_expiring --net 61 --bin "$bin" 2>&1) || { echo "$out" >&2; exit 1; }
want() {
  printf '%s\n' "$out" | grep -q -- "$1" || { printf '%s\n' "$out" >&2; echo "demo --cli: no line matching '$1'" >&2; exit 1; }
}
want '^OAPROBE OK - mail.contoso.lab: '
want '^OAPROBE WARNING - cert-expiring.contoso.lab: cert_expiring: '
want '^Result: INCOMPLETE: 6 of 9 name:port pairs are not allowed'
if pgrep -f 'oalab.py --scenarios healthy,cert_expiring --state /tmp/oaprobe-demo' >/dev/null; then
  echo "demo --cli left its lab running" >&2
  exit 1
fi
echo "deploy/demo.sh --cli: OK, WARNING and the ValidPorts correction as expected"
