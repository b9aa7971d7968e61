#!/usr/bin/env bash
# Property test: `kensa version compare npm` against node-semver, the npm
# package (pinned in oracles/npm/package-lock.json, installed here with
# `npm ci` from the npm registry into a scratch dir; node_modules is never
# committed), on 4000 pairs of real versions (see oracles/lib.sh).
source "$(dirname "$0")/oracles/lib.sh"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  bad "npm: node/npm missing"
else
  cp "$ORACLES/npm/package.json" "$ORACLES/npm/package-lock.json" "$TMP/"
  if ! (cd "$TMP" && npm ci --no-audit --no-fund --loglevel=error >"$TMP/npm.log" 2>&1); then
    bad "npm: cannot install node-semver from the npm registry: $(tail -3 "$TMP/npm.log")"
  else
    oracle_check npm npm semver 4000 20261122 -- node "$ORACLES/semver_oracle.js" "$TMP/node_modules/semver"
  fi
fi
finish
