#!/usr/bin/env bash
# Property test: `kensa version compare Go` against golang.org/x/mod/semver
# (Debian's golang-golang-x-mod-dev, built here in GOPATH mode; the oracle
# adds the "v" OSV's Go records omit) on 4000 pairs of real versions from
# the shared data (see oracles/lib.sh).
source "$(dirname "$0")/oracles/lib.sh"
if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/golang.org/x/mod/semver ]; then
  bad "go: go or golang-golang-x-mod-dev missing (make deps installs them)"
elif ! (cd "$ORACLES" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE="$TMP/gocache" \
        go build -o "$TMP/gosemver" ./gosemver) >"$TMP/gobuild.log" 2>&1; then
  bad "go: cannot build the oracle: $(tail -3 "$TMP/gobuild.log")"
else
  oracle_check go Go go 4000 20261122 -- "$TMP/gosemver"
fi
finish
