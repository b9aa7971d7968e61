#!/usr/bin/env bash
# Property test: `kensa version compare RubyGems` against ruby's Gem::Version
# on 4000 pairs of real versions from the shared data (see oracles/lib.sh).
source "$(dirname "$0")/oracles/lib.sh"
if ! command -v ruby >/dev/null 2>&1; then
  bad "rubygems: the reference tool is missing (make deps installs it)"
else
  oracle_check rubygems "RubyGems" rubygems 4000 20261122 -- ruby "$ORACLES/rubygems_oracle.rb"
fi
finish
