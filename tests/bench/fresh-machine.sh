#!/usr/bin/env bash
# fresh-machine.sh: the README's promise on a fresh Debian 12, checked in a
# chroot. Builds a minimal Debian 12 root with debootstrap (--variant=minbase:
# Essential and Priority required packages, no compiler, no Kerberos), puts a
# clean clone of this repository's HEAD in it, then runs, as root with no
# stdin and CI=true:
#
#   1. deploy/setup-debian.sh (with the network: it runs apt-get)
#   2. in an empty network namespace (unshare -n, lo up): ./tests/run.sh
#      (build, every ctest test, the fuzz targets) and ./deploy/demo.sh
#
#   tests/bench/fresh-machine.sh [--mirror URL] [--dir DIR] [--fuzz-seconds N]
#                                [--extra-ca FILE] [--no-demo] [--keep]
#
#   --mirror URL       the Debian archive for debootstrap (default: the first
#                      bookworm archive in this machine's /etc/apt/sources.list*)
#   --dir DIR          where to build the root (default: a new /tmp/oafresh.XXXXXX)
#   --fuzz-seconds N   OAPROBE_FUZZ_SECONDS for tests/run.sh (default 2)
#   --extra-ca FILE    CA certificates (PEM) that node/npm in the root trust
#                      besides their own, for a network whose TLS goes through
#                      an intercepting proxy (default: this machine's
#                      NODE_EXTRA_CA_CERTS when set); set-up's npm ci needs it
#   --no-demo          skip ./deploy/demo.sh
#   --keep             keep the root afterwards (it is removed by default)
#
# Needs root, debootstrap and git (Debian packages), about 2 GB in DIR, the
# mirror and the npm registry reachable (by set-up only: the tests and the
# demo run without network), and some 5-10 minutes on 2 cores. Every mount
# (proc, dev, sys) lives in a private mount namespace, so nothing stays
# mounted when the script ends; daemons are kept from starting in the root (policy-rc.d), as
# in any chroot. Each step has a time limit. Prints what ran, how long each
# step took and the tail of its log; the full logs are in DIR/logs.
# Exit 0 when every step passed, 1 when one failed, 2 on bad arguments.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mirror=
dir=
fuzz=2
demo=1
keep=0
extra_ca=${NODE_EXTRA_CA_CERTS:-}

usage() { echo "fresh-machine: $*" >&2; exit 2; }
die() { echo "fresh-machine: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --mirror) mirror=${2:?}; shift 2 ;;
    --dir) dir=${2:?}; shift 2 ;;
    --fuzz-seconds) fuzz=${2:?}; shift 2 ;;
    --no-demo) demo=0; shift ;;
    --keep) keep=1; shift ;;
    --extra-ca) extra_ca=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,/^# Exit 0/p' "$0"; exit 0 ;;
    *) usage "unknown argument $1 (--help)" ;;
  esac
done
case $fuzz in ''|*[!0-9]*) usage "--fuzz-seconds needs a whole number" ;; esac
[ -z "$extra_ca" ] || [ -r "$extra_ca" ] || usage "--extra-ca $extra_ca: not readable"
[ "$(id -u)" -eq 0 ] || usage "needs root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null || PATH=$PATH:/usr/sbin:/sbin
command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
command -v git >/dev/null || die "git missing (apt-get install git)"

# the mirror this machine's apt uses: one-line "deb URL bookworm ..." or a
# deb822 stanza "URIs: URL" with "Suites: bookworm ..."
find_mirror() {
  local f line uris= suites=
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    while IFS= read -r line || [ -n "$line" ]; do
      line=${line%%#*}
      case $line in
        deb\ *)
          set -- $line
          shift
          while [ $# -gt 0 ] && [ "${1#[}" != "$1" ]; do shift; done
          if [ $# -ge 2 ] && [ "$2" = bookworm ]; then echo "$1"; return 0; fi ;;
        URIs:*) uris=${line#URIs:} ;;
        Suites:*) suites=" ${line#Suites:} " ;;
        '')
          if [ -n "$uris" ] && [ "${suites/ bookworm /}" != "$suites" ]; then
            set -- $uris; echo "$1"; return 0
          fi
          uris= suites= ;;
      esac
    done <"$f"
    if [ -n "$uris" ] && [ "${suites/ bookworm /}" != "$suites" ]; then
      set -- $uris; echo "$1"; return 0
    fi
    uris= suites=
  done
  return 1
}
[ -n "$mirror" ] || mirror=$(find_mirror) || die "no bookworm archive in /etc/apt/sources.list*; give --mirror URL"

if [ -z "$dir" ]; then
  dir=$(mktemp -d /tmp/oafresh.XXXXXX) || die "mktemp failed"
else
  mkdir -p "$dir" || die "cannot create $dir"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
fi
root=$dir/root
logs=$dir/logs
mkdir -p "$root" "$logs"

# removes the root unless --keep; refuses while anything is mounted below it
cleanup() {
  trap - EXIT INT TERM
  if grep -q " $dir/" /proc/self/mounts; then
    echo "fresh-machine: something is still mounted under $dir; not removing it" >&2
  elif [ "$keep" = 1 ]; then
    echo "kept: $dir"
  else
    rm -rf "$dir"
  fi
}
trap cleanup EXIT
trap 'echo "fresh-machine: interrupted" >&2; exit 1' INT TERM

