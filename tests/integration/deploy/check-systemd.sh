#!/usr/bin/env bash
# deploy/systemd checked with systemd's own tools, without a running systemd:
#   - `systemd-analyze security --offline` on the unit: prints the exposure
#     score and fails above OAPROBE_SECURITY_MAX (default 2.0, "OK");
#   - `systemd-analyze verify` on the unit inside a throwaway root holding
#     the given oaprobe binary, /usr/bin/kill and the host's target units;
#   - systemd-sysusers and systemd-tmpfiles on the sysusers.d/tmpfiles.d
#     files, into the same root: the user exists, the directories have their
#     owners and modes.
#   check-systemd.sh DEPLOY_SYSTEMD_DIR OAPROBE_BINARY
set -euo pipefail
src=$1 bin=$2
max=${OAPROBE_SECURITY_MAX:-2.0}
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing: run deploy/setup-debian.sh" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# 1. the exposure score (0 = locked down, 10 = unrestricted)
out=$(systemd-analyze security --offline=true --no-pager "$src/oaprobe.service" 2>&1)
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for oaprobe.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || { printf '%s\n' "$out" >&2; echo "no exposure score found" >&2; exit 1; }
printf '%s\n' "$out" | grep '✗' || true
echo "systemd-analyze security: oaprobe.service exposure $score (at most $max wanted)"
awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }' ||
  { echo "exposure $score is above $max" >&2; exit 1; }

# 2. verify inside a root with what the unit runs
mkdir -p "$root/usr/bin" "$root/usr/lib/systemd/system" "$root/etc/systemd/system" \
         "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d"
ln -s usr/bin "$root/bin"
ln -s usr/lib "$root/lib"
cp "$bin" "$root/usr/bin/oaprobe"
cp /bin/kill "$root/usr/bin/kill"
cp /lib/systemd/system/*.target "$root/usr/lib/systemd/system/"
cp "$src/oaprobe.service" "$root/usr/lib/systemd/system/"
systemd-analyze verify --man=no --root="$root" oaprobe.service
echo "systemd-analyze verify: oaprobe.service ok"

# 3. the user and the directories
touch "$root/etc/passwd" "$root/etc/group" "$root/etc/shadow" "$root/etc/gshadow"
cp "$src/oaprobe.sysusers" "$root/usr/lib/sysusers.d/oaprobe.conf"
cp "$src/oaprobe.tmpfiles" "$root/usr/lib/tmpfiles.d/oaprobe.conf"
systemd-sysusers --root="$root" oaprobe.conf
grep -q '^oaprobe:x:[0-9]*:[0-9]*:[^:]*:/var/lib/oaprobe:/usr/sbin/nologin$' "$root/etc/passwd" ||
  { cat "$root/etc/passwd" >&2; echo "sysusers: no oaprobe user" >&2; exit 1; }
uid=$(awk -F: '$1 == "oaprobe" { print $3 }' "$root/etc/passwd")
systemd-tmpfiles --root="$root" --create oaprobe.conf
want() { # PATH MODE UID
  local got
  got=$(stat -c '%a %u' "$root$1")
  [ "$got" = "$2 $3" ] || { echo "tmpfiles: $1 is '$got', want '$2 $3'" >&2; exit 1; }
}
want /etc/oaprobe/credentials 700 0
want /var/lib/oaprobe 750 "$uid"
echo "systemd-sysusers, systemd-tmpfiles: user oaprobe ($uid), /etc/oaprobe/credentials, /var/lib/oaprobe ok"
