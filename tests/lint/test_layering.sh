#!/usr/bin/env bash
# Self-test of layering.sh: a clean fixture tree passes; each single
# violation fails and names the offending file.
set -uo pipefail
lint="$(cd "$(dirname "$0")" && pwd)/layering.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

fixture() { # a tree that follows the rule
  rm -rf "$tmp/t"
  mkdir -p "$tmp/t/probes/check" "$tmp/t/probes/verdict" "$tmp/t/probes/auth" \
           "$tmp/t/probes/tls" "$tmp/t/web" "$tmp/t/service"
  printf '#include <curl/curl.h>\n#include <sys/socket.h>\n' > "$tmp/t/probes/check/a.c"
  printf '#include <curl/curl.h>\n' > "$tmp/t/probes/verdict/check_curlmap.c"
  printf '#include "probes/result/result.h"\n' > "$tmp/t/probes/verdict/check_diag.c"
  printf '#include <openssl/x509.h>\n#include <arpa/inet.h>\n' > "$tmp/t/probes/tls/tls_cert.c"
  printf '#include <jansson.h>\n#include "probes/result/result.h"\n' > "$tmp/t/web/r.c"
  printf '#include <sqlite3.h>\n#include "web/r.h"\n' > "$tmp/t/service/s.c"
}

expect() { # expect RC NAME [FILE]: run the lint on the fixture
  local want=$1 name=$2 file=${3:-} out rc
  out=$("$lint" --root "$tmp/t" 2>&1)
  rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, want $want"; echo "$out"; failed=1; return
  fi
  if [ -n "$file" ] && ! grep -q "$file" <<<"$out"; then
    echo "FAIL $name: the report does not name $file"; echo "$out"; failed=1; return
  fi
  echo "ok   $name"
}

fixture; expect 0 clean
fixture; printf '#include <curl/curl.h>\n' > "$tmp/t/probes/auth/x.c"
expect 1 "curl in probes/auth" probes/auth/x.c
fixture; printf '#include <curl/curl.h>\n' >> "$tmp/t/probes/verdict/check_diag.c"
expect 1 "curl in verdict beyond check_curlmap.c" probes/verdict/check_diag.c
fixture; printf '#include "service/store.h"\n' > "$tmp/t/web/v.c"
expect 1 "web includes service" web/v.c
fixture; printf '#include "web/render_json.h"\n' > "$tmp/t/probes/auth/y.c"
expect 1 "probes includes web" probes/auth/y.c
fixture; printf '#include <jansson.h>\n' > "$tmp/t/probes/auth/z.c"
expect 1 "jansson in probes" probes/auth/z.c
fixture; printf '#  include <sys/socket.h>\n' > "$tmp/t/web/sock.c"
expect 1 "sockets in web" web/sock.c
fixture; printf '#include <openssl/ssl.h>\n' > "$tmp/t/probes/tls/tls_report.c"
expect 1 "OpenSSL in tls_report" probes/tls/tls_report.c
fixture; printf '#include <sqlite3.h>\n' > "$tmp/t/web/db.c"
expect 1 "SQLite in web" web/db.c
fixture; printf '#include <gssapi/gssapi.h>\n' > "$tmp/t/probes/check/check_http.c"
expect 1 "GSS-API outside check_gss.c" probes/check/check_http.c

[ "$failed" -eq 0 ] && echo "test_layering: all passed"
exit "$failed"
