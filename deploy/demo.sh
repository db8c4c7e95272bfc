#!/usr/bin/env bash
# The demo: installs what oaprobe needs, builds it, starts the bundled
# Exchange lab (tests/lab) on loopback with a handful of broken and healthy
# Outlook Anywhere endpoints, and `oaprobe serve` watching them (SQLite
# database, HTTP API, status page), then prints the page's URL and a curl
# line. One endpoint breaks and mends itself every few minutes. Ctrl-C stops
# everything.
#
#   ./deploy/demo.sh                   # the service demo
#   ./deploy/demo.sh --cli [SCENARIOS] # one-shot `oaprobe check` runs instead
#
# Options of the service demo (for tests and side-by-side runs):
#   --port N    the service's port on 127.0.0.1 (default 9780)
#   --net N     the lab's addresses are 127.N.x.y (default 0: 127.0.x.y)
#   --flap S    seconds between the flapping endpoint's breaks and mends
#               (default 150)
#   --bin FILE  use this oaprobe binary instead of building one
#
# Run as root (the lab listens on 127.x.y.z:443; set-up uses apt-get).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

mode=serve port=9780 net=0 flap=150 bin= cli_scenarios=
while [ $# -gt 0 ]; do
  case $1 in
    --cli) mode=cli; if [ $# -gt 1 ] && [ "${2#-}" = "$2" ]; then cli_scenarios=$2; shift; fi ;;
    --port) port=$2; shift ;;
    --net) net=$2; shift ;;
    --flap) flap=$2; shift ;;
    --bin) bin=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
    *) echo "demo: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "$bin" ]; then
  deploy/setup-debian.sh
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOAPROBE_TESTS=OFF >/dev/null
  cmake --build build/release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
  bin=$top/build/release/service/oaprobe
fi

state=$(mktemp -d /tmp/oaprobe-demo.XXXXXX)
pids=()       # every process the demo started, stopped in reverse order
serve_pid=
cleanup() {
  local rc=$? i p st
  trap - EXIT INT TERM
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    p=${pids[i]}
    kill -0 "$p" 2>/dev/null || continue
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    st=0
    wait "$p" 2>/dev/null || st=$?
    # oaprobe serve stops cleanly on SIGTERM (exit 0); anything else is shown
    if [ "$p" = "$serve_pid" ] && [ "$st" != 0 ]; then
      echo "demo: oaprobe serve exited $st on SIGTERM:" >&2
      tail -20 "$state/serve.log" >&2
      rc=1
    fi
  done
  rm -rf "$state"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo; echo "== Stopping"; exit 0' INT TERM

# start_lab NAME SCENARIOS NET [OPTIONS...]: a lab in $state/NAME; its pid
# in lab_pid. Waits for READY (20 s at most).
lab_pid=
start_lab() {
  local name=$1 scen=$2 n=$3
  shift 3
  mkdir -p "$state/$name"
  /usr/bin/python3 tests/lab/oalab.py --scenarios "$scen" --state "$state/$name" --net "$n" "$@" \
    >"$state/$name/out" 2>&1 &
  lab_pid=$!
  for _ in $(seq 1 200); do
    grep -q '^READY' "$state/$name/out" 2>/dev/null && return 0
    kill -0 "$lab_pid" 2>/dev/null || { cat "$state/$name/out" >&2; return 1; }
    sleep 0.1
  done
  echo "demo: the lab did not start in 20 s" >&2
  return 1
}

# The password goes to a file only the probe reads (never on a command line).
write_password() { # LAB_JSON
  /usr/bin/python3 - "$1" "$state/password" <<'PY'
import json, os, sys
lab = json.load(open(sys.argv[1]))
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, lab["users"][0]["password"].encode())
os.close(fd)
PY
}

cli_demo() {
  local scenarios=${cli_scenarios:-healthy,acl_fqdn_missing,backend_down_6004,cert_expired,no_rpcproxy,auth_rejected}
  echo "== Starting the Exchange lab ($scenarios)"
  start_lab lab "$scenarios" "$net"
  pids+=("$lab_pid")
  grep -v '^READY' "$state/lab/out" | grep -v 'password' || true
  write_password "$state/lab/lab.json"
  # One line per scenario: name, host, https port, address, CA bundle, user.
  /usr/bin/python3 - "$state/lab/lab.json" >"$state/targets" <<'PY'
import json, sys
lab = json.load(open(sys.argv[1]))
user = lab["users"][0]
for name, s in lab["scenarios"].items():
    print(name, s["host"], s["https_port"] or 0, s["address"] or "-", lab["ca_bundle"],
          "%s\\%s" % (lab["domain"]["netbios"], user["user"]))
PY
  local name host port addr ca user args
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
}

