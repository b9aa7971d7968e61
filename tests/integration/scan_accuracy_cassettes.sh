#!/usr/bin/env bash
# Matching accuracy against osv.dev's own answers: every (ecosystem, package,
# version) query in osv-scanner's recorded api.osv.dev cassettes
# (../shared/data/fixtures/osv-api-cassettes) goes into one CycloneDX SBOM,
# `kensa scan` matches it against the snapshot's OSV archives, and
# scan_accuracy_cassettes.py holds Kensa's advisories against osv.dev's
# (docs/accuracy.md): no advisory the snapshot holds may be missed, every
# extra one must have a reason, releases without data must be reported.
set -uo pipefail
: "${KENSA:?}" "${KS_DATA_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
CAS="$KS_DATA_DIR/fixtures/osv-api-cassettes/osv-scanner/image"
tmp=$(mktemp -d /tmp/kensa-acc-cas.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

if $PY "$here/scan_accuracy_cassettes.py" sbom "$CAS" "$tmp/sbom.json" 2>"$tmp/err"; then
  ok "cassette queries written as an SBOM"
else
  bad "cannot read the cassettes: $(tail -2 "$tmp/err")"
fi
zips=()
for e in Alpine Debian Go Maven PyPI npm crates.io; do zips+=("$KS_DATA_DIR/osv/$e/all.zip"); done
if "$KENSA" db import --db "$tmp/vuln.db" "${zips[@]}" >/dev/null 2>"$tmp/err"; then
  ok "db import of the OSV archives"
else
  bad "db import: $(tail -2 "$tmp/err")"
fi
"$KENSA" scan --db "$tmp/vuln.db" --format json "sbom:$tmp/sbom.json" >"$tmp/findings.json" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ]; then ok "kensa scan of the SBOM"; else bad "kensa scan exit $rc: $(head -2 "$tmp/err")"; fi
if $PY "$here/scan_accuracy_cassettes.py" compare "$CAS" "$KS_DATA_DIR" "$tmp/findings.json" \
     "$here/scan_accuracy_cassettes_known.tsv"; then
  ok "Kensa agrees with osv.dev on every advisory the snapshot holds"
else
  bad "Kensa and osv.dev disagree (above)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
