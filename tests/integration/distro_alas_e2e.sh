#!/usr/bin/env bash
# distro_alas_e2e.sh: Amazon Linux end to end. The AL2023 rpmdb of go-rpmdb
# (amazonlinux2023-plain) is inventoried by `kensa sbom` (it must list what
# its packages.csv lists), the ALAS samples are imported, and for every
# package `kensa db query "Amazon Linux:2023" NAME EVR` must name exactly
# the advisories rpm's own version order (python3-rpm's labelCompare)
# implies; a sweep of real version strings follows (distro_alas_e2e.py).
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
A=$DATA/fixtures/native-feeds/vuln-list-update/amazon-alas/fixtures
R=$DATA/fixtures/rpm/go-rpmdb/amazonlinux2023-plain

# The inventory as the scan will take it: an AL2023 root holding this rpmdb.
mkdir -p "$T/root/var/lib/rpm" "$T/root/etc"
cp "$R/rpmdb.sqlite" "$T/root/var/lib/rpm/"
printf 'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\n' \
    >"$T/root/etc/os-release"
"$KENSA" sbom "dir:$T/root" --format json >"$T/sbom.json" 2>"$T/sbom.err"
rc=$?
check "kensa sbom of the AL2023 root exits 0 ($(head -2 "$T/sbom.err"))" test $rc -eq 0
python3 - "$T/sbom.json" "$R/packages.csv" >"$T/inv.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
got = {(p["name"], p["version"]) for p in d["packages"]}
want = set()
for line in open(sys.argv[2], encoding="utf-8"):
    f = line.rstrip("\n").split("\u00b6")
    want.add((f[1], ("%s:" % f[0] if f[0] else "") + f[2] + "-" + f[3]))
print(d["os"]["ecosystem"], len(got), len(want), got == want)
PY
check "sbom lists packages.csv's 103 packages in Amazon Linux:2023 ($(cat "$T/inv.out"))" \
    test "$(cat "$T/inv.out")" = "Amazon Linux:2023 103 103 True"

DB=$T/vuln.db
"$KENSA" db --db "$DB" import "$A/updateinfo_AL2023.xml.gz" "$A/updateinfo_AL2022.xml.gz" \
    "$A/updateinfo_2_items.xml.gz" >/dev/null 2>"$T/imp.err"
rc=$?
check "ALAS samples import ($(head -2 "$T/imp.err"))" test $rc -eq 0
/usr/bin/python3 "$HERE/distro_alas_e2e.py" "$KENSA" "$DB" "$DATA" >"$T/e2e.out"
rc=$?
check "kensa db query agrees with rpm.labelCompare ($(grep -c FAIL "$T/e2e.out") failures)" test $rc -eq 0
grep -v "^FAIL" "$T/e2e.out" | sed 's/^/  /'
grep FAIL "$T/e2e.out" | head -5

# The fixed version itself is not affected; one release below is.
"$KENSA" db query --db "$DB" "Amazon Linux:2023" rsyslog 8.2204.0-3.amzn2023.0.2 --format json >"$T/q1.json"
check "rsyslog at the fixed version: no advisory" \
    python3 -c 'import json,sys; sys.exit(len(json.load(open(sys.argv[1]))["advisories"]))' "$T/q1.json"
"$KENSA" db query --db "$DB" "Amazon Linux:2023" rsyslog 8.2204.0-3.amzn2023.0.1 --format json >"$T/q2.json"
check "rsyslog one build below: ALAS2023-2023-001, important, fixed in 8.2204.0-3.amzn2023.0.2" \
    python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["advisories"]
sys.exit(0 if len(a) == 1 and a[0]["id"] == "ALAS2023-2023-001" and a[0]["vendorSeverity"] == "important"
         and a[0]["fixedVersion"] == "8.2204.0-3.amzn2023.0.2" and a[0]["status"] == "fixed" else 1)' "$T/q2.json"
# Amazon Linux 2's qemu-kvm (epoch 10) is not Amazon Linux 2023's.
"$KENSA" db query --db "$DB" "Amazon Linux:2023" qemu-kvm 1.5.3-100.amzn2 --format json >"$T/q3.json"
check "an AL2 advisory does not apply to AL2023" \
    python3 -c 'import json,sys; sys.exit(len(json.load(open(sys.argv[1]))["advisories"]))' "$T/q3.json"
"$KENSA" db query --db "$DB" "Amazon Linux:2" qemu-kvm 10:1.5.3-141.amzn2.5.2 --format json >"$T/q4.json"
check "AL2 qemu-kvm 10:1.5.3-141.amzn2.5.2 is affected by ALAS2-2018-942" \
    python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["advisories"]
sys.exit(0 if [x["id"] for x in a] == ["ALAS2-2018-942"] else 1)' "$T/q4.json"

echo "$pass passed, $fail failed"
test "$fail" -eq 0
