#!/usr/bin/env bash
# kensa scan end to end on a small root and a small DB built by the test:
# formats, the --fail-on gate and its exit codes, byte-identical output,
# DB staleness (--max-db-age), a missing DB or target, --ignore-file and
# --output. Each check says what it proves.
set -uo pipefail
: "${KENSA:?KENSA must point at the kensa binary}"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d /tmp/kensa-scan-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3
export KENSA_DB="$tmp/vuln.db"
unset SOURCE_DATE_EPOCH

# --- a Debian 12 root with an old openssl (two binaries, one source) --------
root="$tmp/root"
mkdir -p "$root/etc" "$root/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' >"$root/etc/os-release"
cat >"$root/var/lib/dpkg/status" <<'EOF'
Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: 3.0.8-1
Maintainer: Debian OpenSSL Team

Package: openssl
Status: install ok installed
Architecture: amd64
Version: 3.0.8-1
Maintainer: Debian OpenSSL Team

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
Maintainer: GNU Libc Maintainers

EOF

# --- advisories: one HIGH fixed in 3.0.9-1, one MEDIUM with no fix ---------
osv="$tmp/osv"; mkdir -p "$osv"
cat >"$osv/DEBIAN-CVE-2098-0001.json" <<'EOF'
{"id":"DEBIAN-CVE-2098-0001","modified":"2024-01-01T00:00:00Z","upstream":["CVE-2098-0001"],
 "details":"openssl: a high one","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
 "affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.9-1"}]}]}]}
EOF
cat >"$osv/DEBIAN-CVE-2098-0002.json" <<'EOF'
{"id":"DEBIAN-CVE-2098-0002","modified":"2024-01-01T00:00:00Z","upstream":["CVE-2098-0002"],
 "details":"openssl: a medium one","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:L"}],
 "affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}
EOF

# --- no DB yet: a clear error and exit 3 ----------------------------------
"$KENSA" scan --format json "$root" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "no DB: exit 3" "[ $rc -eq 3 ]"
check "no DB: the message says how to get one" "grep -q 'kensa db update' '$tmp/err'"

"$KENSA" db import "$osv" >"$tmp/import.out" 2>&1
check "db import of the test advisories" "[ $? -eq 0 ]"

# --- a scan and its document -----------------------------------------------
"$KENSA" scan --format json "$root" >"$tmp/scan.json" 2>"$tmp/err"; rc=$?
check "scan exits 0 without --fail-on" "[ $rc -eq 0 ]"
$PY - "$tmp/scan.json" >"$tmp/facts" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
fs = d["findings"]
print("count", len(fs))
for f in fs:
    p = f["packageVulnerabilityDetails"]
    names = ",".join(sorted(v["name"] for v in p["vulnerablePackages"]))
    fixed = ",".join(sorted(v["fixedInVersion"] for v in p["vulnerablePackages"]))
    print("finding", p["vulnerabilityId"], f["severity"], f["fixAvailable"], names, fixed, f["status"])
print("summary", d["summary"]["total"], d["summary"]["bySeverity"]["HIGH"], d["summary"]["bySeverity"]["MEDIUM"])
print("target", d["target"]["type"], d["target"]["os"]["ecosystem"])
PYEOF
check "two findings (one per CVE, both binaries of the source in each)" "grep -qx 'count 2' '$tmp/facts'"
check "CVE-2098-0001: HIGH, fixed in 3.0.9-1 for libssl3 and openssl" \
  "grep -qx 'finding CVE-2098-0001 HIGH YES libssl3,openssl 3.0.9-1,3.0.9-1 ACTIVE' '$tmp/facts'"
check "CVE-2098-0002: MEDIUM, no fix" \
  "grep -qx 'finding CVE-2098-0002 MEDIUM NO libssl3,openssl NotAvailable,NotAvailable ACTIVE' '$tmp/facts'"
check "tzdata has no finding" "! grep -q tzdata '$tmp/facts'"
check "summary counts" "grep -qx 'summary 2 1 1' '$tmp/facts'"
check "target: a HOST on Debian:12" "grep -qx 'target HOST Debian:12' '$tmp/facts'"

