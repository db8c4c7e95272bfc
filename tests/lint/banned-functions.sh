#!/usr/bin/env bash
# Fails if C sources under probes/, service/ or web/ call a banned function.
# Banned: sprintf, vsprintf, strcpy, strcat, strtok, atoi, atol, atof, gets
# (unbounded or unchecked); use snprintf, memcpy with checked lengths, strtok_r
# or a hand-written splitter, strtol/strtoul with full error checks.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
pattern='\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atof|gets)[[:space:]]*\('
hits=$(grep -rnE --include='*.c' --include='*.h' "$pattern" probes service web 2>/dev/null \
       | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|//|/\*)' || true)
if [ -n "$hits" ]; then
  echo "banned functions used:"
  echo "$hits"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "banned-functions: clean"
