#!/usr/bin/env bash
# bench_version: `kensa version compare` in batch mode, pairs per second,
# next to each ecosystem's own tool on the same real pairs in the same run
# (tests/integration/oracles/pairs.py builds them from the shared data).
# The tools run in one process for all pairs, except dpkg, which has no
# batch mode: `dpkg --compare-versions` runs once or twice per pair, on a
# smaller slice. Prints a markdown table (medians of $RUNS runs).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
: "${KENSA:=$PWD/build/kensa}"
: "${KS_DATA_DIR:=$PWD/../shared/data}"
export KS_DATA_DIR
N=${BENCH_VERSION_PAIRS:-100000}
NDPKG=${BENCH_VERSION_DPKG_PAIRS:-1000}
O=tests/integration/oracles
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

rate() { echo "scale=0; $1 / $2" | bc -l; }

row() { # scheme eco kensa-pairs tool-pairs reference-label reference-cmd...
  local scheme=$1 eco=$2 fk=$3 ft=$4 label=$5
  shift 5
  local nk nt tk tr rk rt
  nk=$(wc -l <"$fk")
  nt=$(wc -l <"$ft")
  tk=$(median_time bash -c '"$0" version compare "$1" <"$2"' "$KENSA" "$eco" "$fk")
  tr=$(median_time bash -c '"$@" <"'"$ft"'"' _ "$@")
  rk=$(rate "$nk" "$tk")
  rt=$(rate "$nt" "$tr")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %sx |\n' "$scheme" "$nk" "$tk" "$rk" \
    "$label" "$nt" "$tr" "$rt" "$(ratio "$rk" "$rt")"
}

# Only pairs every side accepts, so each run exits 0 and times the same work.
for spec in dpkg:Debian "rpm:Red Hat" pep440:PyPI rubygems:RubyGems composer:Packagist maven:Maven; do
  s=${spec%%:*}
  "$PY" $O/pairs.py "$s" "$N" 7 >"$TMP/$s.all" 2>/dev/null
  "$KENSA" version compare "${spec#*:}" <"$TMP/$s.all" >"$TMP/$s.out" 2>/dev/null || true
  paste "$TMP/$s.all" "$TMP/$s.out" | awk -F'\t' '$3 != "?"' | cut -f1,2 >"$TMP/$s.tsv"
done
head -n "$NDPKG" "$TMP/dpkg.tsv" >"$TMP/dpkg-small.tsv"

echo "### kensa version compare (batch) vs the ecosystems' tools"
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, RUNS=$RUNS (median wall time, seconds)."
echo
echo "| scheme | kensa pairs | kensa s | kensa pairs/s | reference tool | tool pairs | tool s | tool pairs/s | kensa/tool |"
echo "|---|---|---|---|---|---|---|---|---|"
row dpkg Debian "$TMP/dpkg.tsv" "$TMP/dpkg-small.tsv" "dpkg --compare-versions (a process per pair)" bash $O/dpkg_oracle.sh
for spec in "rpm|Red Hat|python3-rpm rpm.ver (librpm rpmverCmp)|$PY $O/rpm_oracle.py" \
            "pep440|PyPI|packaging.version (python3)|$PY $O/pep440_oracle.py" \
            "rubygems|RubyGems|Gem::Version (ruby)|ruby $O/rubygems_oracle.rb" \
            "composer|Packagist|composer/semver (php)|php $O/composer_oracle.php" \
            "maven|Maven|ComparableVersion (java, one JVM)|java -cp /usr/share/maven/lib/maven-artifact-3.x.jar $O/MavenOracle.java"; do
  IFS='|' read -r s eco label cmd <<<"$spec"
  # shellcheck disable=SC2086 # cmd is a word list on purpose
  row "$s" "$eco" "$TMP/$s.tsv" "$TMP/$s.tsv" "$label" $cmd
done
