#!/usr/bin/env bash
# deploy/nginx/oaprobe.conf checked by nginx itself: `nginx -t` on a main
# configuration that includes the snippet, with a throwaway self-signed
# certificate in place of the operator's, loopback ports and a private prefix
# (no root, no /etc/nginx, nothing started).
#   check-nginx.sh DEPLOY_NGINX_DIR
set -euo pipefail
src=$1
nginx=$(PATH="$PATH:/usr/sbin" command -v nginx) ||
  { echo "nginx missing: run deploy/setup-debian.sh" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/logs" "$dir/tmp"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=oaprobe.test \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
# The operator's paths and ports, swapped for the throwaway ones.
sed -e "s#/etc/ssl/certs/oaprobe.contoso.com.pem#$dir/cert.pem#" \
    -e "s#/etc/ssl/private/oaprobe.contoso.com.key#$dir/key.pem#" \
    -e 's/listen 443 /listen 127.0.0.1:18443 /; s/listen \[::\]:443 /listen [::1]:18443 /' \
    -e 's/listen 80;/listen 127.0.0.1:18080;/; s/listen \[::\]:80;/listen [::1]:18080;/' \
    "$src/oaprobe.conf" >"$dir/oaprobe.conf"
grep -q "$dir/cert.pem" "$dir/oaprobe.conf" || { echo "certificate path not found in the snippet" >&2; exit 1; }
cat >"$dir/nginx.conf" <<CONF
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    include $dir/oaprobe.conf;
}
CONF
"$nginx" -t -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;'
# The check must be able to fail: a broken snippet is refused.
sed 's/proxy_pass http:\/\/oaprobe;/proxy_pass http:\/\/oaprobe/' "$dir/oaprobe.conf" >"$dir/broken.conf"
sed -i "s#include $dir/oaprobe.conf#include $dir/broken.conf#" "$dir/nginx.conf"
if "$nginx" -t -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' 2>/dev/null; then
  echo "nginx -t accepted a broken snippet; the test proves nothing" >&2
  exit 1
fi
echo "deploy/nginx/oaprobe.conf: nginx -t ok"
