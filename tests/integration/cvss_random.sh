#!/usr/bin/env bash
# cvss_random.sh: `kensa cvss` against an independent calculator
# (cvss_ref.py) on every base vector of v2.0/v3.0/v3.1, a sample of v4.0 base
# vectors, and random vectors with temporal/threat/environmental/supplemental
# metrics (valid and deliberately broken) from two fixed seeds. Set
# CVSS_RANDOM_N / CVSS_RANDOM_SEEDS for a longer run.
set -euo pipefail
: "${KENSA:?}"
here=$(cd "$(dirname "$0")" && pwd)
n=${CVSS_RANDOM_N:-15000}
status=0; passed=0; failed=0
for seed in ${CVSS_RANDOM_SEEDS:-20240 7}; do
  out=$(python3 "$here/cvss_random_check.py" "$KENSA" "$n" "$seed") || status=1
  printf '%s\n' "$out" | grep -v ' passed, ' || true
  line=$(printf '%s\n' "$out" | tail -1)
  passed=$((passed + $(awk '{print $1}' <<<"$line")))
  failed=$((failed + $(awk '{print $3}' <<<"$line")))
done
echo "$passed passed, $failed failed"
exit $status
