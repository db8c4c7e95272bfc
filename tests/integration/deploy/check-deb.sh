#!/usr/bin/env bash
# The Debian package, end to end: builds it with CPack (a release build of
# its own), inspects it (dpkg-deb -I/-c: Depends from the shared libraries,
# the conffile, every file in place), installs it, checks the installed unit
# with systemd-analyze verify, and runs the installed binary: `oaprobe serve`
# against the lab's healthy endpoint (127.62.x.y), /healthz answers.
#
#   check-deb.sh SOURCE_DIR BUILD_DIR
#
# Installing: with CI=true or OAPROBE_DEB_INSTALL=1 (a root machine)
# `dpkg -i` for real, then `dpkg --purge` at the end. A purge keeps the
# oaprobe system user, /var/lib/oaprobe and /etc/oaprobe/credentials (the
# package's postrm: Debian keeps a package's system user and the operator's
# data), so the test then removes those of them that did not exist before it
# ran (userdel, groupdel, rm) and checks that the machine is as it found it,
# also when it fails half-way. Otherwise the package is unpacked into a
# scratch root (dpkg-deb -x) and its postinst's steps (sysusers, tmpfiles)
# run there with --root, so a developer's machine is left alone.
set -euo pipefail
src=$1 build=$2
real=0
if [ "${CI:-}" = true ] || [ "${OAPROBE_DEB_INSTALL:-}" = 1 ]; then real=1; fi
scratch=$(mktemp -d)
serve_pid=
# what the machine had before the install: left as it was
had_user=0 had_group=0 had_var=0 had_etc=0
if [ "$real" = 1 ]; then
  if getent passwd oaprobe >/dev/null; then had_user=1; fi
  if getent group oaprobe >/dev/null; then had_group=1; fi
  if [ -e /var/lib/oaprobe ]; then had_var=1; fi
  if [ -e /etc/oaprobe ]; then had_etc=1; fi
fi
# purge the package, then remove what the purge keeps and the test created
uninstall() {
  if dpkg-query -W oaprobe >/dev/null 2>&1; then dpkg --purge oaprobe >/dev/null; fi
  if [ $had_user = 0 ] && getent passwd oaprobe >/dev/null; then userdel oaprobe; fi
  if [ $had_group = 0 ] && getent group oaprobe >/dev/null; then groupdel oaprobe; fi
  if [ $had_var = 0 ]; then rm -rf /var/lib/oaprobe; fi
  if [ $had_etc = 0 ]; then rm -rf /etc/oaprobe; fi
}
cleanup() {
  local p
  for p in $serve_pid ${lab_pid:-}; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ "$real" = 1 ]; then uninstall || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
fail() { echo "check-deb: $*" >&2; exit 1; }

# 1. build and package
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOAPROBE_TESTS=OFF >/dev/null
cmake --build "$build" -j 2 >/dev/null
rm -f "$build"/oaprobe_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/oaprobe_*.deb)
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# 2. inspect
info=$(dpkg-deb -I "$deb")
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for d in systemd libc6 libcurl4 libssl3 libyaml-0-2; do
  printf '%s' "$depends" | grep -qE "(^|, )$d( |,|$)" || fail "Depends lacks $d"
done
# every shared library the binary needs is covered by a Depends package
dpkg-deb -x "$deb" "$scratch/x"
for lib in $(objdump -p "$scratch/x/usr/bin/oaprobe" | awk '$1 == "NEEDED" { print $2 }'); do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && !n++ { print $NF }')
  [ -n "$path" ] || fail "$lib: not found by ldconfig"
  pkg=
  for p in "$path" "/usr$path" "$(readlink -f "$path")"; do # usrmerge: either spelling
    pkg=$(dpkg -S "$p" 2>/dev/null | sed -n 's/:.*//p' | sed -n 1p) && [ -n "$pkg" ] && break
  done
  [ -n "$pkg" ] || fail "$lib: no package owns $path"
  printf '%s' "$depends" | grep -qE "(^|, )$pkg( |,|$)" || fail "$lib ($pkg) is not in Depends"
done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/oaprobe/oaprobe.yml ] ||
  fail "conffiles is not /etc/oaprobe/oaprobe.yml"
printf '%s\n' "$info" | grep -q ' postinst ' || fail "no postinst"
files=$(dpkg-deb -c "$deb" | awk '{ print $NF }')
for f in ./usr/bin/oaprobe ./usr/lib/systemd/system/oaprobe.service \
         ./usr/lib/sysusers.d/oaprobe.conf ./usr/lib/tmpfiles.d/oaprobe.conf \
         ./etc/oaprobe/oaprobe.yml ./usr/share/doc/oaprobe/examples/oaprobe.example.yml \
         ./usr/share/man/man1/oaprobe.1.gz ./usr/share/man/man5/oaprobe.yml.5.gz; do
  printf '%s\n' "$files" | grep -qx "$f" || fail "$f is not in the package"
done
echo "dpkg-deb: control, conffiles and files ok"

# 3. install
if [ "$real" = 1 ]; then
  dpkg -i "$deb"
  root=
  getent passwd oaprobe >/dev/null || fail "postinst created no oaprobe user"
  [ "$(stat -c '%a %U' /var/lib/oaprobe)" = "750 oaprobe" ] || fail "/var/lib/oaprobe: $(stat -c '%a %U' /var/lib/oaprobe)"
  [ "$(stat -c '%a %U' /etc/oaprobe/credentials)" = "700 root" ] || fail "/etc/oaprobe/credentials: wrong mode"
  systemd-analyze verify /usr/lib/systemd/system/oaprobe.service
  man -w oaprobe >/dev/null && man -w 5 oaprobe.yml >/dev/null || fail "man cannot find the pages"
  echo "dpkg -i: installed; systemd-analyze verify (man pages included) ok"