# in_root LIMIT NET CMD: CMD (a bash script) in the chroot, in a private mount
# namespace where the root is a mount point with /proc, /dev and /sys; NET=none adds an empty network
# namespace with lo up. Clean environment, no stdin, CI=true.
in_root() {
  local limit=$1 net=$2 cmd=$3 netns=()
  [ "$net" = none ] && netns=(--net)
  timeout --kill-after=30 "$limit" unshare --mount --propagation private "${netns[@]}" \
    bash -c '
      set -e
      r=$1
      # the root a mount point of its own, as on a real machine: otherwise
      # "unshare --mount" in it (the lab tests do) cannot make / private
      mount --bind "$r" "$r"
      mount -t proc proc "$r/proc"
      mount --rbind /dev "$r/dev"
      mount -t sysfs sysfs "$r/sys"
      exec chroot "$r" /usr/bin/env -i HOME=/root CI=true LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        OAPROBE_FUZZ_SECONDS="$2" DEBIAN_FRONTEND=noninteractive ${4:+NODE_EXTRA_CA_CERTS=$4} \
        /bin/bash -c "$3"
    ' fresh-machine "$root" "$fuzz" "$cmd" "$ca_in_root" </dev/null
}

failed=0
# step NAME LOG CMD...: run, time, print the tail of the log
step() {
  local name=$1 log=$logs/$2 t0 rc
  shift 2
  echo "== $name"
  t0=$(date +%s)
  "$@" >"$log" 2>&1
  rc=$?
  echo "   exit $rc after $(( $(date +%s) - t0 )) s (log: $log)"
  tail -n 12 "$log" | sed 's/^/   | /'
  [ $rc -eq 0 ] || failed=1
  return $rc
}

echo "fresh-machine: root $root, suite bookworm, variant minbase"
echo "fresh-machine: repository $(git -C "$top" rev-parse --short HEAD) ($(git -C "$top" log -1 --format=%s))"

step "debootstrap --variant=minbase bookworm" debootstrap.log \
  timeout 1200 debootstrap --variant=minbase bookworm "$root" "$mirror" || exit 1

cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
ca_in_root=
if [ -n "$extra_ca" ]; then
  cp "$extra_ca" "$root/etc/fresh-machine-extra-ca.pem" || die "cannot copy $extra_ca"
  ca_in_root=/etc/fresh-machine-extra-ca.pem
  echo "   node/npm in the root also trust $extra_ca (--extra-ca)"
fi
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
step "git clone (HEAD, clean) into /oaprobe" clone.log \
  git clone --quiet --no-hardlinks "$top" "$root/oaprobe" || exit 1
{
  echo "   packages in the root before set-up: $(chroot "$root" dpkg-query -W -f='.' | wc -c)"
  for p in gcc cmake kadmin.local krb5kdc openssl curl ip iptables python3 shfmt; do
    chroot "$root" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c "command -v $p" \
      >/dev/null 2>&1 && echo "   before set-up, $p is already there"
  done
} || true

step "deploy/setup-debian.sh (network on)" setup.log \
  in_root 2400 host 'cd /oaprobe && time ./deploy/setup-debian.sh && ./deploy/setup-debian.sh && echo "second run: silent, exit $?"' || exit 1
echo "   packages in the root after set-up: $(chroot "$root" dpkg-query -W -f='.' | wc -c)"

# what the lab tests need of the machine, checked here so that a root which
# cannot do it fails loudly instead of the tests skipping quietly
step "the root can unshare (mount, net), use /dev/shm and loopback" caps.log \
  in_root 60 none 'unshare --mount --propagation private true && unshare --net true &&
    ip link set lo up && ip -o addr show lo | grep -q 127.0.0.1 &&
    t=$(mktemp /dev/shm/fresh.XXXXXX) && rm "$t" && echo ok' || exit 1

step "./tests/run.sh (unshare -n, lo up; OAPROBE_FUZZ_SECONDS=$fuzz)" run.log \
  in_root 3600 none 'ip link set lo up && cd /oaprobe && time ./tests/run.sh'
grep -E '^[0-9]+% tests passed|tests failed out of|Test +#[0-9]+: .*(Failed|Timeout|Not Run)' \
  "$logs/run.log" | sed 's/^/   /'

if [ "$demo" = 1 ]; then
  # the service demo as the README runs it (it builds), checked through the
  # API and stopped with SIGINT by tests/integration/deploy/test_demo.py
  step "./deploy/demo.sh (unshare -n, lo up)" demo.log \
    in_root 1200 none 'ip link set lo up && cd /oaprobe && /usr/bin/python3 -B tests/integration/deploy/test_demo.py --demo ./deploy/demo.sh'
  grep -E '^demo up|^every target|^flapping|^SIGINT' "$logs/demo.log" | sed 's/^/   /'
fi

if [ $failed = 0 ]; then echo "fresh-machine: PASS"; else echo "fresh-machine: FAIL"; fi
exit $failed
