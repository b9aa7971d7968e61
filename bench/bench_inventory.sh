#!/usr/bin/env bash
# Inventory benchmarks (issue 5), each next to a reference in the same run:
#  1. this machine's dpkg database: kensa sbom vs dpkg-query -W
#  2. rpmdb reading: kensa sbom vs rpm -qa --dbpath on the fixture DBs
#     (sqlite, and Berkeley DB converted from it; NDB has no reference: Debian's
#     rpm cannot read it)
#  3. the whole root: walk rate (files/s) and peak memory of kensa sbom /
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${KENSA:?}" "${KS_DATA_DIR:?}"
SRC=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/kensa-bench-inv.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home"; mkdir -p "$HOME"   # keep rpm's ~/.rpmdb out of /root

echo "### Inventory ($(date -u +%Y-%m-%d), $(nproc) cores, median of $RUNS runs)"
echo
echo "| what | kensa | reference | ratio (kensa/ref) |"
echo "|---|---|---|---|"

# 1. dpkg: a root holding this machine's status file and file lists
mkdir -p "$tmp/dpkg/var/lib/dpkg/info" "$tmp/dpkg/etc"
cp /var/lib/dpkg/status "$tmp/dpkg/var/lib/dpkg/"
cp /var/lib/dpkg/info/*.list "$tmp/dpkg/var/lib/dpkg/info/"
cp /etc/os-release "$tmp/dpkg/etc/"
mkdir -p "$tmp/status-only/var/lib/dpkg" "$tmp/status-only/etc"
cp /var/lib/dpkg/status "$tmp/status-only/var/lib/dpkg/"
cp /etc/os-release "$tmp/status-only/etc/"
n=$(dpkg-query -W | wc -l)
lists=$(cat /var/lib/dpkg/info/*.list | wc -l)
r=$(median_time dpkg-query -W)
k=$(median_time "$KENSA" sbom "dir:$tmp/status-only")
echo "| dpkg status of this host ($n packages) | ${k} s | dpkg-query -W ${r} s | $(ratio "$k" "$r") |"
k=$(median_time "$KENSA" sbom "dir:$tmp/dpkg")
echo "| ... plus file ownership from info/*.list ($lists paths) | ${k} s | dpkg-query -W ${r} s (reads no lists) | $(ratio "$k" "$r") |"
k2=$(median_time "$KENSA" sbom -f cyclonedx-json "dir:$tmp/dpkg")
echo "| ... written as CycloneDX | ${k2} s | | |"

# 2. rpm: fixture databases, sqlite and Berkeley DB
for db in amazonlinux2023-plain cbl-mariner-2.0; do
  d="$tmp/rpm-$db/var/lib/rpm"; mkdir -p "$d"
  cp "$KS_DATA_DIR/fixtures/rpm/go-rpmdb/$db/rpmdb.sqlite" "$d/"
  n=$(rpm --dbpath "$d" -qa 2>/dev/null | wc -l)
  k=$(median_time "$KENSA" sbom "dir:$tmp/rpm-$db")
  r=$(median_time rpm --dbpath "$d" -qa)
  echo "| rpmdb.sqlite $db ($n packages) | ${k} s | rpm -qa --dbpath ${r} s | $(ratio "$k" "$r") |"
  b="$tmp/bdb-$db/var/lib/rpm"; mkdir -p "$b"
  /usr/bin/python3 "$SRC/tests/tools/mkrpmdb.py" bdbdump "$d/rpmdb.sqlite" "$tmp/dump"
  db5.3_load -f "$tmp/dump" "$b/Packages"
  k=$(median_time "$KENSA" sbom "dir:$tmp/bdb-$db")
  r=$(median_time rpm --dbpath "$b" -qa)
  echo "| Berkeley DB Packages from $db ($n packages) | ${k} s | rpm -qa --dbpath ${r} s | $(ratio "$k" "$r") |"
done
d="$tmp/ndb/usr/lib/sysimage/rpm"; mkdir -p "$d"
cp "$KS_DATA_DIR/fixtures/rpm/go-rpmdb/sle15-bci/Packages.db" "$d/"
k=$(median_time "$KENSA" sbom "dir:$tmp/ndb")
echo "| NDB Packages.db sle15-bci (36 packages) | ${k} s | (Debian's rpm cannot read NDB) | |"

# 3. the whole root
"$KENSA" --log-level info sbom / 2>"$tmp/walk.log" >/dev/null
files=$(sed -n 's/.*walked \([0-9]*\) entries (\([0-9]*\) files).*/\2/p' "$tmp/walk.log" | head -1)
entries=$(sed -n 's/.*walked \([0-9]*\) entries.*/\1/p' "$tmp/walk.log" | head -1)
k=$(median_time "$KENSA" sbom /)
rss=$(peak_rss_kb "$KENSA" sbom /)
r=$(median_time find / -xdev -path /proc -prune -o -path /sys -prune -o -path /dev -prune -o -path /run -prune -o -print)
rate=$(echo "scale=0; $entries / $k" | bc -l)
echo "| whole root: kensa sbom / ($entries entries, $files files or links) | ${k} s, ${rate} entries/s, peak RSS ${rss} KiB | find / -xdev ${r} s | $(ratio "$k" "$r") |"
