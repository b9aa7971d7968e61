#!/usr/bin/env bash
# bench_vulndb: the vulnerability DB. (1) `kensa db import` of each OSV
# archive next to merely decompressing it (`unzip -p FILE > /dev/null`) in
# the same run, and the ratio (issue 3 aims for <= 3x); (2) the full import
# of ../shared/data (a mirror root) and the DB size per 10k advisories;
# (3) `kensa db query` per second on a warm DB (a process per lookup); (4)
# the library query path the matcher uses (lookups/s with every hit
# evaluated) and range blobs vs jansson, from the realdata test binary.
# Prints markdown; medians of $RUNS runs (wall time, seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
: "${KENSA:=$PWD/build/kensa}"
: "${KS_DATA_DIR:=$PWD/../shared/data}"
export KS_DATA_DIR
BUILD=$(dirname "$KENSA")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cpu_time() { # user+sys seconds of one run
  /usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.2f", $1 + $2}'
}

echo "### kensa db import of each OSV archive vs unzip -p"
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, RUNS=$RUNS (median wall seconds; each import builds a new DB)."
echo
echo "| archive | records | MB unzipped | unzip -p s | kensa import s | wall ratio | unzip CPU s | kensa CPU s | CPU ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for zip in "$KS_DATA_DIR"/osv/*/all.zip; do
  eco=$(basename "$(dirname "$zip")")
  n=$(unzip -l "$zip" | tail -1 | awk '{print $2}')
  mb=$(unzip -l "$zip" | tail -1 | awk '{printf "%.1f", $1 / 1e6}')
  [ "$n" -lt 1000 ] && continue # the small subsets only measure process start-up
  tu=$(median_time bash -c 'unzip -p "$0" >/dev/null' "$zip")
  tk=$(median_time bash -c 'rm -f "$1"; "$0" db --db "$1" import "$2"' "$KENSA" "$TMP/one.db" "$zip")
  cu=$(cpu_time bash -c 'unzip -p "$0" >/dev/null' "$zip")
  cpu=$(cpu_time bash -c 'rm -f "$1"; "$0" db --db "$1" import "$2"' "$KENSA" "$TMP/one.db" "$zip")
  printf '| %s | %s | %s | %s | %s | %sx | %s | %s | %sx |\n' "$eco" "$n" "$mb" "$tu" "$tk" \
    "$(ratio "$tk" "$tu")" "$cu" "$cpu" "$(ratio "$cpu" "$cu")"
done

echo
echo "### full import of ../shared/data, DB size"
echo
RUNS_SAVED=$RUNS
RUNS=1
t=$(median_time bash -c 'rm -f "$1"; "$0" db --db "$1" import "$2"' "$KENSA" "$TMP/full.db" "$KS_DATA_DIR")
RUNS=$RUNS_SAVED
rss=$(peak_rss_kb bash -c 'rm -f "$1"; "$0" db --db "$1" import "$2"' "$KENSA" "$TMP/full.db" "$KS_DATA_DIR")
adv=$("$KENSA" db status --db "$TMP/full.db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["advisories"])')
size=$(stat -c %s "$TMP/full.db")
echo "| what | value |"
echo "|---|---|"
echo "| full import (OSV 40k advisories, NVD 219k CVEs, EPSS 360k, KEV 1.4k) | $t s |"
echo "| peak RSS of the full import | $((rss / 1024)) MB |"
echo "| DB file | $((size / 1048576)) MB for $adv advisories + NVD/EPSS/KEV |"
"$KENSA" db --db "$TMP/osv.db" import "$KS_DATA_DIR"/osv >/dev/null
osz=$(stat -c %s "$TMP/osv.db")
oadv=$("$KENSA" db status --db "$TMP/osv.db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["advisories"])')
echo "| DB of the OSV archives alone | $((osz / 1048576)) MB for $oadv advisories: $(echo "scale=2; $osz / 1048576 / ($oadv / 10000)" | bc) MB per 10k advisories |"
echo "| re-import of unchanged data (all sources skipped by digest) | $(median_time "$KENSA" db --db "$TMP/full.db" import "$KS_DATA_DIR") s |"

echo
echo "### kensa db query on a warm DB (a process per lookup)"
echo
N=200
names=$(python3 - "$KS_DATA_DIR" "$N" <<'EOF'
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1] + "/osv/Go/all.zip")
seen = []
for n in sorted(z.namelist()):
    for a in json.loads(z.read(n)).get("affected", []):
        name = a.get("package", {}).get("name")
        if name and name not in seen:
            seen.append(name)
    if len(seen) >= int(sys.argv[2]):
        break
print("\n".join(seen[: int(sys.argv[2])]))
EOF
)
echo "$names" >"$TMP/names"
q=$(median_time bash -c 'while read -r n; do "$0" db --db "$1" query --format json Go "$n" >/dev/null; done <"$2"' "$KENSA" "$TMP/full.db" "$TMP/names")
echo "| lookups | seconds | lookups/s |"
echo "|---|---|---|"
echo "| $N Go packages, \`db query --format json\` | $q | $(echo "scale=0; $N / $q" | bc) |"

echo
echo "### library query path (the matcher's), from tests/unit/vulndb/test_realdata"
echo
echo '```'
(cd tests/unit/vulndb && KS_BENCH_ROUNDS=20 "$BUILD/unit_vulndb_test_realdata" | grep -E "query path|range data|import:")
echo '```'
