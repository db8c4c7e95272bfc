#!/usr/bin/env bash
# netdelay.sh: two network namespaces joined by a veth pair whose every
# packet is delayed (a stand-in for `tc qdisc add dev VETH root netem delay`,
# which needs CONFIG_NET_SCH_NETEM; kernels built without it answer
# "Specified qdisc kind is unknown").
#
# Sourced by tests/bench/rtt-check.sh (functions nd_up, nd_bypass, nd_down),
# or run on its own to get the two namespaces for experiments:
#
#   netdelay.sh shell [--net 77] [--delay-ms 25] [--seconds 600]
#     sets everything up, prints the namespace names and addresses, waits
#     until Ctrl-C / SIGTERM / --seconds, tears everything down.
#
# Layout (N = --net, C = N+1; every address is in 127.0.0.0/8):
#
#   namespace oartt-c-PID                     namespace oartt-l-PID
#   lo 127.0.0.1/32                           lo 127.0.0.1/32, 127.N.0.1/16
#   oartc<PID> 127.C.0.1/32 <== veth ==>      oartl<PID> 127.C.0.2/32
#   route 127.N.0.0/16 via 127.C.0.2          route 127.C.0.1/32 dev oartl<PID>
#
#   * lo of both namespaces gives up the usual 127.0.0.1/8 (which makes the
#     whole /8 local) for 127.0.0.1/32, so 127.x traffic can leave by the
#     veth; the lab side keeps 127.N.0.0/16 local for the lab's front end
#     and backends (oalab.py --net N puts every scenario address there).
#   * route_localnet=1 lets 127/8 packets cross a non-loopback device;
#     rp_filter off; the neighbours are static (no ARP for 127/8).
#   * The delay: in each namespace `iptables -t raw -A PREROUTING -i VETH -j
#     NFQUEUE --queue-num 0` hands every packet arriving on the veth to
#     nfqdelay.py (same directory), which releases it after DELAY ms. So
#     each direction is delayed once, on arrival (like netem on an ifb),
#     the SYN and SYN-ACK included; nothing is proxied, the TCP connection
#     is end to end. Delaying on arrival rather than on departure keeps the
#     packets out of the sender's socket accounting (TCP small queues), as
#     netem does by orphaning them.
#   * No --queue-bypass: if a delay process dies, traffic stops instead of
#     silently flowing undelayed.
#
# Requires root, iproute2, iptables (iptables-legacy or iptables-nft; Debian
# package iptables), CONFIG_VETH, CONFIG_NET_NS, CONFIG_NETFILTER_NETLINK_QUEUE
# and the xt NFQUEUE target.

ND_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ND_PY=/usr/bin/python3
ND_PIDS=()
ND_UP=0

# nd_log MSG: progress on stderr
nd_log() { printf '%s\n' "netdelay: $*" >&2; }

