#!/usr/bin/env bash
# Property test: `kensa version compare PyPI` against packaging.version.Version
# on 4000 pairs of real versions from the shared data (see oracles/lib.sh).
source "$(dirname "$0")/oracles/lib.sh"
if ! $PY -c 'import packaging.version' >/dev/null 2>&1; then
  bad "pep440: the reference tool is missing (make deps installs it)"
else
  oracle_check pep440 "PyPI" pep440 4000 20261122 -- "$PY" "$ORACLES/pep440_oracle.py"
fi
finish
