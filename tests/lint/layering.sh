#!/usr/bin/env bash
# Fails when an #include breaks the layout rule of docs/internals/layout.md:
#  - probes/ includes nothing of web/ or service/; web/ nothing of service/;
#  - a library header appears only where that library may be used:
#      curl/        probes/check/, probes/verdict/check_curlmap.c (constants),
#                   service/loop.[ch] (the daemon's multi handle),
#                   service/hooks_http.c (alert deliveries on that multi)
#      openssl/     probes/check/, probes/tls/tls_cert.*, probes/tls/tls_verdict.*
#      gssapi/ krb5 probes/check/check_gss.c
#      jansson      web/, service/
#      sqlite3, microhttpd, yaml, cyaml   service/
#      sys/socket, netdb, arpa/inet, poll, sys/epoll   probes/check/, service/
#        (arpa/inet.h also in probes/tls/tls_cert.c: inet_pton of an IP SAN)
# Usage: layering.sh [--root DIR]   (DIR: the tree to read; default: this repository)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${1:-}" = "--root" ] && [ -n "${2:-}" ]; then
  root=$2
fi
cd "$root" || exit 2

fail=0
# report WHAT HITS: print the FILE:LINE:TEXT lines of HITS under a heading
# (runs in this shell, so that fail sticks)
report() {
  local what=$1 hits=$2
  if [ -n "$hits" ]; then
    echo "layering: $what"
    echo "$hits" | sed 's/^/  /'
    fail=1
  fi
}

# includes of the files under DIRS that match PATTERN, minus the paths matching ALLOWED
# (an extended regex on the file name; "^$" allows nothing)
includes() {
  local pattern=$1 allowed=$2
  shift 2
  local d
  for d in "$@"; do
    [ -d "$d" ] || continue
    grep -rnE --include='*.c' --include='*.h' "^[[:space:]]*#[[:space:]]*include[[:space:]]*$pattern" "$d"
  done | grep -vE "^($allowed)" || true
}

report "probes/ includes web/ or service/" \
  "$(includes '"(web|service)/' '^$' probes)"
report "web/ includes service/" \
  "$(includes '"service/' '^$' web)"
report "curl header outside probes/check" \
  "$(includes '<curl/' 'probes/check/|probes/verdict/check_curlmap\.c:|service/loop\.[ch]:|service/hooks_http\.c:' probes web service)"
report "OpenSSL header outside probes/check and probes/tls (tls_cert, tls_verdict)" \
  "$(includes '<openssl/' 'probes/check/|probes/tls/tls_(cert|verdict)\.[ch]:' probes web service)"
report "GSS-API or krb5 header outside probes/check/check_gss.c" \
  "$(includes '<(gssapi|krb5)' 'probes/check/check_gss\.c:' probes web service)"
report "jansson outside web/ and service/" \
  "$(includes '<jansson\.h>' 'web/|service/' probes web service)"
report "a service library (SQLite, libmicrohttpd, libyaml) outside service/" \
  "$(includes '<(sqlite3|microhttpd|yaml|cyaml/)' 'service/' probes web service)"
report "socket headers outside probes/check and service/" \
  "$(includes '<(sys/socket|netdb|poll|sys/epoll)\.h>' 'probes/check/|service/' probes web service)"
report "socket headers outside probes/check and service/" \
  "$(includes '<arpa/inet\.h>' 'probes/check/|service/|probes/tls/tls_cert\.c:' probes web service)"

if [ "$fail" -ne 0 ]; then
  echo "see docs/internals/layout.md for the rule"
  exit 1
fi
echo "layering: clean"

