#!/usr/bin/env bash
# Installs every Debian package oaprobe needs to build, run its demo and run
# its tests, then checks that every program it promises (below) is on PATH,
# then puts the npm packages of the browser tests (tests/browser, from the
# committed lockfile) into npm's cache, so that the tests need no network
# (they run in a private network namespace).
# Idempotent: prints nothing and changes nothing when all are there.
# Needs root (or sudo) only when something is missing. Runs without stdin
# (DEBIAN_FRONTEND=noninteractive).
#
#   deploy/setup-debian.sh          install what is missing, check the programs
#   deploy/setup-debian.sh --list   print "package NAME" and "program NAME
#                                   PACKAGE" lines and change nothing (read by
#                                   tests/lint/debian-programs.py)
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libcurl4-openssl-dev libssl-dev libkrb5-dev libmicrohttpd-dev libjansson-dev
  libsqlite3-dev libyaml-dev libcyaml-dev libcmocka-dev zlib1g-dev
  # the lab and the integration tests
  python3 python3-impacket python3-gssapi python3-cryptography python3-yaml
  python3-jsonschema
  krb5-kdc krb5-admin-server krb5-user openssl curl util-linux iptables
  iproute2 procps mount
  # the lint (tests/lint/debian-programs.py parses shell scripts with shfmt)
  shfmt
  # Prometheus integration: promtool check metrics / test rules / check config
  prometheus prometheus-alertmanager
  # tests/bench/fresh-machine.sh (a Debian 12 root in a chroot)
  debootstrap git
  # tests/bench/serve/serve-bench.sh (HTTP load next to nginx)
  wrk
  # tests/bench/ca-io.py (the CA file opens of a check)
  strace
  # deploy/: the unit (systemd-analyze, sysusers, tmpfiles), the nginx
  # snippet (nginx -t), the man pages (man, groff); the .deb is built by
  # cpack (cmake; its DEB generator runs file and dpkg-shlibdeps for the
  # Depends) and inspected with dpkg-deb, objdump (build-essential); after
  # its purge the test removes the user its install created (passwd)
  systemd nginx man-db groff-base file passwd
  # the status page's browser tests (tests/browser: playwright-core from npm
  # drives Debian's chromium; no browser download)
  chromium nodejs npm
)

# Every program that the scripts, the lab, the tests and the benchmarks run,
# as PROGRAM:PACKAGE, PACKAGE being the package above that brings it (itself
# or through its dependencies). Programs of Debian's Essential packages
# (coreutils, grep, sed, util-linux, ...) need no entry.
# tests/lint/debian-programs.py finds the programs the code runs and fails
# when one is missing here or its package (dpkg -S) is not installed above.
programs=(
  cmake:cmake ctest:cmake ninja:ninja-build pkg-config:pkg-config
  cc:build-essential ld:build-essential as:build-essential clang:clang
  python3:python3 openssl:openssl curl:curl
  krb5kdc:krb5-kdc kdb5_util:krb5-kdc kadmin.local:krb5-admin-server
  kinit:krb5-user klist:krb5-user
  ip:iproute2 iptables:iptables iptables-legacy:iptables sysctl:procps
  mount:mount
  shfmt:shfmt debootstrap:debootstrap git:git
  promtool:prometheus amtool:prometheus-alertmanager prometheus:prometheus
  prometheus-alertmanager:prometheus-alertmanager
  systemd-analyze:systemd systemd-sysusers:systemd systemd-tmpfiles:systemd
  nginx:nginx man:man-db groff:groff-base kill:procps systemctl:systemd
  cpack:cmake objdump:build-essential file:file dpkg-shlibdeps:build-essential pgrep:procps
  chromium:chromium node:nodejs npm:npm wrk:wrk userdel:passwd groupdel:passwd
  strace:strace
)

if [ "${1:-}" = --list ]; then
  printf 'package %s\n' "${packages[@]}"
  for e in "${programs[@]}"; do printf 'program %s %s\n' "${e%%:*}" "${e#*:}"; done
  exit 0
elif [ $# -gt 0 ]; then
  echo "setup-debian: unknown argument $1 (usage: setup-debian.sh [--list])" >&2
  exit 2
fi

# check_programs: says which package to install for each promised program
# that is not on PATH (the sbin directories count: kadmin.local, krb5kdc and
# iptables live there, and the lab looks there); 1 when one is missing.
check_programs() {
  local e prog pkg bad=0
  for e in "${programs[@]}"; do
    prog=${e%%:*} pkg=${e#*:}
    if ! PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v "$prog" >/dev/null 2>&1; then
      echo "setup-debian: $prog is not on PATH: install the Debian package $pkg" \
           "(apt-get install --reinstall $pkg)" >&2
      bad=1
    fi
  done
  return $bad
}

# npm_cache: the browser tests run `npm ci --prefer-offline` from the
# lockfile; fill npm's cache with its packages unless an offline `npm ci`
# already works (about a second when it does). Needs the network only when
# the cache lacks something; installs nothing outside the cache.
npm_cache() {
  local here lock tmp rc=0
  here=$(cd "$(dirname "$0")/.." && pwd)
  lock=$here/tests/browser/package-lock.json
  [ -r "$lock" ] || return 0
  tmp=$(mktemp -d /tmp/oaprobe-npm.XXXXXX)
  cp "$here/tests/browser/package.json" "$lock" "$tmp/"
  if ! (cd "$tmp" && npm ci --offline --ignore-scripts --no-audit --no-fund \
          --loglevel=silent) >/dev/null 2>&1; then
    echo "setup-debian: fetching the npm packages of tests/browser (npm ci, lockfile)" >&2
    (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >/dev/null ||
      rc=$?
    [ $rc -eq 0 ] || echo "setup-debian: npm ci failed: the browser tests need the npm" \
      "registry once (or a filled npm cache)" >&2
  fi
  rm -rf "$tmp"
  return $rc
}

# one dpkg-query for all (it names each known package once, with its status)
declare -A installed=()
while IFS=$'\t' read -r p status; do
  if [ "$status" = "install ok installed" ]; then installed[${p%%:*}]=1; fi
done < <(dpkg-query -W -f='${binary:Package}\t${Status}\n' "${packages[@]}" 2>/dev/null || true)
# a package another installed one provides counts as there (npm, when the
# installed nodejs bundles it and conflicts with Debian's npm)
while IFS=$'\t' read -r status provides; do
  [ "$status" = "install ok installed" ] || continue
  IFS=',' read -ra names <<<"$provides"
  for n in "${names[@]}"; do
    n=${n# } n=${n%% *}
    [ -n "$n" ] && installed[$n]=1
  done
done < <(dpkg-query -W -f='${Status}\t${Provides}\n' 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
  [ -n "${installed[$p]:-}" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  check_programs
  npm_cache
  exit
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "setup-debian: missing packages (${missing[*]}) and not root; run as root" >&2
    exit 1
  fi
fi

echo "setup-debian: installing ${missing[*]}" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
check_programs
npm_cache
