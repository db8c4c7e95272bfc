#!/usr/bin/env bash
# deploy/prometheus/ checked with the real tools: every scrape config with
# `promtool check config`, the alert rules with `promtool check rules` and
# their unit tests with `promtool test rules`. Fails on any error.
#   check-deploy.sh DEPLOY_PROMETHEUS_DIR
set -euo pipefail
src=$1
command -v promtool >/dev/null || { echo "promtool missing: run deploy/setup-debian.sh" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp -r "$src"/. "$dir"/
cd "$dir"
n=0
for f in prometheus-*.yml; do
  promtool check config "$f"
  n=$((n + 1))
done
[ "$n" -ge 3 ] || { echo "only $n scrape configs found" >&2; exit 1; }
promtool check rules oaprobe-rules.yml
promtool test rules oaprobe-rules.test.yml
# Every alert of the rules file has a test case.
for a in $(sed -n 's/^ *- alert: *//p' oaprobe-rules.yml); do
  grep -q "alertname: $a\$" oaprobe-rules.test.yml || { echo "no promtool test for $a" >&2; exit 1; }
done
echo "deploy/prometheus: $n scrape configs, rules and their tests pass"