if [ "$mode" = cli ]; then
  cli_demo
  exit 0
fi

# ---- the service demo ----------------------------------------------------
# "localized" is a healthy endpoint (German IIS reason phrases); the demo
# takes its front end down and back up through the lab's control file.
scenarios=healthy,acl_fqdn_missing,cert_expiring,backend_down_6004,auth_rejected,localized
echo "== Starting the Exchange lab: $scenarios"
start_lab lab "$scenarios" "$net"
pids+=("$lab_pid")
write_password "$state/lab/lab.json"

# A write token for the API (run now, reload), in a file only root reads.
token=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(20))')
(umask 077 && printf 'demo write %s\n' "$token" >"$state/tokens")

# The configuration: one target per scenario (names with '-'), each resolved
# to its lab address and trusting the lab's CA.
/usr/bin/python3 - "$state" "$port" >"$state/oaprobe.yml" <<'PY'
import json, sys
state, port = sys.argv[1], sys.argv[2]
lab = json.load(open("%s/lab/lab.json" % state))
user = lab["users"][0]
print("listen: 127.0.0.1:%s" % port)
print("storage: %s/oaprobe.db" % state)
print("external_url: http://127.0.0.1:%s" % port)
print("api: {tokens_file: %s/tokens}" % state)
print("defaults:\n  interval: 15s\n  timeout: 10s\n  failure_threshold: 2\n  location: demo")
print("  cacert: %s" % lab["ca_bundle"])
print("  user: '%s\\%s'" % (lab["domain"]["netbios"], user["user"]))
print("  password_file: %s/password" % state)
print("targets:")
for name, s in lab["scenarios"].items():
    print("  - name: %s" % ("flapping" if name == "localized" else name.replace("_", "-")))
    print("    host: %s" % s["host"])
    if s["address"]:
        print("    resolve: %s:%s:%s" % (s["host"], s["https_port"], s["address"]))
    print("    labels: {scenario: %s}" % name)
PY
"$bin" serve --config "$state/oaprobe.yml" --check-config >/dev/null

echo "== Starting oaprobe serve"
"$bin" serve --config "$state/oaprobe.yml" 2>"$state/serve.log" &
serve_pid=$!
pids+=("$serve_pid")
url=http://127.0.0.1:$port
for _ in $(seq 1 100); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$state/serve.log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$url/healthz" >/dev/null || { cat "$state/serve.log" >&2; echo "demo: /healthz does not answer" >&2; exit 1; }

cat <<TXT

oaprobe serve is watching 6 Outlook Anywhere endpoints of the lab (a check
every 15 s; a target is down after 2 failed checks in a row):
  healthy             every layer passes
  acl-fqdn-missing    ValidPorts lacks the FQDN: validports_missing_entry
  cert-expiring       the certificate expires in 5 days: cert_expiring (warning)
  backend-down-6004   nothing listens on 6004 behind the proxy: backend_unreachable
  auth-rejected       the account is locked out: auth_rejected
  flapping            healthy, but its front end goes down and comes back every ${flap} s

  The page:  $url/
  The API:   curl -s $url/api/v1/targets
  Run now:   curl -s -X POST -H 'Authorization: Bearer $token' $url/api/v1/targets/healthy/run
  Metrics:   curl -s $url/metrics

The service's log: $state/serve.log. Ctrl-C stops everything.
TXT

# Break and mend the flapping endpoint through the lab's control file
# (tests/lab/README.md): its front end stops listening, then listens again.
# `wait` returns at once on Ctrl-C.
seq=0 down=0
while :; do
  sleep "$flap" &
  pids+=("$!")
  wait "$!" || true
  kill -0 "$serve_pid" 2>/dev/null || { echo "demo: oaprobe serve stopped:" >&2; tail -20 "$state/serve.log" >&2; exit 1; }
  kill -0 "$lab_pid" 2>/dev/null || { echo "demo: the lab stopped:" >&2; tail -20 "$state/lab/out" >&2; exit 1; }
  seq=$((seq + 1)) down=$((1 - down))
  if [ "$down" = 1 ]; then list='["localized"]'; else list='[]'; fi
  printf '{"seq": %d, "down": %s}\n' "$seq" "$list" >"$state/lab/control.json.tmp"
  mv "$state/lab/control.json.tmp" "$state/lab/control.json"
  if [ "$down" = 1 ]; then
    echo "$(date +%T) flapping: its front end is down (connections refused)"
  else
    echo "$(date +%T) flapping: its front end is back"
  fi
done
