#!/usr/bin/env bash
# distro_feeds.sh: the distro feed importers (issue 4) through the real
# binary on the real samples of ../shared/data/fixtures/native-feeds: the
# facts in the DB against vuln-list-update's goldens and the tracker
# samples (distro_check.py reads the DB itself), and bad input: truncated
# or malformed XML/JSON is an error naming the file that leaves the DB as
# it was; unusable records are warnings naming the file and the record.
set -u
KENSA=${KENSA:?KENSA must name the kensa binary}
DATA=${KS_DATA_DIR:?KS_DATA_DIR must name ../shared/data}
HERE=$(cd "$(dirname "$0")" && pwd)
V=$DATA/fixtures/native-feeds/vuln-list-update
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

# --- goldens ----------------------------------------------------------------
DB=$T/g.db
"$KENSA" db --db "$DB" import "$V/redhat-oval/happy" "$V/oracle-oval/elsa-2018-1196-1.xml.bz2" \
    "$V/oracle-oval/all-positive-data.xml.bz2" "$V/cbl-mariner-oval/happy" \
    "$V/photon/cve_data_photon3.0.json" "$V/photon/cve_data_photon2.0.json" \
    "$V/photon/cve_data_photon1.0.json" "$V/almalinux-errata/errata.json" \
    "$V/ubuntu-cve-tracker" "$V/debian-security-tracker/happy/data" >"$T/g.out" 2>"$T/g.err"
rc=$?
check "importing the samples exits 0 ($(head -3 "$T/g.err"))" test $rc -eq 0
# README.md/SECURITY.md beside the Mariner OVAL: skipped with a warning, not an error
check "non-feed files are skipped with a warning" grep -q "skipping '.*README.md'" "$T/g.err"
python3 "$HERE/distro_check.py" goldens "$DB" "$DATA" >"$T/check.out"
rc=$?
check "facts match the goldens: $(grep -c FAIL "$T/check.out") failures" test $rc -eq 0
grep FAIL "$T/check.out" | head -5
tail -1 "$T/check.out"

# Sources are named by content: the files keep generic names.
for s in redhat-oval:8-ansible-2 redhat-oval:7-dotnet-3.1 azure-oval:2.0 azure-oval:3.0 \
    photon:3.0 alma:8 debian:cve debian:dsa debian:dla; do
    check "source $s listed" grep -q "^$s " "$T/g.out"
done

# --- bad input: whole-document errors ---------------------------------------
hash_of() { "$KENSA" db --db "$1" status --format json | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["contentHash"])'; }
before=$(hash_of "$DB")
for f in "$V/amazon-alas/fixtures/updateinfo_invalid.xml.gz" \
    "$V/rocky-updateinfo/fixtures/updateinfo_invalid/updateinfo.xml.gz" \
    "$V/redhat-oval/broken-xml/RHEL6/rhel-6-extras-including-unpatched.oval.xml.bz2" \
    "$V/oracle-oval/broken-oval-data.xml.bz2" "$V/cbl-mariner-oval/sad/cbl-mariner-1.0-oval.xml" \
    "$V/photon/cve_data_photon_invalid_format.json" "$V/almalinux-errata/invalid.json" \
    "$V/redhat-oval/invalid-bzip2/RHEL6/rhel-6-extras-including-unpatched.oval.xml.bz2"; do
    n=$(basename "$f")
    "$KENSA" db --db "$DB" import "$f" >"$T/bad.out" 2>"$T/bad.err"
    rc=$?
    check "$n: exit 3, not $rc" test "$rc" -eq 3
    check "$n: the error names the file ($(head -1 "$T/bad.err"))" grep -q "$n" "$T/bad.err"
done
check "failed imports left the DB as it was" test "$(hash_of "$DB")" = "$before"

# --- bad input: record-level warnings, the rest imported --------------------
"$KENSA" db --db "$T/w.db" import "$V/debian-security-tracker/happy/data/DLA/list" \
    "$V/alpine-secdb/312-main.json" "$V/photon/cve_data_photon3.0_invalid_cveid.json" \
    "$V/oracle-oval/invalid-title-format.xml.bz2" >"$T/w.out" 2>"$T/w.err"
rc=$?
check "warnings only: exit 0 ($(head -2 "$T/w.err"))" test $rc -eq 0
check "the DLA list's malformed header is named" \
    grep -q "record 'line 4' in '.*happy/data/DLA/list': malformed header" "$T/w.err"
check "secdb's {} instead of a list is named with its package" \
    grep -q "record 'ansible 2.8.0-r0' in '.*312-main.json'" "$T/w.err"
check "photon's bad cve id is named" grep -q "record 'CVE-2019-3828-0001'" "$T/w.err"
# "ELSA-2007:0057:" in a title: the elsa reference names the advisory anyway
check "an oddly titled ELSA still imports by its reference" grep -q "^oracle-oval:invalid-title-format .* 1 " "$T/w.out"
check "malformed counts are reported" grep -q "malformed records skipped" "$T/w.out"

# An XML bomb is refused before anything is expanded.
cat >"$T/bomb.xml" <<'X'
<?xml version="1.0"?>
<!DOCTYPE updates [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY x SYSTEM "file:///etc/passwd">]>
<updates><update type="security" from="x"><id>ALAS2-2020-1&c;&x;</id></update></updates>
X
"$KENSA" db --db "$T/w.db" import "$T/bomb.xml" >/dev/null 2>"$T/bomb.err"
check "entity tricks are refused (exit 3)" test $? -eq 3
check "... naming the file and line ($(cat "$T/bomb.err"))" \
    grep -Eq "bomb.xml:[0-9]+: (DTDs and entities are not accepted|malformed XML: Detected an entity reference loop)" "$T/bomb.err"
printf '<?xml version="1.0"?>\n<!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<updates><update type="security"><id>ALAS2-2020-1&x;</id></update></updates>\n' >"$T/xxe.xml"
"$KENSA" db --db "$T/w.db" import "$T/xxe.xml" >/dev/null 2>"$T/xxe.err"
check "an external entity is refused (exit 3)" test $? -eq 3
check "... before anything is read ($(cat "$T/xxe.err"))" grep -q "xxe.xml:[0-9]*: DTDs and entities are not accepted" "$T/xxe.err"

echo "$pass passed, $fail failed"
test "$fail" -eq 0