else
  root=$scratch/root
  dpkg-deb -x "$deb" "$root"
  mkdir -p "$root/etc/systemd/system"
  ln -s usr/lib "$root/lib"
  ln -s usr/bin "$root/bin"
  cp /bin/kill "$root/usr/bin/kill"
  cp /lib/systemd/system/*.target "$root/usr/lib/systemd/system/"
  touch "$root/etc/passwd" "$root/etc/group" "$root/etc/shadow" "$root/etc/gshadow"
  systemd-sysusers --root="$root" oaprobe.conf
  systemd-tmpfiles --root="$root" --create oaprobe.conf
  [ "$(stat -c '%a' "$root/var/lib/oaprobe")" = 750 ] || fail "tmpfiles: /var/lib/oaprobe mode"
  systemd-analyze verify --man=no --root="$root" oaprobe.service
  for p in "$root"/usr/share/man/man*/*.gz; do
    [ -z "$(MANWIDTH=80 man --warnings -l -P cat "$p" 2>&1 >/dev/null)" ] || fail "man warns on $p"
  done
  echo "unpacked into a scratch root (set OAPROBE_DEB_INSTALL=1 to dpkg -i); systemd-analyze verify ok"
fi

# 4. the installed binary
bin=$root/usr/bin/oaprobe
"$bin" --version
"$bin" config check "$root/etc/oaprobe/oaprobe.yml"
# 5. the installed `oaprobe serve` against the lab (its healthy endpoint, on
# 127.62.x.y): /healthz answers and the target's first run is ok
lab_pid=
mkdir -p "$scratch/lab"
/usr/bin/python3 "$src/tests/lab/oalab.py" --scenarios healthy --state "$scratch/lab" --net 62 --no-kdc \
  >"$scratch/lab/out" 2>&1 &
lab_pid=$!
for _ in $(seq 1 200); do
  grep -q '^READY' "$scratch/lab/out" 2>/dev/null && break
  kill -0 "$lab_pid" 2>/dev/null || { cat "$scratch/lab/out" >&2; fail "the lab did not start"; }
  sleep 0.1
done
grep -q '^READY' "$scratch/lab/out" || fail "the lab did not start in 20 s"
port=$(PYTHONPATH="$src/tests/lab" /usr/bin/python3 -c 'import ports; print(ports.free_port())')
/usr/bin/python3 - "$scratch" "$port" >"$scratch/serve.yml" <<'PY'
import json, os, sys
d, port = sys.argv[1], sys.argv[2]
lab = json.load(open(d + "/lab/lab.json"))
s, u = lab["scenarios"]["healthy"], lab["users"][0]
fd = os.open(d + "/password", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, u["password"].encode())
os.close(fd)
print("listen: 127.0.0.1:%s\nstorage: %s/oaprobe.db\ntargets:" % (port, d))
print("  - {name: healthy, host: %s, resolve: '%s:%s:%s', cacert: %s, user: '%s\\%s', password_file: %s/password, interval: 5s, timeout: 5s}"
      % (s["host"], s["host"], s["https_port"], s["address"], lab["ca_bundle"],
         lab["domain"]["netbios"], u["user"], d))
PY
"$bin" serve --config "$scratch/serve.yml" 2>"$scratch/serve.log" &
serve_pid=$!
status=
for _ in $(seq 1 300); do
  kill -0 "$serve_pid" 2>/dev/null || { cat "$scratch/serve.log" >&2; fail "serve exited"; }
  status=$(curl -fsS "http://127.0.0.1:$port/api/v1/targets" 2>/dev/null |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["targets"][0]["status"])' 2>/dev/null) || true
  [ "$status" = ok ] && break
  sleep 0.1
done
[ "$(curl -fsS "http://127.0.0.1:$port/healthz")" = ok ] || fail "/healthz does not answer ok"
[ "$status" = ok ] || { cat "$scratch/serve.log" >&2; fail "the lab's healthy target is '$status', not ok"; }
echo "installed oaprobe serve: /healthz answers ok; the lab's healthy endpoint is ok"
kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve exited $? on SIGTERM"
serve_pid=
kill -TERM "$lab_pid"
wait "$lab_pid" || true
lab_pid=

# 6. purge: the package's files go, its user and data stay (postrm), and the
# test removes those it created
if [ "$real" = 1 ]; then
  dpkg --purge oaprobe >/dev/null
  [ ! -e /usr/bin/oaprobe ] && [ ! -e /etc/oaprobe/oaprobe.yml ] || fail "dpkg --purge left the package's files"
  getent passwd oaprobe >/dev/null || fail "dpkg --purge removed the oaprobe user (postrm keeps it)"
  [ -d /var/lib/oaprobe ] || fail "dpkg --purge removed /var/lib/oaprobe (postrm keeps it)"
  uninstall
  now_user=0 now_group=0 now_var=0 now_etc=0
  if getent passwd oaprobe >/dev/null; then now_user=1; fi
  if getent group oaprobe >/dev/null; then now_group=1; fi
  if [ -e /var/lib/oaprobe ]; then now_var=1; fi
  if [ -e /etc/oaprobe ]; then now_etc=1; fi
  [ "$now_user$now_group$now_var$now_etc" = "$had_user$had_group$had_var$had_etc" ] ||
    fail "after the purge: user, group, /var/lib/oaprobe, /etc/oaprobe are $now_user$now_group$now_var$now_etc, were $had_user$had_group$had_var$had_etc"
  echo "dpkg --purge: files removed; the user and /var/lib/oaprobe the install created removed by the test"
fi
echo "check-deb: ok"
