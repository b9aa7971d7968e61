#!/usr/bin/env bash
# Matching accuracy for language ecosystems against independent oracles:
# packages at real versions from the OSV records of PyPI, npm, crates.io, Go
# and Maven, given to `kensa scan` as CycloneDX SBOMs, and checked triple by
# triple (advisory, package, version) against the OSV schema's evaluation
# rules written in Python with the ecosystem's own tool comparing versions
# (packaging, node-semver, golang.org/x/mod/semver, Maven's ComparableVersion).
set -uo pipefail
: "${KENSA:?}" "${KS_DATA_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
ORACLES="$here/oracles"
tmp=$(mktemp -d /tmp/kensa-acc-lang.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
PY=/usr/bin/python3
RUNS=2

run() {   # ecosystem, oracle command...
  local eco=$1 d; shift
  d="$tmp/$(echo "$eco" | tr -d '.:')"
  local zip="$KS_DATA_DIR/osv/$eco/all.zip"
  if ! $PY "$here/scan_accuracy_lang.py" make "$eco" "$zip" $RUNS "$d" -- "$@" 2>"$d.err"; then
    bad "$eco: oracle failed: $(tail -2 "$d.err")"; return
  fi
  "$KENSA" db import --db "$d.db" "$zip" >/dev/null 2>&1 || { bad "$eco: db import"; return; }
  for ((i = 0; i < RUNS; i++)); do
    if ! "$KENSA" scan --db "$d.db" --format json "sbom:$d/sbom-$i.json" >"$d/f$i.json" 2>"$d/err"; then
      bad "$eco run $i: scan failed: $(head -2 "$d/err")"; continue
    fi
    if $PY "$here/scan_accuracy_lang.py" compare "$eco" "$d/expected-$i.tsv" "$d/unknown-$i.tsv" "$d/f$i.json"; then
      ok "$eco run $i agrees with the oracle"
    else
      bad "$eco run $i: kensa and the oracle disagree"
    fi
  done
}

run PyPI $PY "$ORACLES/pep440_oracle.py"
if java -version >/dev/null 2>&1 && [ -r /usr/share/maven/lib/maven-artifact-3.x.jar ]; then
  run Maven java -cp /usr/share/maven/lib/maven-artifact-3.x.jar "$ORACLES/MavenOracle.java"
else
  bad "Maven: java or maven-artifact missing (make deps installs them)"
fi
if (cd "$ORACLES" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE="$tmp/gocache" \
      go build -o "$tmp/gosemver" ./gosemver) >"$tmp/gobuild.log" 2>&1; then
  run Go "$tmp/gosemver"
else
  bad "Go: cannot build the x/mod/semver oracle: $(tail -2 "$tmp/gobuild.log")"
fi
cp "$ORACLES/npm/package.json" "$ORACLES/npm/package-lock.json" "$tmp/"
if (cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1); then
  run npm node "$ORACLES/semver_oracle.js" "$tmp/node_modules/semver"
  run crates.io node "$ORACLES/semver_oracle.js" "$tmp/node_modules/semver"
else
  bad "npm/crates.io: cannot install node-semver from the npm registry: $(tail -2 "$tmp/npm.log")"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
