#!/usr/bin/env bash
# Matching accuracy on real data against an independent oracle: every
# Debian:12 source package in osv/Debian/all.zip installed at one of its real
# (published) versions, plus this machine's own packages, scanned by kensa
# and checked pair by pair against apt_pkg.version_compare (dpkg's own
# comparison) over the same advisories. docs/accuracy.md records the figures.
set -uo pipefail
: "${KENSA:?}" "${KS_DATA_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/kensa-acc-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
PY=/usr/bin/python3

"$KENSA" db import --db "$tmp/deb.db" "$KS_DATA_DIR/osv/Debian/all.zip" >/dev/null 2>"$tmp/err" ||
  { echo "FAIL import: $(cat "$tmp/err")"; echo "0 passed, 1 failed"; exit 1; }
$PY "$here/scan_accuracy_debian.py" make-root "$tmp/root" "$KS_DATA_DIR"
$PY "$here/scan_accuracy_debian.py" expect "$tmp/root" "$KS_DATA_DIR" >"$tmp/expected.tsv"
"$KENSA" scan --db "$tmp/deb.db" --all-kernels --format json "$tmp/root" >"$tmp/findings.json" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ]; then pass=$((pass + 1)); echo "ok   scan of $(grep -c '^Package:' "$tmp/root/var/lib/dpkg/status") packages"
else fail=$((fail + 1)); echo "FAIL scan exit $rc: $(head -3 "$tmp/err")"; fi
if $PY "$here/scan_accuracy_debian.py" compare "$tmp/expected.tsv" "$tmp/findings.json"; then
  pass=$((pass + 1)); echo "ok   every (CVE, source package) pair agrees with apt_pkg"
else
  fail=$((fail + 1)); echo "FAIL kensa and the oracle disagree"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
