#!/usr/bin/env bash
# kensa sbom on this machine and on hostile dpkg roots: the host's own
# inventory must list exactly the packages dpkg-query shows as installed,
# with the same versions, architectures and source packages; bad input
# (a 1 GB line, junk) gives warnings naming file and line, never a crash.
set -uo pipefail
: "${KENSA:?KENSA must point at the kensa binary}"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d /tmp/kensa-sbom-host.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3

# --- the host itself vs dpkg-query ------------------------------------------
"$KENSA" sbom / >"$tmp/host.json" 2>"$tmp/host.err"
check "sbom / exits 0" "[ $? -eq 0 ]"
# dpkg's own notion of installed: the status word (installed, or trigger states after it)
dpkg-query -W -f='${db:Status-Status} ${Package} ${Version} ${source:Package} ${source:Version} ${Architecture}\n' |
  awk '$1=="installed"||$1=="triggers-pending"||$1=="triggers-awaited"{print $2, $3, $4, $5, $6}' |
  sort >"$tmp/oracle.txt"
$PY - "$tmp/host.json" >"$tmp/mine.txt" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["packages"]:
    if p.get("extractor") == "dpkg":
        print(p["name"], p["version"], p["sourceName"], p["sourceVersion"], p["arch"])
PYEOF
sort -o "$tmp/mine.txt" "$tmp/mine.txt"
check "host: same packages, versions, sources and arches as dpkg-query ($(wc -l <"$tmp/oracle.txt") packages)" \
  "diff -u '$tmp/oracle.txt' '$tmp/mine.txt' >'$tmp/diff.txt'"
[ -s "$tmp/diff.txt" ] && head -20 "$tmp/diff.txt"
os_id=$(. /etc/os-release; echo "$ID"); os_ver=$(. /etc/os-release; echo "${VERSION_ID:-}")
check "host: os is $os_id $os_ver" \
  "$PY -c 'import json,sys; o=json.load(open(\"$tmp/host.json\"))[\"os\"]; sys.exit(0 if o[\"id\"]==\"$os_id\" and (o[\"versionId\"] or \"\")==\"$os_ver\" else 1)'"
check "host: kernel is uname -r" \
  "$PY -c 'import json,sys; o=json.load(open(\"$tmp/host.json\"))[\"os\"]; sys.exit(0 if o[\"kernel\"]==\"$(uname -r)\" else 1)'"
check "host: target is a live HOST root" \
  "$PY -c 'import json,sys; t=json.load(open(\"$tmp/host.json\"))[\"target\"]; sys.exit(0 if t[\"type\"]==\"HOST\" and t[\"details\"].get(\"liveRoot\")==\"true\" else 1)'"
# Only the canonical database counts: the test fixtures under the tree are not the host.
check "host: no package read from a non-canonical path" \
  "$PY -c 'import json,sys; d=json.load(open(\"$tmp/host.json\")); sys.exit(0 if all(p[\"path\"].startswith(\"var/lib/dpkg/status\") for p in d[\"packages\"] if p.get(\"extractor\")==\"dpkg\") else 1)'"
# Ownership: dpkg's own file list says which package owns /usr/bin/dpkg.
check "host: dpkg owns its own files" \
  "$PY -c 'import json,sys; d=json.load(open(\"$tmp/host.json\")); p=[p for p in d[\"packages\"] if p[\"name\"]==\"dpkg\"][0]; sys.exit(0 if p.get(\"files\",0)>10 else 1)'"

# --- determinism -------------------------------------------------------------
SOURCE_DATE_EPOCH=1700000000 "$KENSA" sbom --skip-dirs tmp --skip-dirs 'work/**' / >"$tmp/a.json" 2>/dev/null
SOURCE_DATE_EPOCH=1700000000 "$KENSA" sbom --skip-dirs tmp --skip-dirs 'work/**' / >"$tmp/b.json" 2>/dev/null
check "same input, byte-identical output" "cmp -s '$tmp/a.json' '$tmp/b.json'"
check "SOURCE_DATE_EPOCH sets the timestamp" "grep -q '2023-11-14T22:13:20Z' '$tmp/a.json'"

# --- a hostile dpkg root -----------------------------------------------------
root="$tmp/root"
mkdir -p "$root/var/lib/dpkg" "$root/etc"
printf 'ID=debian\nVERSION_ID="12"\n' >"$root/etc/os-release"
st="$root/var/lib/dpkg/status"
printf 'Package: first\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\nPackage: huge\nStatus: install ok installed\nDescription: ' >"$st"
truncate -s +1G "$st"   # a 1 GB line of NULs, sparse on disk
printf '\nVersion: 2\n\nPackage: last\nStatus: install ok installed\nVersion: 3.0\nArchitecture: all\n' >>"$st"
start=$(date +%s)
"$KENSA" sbom "dir:$root" >"$tmp/huge.json" 2>"$tmp/huge.err"
rc=$?; end=$(date +%s)
check "1 GB line: exit 0 in $((end - start)) s" "[ $rc -eq 0 ] && [ $((end - start)) -lt 60 ]"
check "1 GB line: the other packages are there" \
  "$PY -c 'import json,sys; n=sorted(p[\"name\"] for p in json.load(open(\"$tmp/huge.json\"))[\"packages\"]); sys.exit(0 if n==[\"first\",\"huge\",\"last\"] else 1)'"
check "1 GB line: warning names file, line and offset" \
  "grep -q 'var/lib/dpkg/status:8: line longer than 1048576 bytes (at byte 123)' '$tmp/huge.err'"
check "1 GB line: warning is in the document too" "grep -q 'line longer than' '$tmp/huge.json'"
peak=$(/usr/bin/time -f '%M' "$KENSA" sbom "dir:$root" 2>&1 >/dev/null | tail -1)
check "1 GB line: peak memory stays small (${peak} KiB)" "[ '$peak' -lt 100000 ]"

# binary junk and a truncated file
head -c 200000 /dev/urandom >"$root/var/lib/dpkg/status"
printf '\n\nPackage: after-junk\nStatus: install ok installed\nVersion: 1\n' >>"$root/var/lib/dpkg/status"
"$KENSA" sbom "dir:$root" >"$tmp/junk.json" 2>"$tmp/junk.err"
check "binary junk: exit 0, no crash" "[ $? -eq 0 ]"
check "binary junk: the package after it survives" "grep -q '\"name\": \"after-junk\"' '$tmp/junk.json'"
check "binary junk: warnings are capped per file" "[ \$(grep -c 'var/lib/dpkg/status' '$tmp/junk.err') -le 60 ]"

# --- CLI errors ----------------------------------------------------------------
"$KENSA" sbom --format xml / >/dev/null 2>"$tmp/e1"; check "unknown format: exit 2" "[ $? -eq 2 ]"
"$KENSA" sbom >/dev/null 2>&1; check "missing target: exit 2" "[ $? -eq 2 ]"
"$KENSA" sbom "$tmp/nonexistent" >/dev/null 2>"$tmp/e2"; check "missing path: exit 3" "[ $? -eq 3 ]"
check "missing path: message names it" "grep -q nonexistent '$tmp/e2'"
"$KENSA" sbom nosuchkind:x >/dev/null 2>"$tmp/e3"; check "unknown target kind: exit 2" "[ $? -eq 2 ]"
"$KENSA" sbom --help >/dev/null; check "--help: exit 0" "[ $? -eq 0 ]"
"$KENSA" sbom -o "$tmp/out.json" "dir:$root" 2>/dev/null
check "--output writes the file" "grep -q after-junk '$tmp/out.json'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
