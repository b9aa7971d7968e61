#!/usr/bin/env bash
# kensa scan: time split into inventory, match and score/output, matches per
# second, and peak memory, on (1) this machine's root, (2) a Debian root with
# every Debian:12 source package at a real vulnerable version (10k findings),
# (3) an SBOM of 400 PyPI packages. The match stage is compared with the
# inventory stage of the same run. Needs the DB built from ../shared/data.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${KENSA:?}" "${KS_DATA_DIR:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/kensa-bench-scan.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3

"$KENSA" db update --db "$tmp/vuln.db" --mirror "$KS_DATA_DIR" >/dev/null 2>&1
$PY "$here/tests/integration/scan_accuracy_debian.py" make-root "$tmp/debroot" "$KS_DATA_DIR"
$PY "$here/tests/integration/scan_accuracy_lang.py" make PyPI "$KS_DATA_DIR/osv/PyPI/all.zip" 1 \
  "$tmp/pypi" -- $PY "$here/tests/integration/oracles/pep440_oracle.py"

stages() {   # target -> "inventory_ms match_ms score_ms total_s findings packages rss_kb"
  local out s e
  s=$(date +%s.%N)
  out=$(/usr/bin/time -f 'RSS %M' "$KENSA" --log-level info scan --db "$tmp/vuln.db" --format json \
        -o "$tmp/out.json" "$1" 2>&1)
  e=$(date +%s.%N)
  echo "$(sed -n 's/.*inventory_ms=\([0-9.]*\) match_ms=\([0-9.]*\) score_ms=\([0-9.]*\).*/\1 \2 \3/p' <<<"$out") \
$(echo "$e - $s" | bc -l) $(sed -n 's/.*packages=\([0-9]*\) findings=\([0-9]*\).*/\2 \1/p' <<<"$out") \
$(sed -n 's/^RSS //p' <<<"$out")"
}

median_of() {  # field index, rows...
  local f=$1; shift
  printf '%s\n' "$@" | awk -v f="$f" '{print $f}' | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; print m}'
}

echo "### kensa scan (medians of $RUNS runs)"
echo
echo "| target | packages | findings | inventory ms | match ms | score+doc ms | total s | match/inventory | packages matched/s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for t in "/" "$tmp/debroot" "sbom:$tmp/pypi/sbom-0.json"; do
  rows=()
  for ((i = 0; i < RUNS; i++)); do rows+=("$(stages "$t")"); done
  inv=$(median_of 1 "${rows[@]}"); mat=$(median_of 2 "${rows[@]}"); sco=$(median_of 3 "${rows[@]}")
  tot=$(median_of 4 "${rows[@]}"); fnd=$(median_of 5 "${rows[@]}"); pk=$(median_of 6 "${rows[@]}")
  rss=$(median_of 7 "${rows[@]}")
  name=$t; [ "$t" = "$tmp/debroot" ] && name="debian-12 stress root"; [[ "$t" == sbom:* ]] && name="400 PyPI packages (SBOM)"
  printf '| %s | %s | %s | %.1f | %.1f | %.1f | %.2f | %.2f | %.0f | %.0f |\n' "$name" "$pk" "$fnd" "$inv" "$mat" "$sco" \
    "$tot" "$(echo "$mat / ($inv + 0.001)" | bc -l)" "$(echo "$pk / (($mat + 0.001) / 1000)" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