# nd_wait_line FILE REGEX SECONDS: wait (bounded) for a line in FILE
nd_wait_line() {
  local f=$1 re=$2 s=$3 i
  for ((i = 0; i < s * 10; i++)); do
    grep -qE "$re" "$f" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

nd_iptables() {
  if command -v iptables-legacy >/dev/null 2>&1; then echo iptables-legacy
  elif command -v iptables >/dev/null 2>&1; then echo iptables
  else return 1; fi
}

# nd_up NET DELAY_MS LOGDIR: build everything; sets ND_LAB_NS, ND_CLI_NS,
# ND_LAB_DEV, ND_CLI_DEV, ND_CLI_ADDR, ND_LAB_PEER, ND_IPT.
nd_up() {
  local net=$1 delay=$2 logdir=$3 ipt
  ipt=$(nd_iptables) || { nd_log "no iptables binary (apt-get install iptables)"; return 1; }
  ND_IPT=$ipt
  ND_LOGDIR=$logdir
  ND_CNET=$((net + 1))
  ND_LAB_NS=oartt-l-$$
  ND_CLI_NS=oartt-c-$$
  ND_LAB_DEV=oartl$$
  ND_CLI_DEV=oartc$$
  ND_CLI_ADDR=127.$ND_CNET.0.1
  ND_LAB_PEER=127.$ND_CNET.0.2
  ND_UP=1
  ip netns add "$ND_LAB_NS" || return 1
  ip netns add "$ND_CLI_NS" || return 1
  ip link add "$ND_CLI_DEV" type veth peer name "$ND_LAB_DEV" || return 1
  ip link set "$ND_CLI_DEV" netns "$ND_CLI_NS" || return 1
  ip link set "$ND_LAB_DEV" netns "$ND_LAB_NS" || return 1
  local ns dev
  for ns in "$ND_LAB_NS" "$ND_CLI_NS"; do
    ip -n "$ns" link set lo up || return 1
    ip -n "$ns" addr del 127.0.0.1/8 dev lo 2>/dev/null
    ip -n "$ns" addr add 127.0.0.1/32 dev lo || return 1
    dev=$ND_LAB_DEV; [ "$ns" = "$ND_CLI_NS" ] && dev=$ND_CLI_DEV
    ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.route_localnet=1 \
      net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
      "net.ipv4.conf.$dev.route_localnet=1" "net.ipv4.conf.$dev.rp_filter=0" || return 1
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null
    ip -n "$ns" link set "$dev" up || return 1
  done
  ip -n "$ND_LAB_NS" addr add "127.$net.0.1/16" dev lo || return 1
  ip -n "$ND_CLI_NS" addr add "$ND_CLI_ADDR/32" dev "$ND_CLI_DEV" || return 1
  ip -n "$ND_LAB_NS" addr add "$ND_LAB_PEER/32" dev "$ND_LAB_DEV" || return 1
  local mac_c mac_l
  mac_c=$(ip netns exec "$ND_CLI_NS" cat "/sys/class/net/$ND_CLI_DEV/address") || return 1
  mac_l=$(ip netns exec "$ND_LAB_NS" cat "/sys/class/net/$ND_LAB_DEV/address") || return 1
  ip -n "$ND_CLI_NS" neigh replace "$ND_LAB_PEER" lladdr "$mac_l" dev "$ND_CLI_DEV" nud permanent || return 1
  ip -n "$ND_LAB_NS" neigh replace "$ND_CLI_ADDR" lladdr "$mac_c" dev "$ND_LAB_DEV" nud permanent || return 1
  ip -n "$ND_CLI_NS" route add "127.$net.0.0/16" via "$ND_LAB_PEER" dev "$ND_CLI_DEV" onlink \
    src "$ND_CLI_ADDR" || return 1
  ip -n "$ND_LAB_NS" route add "$ND_CLI_ADDR/32" dev "$ND_LAB_DEV" src "$ND_LAB_PEER" || return 1

  # the delay line: one nfqdelay per namespace, on the packets arriving by the veth
  local side log pid
  for side in lab cli; do
    ns=$ND_LAB_NS; dev=$ND_LAB_DEV
    [ $side = cli ] && { ns=$ND_CLI_NS; dev=$ND_CLI_DEV; }
    log=$logdir/nfqdelay-$side.log
    ip netns exec "$ns" "$ND_PY" "$ND_DIR/nfqdelay.py" --queue 0 --delay-ms "$delay" \
      --max-seconds 7200 >"$log" 2>&1 &
    pid=$!
    ND_PIDS+=("$pid")
    if ! nd_wait_line "$log" '^READY' 10; then
      nd_log "the delay line in $ns did not start:"; sed 's/^/  /' "$log" >&2
      return 1
    fi
  done
  nd_bypass off || return 1
  return 0
}

# nd_bypass on|off: off = every veth packet goes through the delay line
# (the normal state); on = the NFQUEUE rules are removed (no delay).
nd_bypass() {
  local ns dev
  for ns in "$ND_LAB_NS" "$ND_CLI_NS"; do
    dev=$ND_LAB_DEV; [ "$ns" = "$ND_CLI_NS" ] && dev=$ND_CLI_DEV
    ip netns exec "$ns" "$ND_IPT" -t raw -F PREROUTING || return 1
    if [ "$1" = off ]; then
      ip netns exec "$ns" "$ND_IPT" -t raw -A PREROUTING -i "$dev" -j NFQUEUE \
        --queue-num 0 || return 1
    fi
  done
}

# nd_stats: the delay processes' release statistics so far (SIGUSR1), one
# line per direction (the lab side's queue holds what the client sent).
nd_stats() {
  local side pid log i n
  for side in lab cli; do
    pid=${ND_PIDS[0]:-}; [ $side = cli ] && pid=${ND_PIDS[1]:-}
    log=$ND_LOGDIR/nfqdelay-$side.log
    [ -n "$pid" ] || continue
    n=$(grep -c '^STATS' "$log" 2>/dev/null)
    kill -USR1 "$pid" 2>/dev/null || continue
    for ((i = 0; i < 30; i++)); do
      [ "$(grep -c '^STATS' "$log" 2>/dev/null)" -gt "$n" ] && break
      sleep 0.1
    done
    if [ $side = lab ]; then echo "client -> lab: $(grep '^STATS' "$log" | tail -n 1 | sed 's/^STATS //')"
    else echo "lab -> client: $(grep '^STATS' "$log" | tail -n 1 | sed 's/^STATS //')"; fi
  done
}

# nd_stop_pid PID SECONDS: SIGTERM, bounded wait, then SIGKILL
nd_stop_pid() {
  local pid=$1 s=$2 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < s * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# nd_down: stop the delay processes (their last line has the release
# statistics), delete both namespaces (which deletes the veth pair).
nd_down() {
  local pid
  for pid in "${ND_PIDS[@]}"; do nd_stop_pid "$pid" 5; done
  ND_PIDS=()
  if [ "$ND_UP" = 1 ]; then
    ip netns del "$ND_LAB_NS" 2>/dev/null
    ip netns del "$ND_CLI_NS" 2>/dev/null
    ip link del "$ND_CLI_DEV" 2>/dev/null   # only if it never left the root namespace
    ND_UP=0
  fi
}

# ---------------------------------------------------------------- standalone
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -u
  [ "${1:-}" = shell ] || { sed -n '2,12p' "$0"; exit 2; }
  shift
  net=77 delay=25 seconds=600
  while [ $# -gt 0 ]; do
    case $1 in
      --net) net=$2; shift 2 ;;
      --delay-ms) delay=$2; shift 2 ;;
      --seconds) seconds=$2; shift 2 ;;
      *) echo "netdelay.sh: unknown argument $1" >&2; exit 2 ;;
    esac
  done
  [ "$(id -u)" -eq 0 ] || { echo "netdelay.sh: needs root" >&2; exit 2; }
  logdir=$(mktemp -d /tmp/netdelay.XXXXXX)
  sleeper=
  trap '[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null; nd_stats; nd_down; rm -rf "$logdir"' EXIT
  trap 'exit 0' INT TERM
  nd_up "$net" "$delay" "$logdir" || exit 1
  echo "lab namespace:    $ND_LAB_NS (127.$net.0.0/16 local; run oalab.py --net $net here)"
  echo "client namespace: $ND_CLI_NS (address $ND_CLI_ADDR)"
  echo "delay: $delay ms each way; Ctrl-C to tear down (or after $seconds s)"
  sleep "$seconds" &
  sleeper=$!
  wait "$sleeper"
fi
