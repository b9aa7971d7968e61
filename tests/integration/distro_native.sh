#!/usr/bin/env bash
# distro_native.sh: the larger real sets in ../shared/data/native (Alpine
# secdb v3.2-v3.21 + edge, Debian OVAL for bookworm and bullseye, USN OVAL
# for jammy and noble, Debian's DSA and DLA lists) read the way `kensa db
# update --mirror ../shared/data` reads them: counts, spot checks, and the
# same facts as ../shared/data/osv's records converted from the same files
# (distro_check.py native). Then `db status` lists the sources with their
# age, and a second update finds everything unchanged.
set -u
KENSA=${KENSA:?KENSA must name the kensa binary}
DATA=${KS_DATA_DIR:?KS_DATA_DIR must name ../shared/data}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() {
    local d=$1
    shift
    if "$@"; then ok; else bad "$d"; fi
}
DB=$T/vuln.db
SRC="--source secdb --source debian --source debian-oval --source usn-oval"

# shellcheck disable=SC2086
"$KENSA" db update --db "$DB" --mirror "$DATA" $SRC --format json >"$T/u1.json" 2>"$T/u1.err"
rc=$?
check "update from the mirror exits 0 ($(grep -v warn "$T/u1.err" | head -2))" test $rc -eq 0
py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $1" "$T/u1.json"; }
# 41 secdb files, 2 Debian OVAL, 2 USN OVAL, the DSA and DLA lists (no CVE list:
# the snapshot's was over 4 MiB, so Debian OVAL is used as the fallback)
check "47 distro sources read" test "$(py 'print(len([s for s in d["sources"] if s["state"] == "imported"]))')" = 47
check "the Debian tracker CVE list is not in the mirror" \
    test "$(py 'print(any(s["source"] == "debian:cve" for s in d["sources"]))')" = False
check "no OSV, NVD, EPSS or KEV source (--source)" \
    test "$(py 'print(any(s["source"].split(":")[0] in ("osv","nvd","epss","kev") for s in d["sources"]))')" = False
python3 "$HERE/distro_check.py" native "$DB" "$DATA" >"$T/check.out"
rc=$?
check "native facts ($(grep -c FAIL "$T/check.out") failures)" test $rc -eq 0
grep -v "^FAIL" "$T/check.out" | sed 's/^/  /'
grep FAIL "$T/check.out" | head -5

# Warnings name the file and the record (secdb's "CVE-46838" and friends).
check "bad ids in secdb are warnings naming file and record" \
    grep -q "skipping record '.*' in '.*alpine-secdb/.*': '.*' is not a valid CVE id" "$T/u1.err"

# status lists each source with its age
"$KENSA" db status --db "$DB" >"$T/status.txt"
for s in secdb:alpine-v3.21-main secdb:alpine-edge-community debian:dsa debian:dla \
    debian-oval:12 debian-oval:11 usn-oval:jammy usn-oval:noble; do
    check "status lists $s" grep -q "^$s " "$T/status.txt"
done
check "status shows the OVAL generator time" grep -q "2023-07-14T03:39:10" "$T/status.txt"

# the same mirror again: every source unchanged, no new advisories
# shellcheck disable=SC2086
"$KENSA" db update --db "$DB" --mirror "$DATA" $SRC --format json >"$T/u2.json" 2>/dev/null
check "second update exits 0" test $? -eq 0
check "second update: everything unchanged" test "$(python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
print(all(s["state"] == "unchanged" for s in d["sources"]) and len(d["sources"]) == 47)' "$T/u2.json")" = True

# queries the matcher will make: a version before a fix, and the fixed one
"$KENSA" db query --db "$DB" Debian:11 glibc 2.31-13+deb11u2 --format json >"$T/q.json"
check "Debian:11 glibc 2.31-13+deb11u2 is affected by DEBIAN-CVE-2021-3999/11" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if any(a["id"] == "DEBIAN-CVE-2021-3999/11" and a["fixedVersion"] == "2.31-13+deb11u4"
                  for a in d["advisories"]) else 1)' "$T/q.json"
"$KENSA" db query --db "$DB" Debian:11 glibc 2.31-13+deb11u4 --format json >"$T/q.json"
check "... and 2.31-13+deb11u4 is not" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if not any(a["id"] == "DEBIAN-CVE-2021-3999/11" for a in d["advisories"]) else 1)' "$T/q.json"

echo "$pass passed, $fail failed"
test "$fail" -eq 0
