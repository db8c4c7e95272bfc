#!/usr/bin/env bash
# The demo: installs what oaprobe needs, builds it, starts the bundled
# Exchange lab (tests/lab) on loopback and runs `oaprobe check` against a
# healthy Outlook Anywhere endpoint and against broken ones, then shows
# `oaprobe validports` on the Exchange 2003 default ACL.
#
#   ./deploy/demo.sh                 # the default set of scenarios
#   ./deploy/demo.sh healthy,tarpit  # any scenarios of tests/lab/scenarios.yaml
#
# Run as root (the lab listens on 127.x.y.z:443; set-up uses apt-get).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scenarios=${1:-healthy,acl_fqdn_missing,backend_down_6004,cert_expired,no_rpcproxy,auth_rejected}

deploy/setup-debian.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOAPROBE_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
bin=$top/build/release/service/oaprobe

state=$(mktemp -d /tmp/oaprobe-demo.XXXXXX)
lab_pid=
cleanup() {
  if [ -n "$lab_pid" ] && kill -0 "$lab_pid" 2>/dev/null; then
    kill -TERM "$lab_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$lab_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$state"
}
trap cleanup EXIT INT TERM

echo "== Starting the Exchange lab ($scenarios)"
/usr/bin/python3 tests/lab/oalab.py --scenarios "$scenarios" --state "$state" \
  >"$state/lab.out" 2>&1 &
lab_pid=$!
for _ in $(seq 1 200); do
  grep -q '^READY' "$state/lab.out" 2>/dev/null && break
  kill -0 "$lab_pid" 2>/dev/null || { cat "$state/lab.out" >&2; exit 1; }
  sleep 0.1
done
grep -q '^READY' "$state/lab.out" || { echo "demo: the lab did not start in 20 s" >&2; exit 1; }
grep -v '^READY' "$state/lab.out" | grep -v 'password' || true

# One line per scenario: name, host, https port, address, CA bundle; the
# password goes to a file only the probe reads (never on a command line).
/usr/bin/python3 - "$state/lab.json" "$state/password" >"$state/targets" <<'EOF'
import json, os, sys
lab = json.load(open(sys.argv[1]))
user = lab["users"][0]
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, user["password"].encode())
os.close(fd)
for name, s in lab["scenarios"].items():
    print(name, s["host"], s["https_port"] or 0, s["address"] or "-", lab["ca_bundle"],
          "%s\\%s" % (lab["domain"]["netbios"], user["user"]))
EOF

while read -r name host port addr ca user; do
  echo
  echo "== oaprobe check $host   (lab scenario: $name)"
  args=(--cacert "$ca" --user "$user" --password-file "$state/password" --timeout 10)
  [ "$addr" != "-" ] && args+=(--resolve "$host:$port:$addr")
  [ "$port" != 443 ] && host="$host:$port"
  set +e
  "$bin" check "${args[@]}" "$host"
  echo "(exit $?)"
  set -e
done <"$state/targets"

echo
echo "== oaprobe validports: the Exchange 2003 SP1 default for EXCH01, checked for the names clients use"
set +e
"$bin" validports 'EXCH01:6001-6002;EXCH01:6004' --names EXCH01,exch01.contoso.lab,mail.contoso.lab
echo "(exit $?)"
set -e
