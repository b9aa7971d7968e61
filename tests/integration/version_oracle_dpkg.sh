#!/usr/bin/env bash
# Property test: `kensa version compare Debian` against dpkg --compare-versions (one run per pair: dpkg has no batch mode)
# on 2000 pairs of real versions from the shared data (see oracles/lib.sh).
source "$(dirname "$0")/oracles/lib.sh"
if ! command -v dpkg >/dev/null 2>&1; then
  bad "dpkg: the reference tool is missing (make deps installs it)"
else
  oracle_check dpkg "Debian" dpkg 2000 20261122 -- bash "$ORACLES/dpkg_oracle.sh"
fi
finish
