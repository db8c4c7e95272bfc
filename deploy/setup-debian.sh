#!/usr/bin/env bash
# Installs every Debian package oaprobe needs to build, run its demo and run
# its tests. Idempotent: prints nothing and changes nothing when all are there.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libcurl4-openssl-dev libssl-dev libkrb5-dev libmicrohttpd-dev libjansson-dev
  libsqlite3-dev libyaml-dev libcyaml-dev libcmocka-dev
  # the lab and the integration tests
  python3 python3-impacket python3-gssapi python3-cryptography python3-yaml
  krb5-kdc krb5-admin-server krb5-user openssl curl util-linux iptables
  iproute2 procps
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

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
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
