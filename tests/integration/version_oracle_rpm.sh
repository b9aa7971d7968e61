#!/usr/bin/env bash
# Property test: `kensa version compare Red Hat` against python3-rpm: rpm.ver(), librpm's rpmverParse()/rpmverCmp()
# on 4000 pairs of real versions from the shared data (see oracles/lib.sh).
source "$(dirname "$0")/oracles/lib.sh"
if ! $PY -c 'import rpm' >/dev/null 2>&1; then
  bad "rpm: the reference tool is missing (make deps installs it)"
else
  oracle_check rpm "Red Hat" rpm 4000 20261122 -- "$PY" "$ORACLES/rpm_oracle.py"
fi
finish
