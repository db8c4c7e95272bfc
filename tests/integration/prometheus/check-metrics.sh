#!/usr/bin/env bash
# Renders /metrics and /probe for the sample view (healthy, certificate
# expiring, ValidPorts gap, backend down, many labels, odd label values with
# quotes, backslashes, newlines, UTF-8 and invalid names) and pipes each
# exposition through `promtool check metrics`. Any complaint fails the test.
#   check-metrics.sh RENDER_SAMPLES
set -euo pipefail
render_samples=$1
command -v promtool >/dev/null || { echo "promtool missing: run deploy/setup-debian.sh" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$render_samples" "$dir"
n=0
fail=0
for f in "$dir"/metrics*.txt "$dir"/probe-*.txt; do
  n=$((n + 1))
  if ! out=$(promtool check metrics < "$f" 2>&1) || [ -n "$out" ]; then
    echo "promtool check metrics: $(basename "$f"):" >&2
    echo "$out" >&2
    fail=1
  fi
done
# The check must be able to fail: a broken exposition is refused.
printf '# HELP x y\n# TYPE x gauge\nx{a="b\nc"} 1\n' > "$dir/broken.txt"
if promtool check metrics < "$dir/broken.txt" >/dev/null 2>&1; then
  echo "promtool accepted a broken exposition; the test proves nothing" >&2
  fail=1
fi
[ "$n" -ge 7 ] || { echo "only $n expositions rendered" >&2; fail=1; }
[ "$fail" -eq 0 ] && echo "promtool check metrics: $n expositions clean"
exit "$fail"
