#!/usr/bin/env bash
# rtt-check.sh: `oaprobe check` over a 50 ms round trip, against the
# round-trip minimum of the stages it must run one after the other, and
# against impacket's RPC over HTTP client doing the same three binds.
#
#   tests/bench/rtt-check.sh [--oaprobe PATH] [--runs N] [--delay-ms 25] [--net 77]
#                            [--server NAME]... [--no-parallel] [--no-baseline]
#                            [--target 1.3] [--keep]
#
#   --oaprobe PATH  the binary (default build/release/service/oaprobe); if it
#                   is missing or has no `check` command, that part is skipped
#                   and the output says so
#   --runs N        runs of each client (default 5); min and median printed
#   --delay-ms D    one-way delay (default 25, i.e. a 50 ms round trip)
#   --net N         the lab's --net (default 77; the client side uses N+1)
#   --server NAME   RPC server names for the probe (repeatable; default EXCH01
#                   and exch01.contoso.lab: 2 x 3 tunnels, all in parallel)
#   --no-parallel   impacket only one bind after the other (default: also the
#                   three binds in three threads)
#   --no-baseline   skip the probe runs with the delay line bypassed
#   --target X      the ratio to judge against (default 1.3)
#   --keep          keep the work directory (logs, JSON of every run)
#
# Steps: 1. two namespaces, a veth pair and the delay line (netdelay/), the
# RTT measured with TCP connects; 2. the lab (healthy scenario, NTLM) in the
# lab namespace; 3. impacket's three binds; 4. `oaprobe check` (and the same
# runs without the delay line); 5. the round-trip model; 6. the table.
#
# Needs root (network namespaces), iproute2, iptables (Debian package),
# python3-impacket, and a kernel with veth, netns and NFQUEUE. Exit 0 when the
# measurement ran (whatever the figures), 1 when something broke, 2 on bad
# arguments. Everything it creates (2 namespaces, the veth pair, the delay
# line, the lab, temporary files) is removed on exit, also on Ctrl-C.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
oaprobe=$top/build/release/service/oaprobe
runs=5
delay=25
net=77
servers=()
parallel=1
baseline=1
target=1.3
keep=0

die() { echo "rtt-check: $*" >&2; exit 1; }
usage() { echo "rtt-check: $*" >&2; exit 2; }
num() { case $2 in ''|*[!0-9]*) usage "$1 needs a whole number, not '$2'" ;; esac; }

while [ $# -gt 0 ]; do
  case $1 in
    --oaprobe) oaprobe=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; num --runs "$runs"; shift 2 ;;
    --delay-ms) delay=${2:?}; num --delay-ms "$delay"; shift 2 ;;
    --net) net=${2:?}; num --net "$net"; shift 2 ;;
    --server) servers+=("${2:?}"); shift 2 ;;
    --no-parallel) parallel=0; shift ;;
    --no-baseline) baseline=0; shift ;;
    --target) target=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
    *) usage "unknown argument $1 (--help)" ;;
  esac
