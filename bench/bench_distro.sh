#!/usr/bin/env bash
# bench_distro: the distro feed importers (issue 4). Each real input of
# ../shared/data/native is imported by `kensa db import` into a new DB next
# to merely decompressing it (bzcat/zcat/cat > /dev/null) in the same run,
# and the ratio; then the whole native/ tree through `db update --mirror`
# (time and peak RSS). Prints markdown; medians of $RUNS runs (wall s).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
: "${KENSA:=$PWD/build/kensa}"
: "${KS_DATA_DIR:=$PWD/../shared/data}"
N=$KS_DATA_DIR/native
V=$KS_DATA_DIR/fixtures/native-feeds/vuln-list-update
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cpu_time() { # user+sys seconds of one run
  /usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.2f", $1 + $2}'
}
decomp_out() { # every file, decompressed, to stdout
  for f in "$@"; do
    case "$f" in
    *.bz2) bzcat "$f" ;;
    *.gz) zcat "$f" ;;
    *) cat "$f" ;;
    esac
  done
}
decomp() { decomp_out "$@" >/dev/null; } # the reference
export -f decomp_out decomp

echo "### kensa db import of each distro feed vs decompressing it"
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, RUNS=$RUNS (median wall seconds; each import builds a new DB)."
echo
echo "| feed | input | advisories | MB decompressed | decompress s | kensa import s | ratio | advisories/s | kensa CPU s (1 run) |"
echo "|---|---|---|---|---|---|---|---|---|"
row() { # label, files...
  local label=$1
  shift
  local mb td tk cpu adv
  mb=$(decomp_out "$@" | wc -c | awk '{printf "%.1f", $1 / 1e6}')
  td=$(median_time bash -c 'decomp "$@"' _ "$@")
  tk=$(median_time bash -c 'rm -f "$1"; k=$0; db=$1; shift 2; "$k" db --db "$db" import "$@"' \
    "$KENSA" "$TMP/one.db" x "$@")
  cpu=$(cpu_time bash -c 'rm -f "$1"; k=$0; db=$1; shift 2; "$k" db --db "$db" import "$@"' \
    "$KENSA" "$TMP/one.db" x "$@")
  adv=$("$KENSA" db status --db "$TMP/one.db" --format json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["advisories"])')
  printf '| %s | %s files | %s | %s | %s | %s | %sx | %s | %s |\n' "$label" "$#" "$adv" "$mb" "$td" \
    "$tk" "$(ratio "$tk" "$td")" "$(echo "scale=0; $adv / $tk" | bc)" "$cpu"
}
row "Debian OVAL bookworm (bz2)" "$N/debian-oval/oval-definitions-bookworm.xml.bz2"
row "Debian OVAL bullseye (bz2)" "$N/debian-oval/oval-definitions-bullseye.xml.bz2"
row "USN OVAL jammy (bz2)" "$N/ubuntu-oval/com.ubuntu.jammy.usn.oval.xml.bz2"
row "USN OVAL noble (bz2)" "$N/ubuntu-oval/com.ubuntu.noble.usn.oval.xml.bz2"
# shellcheck disable=SC2046
row "Alpine secdb v3.2-v3.21 + edge (JSON)" $(find "$N/alpine-secdb" -name '*.json' | sort)
row "Debian DSA + DLA lists (text)" "$N/debian-security-tracker/data/DSA/list" \
  "$N/debian-security-tracker/data/DLA/list"
row "ALAS updateinfo AL2023 + AL2022 + AL2 (gz samples)" "$V/amazon-alas/fixtures/updateinfo_AL2023.xml.gz" \
  "$V/amazon-alas/fixtures/updateinfo_AL2022.xml.gz" "$V/amazon-alas/fixtures/updateinfo_2_items.xml.gz"
row "Red Hat OVAL v2 samples (bz2)" "$V/redhat-oval/happy/RHEL8/ansible-2-including-unpatched.oval.xml.bz2" \
  "$V/redhat-oval/happy/RHEL6/rhel-6-extras-including-unpatched.oval.xml.bz2" \
  "$V/redhat-oval/happy/RHEL7/dotnet-3.1-including-unpatched.oval.xml.bz2"

echo
echo "### db update --mirror ../shared/data, the distro feeds only"
echo
RUNS_SAVED=$RUNS
RUNS=1
SRC="--source secdb --source debian --source debian-oval --source usn-oval"
# shellcheck disable=SC2086
t=$(median_time bash -c 'rm -f "$1"; k=$0; db=$1; shift 2; "$k" db update --db "$db" "$@"' \
  "$KENSA" "$TMP/m.db" x --mirror "$KS_DATA_DIR" $SRC)
RUNS=$RUNS_SAVED
# shellcheck disable=SC2086
rss=$(peak_rss_kb bash -c 'rm -f "$1"; k=$0; db=$1; shift 2; "$k" db update --db "$db" "$@"' \
  "$KENSA" "$TMP/m.db" x --mirror "$KS_DATA_DIR" $SRC)
adv=$("$KENSA" db status --db "$TMP/m.db" --format json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["advisories"])')
size=$(stat -c %s "$TMP/m.db")
# shellcheck disable=SC2086
t2=$(median_time "$KENSA" db update --db "$TMP/m.db" --mirror "$KS_DATA_DIR" $SRC)
echo "| what | value |"
echo "|---|---|"
echo "| 47 sources (41 secdb files, 2 Debian OVAL, 2 USN OVAL, DSA, DLA): first update | $t s |"
echo "| peak RSS | $((rss / 1024)) MB |"
echo "| DB file | $((size / 1048576)) MB for $adv advisories |"
echo "| second update, nothing changed (digests) | $t2 s |"