# --- the gate ---------------------------------------------------------------
"$KENSA" scan -q --format json --fail-on HIGH "$root" >/dev/null 2>&1; rc=$?
check "--fail-on HIGH with a HIGH finding: exit 1" "[ $rc -eq 1 ]"
"$KENSA" scan -q --format json --fail-on CRITICAL "$root" >/dev/null 2>&1; rc=$?
check "--fail-on CRITICAL without one: exit 0" "[ $rc -eq 0 ]"
"$KENSA" scan -q --format json --fail-on MEDIUM --ignore-unfixed --severity MEDIUM "$root" >"$tmp/f.json" 2>&1; rc=$?
check "--ignore-unfixed hides the unfixed MEDIUM; --severity hides the HIGH: exit 0" "[ $rc -eq 0 ]"
check "... and counts them as hidden" \
  "$PY -c 'import json,sys; d=json.load(open(\"$tmp/f.json\")); sys.exit(0 if d[\"summary\"][\"hidden\"]==2 and not d[\"findings\"] else 1)'"
"$KENSA" scan --fail-on SEVERE "$root" >/dev/null 2>"$tmp/err"; rc=$?
check "--fail-on with an unknown severity: exit 2" "[ $rc -eq 2 ]"
"$KENSA" scan --format xml "$root" >/dev/null 2>"$tmp/err"; rc=$?
check "--format xml: exit 2 naming the formats" "[ $rc -eq 2 ] && grep -q 'table' '$tmp/err'"
"$KENSA" scan "$tmp/no-such-dir" >/dev/null 2>"$tmp/err"; rc=$?
check "missing target: exit 3 naming it" "[ $rc -eq 3 ] && grep -q 'no-such-dir' '$tmp/err'"

# --- suppression -----------------------------------------------------------
cat >"$tmp/ignore.yaml" <<'EOF'
ignore:
  - id: CVE-2098-0001
    package: pkg:deb/debian/openssl
    reason: only used by a batch job behind the firewall
EOF
"$KENSA" scan -q --format json --fail-on HIGH --ignore-file "$tmp/ignore.yaml" "$root" >"$tmp/s.json" 2>&1; rc=$?
check "--ignore-file: the suppressed HIGH no longer trips --fail-on HIGH" "[ $rc -eq 0 ]"
check "... and is shown as SUPPRESSED with the reason" \
  "$PY -c 'import json,sys; d=json.load(open(\"$tmp/s.json\")); f=[x for x in d[\"findings\"] if x[\"status\"]==\"SUPPRESSED\"]; sys.exit(0 if len(f)==1 and \"firewall\" in f[0][\"suppression\"][\"reason\"] else 1)'"
printf 'ignore:\n  - id: CVE-2098-0001\n    until: 2001-01-01\n' >"$tmp/expired.yaml"
"$KENSA" scan -q --format json --fail-on HIGH --ignore-file "$tmp/expired.yaml" "$root" >/dev/null 2>&1; rc=$?
check "an expired rule stops suppressing: exit 1" "[ $rc -eq 1 ]"
printf 'ignore:\n  - until: 2001-01-01\n' >"$tmp/bad.yaml"
"$KENSA" scan -q --ignore-file "$tmp/bad.yaml" "$root" >/dev/null 2>"$tmp/err"; rc=$?
check "a rule without selector: exit 3 naming file and line" "[ $rc -eq 3 ] && grep -q 'bad.yaml:2' '$tmp/err'"

# --- determinism and output files -------------------------------------------
SOURCE_DATE_EPOCH=1735689600 "$KENSA" scan --format json "$root" >"$tmp/a.json" 2>/dev/null
SOURCE_DATE_EPOCH=1735689600 "$KENSA" scan --format json -o "$tmp/b.json" "$root" 2>/dev/null
check "same input, same DB: byte-identical JSON (stdout vs --output)" "cmp -s '$tmp/a.json' '$tmp/b.json'"
"$KENSA" scan --format table "$root" >"$tmp/t.txt" 2>/dev/null
check "table: one row per vulnerable package and a summary line" \
  "[ \$(grep -c 'CVE-2098-000' '$tmp/t.txt') -eq 4 ] && grep -q '^Total: 2 active' '$tmp/t.txt'"

# --- staleness --------------------------------------------------------------
future=$(( $(date +%s) + 30 * 86400 ))
SOURCE_DATE_EPOCH=$future "$KENSA" scan --format json "$root" >/dev/null 2>"$tmp/err"; rc=$?
check "a DB 30 days old warns by default but scans (exit 0)" "[ $rc -eq 0 ] && grep -q 'stale' '$tmp/err'"
SOURCE_DATE_EPOCH=$future "$KENSA" scan --max-db-age 7d --format json "$root" >/dev/null 2>"$tmp/err"; rc=$?
check "--max-db-age 7d on a 30-day-old DB: exit 3" "[ $rc -eq 3 ] && grep -q 'too old' '$tmp/err'"
"$KENSA" scan --max-db-age soon "$root" >/dev/null 2>&1; rc=$?
check "--max-db-age with a bad age: exit 2" "[ $rc -eq 2 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