done
if [ "$runs" -lt 1 ] || [ "$runs" -gt 50 ]; then usage "--runs 1..50"; fi
[ "$delay" -le 1000 ] || usage "--delay-ms 0..1000"
if [ "$net" -lt 1 ] || [ "$net" -gt 250 ]; then usage "--net 1..250"; fi
[ ${#servers[@]} -gt 0 ] || servers=(EXCH01 exch01.contoso.lab)
[ "$(id -u)" -eq 0 ] || usage "needs root (network namespaces, NFQUEUE)"
command -v ip >/dev/null || die "iproute2 missing"
"$py" -c 'import impacket' 2>/dev/null || die "python3-impacket missing"

# shellcheck source=netdelay/netdelay.sh
. "$here/netdelay/netdelay.sh"

work=$(mktemp -d /tmp/oartt.XXXXXX)
lab_pid=
child=
rtt_pid=
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  trap - EXIT INT TERM
  [ -n "$child" ] && nd_stop_pid "$child" 5
  [ -n "$rtt_pid" ] && nd_stop_pid "$rtt_pid" 5
  [ -n "$lab_pid" ] && nd_stop_pid "$lab_pid" 15
  nd_down
  if [ "$keep" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
# run OUT ERR CMD...: run CMD in the background and wait for it, so that a
# signal to this script is handled at once (the trap stops the child)
run() {
  local out=$1 err=$2 rc
  shift 2
  "$@" >"$out" 2>"$err" &
  child=$!
  wait "$child"
  rc=$?
  child=
  return $rc
}
trap 'echo "rtt-check: interrupted" >&2; exit 1' INT TERM

# --------------------------------------------------------------- the probe
has_check=0
probe_note=
if [ ! -x "$oaprobe" ]; then
  probe_note="no oaprobe binary at $oaprobe (build it, or --oaprobe PATH): the probe part is skipped"
elif "$oaprobe" check --help 2>/dev/null | grep -q 'oaprobe check'; then
  has_check=1
else
  probe_note="$oaprobe has no 'check' command yet: the probe part is skipped"
fi

# ------------------------------------------------ 1. namespaces + delay line
echo "== 1. network: namespaces, veth pair, delay line of $delay ms each way"
nd_up "$net" "$delay" "$work" || die "could not build the delayed path"
echo "   lab namespace $ND_LAB_NS (127.$net.0.0/16), client namespace $ND_CLI_NS ($ND_CLI_ADDR)"
echo "   veth $ND_CLI_DEV <-> $ND_LAB_DEV, NFQUEUE ($ND_IPT, raw PREROUTING) + netdelay/nfqdelay.py"
echo "   on both ends ($(head -n 1 "$work/nfqdelay-lab.log" | sed 's/^READY //'))"
rtt_addr=127.$net.0.250
ip netns exec "$ND_LAB_NS" "$py" "$here/netdelay/tcprtt.py" listen "$rtt_addr" 9 --seconds 60 \
  >"$work/rtt-listen.log" 2>&1 &
rtt_pid=$!
nd_wait_line "$work/rtt-listen.log" '^READY' 10 || die "RTT listener did not start"
run "$work/rtt.log" "$work/rtt.err" ip netns exec "$ND_CLI_NS" timeout 60 "$py" \
  "$here/netdelay/tcprtt.py" connect "$rtt_addr" 9 --count 20
rtt_rc=$?
nd_stop_pid "$rtt_pid" 5
rtt_pid=
[ $rtt_rc -eq 0 ] || { cat "$work/rtt.log" "$work/rtt.err" >&2; die "TCP connects across the delay line failed"; }
rtt_line=$(grep '^RTT_MS' "$work/rtt.log")
rtt_ms=$(sed -n 's/.*median=\([0-9.]*\).*/\1/p' <<<"$rtt_line")
echo "   measured TCP connect RTT (20 connects, SYN -> SYN-ACK): ${rtt_line#RTT_MS }"
"$py" - "$rtt_ms" "$delay" <<'EOF' || die "the measured RTT does not match the delay line (is it in the path?)"
import sys
rtt, d = float(sys.argv[1]), float(sys.argv[2])
sys.exit(0 if 2 * d * 0.95 <= rtt <= 2 * d + 10 else 1)
EOF

# ------------------------------------------------------------------ 2. lab
echo
echo "== 2. lab: tests/lab/oalab.py --scenarios healthy --net $net --no-kdc in $ND_LAB_NS"
ip netns exec "$ND_LAB_NS" "$py" "$top/tests/lab/oalab.py" --scenarios healthy \
  --state "$work/lab" --net "$net" --no-kdc >"$work/lab.out" 2>&1 &
lab_pid=$!
if ! nd_wait_line "$work/lab.out" '^READY ' 60; then
  sed 's/^/  lab: /' "$work/lab.out" >&2
  die "the lab did not become READY within 60 s"
fi
lab_json=$(sed -n 's/^READY //p' "$work/lab.out" | head -n 1)
[ -f "$lab_json" ] || die "no lab JSON at '$lab_json'"
labval() {   # labval EXPR: a value from the lab's JSON (d = the JSON, sc = healthy)
  "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); sc=d["scenarios"]["healthy"]; print(eval(sys.argv[2]))' \
    "$lab_json" "$1"
}
if ! { host=$(labval 'sc["host"]') && addr=$(labval 'sc["address"]') &&
        port=$(labval 'sc["https_port"]') && ca=$(labval 'd["ca_bundle"]') &&
        user=$(labval 'd["users"][0]["domain"] + "\\" + d["users"][0]["user"]'); }; then
  die "unexpected lab JSON $lab_json"
fi
( umask 077; labval 'd["users"][0]["password"]' | tr -d '\n' >"$work/password" )
echo "   READY: $host = $addr:$port, user $user, CA $ca"
tls_version=$(ip netns exec "$ND_CLI_NS" timeout 20 "$py" "$here/netdelay/tcprtt.py" tls \
  "$addr" "$port" --sni "$host" --cafile "$ca" 2>/dev/null | sed -n 's/^TLS_VERSION //p')
echo "   TLS version the lab negotiates: ${tls_version:-unknown}"

# ------------------------------------------------------------- 3. impacket
imp=$work/impacket.jsonl
imode=sequential; [ $parallel = 1 ] && imode=both
echo
echo "== 3. impacket (python3-impacket): ncacn_http:EXCH01[6001|6002|6004,RpcProxy=$host:443], NTLM,"
echo "      binds EMSMDB, RFR, NSPI; $runs runs ($imode)"
if ! run "$imp" "$work/impacket.err" ip netns exec "$ND_CLI_NS" timeout 600 "$py" \
    "$here/netdelay/impacket_binds.py" --lab-json "$lab_json" --runs "$runs" --mode "$imode"; then
  echo "   impacket: some runs failed (see below; stderr in the work directory)"
fi
sed 's/^/   /' "$imp"

# ---------------------------------------------------------------- 4. probe
probe=
base=
echo
if [ $has_check = 1 ]; then
  pargs=(check --resolve "$host:$port:$addr" --cacert "$ca" --user "$user"
         --password-file "$work/password")
  for s in "${servers[@]}"; do pargs+=(--server "$s"); done
  pargs+=(--json "$host")
  probe=$work/probe.jsonl
  echo "== 4. $oaprobe ${pargs[*]}"
  echo "      $runs runs"
  if ! run "$probe" "$work/probe.err" ip netns exec "$ND_CLI_NS" timeout 600 "$py" \
      "$here/netdelay/probe_runs.py" --runs "$runs" --timeout 60 -- "$oaprobe" "${pargs[@]}"; then
    echo "   oaprobe check: some runs did not end ok (see below)"
  fi
  "$py" -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    steps = " ".join("%s%s=%.0fms" % (s[0], "[%s:%s]" % (s[1], s[2]) if s[0] in ("tunnel", "bind") else "", 1000 * (s[4] or 0)) for s in r.get("steps") or [])
    print("   run %d: wall %.3f s, status %s, exit %s, duration_seconds %s" % (r["run"], r["wall"], r.get("status"), r.get("rc"), r.get("duration_seconds")))
    print("     " + (steps or r.get("error", "")))
' "$probe"
  if [ $baseline = 1 ]; then
    base=$work/baseline.jsonl
    nd_bypass on || die "could not bypass the delay line"
    run "$base" /dev/null ip netns exec "$ND_CLI_NS" timeout 600 "$py" \
      "$here/netdelay/probe_runs.py" --runs "$runs" --timeout 60 -- "$oaprobe" "${pargs[@]}"
    nd_bypass off || die "could not put the delay line back"
    echo "   same runs with the delay line bypassed (NFQUEUE rules removed): $("$py" -c '
import json, statistics, sys
w = [json.loads(l)["wall"] for l in open(sys.argv[1]) if json.loads(l).get("status") == "ok"]
print("median %.3f s over %d ok runs" % (statistics.median(w), len(w)) if w else "no ok run")' "$base")"
  fi
else
  echo "== 4. oaprobe check: SKIPPED: $probe_note"
fi
nd_stop_pid "$lab_pid" 15
lab_pid=

# ---------------------------------------------------------- 5., 6. figures
echo
echo "== Delay line: release time of every packet against its ideal (arrival + $delay ms)"
nd_stats | sed 's/^/   /'
"$py" "$here/netdelay/report.py" --rtt-ms "$rtt_ms" --delay-ms "$delay" \
  --tls-version "${tls_version:-}" --target "$target" --case "lab healthy|$probe|$imp|$base"
[ $has_check = 1 ] || echo "NOTE: $probe_note"
exit 0
